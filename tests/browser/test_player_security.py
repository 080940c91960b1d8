"""Vendor content on its own origin cannot read the portal (DESIGN.md, "Vendor content runs on its own origin").

A package of our own, built here from text, whose SCO tries what hostile content would:
read the player page above it, and fetch a portal page with the learner's cookies. It
writes what happened into its own page, which the test reads from the frame.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, import_course, log_in, make_account
from tests.browser.player_support import (  # noqa: F401 - app, live_port and live_server: one per module
    app,
    enroll_and_start,
    live_port,
    live_server,
    sco,
)

pytestmark = pytest.mark.browser

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="org.rollcall.test.probe" version="1.0"
          xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Origin probe</title>
      <item identifier="probe-item" identifierref="probe-res"><title>Origin probe</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="probe-res" type="webcontent" adlcp:scormtype="sco" href="probe.html">
      <file href="probe.html"/>
    </resource>
  </resources>
</manifest>
"""
PROBE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Origin probe</title></head>
<body>
<h1>Origin probe</h1>
<p id="api"></p><p id="top"></p><p id="fetch">fetch: waiting</p>
<script>
  var portal = location.origin.replace("localhost", "127.0.0.1");
  document.getElementById("api").textContent = "api: " + (parent.API ? "found" : "missing");
  try {
    document.getElementById("top").textContent = "top: read " + top.document.title;
  } catch (e) {
    document.getElementById("top").textContent = "top: blocked " + e.name;
  }
  fetch(portal + "/my-learning", {credentials: "include"}).then(function (r) { return r.text(); }).then(
    function (text) { document.getElementById("fetch").textContent = "fetch: read " + text.slice(0, 200); },
    function (e) { document.getElementById("fetch").textContent = "fetch: blocked " + e.name; });
</script>
</body></html>
"""


def test_content_cannot_read_the_portal(app: Any, live_server: str, chromium: Any, tmp_path: Path) -> None:
    package = tmp_path / "probe.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("probe.html", PROBE)
    import_course(app, package, "origin-probe")
    make_account(app, "probe@example.org", name="Probe Learner")
    # Its own context, not new_page's: the refused fetch is logged as an error, and that is the point.
    context = chromium.new_context(base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        log_in(page, "probe@example.org")
        page.goto("/courses/origin-probe")
        enroll_and_start(page)
        probe = sco(page)
        expect(probe.get_by_text("api: found")).to_be_visible()  # the SCORM API is there for it
        expect(probe.get_by_text("top: blocked SecurityError")).to_be_visible()
        expect(probe.get_by_text("fetch: blocked TypeError")).to_be_visible()
        expect(probe.get_by_text("Probe Learner")).to_have_count(0)
        assert page.frames[1].url.startswith(live_server.replace("127.0.0.1", "localhost") + "/content-static/")
    finally:
        context.close()
