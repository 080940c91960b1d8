"""GET /xapi/activities and GET /xapi/agents (xAPI 1.0.3 Part Three §2.4, §2.5)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from lrs.api import bp
from lrs.api.documents import activity_param, agent_param
from lrs.api.headers import dispatch, principal
from lrs.auth import READ_ANY
from lrs.sql import activities as sql

PERSON_IDENTIFIERS = ("mbox", "mbox_sha1sum", "openid", "account")


def person_of(agent: dict[str, Any]) -> dict[str, Any]:
    """The Person object for an Agent: each property as an array (Part Three §2.4, Person Properties).

    The LRS keeps no directory of people, so the Person holds what the request gave: the
    spec's answer for an Agent the LRS has no further information about.
    """
    person: dict[str, Any] = {"objectType": "Person"}
    if isinstance(agent.get("name"), str):
        person["name"] = [agent["name"]]
    for prop in PERSON_IDENTIFIERS:
        if prop in agent:
            value = agent[prop]
            person[prop] = [
                {"homePage": value["homePage"], "name": value["name"]}
                if prop == "account"
                else value
            ]
    return person


def _get_activity() -> Response:
    principal().require(READ_ANY, "read activities")
    activity_id = activity_param()
    principal().check_activity(activity_id)
    with current_app.extensions["lrs"].read_sessions() as session:
        return jsonify(sql.get_activity(session, activity_id))


def _get_person() -> Response:
    principal().require(READ_ANY, "read agents")
    agent = agent_param()
    principal().check_agent(agent)
    return jsonify(person_of(agent))


@bp.route("/activities", methods=["GET", "HEAD", "POST"])
def activities() -> Response:
    """The Activities Resource: the canonical Activity object (Part Three §2.5)."""
    return dispatch({"GET": _get_activity})


@bp.route("/agents", methods=["GET", "HEAD", "POST"])
def agents() -> Response:
    """The Agents Resource: the Person object for an Agent (Part Three §2.4)."""
    return dispatch({"GET": _get_person})
