"""Statement queries as two streams: direct matches and StatementRef matches, merged by sequence.

xAPI 1.0.3 Part Three §2.1.3 (filters, ``more``, ``ascending``, since/until) and Data
§2.5.1 "Filter Conditions for StatementRefs", on SQLite and PostgreSQL: the StatementRef
stream is skipped when no StatementRef statement lies within the query's bounds and must
still be right when some lie inside or outside them; time bounds become sequence bounds.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.dialects import sqlite

from lrs.sql.indexing import activity_links, agent_links
from lrs.sql.queries import LEAST_RELATION, VERB_INDEX, Shape, direct_select
from lrs.vocab import VERB_VOIDED
from tests.conftest import XAPI
from tests.lrs.test_queries import ALICE, BOB, CAROL, COMMENTED, PASSED

LIKED = "http://activitystrea.ms/schema/1.0/like"
COURSE = "http://example.org/courses/fire-drill"


def about(actor: dict[str, Any], verb: str, activity: str) -> dict[str, Any]:
    return {"actor": actor, "verb": {"id": verb}, "object": {"id": activity}}


def ref_to(actor: dict[str, Any], verb: str, target: str) -> dict[str, Any]:
    return {
        "actor": actor,
        "verb": {"id": verb},
        "object": {"objectType": "StatementRef", "id": target},
    }


def post(xapi: XAPI, *statements: dict[str, Any]) -> list[str]:
    response = xapi.post("statements", json=list(statements))
    assert response.status_code == 200, response.get_data(as_text=True)
    ids: list[str] = response.get_json()
    return ids


def page(xapi: XAPI, **params: Any) -> dict[str, Any]:
    for key, value in list(params.items()):
        if isinstance(value, dict):
            params[key] = json.dumps(value)
        elif isinstance(value, bool):
            params[key] = "true" if value else "false"
    response = xapi.get("statements", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [s["id"] for s in body["statements"]]


def every_page(xapi: XAPI, **params: Any) -> list[str]:
    """The ids of every page of a query, following ``more`` to the end."""
    body = page(xapi, **params)
    seen = ids(body)
    while body["more"]:
        parts = urlsplit(body["more"])
        response = xapi.get(
            parts.path.removeprefix("/xapi/"), query_string=dict(parse_qsl(parts.query))
        )
        assert response.status_code == 200
        body = response.get_json()
        seen += ids(body)
    return seen


def stored_of(xapi: XAPI, statement_id: str) -> str:
    response = xapi.get("statements", query_string={"statementId": statement_id})
    stored: str = response.get_json()["stored"]
    return stored


def test_paging_interleaves_direct_and_statement_ref_matches(xapi: XAPI) -> None:
    first = post(xapi, about(ALICE, PASSED, COURSE))[0]
    liked_first = post(xapi, ref_to(BOB, LIKED, first))[0]
    second = post(xapi, about(ALICE, PASSED, f"{COURSE}/2"))[0]
    post(xapi, about(BOB, PASSED, COURSE))  # matches neither way
    liked_second = post(xapi, ref_to(CAROL, LIKED, second))[0]
    echo = post(xapi, ref_to(BOB, COMMENTED, liked_first))[0]  # a chain of two
    third = post(xapi, about(ALICE, PASSED, f"{COURSE}/3"))[0]
    newest_first = [third, echo, liked_second, second, liked_first, first]
    for limit in (1, 2, 4, 0):
        assert every_page(xapi, agent=ALICE, limit=limit) == newest_first
        assert every_page(xapi, agent=ALICE, limit=limit, ascending=True) == list(
            reversed(newest_first)
        )
    # echo targets a LIKED statement, so it matches the verb too.
    assert every_page(xapi, verb=LIKED, limit=1) == [echo, liked_second, liked_first]


def test_a_statement_matching_both_ways_is_returned_once(xapi: XAPI) -> None:
    original = post(xapi, about(ALICE, PASSED, COURSE))[0]
    own_comment = post(xapi, ref_to(ALICE, COMMENTED, original))[0]
    assert every_page(xapi, agent=ALICE, limit=1) == [own_comment, original]
    assert page(xapi, agent=ALICE, verb=PASSED)["statements"][0]["id"] == own_comment


def test_statement_refs_outside_the_bounds_are_left_out(xapi: XAPI) -> None:
    target = post(xapi, about(ALICE, PASSED, COURSE))[0]
    early_ref = post(xapi, ref_to(BOB, LIKED, target))[0]
    middle = post(xapi, about(ALICE, PASSED, f"{COURSE}/2"))[0]
    first_page = page(xapi, agent=ALICE, limit=1)
    late_ref = post(xapi, ref_to(CAROL, LIKED, middle))[0]  # after the first page
    assert ids(first_page) == [middle]
    rest = urlsplit(first_page["more"])
    following = xapi.get(
        rest.path.removeprefix("/xapi/"), query_string=dict(parse_qsl(rest.query))
    ).get_json()
    # The page bound fixed at the first page keeps the later StatementRef out.
    assert ids(following) == [early_ref]
    newest_first = [late_ref, middle, early_ref, target]
    stored = {
        statement_id: stored_of(xapi, statement_id) for statement_id in newest_first
    }
    for bound in (middle, early_ref):
        instant = stored[bound]
        assert every_page(xapi, agent=ALICE, since=instant, limit=1) == [
            s for s in newest_first if stored[s] > instant
        ]
        assert every_page(xapi, agent=ALICE, until=instant, limit=1) == [
            s for s in newest_first if stored[s] <= instant
        ]


def test_voided_targets_and_voided_references(xapi: XAPI) -> None:
    target = post(xapi, about(ALICE, PASSED, COURSE))[0]
    voider = post(xapi, ref_to(BOB, VERB_VOIDED, target))[0]
    kept = post(xapi, about(ALICE, PASSED, f"{COURSE}/2"))[0]
    liking = post(xapi, ref_to(CAROL, LIKED, kept))[0]
    unliked = post(xapi, ref_to(BOB, VERB_VOIDED, liking))[0]
    # Voided statements are gone; a voiding statement still matches through its target,
    # and down a chain that passes through a voided StatementRef statement.
    assert every_page(xapi, agent=ALICE, limit=1) == [unliked, kept, voider]
    assert every_page(xapi, verb=PASSED, ascending=True) == [voider, kept, unliked]
    assert every_page(xapi, activity=COURSE) == [voider]
    assert every_page(xapi, verb=LIKED) == [unliked]


def test_statement_refs_to_unknown_statements_match_nothing(xapi: XAPI) -> None:
    direct = post(xapi, about(ALICE, PASSED, COURSE))[0]
    post(xapi, ref_to(BOB, LIKED, "8f1b1d3a-6a63-4c1e-9c1c-5d2f0e2b7a10"))
    assert every_page(xapi, agent=ALICE) == [direct]
    assert every_page(xapi, verb=LIKED) != []  # the reference itself matches by verb


def test_time_bounds_hold_for_a_batch_stored_at_one_instant(xapi: XAPI) -> None:
    before = post(xapi, about(ALICE, PASSED, COURSE))[0]
    batch = post(xapi, *(about(ALICE, PASSED, f"{COURSE}/{n}") for n in range(3)))
    after = post(xapi, about(ALICE, PASSED, COURSE))[0]
    instant = stored_of(xapi, batch[0])
    assert {stored_of(xapi, statement_id) for statement_id in batch} == {instant}
    later = every_page(xapi, since=instant, ascending=True)
    assert not set(batch) & set(later)
    assert (after in later) == (stored_of(xapi, after) != instant)
    upto = every_page(xapi, until=instant, ascending=True, limit=2)
    assert set(batch) <= set(upto)
    assert (before in upto) and upto.index(before) < upto.index(batch[0])
    assert every_page(xapi, since=instant, until=instant) == []
    assert every_page(xapi, verb=PASSED, since="2999-01-01T00:00:00Z") == []
    assert every_page(xapi, verb=PASSED, until="2000-01-01T00:00:00Z") == []


def test_a_statement_linking_one_agent_or_activity_twice_comes_once(xapi: XAPI) -> None:
    about_herself = post(
        xapi,
        {
            "actor": ALICE,
            "verb": {"id": COMMENTED},
            "object": {"objectType": "Agent", **ALICE},
            "context": {
                "instructor": ALICE,
                "contextActivities": {
                    "parent": [{"id": COURSE}],
                    "grouping": [{"id": COURSE}],
                },
            },
        },
    )[0]
    older = post(xapi, about(ALICE, PASSED, f"{COURSE}/1"))[0]
    newer = post(
        xapi,
        {
            **about(BOB, PASSED, COURSE),
            "context": {"contextActivities": {"category": [{"id": COURSE}]}},
        },
    )[0]
    for limit in (1, 2, 0):
        assert every_page(xapi, agent=ALICE, limit=limit) == [older, about_herself]
        assert every_page(xapi, agent=ALICE, related_agents=True, limit=limit) == [
            older,
            about_herself,
        ]
        assert every_page(
            xapi, activity=COURSE, related_activities=True, limit=limit
        ) == [newer, about_herself]
        assert every_page(
            xapi,
            agent=ALICE,
            activity=COURSE,
            related_activities=True,
            limit=limit,
            ascending=True,
        ) == [about_herself]
    assert every_page(xapi, activity=COURSE) == [newer]


def test_the_least_relation_is_the_least_that_links_are_written_under() -> None:
    """The duplicate check skips links under LEAST_RELATION: no relation may sort before it."""
    group = {"objectType": "Group", "member": [BOB], "mbox": "mailto:team@example.org"}
    statement = {
        "actor": ALICE,
        "verb": {"id": COMMENTED},
        "object": {
            "objectType": "SubStatement",
            "actor": BOB,
            "verb": {"id": PASSED},
            "object": {"id": f"{COURSE}/sub"},
            "context": {"instructor": CAROL, "contextActivities": {"other": [{"id": f"{COURSE}/sub-other"}]}},
        },
        "authority": CAROL,
        "context": {
            "instructor": BOB,
            "team": group,
            "contextAgents": [{"objectType": "contextAgent", "agent": CAROL}],
            "contextGroups": [{"objectType": "contextGroup", "group": group}],
            "contextActivities": {
                key: [{"id": f"{COURSE}/{key}"}] for key in ("parent", "grouping", "category", "other")
            },
        },
    }
    about_bob = {**statement, "object": {"objectType": "Agent", **BOB}}
    agent_relations = {relation for _, relation in agent_links(statement) | agent_links(about_bob)}
    activity_relations = {relation for _, relation in activity_links(statement) | activity_links(about(ALICE, PASSED, COURSE))}
    assert {"actor", "object", "sub", "authority", "instructor", "team", "context"} <= agent_relations
    assert {"object", "sub", "parent", "grouping", "category", "other"} <= activity_relations
    assert min(agent_relations) == LEAST_RELATION["agent"]
    assert min(activity_relations) == LEAST_RELATION["activity"]


def test_a_verb_with_agent_or_activity_filters_pages_through_every_match(xapi: XAPI) -> None:
    """Link-driven queries check the verb by a probe of the verb index: same answers, every page."""
    lesson = f"{COURSE}/lesson-1"
    in_course = {"contextActivities": {"parent": [{"id": COURSE}]}}
    posted = post(
        xapi,
        about(ALICE, PASSED, COURSE),  # 0
        {**about(ALICE, COMMENTED, lesson), "context": in_course},  # 1
        {**about(ALICE, PASSED, lesson), "context": in_course},  # 2
        about(BOB, PASSED, lesson),  # 3
        {**about(ALICE, PASSED, f"{COURSE}/other"), "context": {"instructor": BOB}},  # 4
        {**about(BOB, PASSED, COURSE), "context": {"instructor": ALICE}},  # 5
        {**about(ALICE, PASSED, lesson), "context": in_course},  # 6, voided below
    )
    voiding = {
        "actor": ALICE,
        "verb": {"id": VERB_VOIDED},
        "object": {"objectType": "StatementRef", "id": posted[6]},
    }
    posted += post(xapi, voiding)  # 7: matches wherever 6 would (Data §2.5.1), though its verb is voided
    newest = range(len(posted) - 1, -1, -1)
    expected = {
        "agent": ({"agent": ALICE}, [0, 2, 4, 7]),
        "activity": ({"activity": lesson}, [2, 3, 7]),
        "related activities": ({"activity": COURSE, "related_activities": True}, [0, 2, 5, 7]),
        "related agents": ({"agent": ALICE, "related_agents": True}, [0, 2, 4, 5, 7]),
        "agent and course": ({"agent": ALICE, "activity": COURSE, "related_activities": True}, [0, 2, 7]),
    }
    for name, (params, wanted) in expected.items():
        ordered = [i for i in newest if i in wanted]
        for limit in (1, 2, 0):
            found = every_page(xapi, verb=PASSED, limit=limit, **params)
            assert found == [posted[i] for i in ordered], (name, limit)
            found = every_page(xapi, verb=PASSED, limit=limit, ascending=True, **params)
            assert found == [posted[i] for i in reversed(ordered)], (name, limit)
    assert every_page(xapi, verb=COMMENTED, agent=ALICE) == [posted[1]]
    assert every_page(xapi, verb=COMMENTED, agent=BOB) == []


def test_link_driven_verb_queries_read_no_statement_row_for_the_verb_on_sqlite(tmp_path: Any) -> None:
    """Agent links carry the verb; activity-driven queries probe the verb index (by the rowid SQLite would read the row)."""
    from lrs.db import create_engine, upgrade

    path = tmp_path / "plan.sqlite3"
    upgrade(create_engine(f"sqlite:///{path}"))
    connection = sqlite3.connect(path)

    def plan(shape: Shape) -> list[str]:
        compiled = direct_select(shape, "sqlite").compile(dialect=sqlite.dialect())
        values = [compiled.params[name] or "x" for name in compiled.positiontup or ()]
        return [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + str(compiled), values)]

    probe = f"SEARCH verb_probe USING COVERING INDEX {VERB_INDEX} (verb_iri=? AND sequence=? AND rowid=?)"
    for shape in (Shape(verb=True, activity=1), Shape(verb=True, activity=2, limit=True)):
        assert probe in plan(shape), shape
    for shape in (
        Shape(verb=True, agent=1),
        Shape(verb=True, agent=1, activity=2, max_sequence=True, limit=True),
        Shape(verb=True, agent=2, after=True, ascending=True),
    ):
        steps = plan(shape)
        assert steps[0].startswith("SEARCH lrs_statement_agent USING PRIMARY KEY (ifi=?"), (shape, steps)
        assert not any("verb" in step for step in steps), (shape, steps)
