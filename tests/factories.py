"""Request helpers, kept importable as `from factories import MESSAGE, working_days, advance`.

They live in support/factories.py beside the factory fixtures that use them.
"""

from support.factories import MESSAGE, advance, working_days

__all__ = ["MESSAGE", "advance", "working_days"]
