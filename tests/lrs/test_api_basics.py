"""The request rules every xAPI resource shares: About, version header, authentication, CORS."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from core.config import Settings
from lrs.config import parse_versions
from portal.app import create_app
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


def test_a_refused_request_without_version_is_answered_in_the_newest_version(
    client: Any, lrs_credential: tuple[str, str]
) -> None:
    """Communication §3.3: every response names a version; with none asked for, ours is the newest."""
    response = client.get("/xapi/statements", headers={"Authorization": basic_auth(*lrs_credential)})
    assert response.status_code == 400
    assert response.headers["X-Experience-API-Version"] == "2.0.0"


def test_an_lrs_set_to_1_0_3_alone_answers_as_1_0_3_and_refuses_2_0(settings: Settings) -> None:
    """ROLLCALL_XAPI_VERSIONS=1.0.3: About lists 1.0.3, 2.0 requests are 400, header-less ones answer 1.0.3."""
    app = create_app(settings.with_(xapi_versions="1.0.3"))
    try:
        client = app.test_client()
        auth = basic_auth(*app.extensions["lrs_client"].create_credential(name="old client", scopes=["all"]))
        about = client.get("/xapi/about")
        assert about.get_json()["version"] == ["1.0.3"]
        assert about.headers["X-Experience-API-Version"] == "1.0.3"
        refused = client.get("/xapi/statements", headers={"Authorization": auth})
        assert refused.status_code == 400
        assert refused.headers["X-Experience-API-Version"] == "1.0.3"
        newer = client.get("/xapi/statements", headers={"Authorization": auth, "X-Experience-API-Version": "2.0.0"})
        assert newer.status_code == 400
        assert "speaks 1.0.3" in newer.get_json()["error"]["message"]
        assert newer.headers["X-Experience-API-Version"] == "1.0.3"
        ok = client.get("/xapi/statements", headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3"})
        assert ok.status_code == 200
        assert ok.get_json()["statements"] == []
        ok.close()
    finally:
        app.extensions["db_engine"].dispose()
        app.extensions["lrs"].engine.dispose()


@pytest.mark.parametrize(
    ("text", "versions"),
    [(None, ("1.0.3", "2.0.0")), (" ", ("1.0.3", "2.0.0")), ("2.0.0, 1.0.3", ("1.0.3", "2.0.0")), ("2.0.0", ("2.0.0",))],
)
def test_the_versions_setting_is_read_oldest_first(text: str | None, versions: tuple[str, ...]) -> None:
    assert parse_versions(text) == versions


@pytest.mark.parametrize("text", ["1.0.2", "2.0", "1.0.3,3.0.0", ","])
def test_a_versions_setting_naming_another_version_stops_the_start(text: str) -> None:
    with pytest.raises(ValueError, match="ROLLCALL_XAPI_VERSIONS"):
        parse_versions(text)


def test_about_answers_in_the_version_asked_for(client: Any) -> None:
    assert client.get("/xapi/about", headers={"X-Experience-API-Version": "1.0.3"}).headers[
        "X-Experience-API-Version"
    ] == "1.0.3"
    assert client.get("/xapi/about").headers["X-Experience-API-Version"] == "2.0.0"


def test_alternate_syntax_takes_real_headers_as_well_as_form_fields(
    client: Any, lrs_credential: tuple[str, str]
) -> None:
    """Communication §1.3: the form may carry the headers, but real ones still count."""
    statement_id = "a9cf01a5-7bb8-4bb5-a1f5-1e9f3bb8b2a1"
    statement = {
        "id": statement_id,
        "actor": {"mbox": "mailto:alt@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "http://example.com/alt"},
    }
    from urllib.parse import urlencode

    body = urlencode({"content": json.dumps(statement), "Content-Type": "application/json"})
    response = client.post(
        "/xapi/statements?method=POST",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": basic_auth(*lrs_credential), "X-Experience-API-Version": "1.0.3"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == [statement_id]
    # The same with everything in the form.
    form = urlencode(
        {
            "statementId": statement_id,
            "Authorization": basic_auth(*lrs_credential),
            "X-Experience-API-Version": "1.0.3",
        }
    )
    got = client.post("/xapi/statements?method=GET", data=form, content_type="application/x-www-form-urlencoded")
    assert got.status_code == 200
    assert got.get_json()["id"] == statement_id


def test_alternate_syntax_header_with_a_line_break_is_400(client: Any, lrs_credential: tuple[str, str]) -> None:
    from urllib.parse import urlencode

    form = urlencode({"Authorization": basic_auth(*lrs_credential), "X-Experience-API-Version": "1.0.3\r\nX: y"})
    response = client.post("/xapi/statements?method=GET", data=form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "line break" in response.get_json()["error"]["message"]


def test_accounts_whose_parts_contain_a_bar_are_different_agents() -> None:
    from lrs.auth import identifier

    one = {"account": {"homePage": "http://a.example|x", "name": "y"}}
    two = {"account": {"homePage": "http://a.example", "name": "x|y"}}
    assert identifier(one) != identifier(two)


def test_a_remembered_credential_check_expires_and_a_revocation_here_is_at_once(
    app: Any, client: Any, lrs_client: Any
) -> None:
    from lrs.app import AUTH_CACHE_SECONDS
    from lrs.sql import credentials

    lrs = app.extensions["lrs"]
    now = [1000.0]
    lrs.clock = lambda: now[0]  # the cache's clock, moved by hand instead of sleeping
    key, secret = lrs_client.create_credential(name="cached", scopes=["all"])
    api = XAPI(client, basic_auth(key, secret))
    assert api.get("statements").status_code == 200
    # Revoked behind this process's back (another worker): trusted at most AUTH_CACHE_SECONDS.
    with lrs.write_sessions.begin() as session:
        credentials.revoke_credential(session, key)
    assert AUTH_CACHE_SECONDS <= 1.0
    now[0] += AUTH_CACHE_SECONDS - 0.01
    assert api.get("statements").status_code == 200  # still trusted for a moment
    now[0] += 0.01  # ... and then the moment is over
    assert api.get("statements").status_code == 401
    # Revoked through this process: refused at once, and a wrong secret is never cached.
    key2, secret2 = lrs_client.create_credential(name="cached2", scopes=["all"])
    api2 = XAPI(client, basic_auth(key2, secret2))
    assert api2.get("statements").status_code == 200
    assert XAPI(client, basic_auth(key2, secret2 + "x")).get("statements").status_code == 401
    lrs_client.revoke_credential(key2)
    assert api2.get("statements").status_code == 401


def test_a_remembered_check_serves_only_the_exact_header_it_was_made_for(
    app: Any, client: Any, lrs_client: Any
) -> None:
    key, secret = lrs_client.create_credential(name="exact", scopes=["all"])
    other_key, other_secret = lrs_client.create_credential(name="other", scopes=["state"])
    assert XAPI(client, basic_auth(key, secret)).get("statements").status_code == 200
    # The same key with another secret, and another credential, are checked afresh.
    assert XAPI(client, basic_auth(key, secret[:-1])).get("statements").status_code == 401
    assert XAPI(client, basic_auth(other_key, other_secret)).get("statements").status_code == 403
    assert XAPI(client, basic_auth(key, secret)).get("statements").status_code == 200


def test_a_remembered_check_ends_when_the_credential_expires(app: Any, client: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from lrs.sql import credentials

    lrs = app.extensions["lrs"]
    with lrs.write_sessions.begin() as session:
        credential, secret = credentials.create_credential(
            session, lrs.config.secret_key, name="soon", scopes=["all"],
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
        key = credential.key
    api = XAPI(client, basic_auth(key, secret))
    assert api.get("statements").status_code == 200
    # Its expiry moves into the past (as time would): the remembered check is not trusted past it.
    with lrs.write_sessions.begin() as session:
        session.get(credentials.Credential, key).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    digest, (principal, until, _expiry) = next(
        (d, entry) for d, entry in lrs._auth_cache.items() if entry[0].key == key
    )
    lrs._auth_cache[digest] = (principal, until, datetime.now(UTC).timestamp() - 1)
    assert api.get("statements").status_code == 401
