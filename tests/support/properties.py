"""How the property tests over the test database run (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def database_property(max_examples: int = 15) -> settings:
    """Settings for a property test whose examples share the test's database fixtures.

    Few examples (each writes to the database, and CI runs the suite twice), the same examples
    every run (derandomize: a failure in CI fails again on a laptop), no deadline (a database
    step's time varies), and no warning that function-scoped fixtures outlive the examples:
    each test resets what it needs at the start of an example.
    """
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
