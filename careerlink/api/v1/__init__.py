"""The /api/v1 operations, one module per part (directory, openings, requests, me, staff...)."""

from careerlink.api.v1 import directory, documents, me, openings, requests, staff  # noqa: F401
