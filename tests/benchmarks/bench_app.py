"""Uptake at Europe scale: synthetic snapshot build, page times, memory, cold start, baseline.

    python tests/benchmarks/bench_app.py            # default scale, about 10 minutes
    python tests/benchmarks/bench_app.py --institutions 50 --recommendations 10000 \
        --events 100000 --runs 5                    # a quick look

Prints one table against the targets of BENCHMARKS.md and writes every figure as JSON
(--json). Each part is independent: a page that fails is reported, the rest still runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402

TARGETS = {
    "rerun_p50_seconds": 0.250,
    # A rerun meets its floor target at ≤ 1.5 × the floor or within 30 ms of it: a page whose
    # queries take 20 ms still needs some milliseconds to draw, which no ratio would allow.
    "rerun_over_floor": 1.5,
    "rerun_above_floor_seconds": 0.030,
    "faster_than_naive": 10.0,
    "cold_start_seconds": 3.0,
    "peak_rss_mb": 400.0,
    "build_records_per_second": 100_000,
}
# A rerun whose missed queries take less than this made no real database work: its ratio to
# the floor says nothing, so only its own time is judged.
NO_QUERY_SECONDS = 0.005
CANONICAL = (
    "institutions",
    "cycles",
    "milestones",
    "recommendations",
    "responses",
    "status_events",
    "outcome_reports",
    "congruence",
)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--recommendations", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20, help="reruns per page (p50/p95)")
    parser.add_argument("--cold-runs", type=int, default=2, help="first renders, caches cleared")
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds of reruns per page before stopping"
    )
    parser.add_argument("--pages", nargs="*", help="only these pages")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--data-dir", type=Path, help="synthetic snapshot folder (default: temp)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    return parser.parse_args()


def _say(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


def _synth(args: argparse.Namespace, data_dir: Path) -> dict[str, object]:
    from ingest.synth import synthesize

    phases: list[str] = []
    start = time.perf_counter()
    snapshot = synthesize(
        data_dir,
        institutions=args.institutions,
        recommendations=args.recommendations,
        events=args.events,
        seed=args.seed,
        progress=phases.append,
    )
    seconds = time.perf_counter() - start
    with duckdb.connect(str(snapshot), read_only=True) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in CANONICAL}
    records = sum(counts.values())
    return {
        "snapshot": str(snapshot),
        "seconds": seconds,
        "records": records,
        "records_per_second": records / seconds,
        "counts": counts,
        "phases": phases,
        "file_mb": snapshot.stat().st_size / 2**20,
    }


def _naive(
    snapshot: str, pages: list[str], runs: int, institutions: list[str], cycles: list[str]
) -> dict[str, list[float]]:
    import bench_naive

    choices = {
        "overview": lambda i: [institutions[i % len(institutions)]],
        "explorer": lambda i: [institutions[i % len(institutions)]],
        "timelines": lambda i: cycles[(i * 37 + 1) % len(cycles)],
        "compare": lambda i: [institutions[(3 * i + k) % len(institutions)] for k in range(3)],
        "sources": lambda i: i,
    }
    times: dict[str, list[float]] = {}
    with duckdb.connect(snapshot, read_only=True) as con:
        for page in pages:
            times[page] = []
            for i in range(runs):
                start = time.perf_counter()
                bench_naive.PAGES[page](con, choices[page](i))
                times[page].append(time.perf_counter() - start)
    return times


def _fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value * 1000:,.0f} ms"
    if unit == "x":
        return f"{value:,.1f}×"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.2f} s"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "MISSED")


def main() -> int:
    args = _arguments()
    workdir = Path(tempfile.mkdtemp(prefix="uptake-bench-"))
    data_dir = args.data_dir or workdir / "build"
    os.environ["UPTAKE_DATA_DIR"] = str(data_dir)
    report: dict[str, object] = {
        "scale": {
            "institutions": args.institutions,
            "recommendations": args.recommendations,
            "events": args.events,
            "seed": args.seed,
        },
        "machine": {"nproc": os.cpu_count(), "memory_gb": _memory_gb()},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }

    _say("synthesising the snapshot")
    synth = _synth(args, data_dir)
    report["synth"] = synth
    snapshot = str(synth["snapshot"])
    from bench_pages import QueryRecorder, measure_page, page_specs, snapshot_ids

    institutions, cycles = snapshot_ids(snapshot)

    specs = [s for s in page_specs(institutions, cycles) if not args.pages or s.name in args.pages]
    recorder = QueryRecorder()
    recorder.install()
    pages: dict[str, dict[str, object]] = {}
    for spec in specs:
        _say(f"page {spec.name}")
        result = measure_page(spec, recorder, args.runs, args.budget, args.cold_runs)
        pages[spec.name] = {
            "change": spec.change_label,
            "cold_first_p50": result.cold_first.p("script", 0.5),
            "cold_first_floor_p50": result.cold_first.p("floor", 0.5),
            "warm_first_p50": result.warm_first.p("script", 0.5),
            "warm_first_p95": result.warm_first.p("script", 0.95),
            "rerun_p50": result.rerun.p("script", 0.5),
            "rerun_p95": result.rerun.p("script", 0.95),
            "rerun_floor_p50": result.rerun.p("floor", 0.5),
            "runs": {
                "cold_first": len(result.cold_first.script),
                "warm_first": len(result.warm_first.script),
                "rerun": len(result.rerun.script),
            },
            "cold_query_seconds": dict(sorted(result.floor_queries.items(), key=lambda kv: -kv[1])),
            "error": result.rerun.error,
        }

    _say("naive pandas baseline")
    naive = _naive(snapshot, [s.name for s in specs], args.naive_runs, institutions, cycles)
    for name, times in naive.items():
        pages[name]["naive_p50"] = statistics.median(times)
    report["pages"] = pages

    if not args.skip_browser:
        _say("browser: cold start and peak memory")
        from bench_browser import measure_browser

        report["browser"] = asdict(
            measure_browser(data_dir, institutions, cycles, workdir / "streamlit.log")
        )

    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 0


def _memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return 0.0


def _print(report: dict[str, object]) -> None:
    synth = report["synth"]
    scale = report["scale"]
    print(
        f"\nUptake benchmark — {scale['institutions']:,} institutions, "
        f"{scale['recommendations']:,} recommendations, {scale['events']:,} status events "
        f"(seed {scale['seed']}); {report['machine']['nproc']} cores, "
        f"{report['machine']['memory_gb']} GB; {report['date']}"
    )
    rate = synth["records_per_second"]
    print(
        f"\nsynth + build: {synth['records']:,} records in {synth['seconds']:.2f} s = "
        f"{rate:,.0f} records/s (target ≥ {TARGETS['build_records_per_second']:,}: "
        f"{_verdict(rate >= TARGETS['build_records_per_second'])}); "
        f"file {synth['file_mb']:.0f} MB"
    )
    for phase in synth["phases"]:
        print(f"    {phase}")
    header = (
        f"\n{'page':<10} {'cold 1st':>10} {'warm 1st':>10} {'rerun p50':>10} {'rerun p95':>10} "
        f"{'floor p50':>10} {'÷ floor':>8} {'− floor':>8} {'naive p50':>10} {'× naive':>8} "
        f"{'n':>4}  verdict"
    )
    print(header)
    for name, page in report["pages"].items():
        p50, floor, naive = page["rerun_p50"], page["rerun_floor_p50"], page.get("naive_p50")
        no_queries = floor is not None and floor < NO_QUERY_SECONDS
        ratio = p50 / floor if p50 and floor and not no_queries else None
        speedup = naive / p50 if naive and p50 else None
        above = p50 - floor if p50 is not None and floor is not None else None
        checks = [
            p50 is not None and p50 <= TARGETS["rerun_p50_seconds"],
            no_queries
            or (ratio is not None and ratio <= TARGETS["rerun_over_floor"])
            or (above is not None and above <= TARGETS["rerun_above_floor_seconds"]),
            speedup is not None and speedup >= TARGETS["faster_than_naive"],
        ]
        verdict = (
            "met"
            if all(checks)
            else "MISSED "
            + ",".join(
                label
                for label, ok in zip(("p50", "÷floor", "×naive"), checks, strict=True)
                if not ok
            )
        )
        print(
            f"{name:<10} {_fmt(page['cold_first_p50'], 'ms'):>10} "
            f"{_fmt(page['warm_first_p50'], 'ms'):>10} {_fmt(p50, 'ms'):>10} "
            f"{_fmt(page['rerun_p95'], 'ms'):>10} {_fmt(floor, 'ms'):>10} "
            f"{'no query' if no_queries else _fmt(ratio, 'x'):>8} {_fmt(above, 'ms'):>8} "
            f"{_fmt(naive, 'ms'):>10} {_fmt(speedup, 'x'):>8} {page['runs']['rerun']:>4}  "
            f"{verdict}"
        )
        if page["error"]:
            print(f"{'':<10} error: {page['error']}")
        top = list(page["cold_query_seconds"].items())[:3]
        if top:
            print(f"{'':<10} slowest cold queries: " + ", ".join(f"{k} {v:.2f}s" for k, v in top))
    browser = report.get("browser")
    if browser:
        cold, rss = browser["spawn_to_first_chart"], browser["peak_rss_mb"]
        print(
            f"\ncold start (spawn → first chart): {_fmt(cold)} "
            f"(request → chart {_fmt(browser['request_to_first_chart'])}, "
            f"server healthy after {_fmt(browser['spawn_to_healthy'])}; target ≤ "
            f"{TARGETS['cold_start_seconds']} s: "
            f"{_verdict(cold <= TARGETS['cold_start_seconds'] if cold else None)})"
        )
        print(
            f"app peak RSS (VmHWM) after the tour: {_fmt(rss, 'MB')} (after start "
            f"{_fmt(browser['rss_after_start_mb'], 'MB')}; target ≤ {TARGETS['peak_rss_mb']:.0f}"
            f" MB: {_verdict(rss <= TARGETS['peak_rss_mb'] if rss else None)})"
        )
        for name, seconds in browser["tour"].items():
            print(f"    browser visit {name:<28} {_fmt(seconds)}")
        if browser["error"]:
            print(f"    browser error: {browser['error']}")


if __name__ == "__main__":
    raise SystemExit(main())
