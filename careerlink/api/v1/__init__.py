"""The /api/v1 operations, one module per part: directory, requests, me, staff, documents."""

from careerlink.api.v1 import directory, documents, me, requests, staff  # noqa: F401
