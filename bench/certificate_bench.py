"""Time certificate PDFs: p50/p95 per script, fonts warm (parsed once per process, as in a worker).

Run: .venv/bin/python bench/certificate_bench.py [--runs 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time

from certificates.render import CertificateData, render_certificate
from certificates.services import new_serial

NAMES = {
    "latin": "Zoë Ångström-Núñez",
    "cyrillic": "Анна Каренина",
    "greek": "Αλέξανδρος",
    "arabic": "محمد عبد الله",
    "hebrew": "דוד לוי",
    "chinese": "王小明",
    "japanese": "山田太郎",
    "korean": "김민준",
}


def _data(name: str) -> CertificateData:
    serial = new_serial()
    return CertificateData(
        site_name="Rollcall Training Portal",
        learner_name=name,
        course_title="Community Policing: Building Trust Through Procedural Justice",
        completed_at=dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC),
        serial=serial,
        verify_url=f"https://training.example.org/certificates/{serial}",
        partner_name="Institute for Community Safety",
        runtime="2 hours 30 minutes",
    )


def main() -> None:
    """Print {script: {p50_ms, p95_ms}} as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    results = {}
    for script, name in NAMES.items():
        render_certificate(_data(name))  # warm: the process's first use parses the fonts
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            render_certificate(_data(name))
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        results[script] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (runs - 1))], 1)}
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
