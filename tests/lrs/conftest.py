"""LRS test configuration: the ADL-suite cross-check runs only where the suite is unpacked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import XAPI
from tests.lrs.documents_support import TARGETS, Target

_SUITE = Path(os.environ.get("ROLLCALL_CONFORMANCE_DIR", "/work/ref/conformance"))

# The suite may not be committed (it is fetched, never vendored), so a fresh machine has
# none: the module that expands its statement cases is then left out, not skipped.
collect_ignore = [] if (_SUITE / "test").is_dir() and shutil.which("node") else ["test_validation_conformance.py"]


@pytest.fixture
def vx(xapi: XAPI, xapi_version: str) -> XAPI:
    """The xAPI helper speaking the version under test (1.0.3 and 2.0.0)."""
    xapi.version = xapi_version
    return xapi


@pytest.fixture(params=sorted(TARGETS))
def target(request: pytest.FixtureRequest) -> Target:
    """Each document resource in turn (State, Activity Profile, Agent Profile)."""
    return TARGETS[request.param]()
