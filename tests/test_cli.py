"""`flask careerlink create-user` and `demo`, and how every command answers a refusal."""

from __future__ import annotations

import pytest
from flask.cli import with_appcontext

from careerlink.accounts.models import User, find_user_by_email
from careerlink.accounts.passwords import check_password
from careerlink.cli import careerlink_cli
from careerlink.database import transaction
from careerlink.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from careerlink.permissions import Role


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["careerlink", *args], input=input)


def test_create_user_with_roles_from_stdin(app, db):
    result = run(
        app,
        "create-user",
        "Officer@Example.edu",
        "--role",
        "staff",
        "--role",
        "admin",
        "--name",
        "Olive Officer",
        "--password-stdin",
        input="a-long-password-1\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Created officer@example.edu with roles: admin, staff\n"
    user = find_user_by_email("officer@example.edu")
    assert user.roles == {Role.STAFF, Role.ADMIN}
    assert user.display_name == "Olive Officer"
    assert user.email_verified
    assert check_password(user.password_hash, "a-long-password-1")


def test_create_user_prompts_for_the_password(app, db):
    result = run(
        app, "create-user", "p@example.edu", "--role", "staff", input="a-long-password-1\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert find_user_by_email("p@example.edu") is not None


def test_create_user_errors_write_nothing(app, db, staff):
    from careerlink.accounts.passwords import password_problem

    short = password_problem("short", "x@example.edu")
    assert short
    # Refusals from the service: exit status 1, "Error: " and the service's message.
    refusals = [
        (
            [staff.email],
            "An account with this email address already exists. Sign in, or reset your password.",
        ),
        (["x@example.edu"], short),
        (["not-an-email"], "Enter a valid email address."),
    ]
    for args, message in refusals:
        password = "short\n" if args[0].startswith("x@") else "a-long-password-1\n"
        result = run(
            app, "create-user", *args, "--role", "staff", "--password-stdin", input=password
        )
        assert (result.exit_code, result.output) == (1, f"Error: {message}\n"), args
    # Usage errors from click itself: exit status 2.
    usage = [
        (["y@example.edu", "--role", "wizard"], "'wizard' is not one of"),
        (["z@example.edu"], "Missing option '--role'"),
    ]
    for args, message in usage:
        result = run(app, "create-user", *args, "--password-stdin", input="a-long-password-1\n")
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)
    db.session.expire_all()
    assert db.session.query(User).count() == 1


DEMO_SIGN_INS = """\
Demo sign-ins (password for all: careerlink-demo):
  staff          staff@demo.careerlink.test
  admin, staff   admin@demo.careerlink.test
  student        student@demo.careerlink.test
  student        graduate@demo.careerlink.test
  alumnus        alumna@demo.careerlink.test
  alumnus        alumnus@demo.careerlink.test
"""


def test_demo_is_idempotent_and_prints_sign_ins(app, db):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    assert first.output.startswith(DEMO_SIGN_INS)
    # Then each domain's own summary, in order: the directory, the requests, the openings.
    rest = first.output[len(DEMO_SIGN_INS) :].splitlines()
    assert rest[0].startswith("Mentor directory: ")
    assert rest[-2].startswith("Demo requests: ")
    assert rest[-1] == ("Demo openings: 7 loaded (approved, waiting, refused, withdrawn, closed).")
    db.session.rollback()  # every domain's demo was committed by the command
    count = db.session.query(User).count()
    assert count > len(DEMO_SIGN_INS.splitlines())
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert second.output.startswith(DEMO_SIGN_INS)
    assert db.session.query(User).count() == count
    staff = find_user_by_email("staff@demo.careerlink.test")
    assert staff.roles == {Role.STAFF}
    assert check_password(staff.password_hash, "careerlink-demo")
    assert find_user_by_email("alumna@demo.careerlink.test").alumnus_verified
    assert not find_user_by_email("student@demo.careerlink.test").alumnus_verified


@pytest.fixture
def refusing_command(app):
    """A command on the careerlink group that writes a user, then raises the given error."""
    state: dict[str, Exception] = {}

    @careerlink_cli.command("test-refuse")
    @with_appcontext
    def refuse():
        """Write, then refuse (for tests)."""
        from careerlink.accounts.services import create_user

        with transaction():
            create_user("written@example.edu", "Written", None, [Role.STUDENT])
            raise state["error"]

    def arm(error: Exception) -> None:
        state["error"] = error

    yield arm
    careerlink_cli.commands.pop("test-refuse")


@pytest.mark.parametrize(
    "error",
    [
        DomainError("Plain refusal."),
        NotFound("No such profile."),
        NotAllowed("Only staff can do that."),
        InvalidTransition("Already approved."),
        Conflict("Already exists."),
    ],
)
def test_every_domain_error_becomes_a_click_error_and_rolls_back(app, db, refusing_command, error):
    refusing_command(error)
    result = run(app, "test-refuse")
    assert (result.exit_code, result.output) == (1, f"Error: {error.message}\n")
    assert isinstance(result.exception, SystemExit)  # click printed it: no traceback
    db.session.expire_all()
    assert find_user_by_email("written@example.edu") is None


def test_a_domain_error_in_a_nested_group_is_mapped_too(app, db):
    """The mapping lives on the top group, so the domains' sub-groups get it for free."""

    @careerlink_cli.group("test-nested")
    def nested():
        """A sub-group (for tests)."""

    @nested.command("refuse")
    def refuse():
        """Refuse (for tests)."""
        raise NotFound("Nothing here.")

    try:
        result = run(app, "test-nested", "refuse")
    finally:
        careerlink_cli.commands.pop("test-nested")
    assert (result.exit_code, result.output) == (1, "Error: Nothing here.\n")


def test_other_exceptions_are_not_hidden(app, db):
    """Only refusals become click errors; a bug still surfaces as itself."""

    @careerlink_cli.command("test-bug")
    def bug():
        """Fail (for tests)."""
        raise RuntimeError("a bug")

    try:
        result = run(app, "test-bug")
    finally:
        careerlink_cli.commands.pop("test-bug")
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
