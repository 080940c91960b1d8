"""The app's package storage (STYLE.md §3); the files themselves are served by ``player.content`` on the content origin."""

from __future__ import annotations

from flask import Flask, current_app

from packages.storage import PackageStorage, storage_from_url


def init_app(app: Flask, storage_url: str) -> None:
    """Make the app's package storage (the player serves the files, the catalog the materials)."""
    app.extensions["package_storage"] = storage_from_url(storage_url)


def package_storage() -> PackageStorage:
    """The app's package storage (built once in create_app)."""
    return current_app.extensions["package_storage"]  # type: ignore[no-any-return]
