"""Statement validation: a minimal statement passes, and errors name the path and the rule."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.errors import BadRequest
from lrs.validation import validate_statement

VERSIONS = ("1.0.3", "2.0.0")


def minimal() -> dict[str, Any]:
    """A statement with only the three required properties."""
    return {
        "actor": {"mbox": "mailto:learner@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
        "object": {"id": "http://example.com/course/1"},
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_minimal_statement_is_accepted(version: str) -> None:
    validate_statement(minimal(), version)


@pytest.mark.parametrize("version", VERSIONS)
def test_error_names_path_rule_and_value(version: str) -> None:
    statement = minimal()
    statement["actor"] = {"mbox": "a@b.c"}
    with pytest.raises(BadRequest) as caught:
        validate_statement(statement, version)
    assert caught.value.message == 'statement.actor.mbox: must be a "mailto:" IRI, got "a@b.c"'


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_required_properties(missing: str) -> None:
    statement = minimal()
    del statement[missing]
    with pytest.raises(BadRequest, match=rf"statement\.{missing}: is required"):
        validate_statement(statement, "1.0.3")
