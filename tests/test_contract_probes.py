"""The import contracts of setup.cfg refuse what DESIGN.md forbids, including imports of lrs modules added later.

Each probe is written into a copy of the source tree (so that engineers running
lint-imports in the real tree meanwhile never see it), lint-imports runs there, and the
contract it breaks must be named in a failing report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "lrs", "packages", "player", "certificates", "portal")
LAYERS = "arrows point down: portal; player | certificates (never each other)"
BOUNDARY = "outside lrs only lrs.client and lrs.vocab are imported"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the Python sources and setup.cfg, which lint-imports graphs from its working directory."""
    root = tmp_path_factory.mktemp("contract-tree")

    def not_python(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if n == "__pycache__" or (not n.endswith(".py") and not Path(folder, n).is_dir())]

    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=not_python)
    shutil.copy(ROOT / "setup.cfg", root / "setup.cfg")
    return root


def lint(tree: Path, probes: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """lint-imports over ``tree`` with the probe modules (path -> source) present; they are removed after."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is part of the test extra (scripts/setup --test installs it)"
    written = []
    try:
        for path, source in probes.items():
            (tree / path).write_text(source, encoding="utf-8")
            written.append(tree / path)
        env = dict(os.environ, COLUMNS="1000")  # contract names on one line each
        return subprocess.run([exe, "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120)
    finally:
        for path in written:
            path.unlink()


def broken(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The names of the contracts the report says are broken."""
    return [line.split(" BROKEN")[0].strip() for line in result.stdout.splitlines() if " BROKEN" in line]


@pytest.mark.parametrize(
    ("probes", "contract", "culprit"),
    [
        ({"player/_bad_contract_probe.py": "import lrs.sql\n"}, BOUNDARY, "player._bad_contract_probe -> lrs.sql"),
        ({"certificates/_bad_contract_probe.py": "import player\n"}, LAYERS, "certificates._bad_contract_probe"),
        ({"portal/_bad_contract_probe.py": "from lrs.app import create_lrs_app\n"}, BOUNDARY,
         "portal._bad_contract_probe -> lrs.app"),
        ({"packages/_bad_contract_probe.py": "import lrs.client\n"}, LAYERS, "packages._bad_contract_probe"),
        # A module added to lrs later is protected without anyone listing it.
        ({"lrs/_newthing_probe.py": "VALUE = 1\n", "player/_bad_contract_probe.py": "import lrs._newthing_probe\n"},
         BOUNDARY, "player._bad_contract_probe -> lrs._newthing_probe"),
    ],
    ids=["player-imports-lrs-sql", "certificates-imports-player", "portal-page-imports-lrs-app",
         "packages-imports-lrs", "player-imports-a-new-lrs-module"],
)
def test_a_forbidden_import_breaks_its_contract(tree: Path, probes: dict[str, str], contract: str, culprit: str) -> None:
    result = lint(tree, probes)
    assert result.returncode != 0, result.stdout
    assert any(name.startswith(contract) for name in broken(result)), result.stdout
    assert culprit in result.stdout
    assert not any((tree / path).exists() for path in probes)


def test_the_allowed_imports_keep_every_contract(tree: Path) -> None:
    result = lint(tree, {"player/_good_contract_probe.py": "import lrs.client\nimport lrs.vocab\nimport packages\n"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert broken(result) == []
