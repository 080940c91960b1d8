"""Group commit (lrs.sql.group): writes that wait together share one transaction, and fail alone.

On SQLite and PostgreSQL, with real threads: while one transaction is open, the writes
that arrive queue; the next leader runs them in one transaction, each in a SAVEPOINT, so
a write that raises takes back only its own changes and gets its own error.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from lrs.client import SYSTEM_AUTHORITY
from lrs.errors import BadRequest, Conflict
from lrs.sql.group import CommitGroup
from lrs.sql.statements import prepare_batch, take_writers_lock, write_batches
from tests.conftest import XAPI, wait_until


class Boom(Exception):
    """The error one write raises on purpose."""


@pytest.fixture
def probe_table(app: Any) -> Any:
    lrs = app.extensions["lrs"]
    with lrs.write_sessions.begin() as session:
        session.execute(text("CREATE TABLE group_probe (n INTEGER NOT NULL)"))
    yield lrs
    with lrs.write_sessions.begin() as session:
        session.execute(text("DROP TABLE group_probe"))


def test_waiting_writes_share_one_transaction_and_fail_alone(probe_table: Any) -> None:
    lrs = probe_table
    group = CommitGroup(lrs.write_sessions)
    gate, entered = threading.Event(), threading.Event()
    sessions: dict[int, Session] = {}  # the sessions themselves: a freed one's id() may be reused
    results: dict[int, Any] = {}

    def work(n: int) -> Any:
        def run(session: Session) -> int:
            if n == 0:
                entered.set()
                assert gate.wait(30)  # the first leader holds its transaction open
            session.execute(text("INSERT INTO group_probe (n) VALUES (:n)"), {"n": n})
            sessions[n] = session
            if n == 2:
                raise Boom("write 2 fails")
            return n

        return run

    def call(n: int) -> None:
        try:
            results[n] = group.run(work(n))
        except Boom as exc:
            results[n] = exc

    threads = [threading.Thread(target=call, args=(0,))]
    threads[0].start()
    assert entered.wait(30)  # write 0 is inside its transaction now
    for n in (1, 2, 3):
        thread = threading.Thread(target=call, args=(n,))
        thread.start()
        threads.append(thread)
    wait_until(lambda: group.waiting() == 3)
    gate.set()
    for thread in threads:
        thread.join(timeout=60)

    assert results[0] == 0 and results[1] == 1 and results[3] == 3
    assert isinstance(results[2], Boom)
    assert sessions[1] == sessions[2] == sessions[3] != sessions[0]  # 1-3 in one transaction
    with lrs.sessions() as session:
        stored = sorted(session.execute(text("SELECT n FROM group_probe")).scalars())
    assert stored == [0, 1, 3]  # write 2's insert was taken back with its savepoint only


def test_a_lone_write_that_fails_stores_nothing(probe_table: Any) -> None:
    group = CommitGroup(probe_table.write_sessions)

    def failing(session: Session) -> None:
        session.execute(text("INSERT INTO group_probe (n) VALUES (7)"))
        raise Boom("no")

    with pytest.raises(Boom):
        group.run(failing)
    assert group.run(lambda session: session.execute(text("SELECT count(*) FROM group_probe")).scalar()) == 0


def test_concurrent_posts_get_their_own_answers(xapi: XAPI) -> None:
    """Eight threads POST at once (one with a conflicting id): each gets its own answer."""
    statement_id = "5d1f6a8e-1c1e-4b8e-9f0e-0c0f2b7a1c99"
    base = {"actor": {"mbox": "mailto:group@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}}
    first = xapi.post("statements", json={**base, "id": statement_id, "object": {"id": "http://example.org/a"}})
    assert first.status_code == 200
    answers: dict[int, Any] = {}

    def post(n: int) -> None:
        body: dict[str, Any] = {**base, "object": {"id": f"http://example.org/{n}"}}
        if n == 3:
            body["id"] = statement_id  # same id, other content: 409 for this one alone
        answers[n] = xapi.post("statements", json=body)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers[3].status_code == 409
    for n in set(range(8)) - {3}:
        assert answers[n].status_code == 200, answers[n].get_data()
        (stored_id,) = answers[n].get_json()
        found = xapi.get("statements", query_string={"statementId": stored_id}).get_json()
        assert found["object"]["id"] == f"http://example.org/{n}"


def _statement(statement_id: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": statement_id,
        "actor": {"mbox": "mailto:group@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": obj,
    }


def _voiding(statement_id: str, target: str) -> dict[str, Any]:
    return {
        **_statement(statement_id, {"objectType": "StatementRef", "id": target}),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
    }


def test_batches_written_together_keep_each_ones_rules(app: Any, xapi: XAPI) -> None:
    """Data §2.3.1 and §2.3.2 across the batches of one transaction, each refused or stored on its own."""
    lrs = app.extensions["lrs"]
    x, v, q, w, other = (str(uuid.uuid4()) for _ in range(5))
    batches = [
        [_statement(x, {"id": "http://example.org/x"})],
        [_voiding(v, x)],  # voids a statement of an earlier batch of the same transaction
        [_statement(x, {"id": "http://example.org/not-x"})],  # X's id, other content: 409
        [_voiding(str(uuid.uuid4()), v)],  # voids a voiding statement: 400
        [_voiding(w, q)],  # voids a statement that arrives in a later batch
        [_statement(q, {"id": "http://example.org/q"}), _statement(other, {"id": "http://example.org/o"})],
        [_statement(x, {"id": "http://example.org/x"})],  # X again, same content: a no-op
    ]
    prepared = [prepare_batch(b, authority=SYSTEM_AUTHORITY, version="1.0.3") for b in batches]
    with lrs.write_sessions.begin() as session:
        take_writers_lock(session)
        outcomes = write_batches(session, prepared, hooks=lrs.client.hooks)
    assert outcomes[0] == [x] and outcomes[1] == [v] and outcomes[4] == [w] and outcomes[5] == [q, other]
    assert isinstance(outcomes[2], Conflict) and isinstance(outcomes[3], BadRequest)
    assert outcomes[6] == [x]

    def get(**params: str) -> Any:
        return xapi.get("statements", query_string=params)

    assert get(statementId=x).status_code == 404 and get(voidedStatementId=x).status_code == 200
    assert get(voidedStatementId=x).get_json()["object"]["id"] == "http://example.org/x"
    assert get(statementId=q).status_code == 404 and get(voidedStatementId=q).status_code == 200
    assert get(statementId=other).status_code == 200 and get(statementId=v).status_code == 200
    everything = get(limit="50").get_json()["statements"]
    assert sorted(s["id"] for s in everything) == sorted([v, w, other])  # voided ones are not listed


def test_with_a_rule_each_batch_is_checked_after_the_ones_before_it(app: Any, xapi: XAPI) -> None:
    """A rule may read what earlier batches stored (cmi5's order rules): with rules, a group writes batch by batch."""
    from lrs.errors import Refused
    from lrs.hooks import Hooks, ReadView
    from lrs.sql.statements import write_group

    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    registration = str(uuid.uuid4())
    seen_by_rule: list[int] = []

    def only_after_first(view: ReadView, statement: dict[str, Any]) -> None:
        seen_by_rule.append(sum(s["id"] == first for s in view.statements(registration)))
        if statement["object"]["id"] == "http://example.org/refused":
            raise Refused("this rule refuses it")

    hooks = Hooks()
    hooks.rules.append(only_after_first)
    writes = [
        (prepare_batch([_statement(i, {"id": f"http://example.org/{o}"}) | {"context": {"registration": registration}}],
                       authority=SYSTEM_AUTHORITY, version="1.0.3"),
         None)
        for i, o in ((first, "one"), (second, "refused"), (third, "three"))
    ]
    lrs = app.extensions["lrs"]
    with lrs.write_sessions.begin() as session:
        take_writers_lock(session)
        outcomes = write_group(session, writes, hooks=hooks)
    assert outcomes[0] == [first] and isinstance(outcomes[1], Refused) and outcomes[2] == [third]
    assert seen_by_rule == [0, 1, 1]  # the second and third batches saw the first one stored
    assert xapi.get("statements", query_string={"statementId": second}).status_code == 404
    assert xapi.get("statements", query_string={"statementId": third}).status_code == 200
