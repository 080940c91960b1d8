"""The statements of ADL's LRS conformance suite: each "should reject" is refused, each "should pass" passes.

The suite (adlnet/lrs-conformance-test-suite) is read where it is unpacked, never copied:
``ROLLCALL_CONFORMANCE_DIR`` (default /work/ref/conformance). ``data/conformance_cases.js``
asks the suite's own template helper to expand every config in ``test/<version>/configs``
into the exact statement it would POST. Where the suite or node is absent this module is not collected at all (see
tests/lrs/conftest.py), so a run without it reports no skip that looks like a gap:
our own per-rule tests (test_validation_*.py) cover the same rules without it.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from lrs.errors import BadRequest
from lrs.validation import validate_statement

SUITE = Path(os.environ.get("ROLLCALL_CONFORMANCE_DIR", "/work/ref/conformance"))
EXPANDER = Path(__file__).parent / "data" / "conformance_cases.js"
DIRECTORIES = {"1.0.3": "v1_0_3", "2.0.0": "v2_0"}


def _config_files(directory: str) -> list[str]:
    """The suite's statement config files for one xAPI version (empty when the suite is absent)."""
    folder = SUITE / "test" / directory / "configs"
    return sorted(name for name in os.listdir(folder) if name.endswith(".js")) if folder.is_dir() else []


@functools.cache
def _cases(directory: str) -> tuple[dict[str, Any], ...]:
    """Every statement case of the suite for one version, expanded by the suite's own helper."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    run = subprocess.run(
        [node, str(EXPANDER), str(SUITE), directory],
        cwd=SUITE,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return tuple(json.loads(line) for line in run.stdout.splitlines())


PARAMS = [
    pytest.param(version, name, id=f"{version}-{name}")
    for version, directory in DIRECTORIES.items()
    for name in _config_files(directory)
]


@pytest.mark.skipif(not PARAMS, reason=f"the ADL conformance suite is not unpacked at {SUITE}")
@pytest.mark.parametrize(("version", "config"), PARAMS)
def test_suite_statements(version: str, config: str) -> None:
    cases = [case for case in _cases(DIRECTORIES[version]) if case["file"] == config]
    assert cases, f"no statement cases expanded from {config}"
    wrong = []
    for case in cases:
        statements = case["statement"] if isinstance(case["statement"], list) else [case["statement"]]
        try:
            for statement in statements:
                validate_statement(statement, version)
        except BadRequest as error:
            outcome, why = 400, error.message
        else:
            outcome, why = 200, "accepted"
        if outcome != case["expect"][0]:
            wrong.append(f"{case['name']!r}: suite expects {case['expect'][0]}, we gave {outcome} ({why})")
    assert not wrong, "\n".join(wrong)
