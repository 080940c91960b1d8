"""``rollcall lrs ...``: credentials and projections (DESIGN.md, the command line)."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from lrs.sql import credentials


@click.group("lrs")
def lrs_group() -> None:
    """The Learning Record Store."""


@lrs_group.group("credentials")
def credentials_group() -> None:
    """LRS key/secret credentials."""


@credentials_group.command("create")
@click.option("--name", required=True, help="Who or what the credential is for.")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(credentials.SCOPES))
@click.option("--agent", help="Restrict to this agent (JSON).")
@click.option("--registration", help="Restrict to this registration (UUID).")
@click.option("--activity-prefix", help="Restrict to activity IRIs starting with this.")
@click.option("--expires", type=click.DateTime(), help="Expiry time (UTC).")
@with_appcontext
def create(
    name: str,
    scopes: tuple[str, ...],
    agent: str | None,
    registration: str | None,
    activity_prefix: str | None,
    expires: datetime | None,
) -> None:
    """Create a credential; prints {"key", "secret", "scopes"} as JSON."""
    lrs = current_app.extensions["lrs"]
    try:
        agent_json = json.loads(agent) if agent else None
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"--agent is not JSON: {exc}") from exc
    with lrs.write_sessions.begin() as session:
        credential, secret = credentials.create_credential(
            session,
            lrs.config.secret_key,
            name=name,
            scopes=list(scopes),
            agent=agent_json,
            registration=registration,
            activity_prefix=activity_prefix,
            expires_at=expires,
        )
        out = {"key": credential.key, "secret": secret, "scopes": list(credential.scopes)}
    click.echo(json.dumps(out))


@credentials_group.command("list")
@with_appcontext
def list_() -> None:
    """List credentials as JSON (secrets are never shown again)."""
    lrs = current_app.extensions["lrs"]
    with lrs.sessions() as session:
        click.echo(json.dumps([c.to_json() for c in credentials.list_credentials(session)], indent=2))


@credentials_group.command("revoke")
@click.argument("key")
@with_appcontext
def revoke(key: str) -> None:
    """Revoke a credential by key."""
    lrs = current_app.extensions["lrs"]
    with lrs.write_sessions.begin() as session:
        if not credentials.revoke_credential(session, key):
            raise click.ClickException(f"no credential with key {key}")
    lrs.forget_credential(key)
    click.echo(json.dumps({"revoked": key}))


@lrs_group.group("projections")
def projections_group() -> None:
    """Derived facts kept from statements (DESIGN.md, "Derived facts for fast pages")."""


@projections_group.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Reset every projection and replay all statements in commit order; prints {"statements": N}."""
    lrs = current_app.extensions["lrs"]
    count = lrs.client.rebuild_projections()
    names = [p.name for p in lrs.client.hooks.projections]
    click.echo(json.dumps({"projections": names, "statements": count}))
