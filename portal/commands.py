"""Portal commands: ``rollcall users create`` and ``rollcall worker`` (DESIGN.md, the command line)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from core.db import transaction
from portal import mail, ratelimit
from portal.accounts import directory, services
from portal.accounts.models import ROLES, utcnow
from portal.demo import demo_command

log = logging.getLogger(__name__)


@click.group("users")
def users_group() -> None:
    """Portal accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="at least 10 characters, not the email address")
@click.option("--role", type=click.Choice(ROLES), default="learner", show_default=True)
@click.option("--name", default="", help="defaults to the part of the email before @")
@click.option(
    "--partner",
    "partner_slug",
    default=None,
    help="partner organization slug (role partner)",
)
@with_appcontext
def create_user(email: str, password: str, role: str, name: str, partner_slug: str | None) -> None:
    """Create a confirmed account (for operators: the first admin, support accounts); prints it as JSON."""
    factory = current_app.extensions["db_write"]
    try:
        with transaction(factory) as session:
            result = services.sign_up(
                session,
                email=email,
                password=password,
                name=name or email.split("@")[0],
            )
            if result.user is None:
                raise click.ClickException(f"an account with {services.normalize_email(email)} already exists")
            user = result.user
            user.confirmed_at = utcnow()
            directory.set_role(session, user, role, partner_slug, acting=None)
            printed = {
                "email": user.email,
                "uuid": user.uuid,
                "role": user.role,
                "partner": user.partner_slug,
            }
    except services.AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(printed))


def run_pass(app: Flask) -> dict[str, int]:
    """One pass of background work: deliver due emails, forget old rate-limit attempts."""
    result = mail.deliver_due(app.extensions["db_write"], app.config["ROLLCALL"])
    with transaction(app.extensions["db_write"]) as session:
        cleaned = ratelimit.clean_up(session)
        pending = mail.pending_count(session)
    return {
        "sent": result.sent,
        "retrying": result.retrying,
        "failed": result.failed,
        "pending": pending,
        "rate_limit_rows_removed": cleaned,
    }


def run_forever(app: Flask, interval: float, stop: threading.Event | None = None) -> None:
    """Run passes every ``interval`` seconds until ``stop`` is set; errors are logged, not fatal."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            run_pass(app)
        except Exception:
            log.exception("worker pass failed; trying again in %s s", interval)
        stop.wait(interval)


def start_background_sender(app: Flask, interval: float = 10.0) -> threading.Thread:
    """Run the worker's passes in a daemon thread of this process (``serve`` does this in each worker)."""
    thread = threading.Thread(target=run_forever, args=(app, interval), name="rollcall-outbox", daemon=True)
    thread.start()
    return thread


def start_in_gunicorn_worker(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` hook: drain the outbox from every worker (claims prevent doubles)."""
    start_background_sender(worker.wsgi)


@click.command("worker")
@click.option("--once", is_flag=True, help="one pass, print what it did as JSON, and exit")
@click.option("--interval", default=5.0, show_default=True, help="seconds between passes")
@with_appcontext
def worker(once: bool, interval: float) -> None:
    """Run background jobs: email outbox delivery with retries, clean-up."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        click.echo(json.dumps(run_pass(app)))
        return
    click.echo(f"worker running (every {interval} s); Ctrl+C to stop", err=True)
    try:
        run_forever(app, interval)
    except KeyboardInterrupt:
        click.echo("worker stopped", err=True)


commands = [users_group, worker, demo_command]
