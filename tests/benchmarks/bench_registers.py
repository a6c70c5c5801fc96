"""Register ingest at scale: `ingest build` reading real CSV files (a benchmark, not a test).

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_registers.py [--runs 3]

It writes SYNTHETIC registers once with `python -m ingest synth --as-registers` (by default
500 institutions, 100 000 recommendations, 1 000 000 status events), then times `ingest build`
on them in a subprocess: a cold build into an empty folder, and a rebuild of the same files
(which the content hash lets skip). Each figure is the median of --runs runs; peak memory is
the build process's maximum resident set size (from wait4). `--mode` picks which reading path
is measured: `columnar` (the default one) and/or `per-cell` (the older row-by-row path,
forced with UPTAKE_REGISTER_PATH=per-cell) as the baseline in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one subprocess."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: rows rejected, still a finished build
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024, process.returncode


def _count_rows(folder: Path) -> int:
    rows = 0
    for file in folder.glob("*.csv"):
        with file.open("rb") as handle:
            rows += sum(1 for _ in handle) - 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--recommendations", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--mode", choices=("columnar", "per-cell"), action="append", help="default: both"
    )
    args = parser.parse_args()
    modes = args.mode or ["per-cell", "columnar"]
    python = sys.executable
    print(f"date {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}")
    print(f"nproc {os.cpu_count()}, python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="uptake-bench-registers-") as work:
        registers = Path(work) / "registers"
        seconds, _, _ = _timed(
            [
                python, "-m", "ingest", "synth", "--as-registers", str(registers),
                "--institutions", str(args.institutions),
                "--recommendations", str(args.recommendations),
                "--events", str(args.events),
            ],
            dict(os.environ),
        )  # fmt: skip
        rows = _count_rows(registers / "synthetic")
        size = sum(f.stat().st_size for f in (registers / "synthetic").glob("*.csv"))
        print(f"wrote {rows:,} register rows ({size / 1e6:.0f} MB of CSV) in {seconds:.1f}s")
        print(f"{'path':<9} {'build':<10} {'median s':>9} {'rows/s':>9} {'peak RSS MB':>12}  runs")
        for mode in modes:
            env = dict(os.environ, UPTAKE_REGISTER_PATH=mode)
            cold: list[tuple[float, float]] = []
            again: list[tuple[float, float]] = []
            for run in range(args.runs):
                data = Path(work) / f"build-{mode}-{run}"
                command = [
                    python, "-m", "ingest", "build", "--allow-rejects",
                    "--sources", str(registers / "sources.toml"), "--data-dir", str(data),
                ]  # fmt: skip
                cold.append(_timed(command, env)[:2])
                again.append(_timed(command, env)[:2])
            for name, timings in (("cold", cold), ("unchanged", again)):
                median = statistics.median(t for t, _ in timings)
                peak = statistics.median(m for _, m in timings)
                shown = ", ".join(f"{t:.1f}s/{m:.0f}MB" for t, m in timings)
                print(
                    f"{mode:<9} {name:<10} {median:>9.2f} {rows / median:>9,.0f} {peak:>12,.0f}"
                    f"  {shown}"
                )


if __name__ == "__main__":
    main()
