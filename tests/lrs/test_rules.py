"""Rules judge statements through a read view (lrs.hooks.ReadView), never a Session.

The view shows a registration's statements as the transaction sees them, those accepted
earlier in the same batch included, so a POST of [initialized, completed, completed] is
judged as a whole; and State documents.
"""

from __future__ import annotations

from typing import Any

import pytest

from lrs.client import Refused
from lrs.vocab import VERB_COMPLETED, VERB_INITIALIZED
from tests.conftest import XAPI, new_uuid

LEARNER = {"objectType": "Agent", "mbox": "mailto:learner@example.org"}
AU = "https://courses.example.org/au/1"


def statement(verb: str, registration: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": new_uuid(),
        "actor": LEARNER,
        "verb": {"id": verb},
        "object": {"id": AU},
        "context": {"registration": registration},
        **extra,
    }


def cmi5_like_order(view: Any, incoming: dict[str, Any]) -> None:
    """completed only after initialized, and once per registration (after cmi5 §9.3's ordering rules)."""
    if incoming["verb"]["id"] != VERB_COMPLETED:
        return
    verbs = [s["verb"]["id"] for s in view.statements(incoming["context"]["registration"])]
    if VERB_INITIALIZED not in verbs:
        raise Refused("completed before initialized")
    if VERB_COMPLETED in verbs:
        raise Refused("completed twice in one registration")


@pytest.fixture
def ordered(lrs_client: Any) -> Any:
    lrs_client.add_rule(cmi5_like_order)
    return lrs_client


def test_a_batch_is_judged_as_a_whole(ordered: Any, xapi: XAPI) -> None:
    registration = new_uuid()
    twice = [statement(v, registration) for v in (VERB_INITIALIZED, VERB_COMPLETED, VERB_COMPLETED)]
    refused = xapi.post("statements", json=twice)
    assert refused.status_code == 403
    assert "completed twice" in refused.get_json()["error"]["message"]
    assert list(ordered.query_statements(registration=registration)) == []

    # The first completed sees the initialized before it in the same batch.
    once = [statement(v, registration) for v in (VERB_INITIALIZED, VERB_COMPLETED)]
    assert xapi.post("statements", json=once).status_code == 200
    assert len(list(ordered.query_statements(registration=registration))) == 2
    # And a later batch sees both stored.
    assert xapi.post("statements", json=[statement(VERB_COMPLETED, registration)]).status_code == 403
    assert xapi.post("statements", json=[statement(VERB_COMPLETED, new_uuid())]).status_code == 403


def test_a_refused_batch_leaves_nothing_in_the_view_for_the_next(ordered: Any) -> None:
    registration = new_uuid()
    with pytest.raises(Refused):
        ordered.store_statements(
            [statement(VERB_INITIALIZED, registration), statement(VERB_COMPLETED, new_uuid())]
        )
    with pytest.raises(Refused, match="before initialized"):
        ordered.store_statement(statement(VERB_COMPLETED, registration))


def test_the_view_orders_by_timestamp_and_gives_no_session(lrs_client: Any) -> None:
    registration = new_uuid()
    late = statement(VERB_INITIALIZED, registration, timestamp="2026-03-01T10:00:00Z")
    lrs_client.store_statement(late)
    seen: list[list[str]] = []

    def look(view: Any, incoming: dict[str, Any]) -> None:
        assert not hasattr(view, "execute") and not hasattr(view, "commit")
        seen.append([s["id"] for s in view.statements(registration.upper())])

    lrs_client.add_rule(look)
    early = statement("http://example.org/said", registration, timestamp="2026-01-01T10:00:00Z")
    unstamped = statement("http://example.org/said", registration)  # counts as now
    elsewhere = statement("http://example.org/said", new_uuid())
    last = statement("http://example.org/said", registration)
    lrs_client.store_statements([unstamped, early, elsewhere, last])
    assert seen == [
        [late["id"]],
        [late["id"], unstamped["id"]],
        [early["id"], late["id"], unstamped["id"]],
        [early["id"], late["id"], unstamped["id"]],
    ]


def test_the_view_reads_state_documents(lrs_client: Any) -> None:
    registration = new_uuid()
    lrs_client.put_state(AU, LEARNER, "LMS.LaunchData", b'{"moveOn": "Completed"}', registration=registration)

    def needs_launch_data(view: Any, incoming: dict[str, Any]) -> None:
        launch = view.state(AU, LEARNER, "LMS.LaunchData", incoming["context"]["registration"])
        if launch is None:
            raise Refused("no LMS.LaunchData for this registration")

    lrs_client.add_rule(needs_launch_data)
    lrs_client.store_statement(statement(VERB_INITIALIZED, registration))
    with pytest.raises(Refused, match="LaunchData"):
        lrs_client.store_statement(statement(VERB_INITIALIZED, new_uuid()))
