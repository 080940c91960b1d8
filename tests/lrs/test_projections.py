"""The projection hook: the registrations of each agent, kept in the statement transaction and rebuildable.

DESIGN.md, "Derived facts for fast pages": the live projection must equal a rebuild from
the statements alone; a rule that refuses a statement refuses its whole batch.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lrs.errors import Refused
from lrs.vocab import VERB_REGISTERED, VERB_VOIDED
from tests.conftest import new_uuid

LEARNER = {
    "objectType": "Agent",
    "account": {"homePage": "https://rollcall.example", "name": "u-1"},
}
OTHER = {"objectType": "Agent", "mbox": "mailto:other@example.org"}


def registered(
    agent: dict[str, Any], course: str, registration: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": new_uuid(),
        "actor": agent,
        "verb": {"id": VERB_REGISTERED, "display": {"en-US": "registered"}},
        "object": {"id": course},
        "context": {"registration": registration or new_uuid()},
        **extra,
    }


def void(statement_id: str) -> dict[str, Any]:
    return {
        "actor": OTHER,
        "verb": {"id": VERB_VOIDED},
        "object": {"objectType": "StatementRef", "id": statement_id},
    }


def test_registered_statements_show_up_newest_first(lrs_client: Any) -> None:
    first = registered(LEARNER, "http://example.org/courses/a")
    second = registered(LEARNER, "http://example.org/courses/b")
    lrs_client.store_statement(first)
    lrs_client.store_statements(
        [second, registered(OTHER, "http://example.org/courses/a")]
    )
    rows = lrs_client.registrations(LEARNER)
    assert [r["statement_id"] for r in rows] == [second["id"], first["id"]]
    assert rows[1]["activity_id"] == "http://example.org/courses/a"
    assert rows[1]["registration"] == first["context"]["registration"]
    assert rows[1]["stored"].endswith("Z")
    assert lrs_client.registrations({"mbox": "mailto:nobody@example.org"}) == []


def test_other_verbs_and_statements_without_registration_are_ignored(
    lrs_client: Any,
) -> None:
    lrs_client.store_statement(
        {
            **registered(LEARNER, "http://example.org/c"),
            "verb": {"id": "http://example.org/liked"},
        }
    )
    no_registration = registered(LEARNER, "http://example.org/c")
    del no_registration["context"]
    lrs_client.store_statement(no_registration)
    assert lrs_client.registrations(LEARNER) == []


def test_a_repeated_enrollment_is_a_no_op(lrs_client: Any) -> None:
    statement = registered(LEARNER, "http://example.org/courses/a")
    lrs_client.store_statement(statement)
    lrs_client.store_statement(statement)
    assert len(lrs_client.registrations(LEARNER)) == 1


def test_voiding_removes_the_registration_even_when_the_voiding_came_first(
    lrs_client: Any,
) -> None:
    kept = registered(LEARNER, "http://example.org/courses/kept")
    mistake = registered(LEARNER, "http://example.org/courses/mistake")
    early = registered(LEARNER, "http://example.org/courses/early")
    lrs_client.store_statements([kept, mistake])
    lrs_client.store_statement(void(mistake["id"]))
    lrs_client.store_statement(void(early["id"]))
    lrs_client.store_statement(early)
    assert [r["statement_id"] for r in lrs_client.registrations(LEARNER)] == [
        kept["id"]
    ]


def test_the_live_projection_equals_a_rebuild_from_statements(
    lrs_client: Any, runner: Any
) -> None:
    statements = [
        registered(LEARNER if n % 2 else OTHER, f"http://example.org/courses/{n % 3}")
        for n in range(12)
    ]
    lrs_client.store_statements(statements[:6])
    for statement in statements[6:]:
        lrs_client.store_statement(statement)
    lrs_client.store_statements([void(statements[1]["id"]), void(statements[8]["id"])])
    lrs_client.store_statement(void(statements[9]["id"]) | {"id": new_uuid()})
    live = {json.dumps(a): lrs_client.registrations(a) for a in (LEARNER, OTHER)}
    assert sum(len(rows) for rows in live.values()) == 9

    result = runner.invoke(args=["lrs", "projections", "rebuild"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["projections"] == ["registrations", "completions"]
    assert report["statements"] == 12 + 3 - 3  # voided statements are not replayed
    assert {
        json.dumps(a): lrs_client.registrations(a) for a in (LEARNER, OTHER)
    } == live


def test_a_refusing_rule_stores_nothing_of_its_batch(lrs_client: Any) -> None:
    def one_enrollment_per_course(_session: Any, statement: dict[str, Any]) -> None:
        if statement["object"]["id"] == "http://example.org/courses/closed":
            raise Refused("the course is closed for enrollment")

    lrs_client.add_rule(one_enrollment_per_course)
    good = registered(LEARNER, "http://example.org/courses/open")
    with pytest.raises(Refused, match="closed"):
        lrs_client.store_statements(
            [good, registered(LEARNER, "http://example.org/courses/closed")]
        )
    assert lrs_client.registrations(LEARNER) == []
    assert lrs_client.get_statement(good["id"]) is None


def test_a_failing_projection_rolls_back_the_statement(lrs_client: Any) -> None:
    class Broken:
        name = "broken"

        def apply(self, _session: Any, _statement: dict[str, Any]) -> None:
            raise RuntimeError("projection bug")

        def reset(self, _session: Any) -> None:
            return None

    lrs_client.add_projection(Broken())
    statement = registered(LEARNER, "http://example.org/courses/a")
    with pytest.raises(RuntimeError):
        lrs_client.store_statement(statement)
    assert lrs_client.get_statement(statement["id"]) is None
    assert lrs_client.registrations(LEARNER) == []
