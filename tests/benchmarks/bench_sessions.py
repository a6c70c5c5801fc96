"""Concurrent sessions on one app process (a benchmark, not a test).

Run from the repository root after `pip install -e '.[bench]'`:

    .venv/bin/python tests/benchmarks/bench_sessions.py [--sessions 50] [--minutes 3]
        [--data-dir DIR] [--think 2-5] [--json FILE]

It spawns `streamlit run` on loopback (on the bundled registers built into a temporary folder,
or on a published folder given with --data-dir, e.g. a synthetic one from `python -m ingest
synth`) and opens N sessions the way browser tabs do: Streamlit's own websocket at
/_stcore/stream carrying its BackMsg/ForwardMsg protobufs (deploy/streamlit_session.py). Each
session goes round every page, changing that page's filters through the page address as a
permalink or the back button does (overview and compare: a new set of institutions; explorer:
an institution and a status; timelines: another cycle; sources: the page itself), waiting a
human pause between changes. It prints p50/p95/p99 of the rerun time (request sent →
script_finished received), the errors (failed connections, runs that did not finish, errors
shown on the page), and the server's RSS and CPU sampled every second. Bounded: at most
--sessions sessions, --minutes of load plus a 2-minute grace, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402
import psutil  # noqa: E402

from deploy.streamlit_session import Session, SessionError  # noqa: E402
from ingest.publication import Published, current  # noqa: E402
from tests.app_server import free_port, spawn_app, wait_healthy  # noqa: E402

PAGES = ("overview", "explorer", "timelines", "compare", "sources")
GRACE_SECONDS = 120
RUN_TIMEOUT_SECONDS = 60
RAMP_SECONDS = 0.5


@dataclass
class Choices:
    """Filter values the snapshot holds, read once from the file the app serves."""

    institutions: list[str]
    cycles: list[str]
    statuses: list[str]

    @classmethod
    def read(cls, snapshot: Path) -> Choices:
        with duckdb.connect(str(snapshot), read_only=True) as con:

            def column(sql: str) -> list[str]:
                return [row[0] for row in con.execute(sql).fetchall() if row[0]]

            return cls(
                column("SELECT institution_id FROM institutions ORDER BY 1"),
                column("SELECT cycle_id FROM cycles ORDER BY 1"),
                column(
                    "SELECT DISTINCT status FROM recommendation_latest_status "
                    "WHERE status IS NOT NULL ORDER BY 1"
                ),
            )

    def query_for(self, page: str, rng: random.Random) -> str:
        """A filter change on `page`, written as the query string the page keeps its state in."""
        if page in {"overview", "compare"}:
            picked = rng.sample(self.institutions, k=min(len(self.institutions), rng.randint(1, 3)))
            return urlencode([("institution", i) for i in picked])
        if page == "explorer":
            pairs = [("institution", rng.choice(self.institutions))]
            if self.statuses and rng.random() < 0.5:
                pairs.append(("status", rng.choice(self.statuses)))
            return urlencode(pairs)
        if page == "timelines":
            return urlencode([("cycle", rng.choice(self.cycles))])
        return ""


@dataclass
class Results:
    sessions: int
    minutes: float
    think_seconds: tuple[float, float]
    first_runs: list[float] = field(default_factory=list)
    reruns: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PAGES})
    errors: list[str] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    cpu_percent: list[float] = field(default_factory=list)
    rss_idle_mb: float = 0.0
    # The machine's 1-minute load average at the start and the end: other work on the machine
    # slows every figure here, so a report without it cannot be compared.
    load_average: list[float] = field(default_factory=list)
    rss_after_close_mb: float = 0.0
    # The servers' CPU-seconds over the load, summed over replicas: divided by the script runs
    # it is the cost of one run, the figure that says how many cores a load needs.
    cpu_seconds: float = 0.0


def percentile_ms(values: list[float], q: int) -> int | None:
    """The q-th percentile in milliseconds, None when nothing was measured."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000)


async def one_session(
    index: int, url: str, choices: Choices, results: Results, stop_at: float
) -> None:
    rng = random.Random(index)
    session = Session(url)
    try:
        await session.open()
        run = await session.rerun(timeout=RUN_TIMEOUT_SECONDS)
        results.first_runs.append(run.seconds)
        results.errors += [f"session {index} first run: {e}" for e in run.errors]
        step = index  # sessions start on different pages
        while time.monotonic() < stop_at:
            await asyncio.sleep(rng.uniform(*results.think_seconds))
            page = PAGES[step % len(PAGES)]
            step += 1
            run = await session.rerun(
                page, choices.query_for(page, rng), timeout=RUN_TIMEOUT_SECONDS
            )
            results.reruns[page].append(run.seconds)
            results.errors += [f"session {index} {page}: {e}" for e in run.errors]
    except (OSError, SessionError, TimeoutError) as error:
        results.errors.append(f"session {index}: {type(error).__name__}: {error}")
    finally:
        await session.close()


def rss_mb(processes: list[psutil.Process]) -> float:
    return sum(process.memory_info().rss for process in processes) / 2**20


def cpu_seconds(processes: list[psutil.Process]) -> float:
    return sum(sum(process.cpu_times()[:2]) for process in processes)


async def sample(processes: list[psutil.Process], results: Results, stop: asyncio.Event) -> None:
    """RSS and CPU of the server processes (summed over replicas), once a second."""
    for process in processes:
        process.cpu_percent(None)
    while not stop.is_set():
        await asyncio.sleep(1)
        results.rss_mb.append(rss_mb(processes))
        results.cpu_percent.append(sum(process.cpu_percent(None) for process in processes))


async def drive(url: str, pids: list[int], choices: Choices, results: Results) -> None:
    processes = [psutil.Process(pid) for pid in pids]
    results.rss_idle_mb = rss_mb(processes)
    results.load_average.append(os.getloadavg()[0])
    cpu_at_start = cpu_seconds(processes)
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(processes, results, stop))
    stop_at = time.monotonic() + results.minutes * 60
    tasks = []
    for index in range(results.sessions):
        tasks.append(asyncio.create_task(one_session(index, url, choices, results, stop_at)))
        await asyncio.sleep(RAMP_SECONDS)  # tabs open over half a minute, not in one instant
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), results.minutes * 60 + GRACE_SECONDS)
    except TimeoutError:
        results.errors.append("the load did not finish within its time bound")
    # Give the server a moment to drop the closed sessions, then see what memory stays.
    await asyncio.sleep(5)
    results.rss_after_close_mb = rss_mb(processes)
    results.cpu_seconds = cpu_seconds(processes) - cpu_at_start
    results.load_average.append(os.getloadavg()[0])
    stop.set()
    await sampler


def report(results: Results) -> dict[str, object]:
    every = [s for values in results.reruns.values() for s in values]
    runs = len(every) + len(results.first_runs)
    summary: dict[str, object] = {
        "sessions": results.sessions,
        "minutes": results.minutes,
        "think_seconds": results.think_seconds,
        "reruns": len(every),
        "rerun_p50_ms": percentile_ms(every, 50),
        "rerun_p95_ms": percentile_ms(every, 95),
        "rerun_p99_ms": percentile_ms(every, 99),
        "first_run_p50_ms": percentile_ms(results.first_runs, 50),
        "first_run_p95_ms": percentile_ms(results.first_runs, 95),
        "errors": len(results.errors),
        "rss_idle_mb": round(results.rss_idle_mb),
        "rss_peak_mb": round(max(results.rss_mb, default=0)),
        "rss_after_close_mb": round(results.rss_after_close_mb),
        "cpu_mean_percent": round(statistics.fmean(results.cpu_percent or [0])),
        "cpu_peak_percent": round(max(results.cpu_percent, default=0)),
        "cpu_seconds": round(results.cpu_seconds, 1),
        "cpu_seconds_per_run": round(results.cpu_seconds / runs, 3) if runs else None,
        "load_average_start_end": results.load_average,
        "per_page": {
            page: {
                "reruns": len(values),
                "p50_ms": percentile_ms(values, 50),
                "p95_ms": percentile_ms(values, 95),
                "p99_ms": percentile_ms(values, 99),
            }
            for page, values in results.reruns.items()
        },
    }
    low, high = results.think_seconds
    print(f"{results.sessions} sessions, {results.minutes:g} min, pause "
          f"{low:g}-{high:g} s between changes")  # fmt: skip
    print(f"reruns: {len(every)}  p50 {summary['rerun_p50_ms']} ms  p95 "
          f"{summary['rerun_p95_ms']} ms  p99 {summary['rerun_p99_ms']} ms")  # fmt: skip
    print(f"first run of a session: p50 {summary['first_run_p50_ms']} ms  p95 "
          f"{summary['first_run_p95_ms']} ms")  # fmt: skip
    for page, figures in summary["per_page"].items():  # type: ignore[union-attr]
        print(f"  {page:<10} {figures['reruns']:>5} reruns  p50 {figures['p50_ms']!s:>5}  "
              f"p95 {figures['p95_ms']!s:>5}  p99 {figures['p99_ms']!s:>5}  ms")  # fmt: skip
    print(f"errors: {len(results.errors)}")
    for error in results.errors[:10]:
        print(f"  {error}")
    print(f"server RSS: {summary['rss_idle_mb']} MB idle, {summary['rss_peak_mb']} MB peak, "
          f"{summary['rss_after_close_mb']} MB after the sessions closed")  # fmt: skip
    print(f"server CPU: {summary['cpu_mean_percent']} % mean, {summary['cpu_peak_percent']} % "
          f"peak (100 % = one core; {psutil.cpu_count()} cores)")  # fmt: skip
    print(f"server CPU-seconds: {summary['cpu_seconds']} over {runs} script runs, "
          f"{summary['cpu_seconds_per_run']} s per run")  # fmt: skip
    print("machine load average (1 min) at start and end: "
          + " / ".join(f"{value:.1f}" for value in results.load_average))  # fmt: skip
    return summary


def think_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--think", type=think_range, default=(2.0, 5.0), help="seconds, e.g. 2-5")
    parser.add_argument("--data-dir", type=Path, help="a published folder (default: bundled)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--app-log", type=Path, help="keep the server's log here")
    parser.add_argument(
        "--url",
        help="drive a running loopback deployment instead (e.g. nginx of "
        "deploy/replica_demo.py --keep-running); needs --data-dir (a replica's folder)",
    )
    parser.add_argument(
        "--pid", type=int, action="append", default=[], help="with --url: a server to sample"
    )
    args = parser.parse_args()
    if not 1 <= args.sessions <= 200 or not 0 < args.minutes <= 30:
        parser.error("keep it bounded: 1-200 sessions, at most 30 minutes")
    if args.url:
        if not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
            parser.error("--url must be a loopback address")
        if args.data_dir is None or not args.pid:
            parser.error("--url needs --data-dir and at least one --pid")
        published = current(args.data_dir)
        if not isinstance(published, Published):
            sys.exit(f"no published snapshot in {args.data_dir}")
        results = Results(args.sessions, args.minutes, args.think)
        asyncio.run(drive(args.url, args.pid, Choices.read(published.path), results))
        finish(results, args.json)
        return
    with tempfile.TemporaryDirectory() as folder:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(folder) / "data"
            subprocess.run(
                [sys.executable, "-m", "ingest", "build", "--data-dir", str(data_dir)],
                cwd=REPO_ROOT,
                capture_output=True,
                check=False,
            )
        published = current(data_dir)
        if not isinstance(published, Published):
            sys.exit(f"no published snapshot in {data_dir}")
        choices = Choices.read(published.path)
        port = free_port()
        log = (args.app_log or Path(folder) / "app.log").open("wb")
        app = spawn_app(data_dir, port, log)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, app)
            print(f"snapshot {published.name}: {len(choices.institutions)} institutions, "
                  f"{len(choices.cycles)} cycles")  # fmt: skip
            results = Results(args.sessions, args.minutes, args.think)
            asyncio.run(drive(url, [app.pid], choices, results))
        finally:
            app.terminate()
            try:
                app.wait(timeout=30)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
    finish(results, args.json)


def finish(results: Results, json_path: Path | None) -> None:
    summary = report(results)
    if json_path:
        json_path.write_text(json.dumps({**summary, "error_list": results.errors}, indent=2))


if __name__ == "__main__":
    main()
