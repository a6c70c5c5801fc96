"""Cold start, repeated: `streamlit run` spawned afresh each time, headless Chromium opening
the default page, timed to the first Vega chart drawn (a benchmark, not a test).

    python tests/benchmarks/bench_cold_start.py --data-dir DIR [--runs 5] [--script PATH]

DIR holds a published snapshot (`python -m ingest build --data-dir DIR` for the bundled data,
`python -m ingest synth --data-dir DIR` for Europe scale). Each run is a new server process, so
nothing is cached between runs; the median is what a visitor after a deploy or a restart
meets. The machine's load average is printed before and after, since a shared machine moves
these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench_browser import CHART, CHART_TIMEOUT_MS, _stop  # noqa: E402

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, spawn_app, wait_healthy  # noqa: E402


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_cold_start(browser: object, data_dir: Path, log: Path, script: str) -> dict[str, float]:
    """Spawn the app, open it in a fresh page, and time the steps to the first chart."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    spawned = time.perf_counter()
    process = spawn_app(data_dir, port, log.open("wb"), script)
    try:
        wait_healthy(url, process, poll_seconds=0.05)
        healthy = time.perf_counter()
        page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        requested = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector("h1", timeout=CHART_TIMEOUT_MS)
        titled = time.perf_counter()
        page.wait_for_selector(CHART, timeout=CHART_TIMEOUT_MS)
        charted = time.perf_counter()
        # CPU the server spent to get there: unlike the wall times, this barely moves when
        # other work shares the machine.
        server_cpu = _cpu_seconds(process.pid)
        page.close()
    finally:
        _stop(process)
    return {
        "spawn_to_healthy": healthy - spawned,
        "request_to_title": titled - requested,
        "request_to_first_chart": charted - requested,
        "spawn_to_first_chart": charted - spawned,
        "server_cpu_to_first_chart": server_cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--script",
        default="dashboard/server.py",
        help="what `streamlit run` serves: dashboard/server.py (as `make run`) or dashboard/app.py",
    )
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    runs = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for index in range(args.runs):
                runs.append(
                    one_cold_start(
                        browser, args.data_dir.resolve(), Path(folder) / f"{index}.log", args.script
                    )
                )
                print(
                    f"run {index + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in runs[-1].items()),
                    flush=True,
                )
        finally:
            browser.close()
    load_after = os.getloadavg()
    medians = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    print(
        f"{args.script}, median of {len(runs)}: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in medians.items())
    )
    print(
        f"nproc {os.cpu_count()}, load average (1/5/15 min) before "
        f"{'/'.join(f'{x:.2f}' for x in load_before)}, after "
        f"{'/'.join(f'{x:.2f}' for x in load_after)}"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"runs": runs, "median": medians, "load": [load_before, load_after]}),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
