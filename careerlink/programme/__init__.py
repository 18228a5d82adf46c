"""Programme settings: values staff edit in the database, the environment as their defaults."""

from careerlink.programme.settings import (
    SETTINGS,
    forget_cache,
    is_overridden,
    readable,
    sender,
    value,
)

__all__ = ["SETTINGS", "forget_cache", "is_overridden", "readable", "sender", "value"]
