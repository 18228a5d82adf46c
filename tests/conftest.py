"""Shared fixtures, one module per subject under tests/support/ (see its __init__).

Test modules import a few plain helpers from here (`from conftest import link_from`); they
are re-exported below so that those imports keep working.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("CAREERLINK_ENV", "testing")
# The support modules are imported here before pytest loads them as plugins: rewrite their
# asserts too.
pytest.register_assert_rewrite("support")

pytest_plugins = [
    "support.database",
    "support.factories",
    "support.auth",
    "support.smtp",
    "support.outbox",
    "support.oidc",
    "support.translations",
]

from support.auth import DEFAULT_PASSWORD, sign_in_session  # noqa: E402
from support.database import (  # noqa: E402
    TEST_DB_URL,
    IsolatedClient,
    TestDatabase,
    app_config,
    once,
    other_app,
)
from support.outbox import link_from, write_deferred  # noqa: E402
from support.smtp import SmtpSink, free_port  # noqa: E402

__all__ = [
    "DEFAULT_PASSWORD",
    "TEST_DB_URL",
    "IsolatedClient",
    "SmtpSink",
    "TestDatabase",
    "app_config",
    "free_port",
    "link_from",
    "once",
    "other_app",
    "sign_in_session",
    "write_deferred",
]
