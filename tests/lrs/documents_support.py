"""Helpers for the document resource tests: one ``Target`` per resource, with its parameters."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import XAPI

ACTIVITY = "https://courses.example.org/fire-safety/module-2"


def learner(name: str = "ada") -> dict[str, Any]:
    """A learner Agent identified by account, as Rollcall's portal identifies people."""
    return {
        "objectType": "Agent",
        "name": name.title(),
        "account": {"homePage": "https://rollcall.example", "name": name},
    }


@dataclass
class Target:
    """One document resource and the parameters that locate a document in it."""

    path: str
    id_param: str
    context: dict[str, str]
    doc_id: str = field(default_factory=lambda: f"doc-{uuid.uuid4()}")

    def params(self, **extra: str | None) -> dict[str, str]:
        params = {**self.context, self.id_param: self.doc_id}
        for name, value in extra.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        return params

    def listing(self, **extra: str) -> dict[str, str]:
        return {**self.context, **extra}

    def put(
        self,
        xapi: XAPI,
        body: Any,
        headers: dict[str, str] | None = None,
        **params: str | None,
    ) -> Any:
        return self.send("PUT", xapi, body, headers, **params)

    def post(
        self,
        xapi: XAPI,
        body: Any,
        headers: dict[str, str] | None = None,
        **params: str | None,
    ) -> Any:
        return self.send("POST", xapi, body, headers, **params)

    def send(
        self,
        method: str,
        xapi: XAPI,
        body: Any,
        headers: dict[str, str] | None,
        **params: str | None,
    ) -> Any:
        data, content_type = encode(body)
        query = self.params(**params)
        return xapi.request(
            method,
            self.path,
            query_string=query,
            data=data,
            content_type=content_type,
            headers=headers,
        )

    def get(self, xapi: XAPI, **params: str | None) -> Any:
        return xapi.get(self.path, query_string=self.params(**params))

    def delete(
        self, xapi: XAPI, headers: dict[str, str] | None = None, **params: str | None
    ) -> Any:
        return xapi.delete(
            self.path, query_string=self.params(**params), headers=headers
        )

    def create(self, xapi: XAPI, body: Any) -> str:
        """Create the document (If-None-Match: *) and return its quoted ETag."""
        response = self.put(xapi, body, headers={"If-None-Match": "*"})
        assert response.status_code == 204, response.get_data(as_text=True)
        got = self.get(xapi)
        assert got.status_code == 200
        return str(got.headers["ETag"])


def encode(body: Any) -> tuple[bytes, str]:
    """(bytes, content type): dicts and lists as JSON, bytes as octet-stream, (bytes, type) as given."""
    if isinstance(body, tuple):
        return body[0], body[1]
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    return json.dumps(body).encode(), "application/json"


def state(
    agent: dict[str, Any] | None = None, activity: str = ACTIVITY, **extra: str
) -> Target:
    return Target(
        "activities/state",
        "stateId",
        {"activityId": activity, "agent": json.dumps(agent or learner()), **extra},
    )


def activity_profile(activity: str = ACTIVITY) -> Target:
    return Target("activities/profile", "profileId", {"activityId": activity})


def agent_profile(agent: dict[str, Any] | None = None) -> Target:
    return Target(
        "agents/profile", "profileId", {"agent": json.dumps(agent or learner())}
    )


TARGETS = {
    "state": state,
    "activity_profile": activity_profile,
    "agent_profile": agent_profile,
}
