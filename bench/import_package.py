"""Benchmark: import a large generated package with the real code; print seconds and peak RSS as JSON.

    .venv/bin/python bench/import_package.py --size-mb 200 --files 5000
    .venv/bin/python bench/import_package.py --size-mb 50 --files 5000

The package (a SCORM 1.2 course plus incompressible-ish media files, seeded) is
generated in a temp folder; the import runs in a fresh subprocess (SQLite database and
local storage in that folder) so that its ru_maxrss is the import's own peak. Target:
peak RSS under 150 MB and not growing with the package's size.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manifest(media: list[str]) -> str:
    """A SCORM 1.2 manifest whose one SCO lists every media file, as authoring tools write them."""
    files = "\n".join(f'      <file href="{name}"/>' for name in ["index.html", *media])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest identifier="bench" version="1.0" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"'
        ' xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">\n'
        "  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>\n"
        '  <organizations default="bench-org"><organization identifier="bench-org"><title>Benchmark</title>\n'
        '    <item identifier="lesson" identifierref="sco"><title>The only lesson</title></item>\n'
        "  </organization></organizations>\n"
        '  <resources><resource identifier="sco" type="webcontent" adlcp:scormtype="sco" href="index.html">\n'
        f"{files}\n    </resource></resources>\n</manifest>\n"
    )


def generate(path: Path, size_bytes: int, files: int, seed: int) -> int:
    """Write the package: a manifest, index.html and ``files`` media files of random bytes (deflated, level 1)."""
    rng = random.Random(seed)
    per_file = max(size_bytes // files, 1)
    total = 0
    media = [f"media/{i // 100:03d}/asset-{i:05d}.bin" for i in range(files)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("imsmanifest.xml", manifest(media))
        zf.writestr("index.html", "<!doctype html><title>Benchmark</title><p>Lesson</p>")
        for name in media:
            size = rng.randint(per_file // 2, per_file * 3 // 2)
            with zf.open(name, "w") as out:
                left = size
                while left:
                    chunk = rng.randbytes(min(left, 1024**2))
                    out.write(chunk)
                    left -= len(chunk)
            total += size
    return total


def current_rss_mb() -> float:
    """This process's resident set size now (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * resource.getpagesize() / 1024**2, 1)


def child(package: Path, workdir: Path, migrate_only: bool = False) -> None:
    """Run one import with the real app and service; print the measurements as JSON."""
    sys.path.insert(0, str(ROOT))
    from core.config import Settings
    from packages import service
    from portal.app import create_app, upgrade_database

    settings = Settings(instance_path=workdir / "instance", env="bench", base_url="http://localhost")
    app = create_app(settings)
    if migrate_only:  # in its own process, so that Alembic's peak is not counted as the import's
        upgrade_database(app)
        return
    storage = app.extensions["package_storage"]
    startup_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Start the peak afresh (Linux: "5" resets VmHWM), so that ru_maxrss is the import's own
    # peak and not the app factory's start-up peak.
    Path("/proc/self/clear_refs").write_text("5")
    before = current_rss_mb()
    start = time.perf_counter()
    with app.extensions["db_write"]() as session:
        result = service.import_package(session, storage, package, course_slug="bench", settings=settings)
        session.commit()
        ok = result.ok
        files = result.version.file_count if result.version else 0
        size = result.version.total_bytes if result.version else 0
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "ok": ok,
        "report": result.report.to_json() if not ok else None,
        "files": files,
        "bytes": size,
        "seconds": round(seconds, 2),
        "startup_peak_rss_mb": round(startup_peak / 1024, 1),
        "rss_before_import_mb": before,
        "peak_rss_mb": round(peak / 1024, 1),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--child", nargs=2, metavar=("ZIP", "WORKDIR"), help=argparse.SUPPRESS)
    parser.add_argument("--migrate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.migrate_only)
        return
    with tempfile.TemporaryDirectory(prefix="rollcall-bench-") as tmp:
        work = Path(tmp)
        package = work / "package.zip"
        started = time.perf_counter()
        content = generate(package, args.size_mb * 1024**2, args.files, args.seed)
        generated = time.perf_counter() - started
        subprocess.run([sys.executable, __file__, "--child", str(package), str(work), "--migrate-only"],
                       cwd=ROOT, check=True)
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(package), str(work)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            sys.exit(f"the import failed:\n{done.stderr[-4000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result.update(
            package_mb=round(package.stat().st_size / 1024**2, 1),
            content_mb=round(content / 1024**2, 1),
            requested_files=args.files + 2,
            generate_seconds=round(generated, 1),
            target_peak_rss_mb=150,
        )
        print(json.dumps(result, indent=2))
        if not result["ok"] or result["peak_rss_mb"] >= 150:
            sys.exit(1)


if __name__ == "__main__":
    main()
