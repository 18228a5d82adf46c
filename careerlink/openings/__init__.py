"""Openings that alumni post at their organisations, approved by staff, browsed by students."""
