"""Memory stays flat: importing a package whose one member is far bigger than the allowed growth."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_a_large_member_is_streamed_not_held_in_memory() -> None:
    # One seeded member of 48-144 MB; reading it whole would grow the process by at least that.
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "import_package.py"), "--size-mb", "96", "--files", "1", "--seed", "7"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["ok"] and result["files"] == 3
    assert result["bytes"] > 48 * 1024**2
    growth = result["peak_rss_mb"] - result["rss_before_import_mb"]
    assert growth < 32, result
    assert result["peak_rss_mb"] < 150, result
