"""Migration l0008: agent links get their statement's verb, and give it up again, keeping every link."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import inspect, text

from lrs.db import create_engine
from tests.conftest import XAPI
from tests.lrs.test_link_keys_migration import _config
from tests.lrs.test_queries import ALICE, BOB, COMMENTED, COURSE, PASSED
from tests.lrs.test_query_streams import about, every_page, post

ORPHAN = ("mbox:mailto:nobody@example.org", "actor", 999_999)


def _links(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("lrs_statement_agent")}
        wanted = "ifi, relation, sequence" + (", verb_iri" if "verb_iri" in columns else "")
        rows = connection.execute(text(f"SELECT {wanted} FROM lrs_statement_agent ORDER BY sequence, relation, ifi"))
        return [tuple(row) for row in rows]


def _verbs(engine: Any) -> dict[int, str]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT sequence, verb_iri FROM lrs_statement")).all())


def test_agent_links_carry_their_statements_verb_both_ways(xapi: XAPI, database_url: str) -> None:
    passed = post(xapi, {**about(ALICE, PASSED, COURSE), "context": {"instructor": BOB}})[0]
    commented = post(xapi, about(BOB, COMMENTED, COURSE))[0]
    engine = create_engine(database_url)
    try:
        at_head = _links(engine)
        verbs = _verbs(engine)
        assert at_head and all(verb == verbs[sequence] for _, _, sequence, verb in at_head)

        command.downgrade(_config(engine), "l0007_statement_rowid")
        assert _links(engine) == [link[:3] for link in at_head]
        with engine.begin() as connection:  # a link whose statement is gone
            connection.execute(text("INSERT INTO lrs_statement_agent VALUES (:i, :r, :s)"), dict(zip("irs", ORPHAN)))

        command.upgrade(_config(engine), "head")
        assert _links(engine) == sorted([*at_head, (*ORPHAN, "")], key=lambda link: (link[2], link[1], link[0]))
        with engine.begin() as connection:  # still keyed (ifi, sequence, relation)
            connection.execute(text("DELETE FROM lrs_statement_agent WHERE sequence = :s"), {"s": ORPHAN[2]})
    finally:
        engine.dispose()
    assert every_page(xapi, agent=ALICE, verb=PASSED) == [passed]
    assert every_page(xapi, agent=BOB, verb=COMMENTED) == [commented]
    assert every_page(xapi, agent=BOB, related_agents=True, verb=PASSED) == [passed]
