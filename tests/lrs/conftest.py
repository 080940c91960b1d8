"""LRS test configuration: the ADL-suite cross-check runs only where the suite is unpacked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

_SUITE = Path(os.environ.get("ROLLCALL_CONFORMANCE_DIR", "/work/ref/conformance"))

# The suite may not be committed (it is fetched, never vendored), so a fresh machine has
# none: the module that expands its statement cases is then left out, not skipped.
collect_ignore = [] if (_SUITE / "test").is_dir() and shutil.which("node") else ["test_validation_conformance.py"]
