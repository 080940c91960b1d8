"""Statement objects (xAPI 1.0.3 Data §2.4.4): Activities and interactions, Agents, StatementRefs, SubStatements."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.errors import BadRequest
from lrs.validation import validate_statement

VERSIONS = ("1.0.3", "2.0.0")
QUIZ = "http://example.com/quiz/q1"


def statement_about(obj: Any, verb: str = "http://adlnet.gov/expapi/verbs/answered") -> dict[str, Any]:
    """A statement by Alice with the given object."""
    return {"actor": {"mbox": "mailto:alice@example.com"}, "verb": {"id": verb}, "object": obj}


def refused(obj: Any, version: str = "1.0.3") -> str:
    """The message validation gives for a statement about `obj` (fails the test if it is accepted)."""
    with pytest.raises(BadRequest) as caught:
        validate_statement(statement_about(obj), version)
    return caught.value.message


def interaction(kind: str, **parts: Any) -> dict[str, Any]:
    """An Activity whose definition is an interaction of `kind`."""
    return {"id": QUIZ, "definition": {"interactionType": kind, **parts}}


def components(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "description": {"en-US": f"Option {i}"}} for i in ids]


@pytest.mark.parametrize("version", VERSIONS)
def test_full_activity_definition_is_accepted(version: str) -> None:
    activity = {
        "objectType": "Activity",
        "id": QUIZ,
        "definition": {
            "name": {"en-US": "Question 1"},
            "description": {"en-US": "Pick the odd one out"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "moreInfo": "https://example.com/quiz/q1/help",
            "extensions": {"http://example.com/ext/difficulty": 3},
        },
    }
    validate_statement(statement_about(activity), version)


@pytest.mark.parametrize(
    ("kind", "parts"),
    [
        ("true-false", {"correctResponsesPattern": ["true"]}),
        ("choice", {"choices": components("a", "b", "c"), "correctResponsesPattern": ["a[,]c"]}),
        ("fill-in", {"correctResponsesPattern": ["{case_matters=false}Paris"]}),
        ("long-fill-in", {"correctResponsesPattern": []}),
        ("matching", {"source": components("1", "2"), "target": components("x", "y")}),
        ("performance", {"steps": components("pump", "ignite"), "correctResponsesPattern": ["pump[.]1:3"]}),
        ("sequencing", {"choices": components("a", "b"), "correctResponsesPattern": ["b[,]a"]}),
        ("likert", {"scale": components("agree", "disagree")}),
        ("numeric", {"correctResponsesPattern": ["4[:]6"]}),
        ("other", {}),
    ],
)
@pytest.mark.parametrize("version", VERSIONS)
def test_each_interaction_type_with_its_own_components(
    kind: str, parts: dict[str, Any], version: str
) -> None:
    validate_statement(statement_about(interaction(kind, **parts)), version)


@pytest.mark.parametrize(
    ("kind", "part"),
    [
        ("true-false", "choices"),
        ("choice", "scale"),
        ("fill-in", "steps"),
        ("matching", "choices"),
        ("likert", "source"),
        ("sequencing", "target"),
        ("numeric", "scale"),
        ("other", "steps"),
        ("performance", "choices"),
    ],
)
def test_components_of_another_interaction_type_are_refused(kind: str, part: str) -> None:
    message = refused(interaction(kind, **{part: components("a")}))
    assert message == f'statement.object.definition.{part}: is not allowed with interactionType "{kind}"'


@pytest.mark.parametrize("part", ["choices", "scale", "source", "target", "steps", "correctResponsesPattern"])
def test_interaction_parts_need_an_interaction_type(part: str) -> None:
    value = ["a"] if part == "correctResponsesPattern" else components("a")
    message = refused({"id": QUIZ, "definition": {part: value}})
    assert message.startswith("statement.object.definition.")
    assert "interactionType" in message


@pytest.mark.parametrize("kind", ["Choice", "multiple-choice", "", 3, None])
def test_unknown_interaction_type_is_refused(kind: Any) -> None:
    assert refused(interaction(kind)).startswith(
        "statement.object.definition.interactionType: must be one of true-false"
    )


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (
            {"correctResponsesPattern": "a"},
            "statement.object.definition.correctResponsesPattern: must be an array",
        ),
        (
            {"correctResponsesPattern": [1]},
            "statement.object.definition.correctResponsesPattern[0]: must be a string",
        ),
        (
            {"choices": [{"description": {"en": "x"}}]},
            "statement.object.definition.choices[0].id: is required",
        ),
        ({"choices": [{"id": 1}]}, "statement.object.definition.choices[0].id: must be a string"),
        (
            {"choices": components("a", "a")},
            'statement.object.definition.choices[1].id: must be distinct within the list, got "a"',
        ),
        (
            {"choices": [{"id": "a", "description": "A"}]},
            "statement.object.definition.choices[0].description: must be a language map",
        ),
        (
            {"choices": [{"id": "a", "label": "A"}]},
            "statement.object.definition.choices[0].label: is not a property",
        ),
        ({"choices": {"id": "a"}}, "statement.object.definition.choices: must be an array"),
    ],
)
def test_malformed_interaction_parts_are_refused(parts: dict[str, Any], message: str) -> None:
    assert refused(interaction("choice", **parts)).startswith(message)


@pytest.mark.parametrize(
    ("activity", "message"),
    [
        ({"definition": {}}, "statement.object.id: is required in an Activity"),
        ({"id": "quiz/q1"}, "statement.object.id: must be an absolute IRI"),
        (
            {"objectType": "activity", "id": QUIZ},
            "statement.object.objectType: must be one of Activity, Agent",
        ),
        (
            {"id": QUIZ, "definition": {"name": "Question"}},
            "statement.object.definition.name: must be a language map",
        ),
        (
            {"id": QUIZ, "definition": {"description": {"xx_YY": "x"}}},
            'statement.object.definition.description: key "xx_YY"',
        ),
        (
            {"id": QUIZ, "definition": {"type": "cmi.interaction"}},
            "statement.object.definition.type: must be an absolute IRI",
        ),
        (
            {"id": QUIZ, "definition": {"moreInfo": "help.html"}},
            "statement.object.definition.moreInfo: must be an absolute",
        ),
        (
            {"id": QUIZ, "definition": {"extensions": {"difficulty": 3}}},
            'statement.object.definition.extensions: key "difficulty"',
        ),
        (
            {"id": QUIZ, "definition": {"Name": {"en": "x"}}},
            "statement.object.definition.Name: is not a property",
        ),
        ({"id": QUIZ, "definition": None}, "statement.object.definition: must be a JSON object, got null"),
        ({"id": QUIZ, "mbox": "mailto:a@b.c"}, "statement.object.mbox: is not a property"),
    ],
)
def test_malformed_activities_are_refused(activity: dict[str, Any], message: str) -> None:
    assert refused(activity).startswith(message)


@pytest.mark.parametrize("version", VERSIONS)
def test_agent_and_group_objects_need_their_object_type(version: str) -> None:
    validate_statement(statement_about({"objectType": "Agent", "mbox": "mailto:bob@example.com"}), version)
    validate_statement(
        statement_about({"objectType": "Group", "member": [{"mbox": "mailto:b@x.org"}]}), version
    )
    # Without objectType the object is an Activity, which has an id and no mbox.
    assert refused({"mbox": "mailto:bob@example.com"}, version).startswith(
        "statement.object.mbox: is not a property"
    )


REF = {"objectType": "StatementRef", "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"}


@pytest.mark.parametrize("version", VERSIONS)
def test_statement_ref(version: str) -> None:
    validate_statement(statement_about(REF), version)
    assert refused({**REF, "id": "not-a-uuid"}, version).startswith("statement.object.id: must be a UUID")
    assert (
        refused({"objectType": "StatementRef"}, version)
        == "statement.object.id: is required in a StatementRef"
    )
    assert refused({**REF, "definition": {}}, version).startswith(
        "statement.object.definition: is not a property"
    )


def test_voiding_statement_must_reference_a_statement() -> None:
    voided = "http://adlnet.gov/expapi/verbs/voided"
    validate_statement(statement_about(REF, verb=voided), "1.0.3")
    with pytest.raises(
        BadRequest, match=r'^statement\.object: must be a StatementRef when the verb is "voided"'
    ):
        validate_statement(statement_about({"id": QUIZ}, verb=voided), "2.0.0")


def substatement(**extra: Any) -> dict[str, Any]:
    return {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:bob@example.com"},
        "verb": {"id": "http://example.com/verbs/will-visit", "display": {"en-US": "will visit"}},
        "object": {"id": "http://example.com/museum"},
        **extra,
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_substatement_with_result_context_and_timestamp(version: str) -> None:
    sub = substatement(
        result={"completion": False},
        context={"registration": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb", "platform": "kiosk"},
        timestamp="2024-05-01T09:00:00Z",
    )
    validate_statement(statement_about(sub, verb="http://example.com/verbs/planned"), version)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"},
            "statement.object.id: is not allowed in a SubStatement",
        ),
        ({"stored": "2024-05-01T09:00:00Z"}, "statement.object.stored: is not allowed in a SubStatement"),
        ({"version": "1.0.3"}, "statement.object.version: is not allowed in a SubStatement"),
        (
            {"authority": {"mbox": "mailto:a@b.c"}},
            "statement.object.authority: is not allowed in a SubStatement",
        ),
        (
            {"object": substatement()},
            "statement.object.object.objectType: a SubStatement must not contain a SubStatement",
        ),
        ({"actor": {"mbox": "bob"}}, 'statement.object.actor.mbox: must be a "mailto:" IRI'),
        ({"timestamp": "tomorrow"}, "statement.object.timestamp: must be an ISO 8601 timestamp"),
        (
            {"result": {"success": "yes"}},
            'statement.object.result.success: must be a boolean (true or false), got "yes"',
        ),
        ({"extra": 1}, "statement.object.extra: is not a property"),
    ],
)
def test_malformed_substatements_are_refused(extra: dict[str, Any], message: str) -> None:
    assert refused(substatement(**extra)).startswith(message)


def test_substatement_without_verb_is_refused() -> None:
    sub = substatement()
    del sub["verb"]
    assert refused(sub) == "statement.object.verb: is required"
