"""Profile one page's filter-change rerun with pyinstrument, to find where a slow page spends
its time (queries, shaping, chart specs, element serialisation).

    python tests/benchmarks/bench_profile.py --data-dir DIR --page overview [--runs 3]

DIR holds a published snapshot (e.g. from `python -m ingest synth`). pyinstrument is a
benchmark-only tool: `pip install pyinstrument`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--page", default="overview")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--first", action="store_true", help="profile a cold first render")
    args = parser.parse_args()
    os.environ["UPTAKE_DATA_DIR"] = str(args.data_dir.resolve())

    import streamlit as st
    from bench_pages import _open, page_specs, snapshot_ids
    from pyinstrument import Profiler
    from streamlit.runtime.scriptrunner import script_runner

    from ingest.snapshot import current_snapshot

    snapshot = current_snapshot(args.data_dir)
    if snapshot is None:
        raise SystemExit(f"no published snapshot in {args.data_dir}")
    spec = next(s for s in page_specs(*snapshot_ids(str(snapshot))) if s.name == args.page)
    at = _open(spec)
    # AppTest runs the script in its own thread, which a profiler started here would not
    # see: the profiler is switched on inside that thread, around the script execution only.
    profiler = Profiler(interval=0.001)
    recording = False
    run_script = script_runner.exec_func_with_error_handling

    def profiled(*call_args, **call_kwargs):  # type: ignore[no-untyped-def]
        if not recording:
            return run_script(*call_args, **call_kwargs)
        profiler.start()
        try:
            return run_script(*call_args, **call_kwargs)
        finally:
            profiler.stop()

    script_runner.exec_func_with_error_handling = profiled
    if args.first:
        st.cache_data.clear()
        recording = True
        at.run(timeout=600)
    else:
        at.run(timeout=600)
        recording = True
        for i in range(args.runs):
            spec.change(at, i)
            at.run(timeout=600)
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
