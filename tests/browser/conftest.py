"""Browser fixtures: Debian's Chromium through Playwright, the real app on a live server, a real SMTP server.

The browser tests run on SQLite only (the storage layer is tested on both databases
elsewhere). Each test gets its own app, database, SMTP server and browser context;
the browser itself is started once per session. axe-core comes from ``node_modules``
(``package.json``; ``scripts/setup`` runs ``npm ci``). Screenshots go to
``ROLLCALL_SCREENSHOTS`` when set, else to ``tests/browser/screens/`` in pytest's
temporary folder.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from core.config import Settings
from core.db import make_sessionmaker, transaction
from tests.conftest import ROOT, free_port, require
from tests.portal.accounts_support import Inbox, Received, smtp_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")
WIDTHS = (375, 1280)
TAP_TARGETS = ", ".join(
    f"{what}:visible" for what in ("button", "input[type=submit]", "input[type=checkbox]", "a.button", "select")
)
MIN_TARGET_PX = 24
PASSWORD = "a long and careful passphrase"
TIMEOUT_MS = 15_000
_URL = re.compile(r"https?://\S+")


# -- the server side --------------------------------------------------------------


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Browser tests run on SQLite only: the storage layer is covered on both databases elsewhere."""
    return str(request.param)


@pytest.fixture
def live_port() -> int:
    """The port the live server will listen on (known before the app is built, for its base URL)."""
    return free_port()


@pytest.fixture
def smtp_port() -> int:
    """The port of this test's SMTP server."""
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; what it received."""
    with smtp_server(smtp_port) as received:
        yield received


@pytest.fixture
def settings(settings: Settings, live_port: int, smtp_port: int, inbox: Inbox) -> Settings:
    """The usual test settings, with links on the live server and mail to the test SMTP server."""
    return settings.with_(base_url=f"http://127.0.0.1:{live_port}", smtp_url=f"smtp://127.0.0.1:{smtp_port}")


class HoldRequests:
    """WSGI middleware in front of the real app: a held request is read whole, then waits to be let through.

    The upload journey uses it to see the progress bar complete while the server has
    not answered yet, without depending on how fast the server is.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.held: dict[tuple[str, str], threading.Event] = {}

    def hold(self, method: str, path: str) -> threading.Event:
        """Hold the next ``method path`` requests until the returned event is set."""
        event = threading.Event()
        self.held[(method, path)] = event
        return event

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        event = self.held.get((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        if event is not None:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            event.wait(timeout=60)
        return self.app(environ, start_response)


@pytest.fixture
def hold_requests(app: Any) -> HoldRequests:
    """The middleware the live server serves the app through."""
    return HoldRequests(app)


@contextmanager
def serving(wsgi_app: Any, port: int) -> Iterator[str]:
    """``wsgi_app`` served by a threaded werkzeug server on 127.0.0.1:``port``; yields its base URL."""
    server = make_server("127.0.0.1", port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def live_server(hold_requests: HoldRequests, live_port: int) -> Iterator[str]:
    """The app served by a threaded werkzeug server on the port its base URL names."""
    with serving(hold_requests, live_port) as url:
        yield url


def wait_for_mail(inbox: Inbox, address: str, count: int = 1) -> Received:
    """The ``count``-th message to ``address`` (the app sends right after the request commits)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = inbox.to(address)
        if len(found) >= count:
            return found[count - 1]
        time.sleep(0.05)
    raise AssertionError(f"no email #{count} to {address} arrived; got {[m.recipients for m in inbox.messages]}")


def link_in(message: Received, contains: str) -> str:
    """The first link in ``message`` whose URL contains ``contains``."""
    for link in _URL.findall(message.body):
        if contains in link:
            return str(link)
    raise AssertionError(f"no link with {contains!r} in the email:\n{message.body}")


# -- preconditions, made through the app's own commands and services ---------------


def rollcall(app: Any, args: list[str]) -> Any:
    """Run a ``rollcall`` command on this app (Flask's CLI runner hands it the app)."""
    from portal.cli import main

    return app.test_cli_runner().invoke(main, args)


def make_partner(app: Any, slug: str, name: str) -> None:
    """A partner organization, through the accounts directory service."""
    from portal.accounts import directory

    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        directory.save_partner(session, None, name=name, slug=slug, kind="grantee")


def make_account(app: Any, email: str, *, role: str = "learner", name: str = "", partner: str | None = None) -> None:
    """A confirmed account, through ``rollcall users create``."""
    args = ["users", "create", "--email", email, "--password", PASSWORD, "--role", role]
    args += ["--name", name] if name else []
    args += ["--partner", partner] if partner else []
    result = rollcall(app, args)
    assert result.exit_code == 0, result.output


def import_course(
    app: Any, package: Path, slug: str, *, partner: str | None = None, publish: bool = True
) -> dict[str, Any]:
    """A course from a real package, through ``rollcall packages import``; returns its report."""
    args = ["packages", "import", str(package), "--course", slug]
    args += ["--partner", partner] if partner else []
    args += ["--publish"] if publish else []
    result = rollcall(app, args)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


# -- the browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, launched once for the session through Playwright."""
    require(CHROMIUM.exists(), f"Chromium ({CHROMIUM}; scripts/setup --test installs it)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def expected_console_errors() -> list[re.Pattern[str]]:
    """Console errors a test expects (a module overrides it, e.g. vendor content whose tracker the CSP refuses)."""
    return []


@pytest.fixture
def new_page(chromium: Any, live_server: str, expected_console_errors: list[re.Pattern[str]]) -> Iterator[Any]:
    """Opens a page in a fresh browser context (its own cookies) on the live server; closes them all after.

    Script errors and Content-Security-Policy refusals in any of the pages fail the test,
    except those ``expected_console_errors`` names.
    """
    contexts: list[Any] = []
    script_errors: list[str] = []

    def on_console(message: Any) -> None:
        # An HTTP error status (a 404 page, a form sent back with 400) is logged too: that is no script error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            if not any(pattern.search(message.text) for pattern in expected_console_errors):
                script_errors.append(f"console: {message.text}")

    def open_page(width: int = 1280, height: int = 900) -> Any:
        context = chromium.new_context(base_url=live_server, viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", on_console)
        context.on("weberror", lambda error: script_errors.append(f"uncaught: {error.error}"))
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert not script_errors, "errors in the browser:\n" + "\n".join(script_errors)


def log_in(page: Any, email: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would, and wait for the page after it."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


# -- checks: axe-core and screenshots ---------------------------------------------


@dataclass
class PageChecks:
    """Runs axe-core on pages and screenshots them; collects problems so that one run reports them all."""

    folder: Path
    problems: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    def axe(self, page: Any, name: str) -> list[dict[str, Any]]:
        """Serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
        require(AXE.exists(), f"axe-core ({AXE}; run npm ci)")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # Checking the page, not acting in it: the library is evaluated like devtools would.
            page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        bad = [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        for violation in bad:
            self.problems.append(describe_violation(name, page.url, violation))
        return bad

    def screenshot(self, page: Any, name: str) -> list[Path]:
        """Full-page screenshots at each width in WIDTHS, checking the layout at each; the viewport is put back."""
        size = page.viewport_size
        paths = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            path = self.folder / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
            self.layout(page, name, width, path)
        page.set_viewport_size(size)
        self.shots.extend(paths)
        return paths

    def layout(self, page: Any, name: str, width: int, shot: Path) -> None:
        """The page fits the width (no sideways scrolling, no table hiding columns) and its buttons are big enough to tap."""
        shot_width = struct.unpack(">I", shot.read_bytes()[16:20])[0]  # the PNG's IHDR width
        if shot_width > width:
            where = f"[{name}] {page.url}"
            self.problems.append(f"{where}: {shot_width} px wide in a {width} px viewport (scrolls sideways)")
        clipped = page.evaluate(
            "() => [...document.querySelectorAll('.table-wrap')]"
            ".filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.querySelector('th, td')?.innerText || '?')"
        )
        for first_cell in clipped:
            self.problems.append(
                f"[{name}] {page.url}: at {width} px the table starting {first_cell!r} is wider than the page"
                " (its last columns are off-screen)"
            )
        for control in page.locator(TAP_TARGETS).all():
            box = control.bounding_box()
            if box and (box["width"] < MIN_TARGET_PX or box["height"] < MIN_TARGET_PX):
                label = control.inner_text().strip() or control.get_attribute("value") or control.get_attribute("name")
                size = f"{box['width']:.0f}x{box['height']:.0f} px"
                self.problems.append(
                    f"[{name}] {page.url}: at {width} px the control {label!r} is {size},"
                    f" under the {MIN_TARGET_PX}x{MIN_TARGET_PX} px minimum (WCAG 2.2 SC 2.5.8)"
                )

    def check(self, page: Any, name: str) -> None:
        """All checks on the page as it is now."""
        self.axe(page, name)
        self.screenshot(page, name)

    def assert_clean(self) -> None:
        """Fail with every problem found, readably."""
        assert not self.problems, "accessibility and layout problems:\n\n" + "\n\n".join(self.problems)


def describe_violation(name: str, url: str, violation: dict[str, Any]) -> str:
    """One axe violation as a few readable lines: page, rule, impact, what, where."""
    lines = [f"[{name}] {url}: {violation['id']} ({violation['impact']}): {violation['help']}",
             f"  see {violation.get('helpUrl', '')}"]
    for node in violation.get("nodes", [])[:5]:
        lines.append(f"  - {', '.join(map(str, node.get('target', [])))}: {node.get('failureSummary', '').strip()}")
        lines.append(f"    {node.get('html', '')[:200]}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def screens_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ROLLCALL_SCREENSHOTS, else tests/browser/screens/ under pytest's tmp dir."""
    configured = os.environ.get("ROLLCALL_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.getbasetemp() / "tests" / "browser" / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page_checks(screens_dir: Path) -> PageChecks:
    """axe-core and screenshots for this test's pages."""
    return PageChecks(screens_dir)
