"""Errors of the catalog: what the admin or partner typed is wrong, or an entry is not there."""

from __future__ import annotations

from core.errors import NotFound, RollcallError


class InvalidEntry(RollcallError):
    """A catalog entry's data is wrong; ``fields`` maps each form field to what is wrong with it."""

    status_code = 422

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in fields.items()))
        self.fields = fields


class EntryNotFound(NotFound):
    """No such catalog entry, or not one this person may see."""
