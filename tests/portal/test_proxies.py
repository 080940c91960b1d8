"""ROLLCALL_TRUSTED_PROXIES: per-IP rate limits see the visitor behind N proxies, and no one can pick an address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.config import Settings
from core.errors import ConfigurationError
from portal import ratelimit
from portal.app import create_app
from tests.portal.accounts_support import csrf_from


@pytest.fixture
def app_behind_one_proxy(settings: Settings) -> Iterator[Any]:
    app = create_app(settings.with_(trusted_proxies=1))
    app.config["TESTING"] = True
    yield app
    app.extensions["db_engine"].dispose()
    app.extensions["lrs"].engine.dispose()


def forgot(client: Any, n: int, forwarded_for: str) -> int:
    """Ask for a reset link for a new address, as relayed by a proxy for ``forwarded_for``."""
    headers = {"X-Forwarded-For": forwarded_for}
    page = client.get("/password/forgot", headers=headers)
    assert page.status_code == 200
    response = client.post(
        "/password/forgot",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": f"nobody{n}@example.org"},
        headers=headers,
    )
    return int(response.status_code)


def use_up_the_limit(client: Any, forwarded_for: str) -> None:
    for n in range(ratelimit.EMAIL_PER_IP.limit):
        assert forgot(client, n, forwarded_for) == 302


def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(app_behind_one_proxy: Any) -> None:
    client = app_behind_one_proxy.test_client()
    use_up_the_limit(client, "203.0.113.7")
    assert forgot(client, 100, "203.0.113.7") == 429
    assert forgot(client, 101, "198.51.100.9") == 302  # another visitor behind the same proxy
    # A visitor who sends their own X-Forwarded-For gets it appended to by the proxy: only the last counts.
    assert forgot(client, 102, "198.51.100.9, 203.0.113.7") == 429


def test_without_trusted_proxies_the_header_is_ignored(client: Any) -> None:
    use_up_the_limit(client, "203.0.113.7")
    assert forgot(client, 100, "198.51.100.9") == 429  # a made-up address does not escape the limit


def test_the_setting_is_read_from_the_environment_and_checked() -> None:
    assert Settings.from_env({}).trusted_proxies == 0
    assert Settings.from_env({"ROLLCALL_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        Settings.from_env({"ROLLCALL_TRUSTED_PROXIES": "-1"})
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        Settings.from_env({"ROLLCALL_TRUSTED_PROXIES": "one"})
