"""The ``rollcall`` command (DESIGN.md, "Running it: the command line and settings")."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from portal.app import create_app, upgrade_database


def _create_app() -> Flask:
    return create_app()


def _outbox_hook() -> Any:
    """gunicorn's post_worker_init hook that drains the email outbox (portal.commands)."""
    from portal.commands import start_in_gunicorn_worker

    return start_in_gunicorn_worker


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """Rollcall: an xAPI LRS, a SCORM/xAPI/cmi5 course player and a training portal."""


@main.group("db")
def db_group() -> None:
    """The database."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply migrations (the LRS's and the app's)."""
    upgrade_database(current_app)
    click.echo("database is up to date")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=4, show_default=True, type=int, help="threads per worker")
@with_appcontext
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Migrate the database if needed and serve the whole app with gunicorn (LRS at /xapi/)."""
    from gunicorn.app.base import BaseApplication

    upgrade_database(current_app)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "core.serving.BalancedThreadWorker",  # gthread, balanced (see there)
                "accesslog": os.environ.get("ROLLCALL_ACCESS_LOG", None),
                "graceful_timeout": 10,
                "timeout": 120,
                # each worker retries the email outbox in a thread (as `rollcall worker` does)
                "post_worker_init": _outbox_hook(),
                # No shared $HOME/.gunicorn/gunicorn.ctl: several servers on one machine
                # (tests, benchmarks) would take each other's control socket.
                "control_socket_disable": True,
            }
            for key, value in options.items():
                if value is not None and key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return create_app()

    click.echo(f"Rollcall on http://{host}:{port}/ (LRS at http://{host}:{port}/xapi/)", err=True)
    Server().run()
    sys.exit(0)


def _add_subcommands() -> None:
    """Attach the command groups that other packages own."""
    from lrs.cli import lrs_group

    main.add_command(lrs_group)
    for module, name in (("packages.cli", "packages_group"), ("portal.commands", "commands")):
        try:
            mod = __import__(module, fromlist=[name])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        group = getattr(mod, name)
        if isinstance(group, click.Command):
            main.add_command(group)
        else:
            for command in group:
                main.add_command(command)


_add_subcommands()


if __name__ == "__main__":
    main()
