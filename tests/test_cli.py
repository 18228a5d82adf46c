"""`flask careerlink create-user` and `demo`."""

from __future__ import annotations

from careerlink.accounts.models import User, find_user_by_email
from careerlink.accounts.passwords import check_password
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
    cases = [
        (["create-user", staff.email, "--role", "staff", "--password-stdin"], "already exists"),
        (["create-user", "x@example.edu", "--role", "staff", "--password-stdin"], "at least"),
        (["create-user", "not-an-email", "--role", "staff", "--password-stdin"], "valid email"),
        (["create-user", "y@example.edu", "--role", "wizard", "--password-stdin"], "wizard"),
        (["create-user", "z@example.edu", "--password-stdin"], "--role"),
    ]
    for args, message in cases:
        password = "short\n" if "x@" in args[1] else "a-long-password-1\n"
        result = run(app, *args, input=password)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    db.session.expire_all()
    assert db.session.query(User).count() == 1


def test_demo_is_idempotent_and_prints_sign_ins(app, db):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    assert "staff@demo.careerlink.test" in first.output
    assert "password" in first.output
    count = db.session.query(User).count()
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert db.session.query(User).count() == count
    staff = find_user_by_email("staff@demo.careerlink.test")
    assert staff.has_role(Role.STAFF)
