"""The LRS's HTTP API under /xapi: blueprint, request context, errors (xAPI 1.0.3 Part Three, 2.0 §3)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("xapi", __name__)


def register_routes() -> None:
    """Import the resource modules so their routes attach to ``bp`` (once)."""
    from lrs.api import about, activities, documents, headers, statements  # noqa: F401
