"""Webhooks: events written with the change, delivered by a worker, signed (Standard Webhooks).

events.py writes an event (and one delivery per subscribed endpoint) in the same transaction
as the change; delivery.py is the worker (`flask careerlink webhooks deliver`); signing.py
makes the Standard Webhooks headers; network.py refuses private addresses (SSRF) and connects
to the address it checked; endpoints.py is what the admin pages call.
"""
