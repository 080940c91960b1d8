"""Agents, Groups, authority and the `agent` parameter (xAPI 1.0.3 Data §2.4.2, §2.4.9)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lrs.errors import BadRequest
from lrs.validation import parse_agent_filter, parse_agent_param, validate_agent, validate_statement

VERSIONS = ("1.0.3", "2.0.0")
ALICE = {"mbox": "mailto:alice@example.com"}
BOB = {"account": {"homePage": "https://lms.example.com", "name": "bob-7"}}


@pytest.mark.parametrize(
    "agent",
    [
        {"mbox": "mailto:alice@example.com"},
        {"objectType": "Agent", "name": "Alice", "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
        {"openid": "https://openid.example.org/alice"},
        {"account": {"homePage": "https://lms.example.com", "name": "alice"}},
    ],
)
@pytest.mark.parametrize("version", VERSIONS)
def test_agent_with_one_identifier_is_accepted(agent: dict[str, Any], version: str) -> None:
    validate_agent(agent, version, "statement.actor")


@pytest.mark.parametrize("version", VERSIONS)
def test_agent_needs_exactly_one_identifier(version: str) -> None:
    with pytest.raises(BadRequest, match=r"^statement\.actor: an Agent must have exactly one .* \(has 0\)"):
        validate_agent({"name": "Nobody"}, version, "statement.actor")
    with pytest.raises(BadRequest, match=r"\(has 2\)"):
        validate_agent({**ALICE, **BOB}, version, "statement.actor")


@pytest.mark.parametrize(
    ("agent", "message"),
    [
        (
            {"objectType": "agent", **ALICE},
            'statement.actor.objectType: must be "Agent" or "Group", got "agent"',
        ),
        (
            {"objectType": "Person", **ALICE},
            'statement.actor.objectType: must be "Agent" or "Group", got "Person"',
        ),
        (
            {"objectType": ["Agent"], **ALICE},
            'statement.actor.objectType: must be "Agent" or "Group", got ["Agent"]',
        ),
        (
            {"Mbox": "mailto:alice@example.com"},
            "statement.actor.Mbox: is not a property the spec allows here",
        ),
        ({**ALICE, "name": 7}, "statement.actor.name: must be a string, got 7"),
        ({**ALICE, "name": None}, "statement.actor.name: must be a string, got null"),
        ({"openid": "openid.example.org/alice"}, "statement.actor.openid: must be an absolute IRI"),
        (
            {"account": {"homePage": "lms.example.com", "name": "a"}},
            "statement.actor.account.homePage: must be",
        ),
        ({"account": {"name": "a"}}, "statement.actor.account.homePage: is required"),
        ({"account": {"homePage": "https://lms.example.com"}}, "statement.actor.account.name: is required"),
        (
            {"account": {"homePage": "https://x.org", "name": 5}},
            "statement.actor.account.name: must be a string",
        ),
        (
            {"account": {"homePage": "https://x.org", "name": "a", "id": 1}},
            "statement.actor.account.id: is not",
        ),
        ("mailto:alice@example.com", "statement.actor: must be a JSON object"),
    ],
)
def test_malformed_agents_are_refused(agent: Any, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        validate_agent(agent, "1.0.3", "statement.actor")
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize("version", VERSIONS)
def test_groups_identified_and_anonymous(version: str) -> None:
    validate_agent({"objectType": "Group", "member": [ALICE, BOB]}, version)
    validate_agent({"objectType": "Group", "name": "Team", "mbox": "mailto:team@example.com"}, version)
    validate_agent({"objectType": "Group", "openid": "https://x.org/g", "member": []}, version)


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"objectType": "Group"}, "agent.member: is required in an anonymous Group"),
        (
            {"objectType": "Group", "member": []},
            "agent.member: must list at least one Agent in an anonymous Group",
        ),
        ({"objectType": "Group", "member": ALICE}, "agent.member: must be an array"),
        (
            {"objectType": "Group", "member": [{"objectType": "Group", "member": [ALICE]}]},
            'agent.member[0].objectType: must be "Agent", got "Group"',
        ),
        (
            {"objectType": "Group", "member": [{"name": "x"}]},
            "agent.member[0]: an Agent must have exactly one",
        ),
        (
            {"objectType": "Group", "mbox": "mailto:g@x.org", "openid": "https://x.org/g"},
            "agent: a Group may have at most one",
        ),
        (
            {"objectType": "group", "member": [ALICE]},
            'agent.objectType: must be "Agent" or "Group", got "group"',
        ),
    ],
)
def test_malformed_groups_are_refused(group: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        validate_agent(group, "2.0.0")
    assert caught.value.message.startswith(message)


def _with_authority(authority: Any) -> dict[str, Any]:
    return {
        "actor": ALICE,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
        "object": {"id": "http://example.com/course"},
        "authority": authority,
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_authority_is_an_agent_or_an_oauth_pair(version: str) -> None:
    validate_statement(_with_authority(BOB), version)
    validate_statement(_with_authority({"objectType": "Group", "member": [BOB, ALICE]}), version)


@pytest.mark.parametrize(
    ("authority", "message"),
    [
        (
            {"objectType": "Group", "member": [BOB]},
            "statement.authority.member: an authority Group must have exactly two",
        ),
        (
            {"objectType": "Group", "member": [BOB, ALICE, ALICE]},
            "statement.authority.member: an authority Group",
        ),
        (
            {"objectType": "Group", "mbox": "mailto:g@x.org", "member": [BOB, ALICE]},
            "statement.authority: an authority Group must be anonymous",
        ),
        ({"name": "no identifier"}, "statement.authority: an Agent must have exactly one"),
    ],
)
def test_bad_authorities_are_refused(authority: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        validate_statement(_with_authority(authority), "1.0.3")
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize("version", VERSIONS)
def test_agent_param_returns_the_validated_agent(version: str) -> None:
    assert parse_agent_param(json.dumps(BOB), version) == BOB


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("mailto:alice@example.com", "agent: must be the JSON text of an Agent object"),
        ('{"mbox": ', "agent: must be the JSON text of an Agent object"),
        ("[1]", "agent: must be a JSON object"),
        ('{"mbox": "alice@example.com"}', 'agent.mbox: must be a "mailto:" IRI'),
        ('{"name": "Alice"}', "agent: an Agent must have exactly one"),
    ],
)
@pytest.mark.parametrize("version", VERSIONS)
def test_bad_agent_param_is_refused(raw: str, message: str, version: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_agent_param(raw, version)
    assert caught.value.message.startswith(message)


def test_agent_param_takes_a_group_only_in_20() -> None:
    group = {"objectType": "Group", "mbox": "mailto:team@example.com"}
    assert parse_agent_param(json.dumps(group), "2.0.0") == group
    with pytest.raises(BadRequest, match=r'^agent\.objectType: must be "Agent", got "Group"'):
        parse_agent_param(json.dumps(group), "1.0.3")


@pytest.mark.parametrize("version", VERSIONS)
def test_agent_param_refuses_an_anonymous_group(version: str) -> None:
    anonymous = json.dumps({"objectType": "Group", "member": [ALICE]})
    with pytest.raises(BadRequest, match=r"^agent"):
        parse_agent_param(anonymous, version)
    with pytest.raises(BadRequest, match=r"^agent: a Group used as a parameter must be identified"):
        parse_agent_filter(anonymous, version)


@pytest.mark.parametrize("version", VERSIONS)
def test_statement_filter_takes_an_agent_or_identified_group_in_both_versions(version: str) -> None:
    team = {"objectType": "Group", "openid": "https://example.com/teams/blue"}
    assert parse_agent_filter(json.dumps(team), version) == team
    assert parse_agent_filter(json.dumps(ALICE), version) == ALICE
    with pytest.raises(BadRequest, match=r'^agent\.mbox: must be a "mailto:" IRI'):
        parse_agent_filter('{"mbox": "alice"}', version)
