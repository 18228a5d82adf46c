"""CareerLink: an alumni mentor network run by a university career office."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from careerlink.__about__ import __version__
from careerlink.paths import STATIC_DIR, TEMPLATES_DIR, load_config_module
from careerlink.web.templating import CareerLinkFlask

__all__ = ["__version__", "create_app"]


def create_app(config: Mapping[str, Any] | object | None = None) -> Flask:
    """Build the application; `config` (a mapping or object) overrides the environment."""
    app = CareerLinkFlask(
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
        instance_relative_config=True,
        instance_path=load_config_module().instance_path_from_env(),
    )
    register_config(app, config)
    register_extensions(app)
    register_web(app)
    register_blueprints(app)
    register_errors(app)
    register_templates(app)
    register_cli(app)
    register_embed(app)
    register_proxy(app)
    return app


DEFAULT_SQLITE_NAME = "careerlink.sqlite3"


def register_config(app: Flask, overrides) -> None:
    """Load config.py's environment-driven settings, then the caller's overrides."""
    cfg = load_config_module()
    app.config.from_object(cfg.config_from_env())
    if overrides is not None:
        if isinstance(overrides, Mapping):
            app.config.update(overrides)
        else:
            app.config.from_object(overrides)
    if not app.config.get("SECRET_KEY"):
        raise cfg.ConfigError("SECRET_KEY must be set")
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        from pathlib import Path

        # The folder and the file are made by `flask db upgrade` (careerlink.database).
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / DEFAULT_SQLITE_NAME}"
        )
        app.config["CAREERLINK_DEFAULT_DATABASE"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options from the CAREERLINK_DB_* settings; explicit options win.

    On a server database every pooled connection is pinged before use, so a database restart
    costs no failed request, and the pool sizes and the connect timeout apply. A SQLite file
    has no server to restart: a ping would be a statement on every request for nothing.
    """
    options: dict[str, Any] = {}
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        recycle = config["CAREERLINK_DB_POOL_RECYCLE_SECONDS"]
        options.update(
            pool_pre_ping=True,
            pool_size=config["CAREERLINK_DB_POOL_SIZE"],
            max_overflow=config["CAREERLINK_DB_MAX_OVERFLOW"],
            pool_recycle=recycle or -1,  # 0: never recycle
            connect_args={"connect_timeout": config["CAREERLINK_DB_CONNECT_TIMEOUT_SECONDS"]},
        )
    given = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = {**options.get("connect_args", {}), **given.pop("connect_args", {})}
    options.update(given)
    if connect_args:
        options["connect_args"] = connect_args
    return options


def register_extensions(app: Flask) -> None:
    """Bind the unbound extension objects to this app."""
    from careerlink.extensions import csrf, db, limiter, login_manager, migrate
    from careerlink.paths import MIGRATIONS_DIR

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    login_manager.login_view = "accounts.signin"
    login_manager.login_message = _l("Please sign in to see that page.")
    # Flashed as a plain string in the visitor's language (a lazy one cannot go in the session).
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"

    from careerlink.database import (
        import_models,
        register_default_database_guard,
        register_sqlite_pragmas,
    )
    from careerlink.mentors import directory_snapshot, facet_cache

    facet_cache.init_app(app)
    directory_snapshot.init_app(app)

    register_sqlite_pragmas(app)
    register_default_database_guard(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        from careerlink.accounts.signin import load_user as load_signed_in_user

        return load_signed_in_user(user_id)

    import_models()  # every table known to metadata and Alembic


def register_web(app: Flask) -> None:
    """Bounded URL converters (before any route), security headers, request ids and logs."""
    from careerlink.web.cookies import MountedSessionInterface
    from careerlink.web.request_log import register_request_log
    from careerlink.web.security import (
        register_input_guards,
        register_security_headers,
        register_url_converters,
    )

    app.session_interface = MountedSessionInterface()
    register_url_converters(app)
    register_input_guards(app)
    register_security_headers(app)
    register_request_log(app)


def register_blueprints(app: Flask) -> None:
    """Mount every domain's blueprint."""
    from careerlink.accounts.privacy_views import bp as privacy_bp
    from careerlink.accounts.sso.views import bp as sso_bp
    from careerlink.accounts.views import bp as accounts_bp
    from careerlink.api import register_api
    from careerlink.audit.views import bp as audit_bp
    from careerlink.connections.views import bp as connections_bp
    from careerlink.embed.views import bp as embed_bp
    from careerlink.mentors.imports.invitation_views import bp as invitations_bp
    from careerlink.mentors.imports.views import bp as imports_bp
    from careerlink.mentors.views import bp as mentors_bp
    from careerlink.openings.views import bp as openings_bp
    from careerlink.site.views import bp as main_bp
    from careerlink.staff.admin.views import bp as admin_bp
    from careerlink.staff.reports.views import bp as reports_bp
    from careerlink.staff.views import bp as staff_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(imports_bp, url_prefix="/staff/imports")
    app.register_blueprint(invitations_bp)
    app.register_blueprint(mentors_bp)
    app.register_blueprint(connections_bp)
    app.register_blueprint(openings_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(reports_bp, url_prefix="/staff/reports")
    register_api(app)
    app.register_blueprint(embed_bp)


def register_errors(app: Flask) -> None:
    """Error pages in the site's style; one handler for every DomainError."""
    from careerlink.web.errors import register_error_pages

    register_error_pages(app)


def register_templates(app: Flask) -> None:
    """Template helpers shared by every page."""
    from careerlink.i18n import register_i18n
    from careerlink.web.templating import register_template_helpers

    register_i18n(app)
    register_template_helpers(app)


def register_cli(app: Flask) -> None:
    """The `flask careerlink ...` command group."""
    from careerlink.cli import careerlink_cli

    app.cli.add_command(careerlink_cli)


def register_embed(app: Flask) -> None:
    """Serve every page under /embed/ too, for portals' frames (careerlink.embed)."""
    from careerlink.embed.prefix import EmbedPrefix

    app.wsgi_app = EmbedPrefix(app.wsgi_app)


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* (including the prefix) from the configured number of proxies."""
    count = app.config.get("CAREERLINK_PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=count
        )
