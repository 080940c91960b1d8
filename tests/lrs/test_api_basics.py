"""The request rules every xAPI resource shares: About, version header, authentication, CORS."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.conftest import XAPI, basic_auth


def test_about_needs_no_credentials_and_lists_both_versions(client: Any) -> None:
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.get_json()["version"] == ["1.0.3", "2.0.0"]
    assert response.headers["X-Experience-API-Version"]


@pytest.mark.parametrize("header", [None, "", "0.95", "1.1.0", "3.0.0", "banana"])
def test_missing_or_unsupported_version_header_is_400(xapi: XAPI, header: str | None) -> None:
    xapi.version = header  # type: ignore[assignment]
    response = xapi.get("statements")
    assert response.status_code == 400
    assert "X-Experience-API-Version" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(("sent", "answered"), [("1.0.0", "1.0.3"), ("1.0.3", "1.0.3"), ("2.0.0", "2.0.0")])
def test_response_carries_the_version_answered_in(xapi: XAPI, sent: str, answered: str) -> None:
    xapi.version = sent
    response = xapi.get("statements", query_string={"limit": 1})
    assert response.headers["X-Experience-API-Version"] == answered


def test_no_credentials_is_401_with_a_challenge(client: Any) -> None:
    response = client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_wrong_secret_and_revoked_key_are_401(client: Any, lrs_client: Any) -> None:
    key, secret = lrs_client.create_credential(name="t", scopes=["all"])
    bad = XAPI(client, basic_auth(key, secret + "x"))
    assert bad.get("statements").status_code == 401
    lrs_client.revoke_credential(key)
    assert XAPI(client, basic_auth(key, secret)).get("statements").status_code == 401


def test_scope_without_read_is_403(client: Any, lrs_client: Any) -> None:
    key, secret = lrs_client.create_credential(name="writer", scopes=["statements/write"])
    response = XAPI(client, basic_auth(key, secret)).get("statements")
    assert response.status_code == 403


def test_cors_preflight_allows_xapi_headers(client: Any) -> None:
    response = client.options("/xapi/statements", headers={"Origin": "https://content.example"})
    assert response.status_code == 200
    assert "X-Experience-API-Version" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_body_over_the_limit_is_413_and_stores_nothing(app: Any, xapi: XAPI) -> None:
    lrs = app.extensions["lrs"]
    lrs.config = dataclasses.replace(lrs.config, max_body_bytes=2048)
    statement = {
        "actor": {"mbox": "mailto:big@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "http://example.com/big", "definition": {"name": {"en": "x" * 4000}}},
    }
    response = xapi.post("statements", json=statement)
    assert response.status_code == 413
    assert "larger than" in response.get_json()["error"]["message"]
    assert xapi.get("statements").get_json()["statements"] == []
