"""The application factory: the whole Rollcall app (portal, player, packages, LRS at /xapi)."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core import db as core_db
from core import web
from core.config import Settings
from lrs.app import init_app as init_lrs
from lrs.config import LRSConfig, parse_versions


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from ``settings`` (default: the environment)."""
    settings = settings or Settings.from_env()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        ROLLCALL=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=None,
    )
    if settings.trusted_proxies:
        # request.remote_addr (rate limits) and the scheme come from the last N proxies' headers.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    engine = core_db.create_engine(settings.database_url)
    web.init_app(app, engine)
    lrs_config = LRSConfig(
        database_url=settings.database_url,
        secret_key=settings.secret_key,
        base_url=settings.base_url,
        versions=parse_versions(settings.xapi_versions),
    )
    lrs = init_lrs(app, lrs_config)
    # The LRS's derived facts the portal reads: "My learning" and course completion.
    lrs.client.add_projection("registrations")
    lrs.client.add_projection("completions")

    from packages import views as package_views

    package_views.init_app(app, settings.storage_url)
    from player import content as player_content

    player_content.init_app(app)  # /content/ on the content origin (player/PROTOCOL.md)

    from portal import home

    app.register_blueprint(home.bp)

    from portal import security
    from portal.accounts import access, profile
    from portal.accounts import views as account_views
    from portal.admin import partners as admin_partners
    from portal.admin import settings as admin_settings
    from portal.admin import users as admin_users
    from portal.help import errors as help_errors
    from portal.help import views as help_views

    access.init_app(app)  # flask-login
    security.init_app(app)  # CSRF, cookie flags, security headers
    help_errors.init_app(app)  # error pages in the page shell
    help_views.init_app(app)  # /help, and `site` + `nav_url` in every template
    for blueprint in (account_views.bp, profile.bp, admin_users.bp, admin_partners.bp, admin_settings.bp):
        app.register_blueprint(blueprint)

    from portal.admin import catalog as admin_catalog
    from portal.catalog import views as catalog_views
    from portal.enrollment import views as enrollment_views
    from portal.partner import views as partner_views

    for blueprint in (catalog_views.bp, enrollment_views.bp, partner_views.bp, admin_catalog.bp):
        app.register_blueprint(blueprint)
    from certificates import views as certificate_views
    from portal.enrollment import certificates as enrollment_certificates

    certificate_views.init_app(
        app, rate_limit=enrollment_certificates.limit_verification, time_zone=enrollment_certificates.site_time_zone
    )
    from portal import play

    play.init_app(app)  # the player's blueprint and GET /courses/<slug>/play
    from player import tincan

    tincan.init_app(app)  # Tin Can completions from the LRS's stored statements
    if not settings.is_production:  # ARCHITECTURE.md "Unit of work", checked at every LRS call (core.web)
        app.extensions["lrs_client"] = web.guard_calls(app.extensions["lrs_client"])
    return app


def upgrade_database(app: Flask) -> None:
    """Apply every migration: the LRS's, then the app's own."""
    app.extensions["lrs"].upgrade()
    core_db.upgrade_core(app.extensions["db_engine"])
