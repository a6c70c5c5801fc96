"""Rerun time of every page on the bundled real data (a benchmark, not a test).

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_bundled_reruns.py [--runs 20]

It builds the bundled registers into a temporary folder, then drives each page with
Streamlit's AppTest and prints the median and 95th percentile of the script time of a rerun.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

PAGES = ("overview", "explorer", "timelines", "compare", "sources")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "ingest", "build", "--data-dir", folder],
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        )
        os.environ["UPTAKE_DATA_DIR"] = folder
        from tests.dashboard.app_driver import open_page

        print(f"{'page':<10} {'first render':>13} {'rerun p50':>10} {'rerun p95':>10}")
        for page in PAGES:
            started = time.perf_counter()
            app = open_page(page)
            first = time.perf_counter() - started
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                app.run()
                timings.append(time.perf_counter() - started)
                if app.exception:
                    raise SystemExit(f"{page}: {app.exception[0].message}")
            timings.sort()
            p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
            print(
                f"{page:<10} {first * 1000:>10.0f} ms {statistics.median(timings) * 1000:>7.0f} ms"
                f" {p95 * 1000:>7.0f} ms"
            )


if __name__ == "__main__":
    main()
