"""Requests on one kept-alive connection: the app as served against Streamlit as shipped (a
benchmark, not a test).

    python tests/benchmarks/bench_keepalive.py --data-dir DIR [--requests 40]

A browser loads the first page's sixty-odd script files over six kept-alive connections.
This starts `streamlit run dashboard/server.py` (what `make run` serves, with Nagle's
algorithm turned off on its connections by dashboard/nodelay.py) and, as the baseline in the
same run, `streamlit run dashboard/app.py` before any page has run (Streamlit's server as
shipped), and times the same requests on one connection to each: the health check and one of
Streamlit's script files. Each figure is the median over --requests requests after the first
(the first one on a connection never waits for an acknowledgement).
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import streamlit  # noqa: E402
from bench_browser import _stop  # noqa: E402

from tests.app_server import free_port, spawn_app, wait_healthy  # noqa: E402

SCRIPTS = ("dashboard/app.py", "dashboard/server.py")


def _script_file() -> str:
    """The address of the smallest of Streamlit's own script files."""
    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    smallest = min(folder.glob("*.js"), key=lambda path: path.stat().st_size)
    return f"/static/js/{smallest.name}"


def _kept_alive_ms(port: int, path: str, requests: int) -> list[float]:
    """Milliseconds per request after the first, all on one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    try:
        for _ in range(requests + 1):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")
            times.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return times[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    paths = ("/_stcore/health", _script_file())
    with tempfile.TemporaryDirectory() as folder:
        for script in SCRIPTS:
            port = free_port()
            process = spawn_app(
                args.data_dir.resolve(), port, (Path(folder) / "server.log").open("wb"), script
            )
            try:
                wait_healthy(f"http://127.0.0.1:{port}", process, poll_seconds=0.05)
                for path in paths:
                    times = _kept_alive_ms(port, path, args.requests)
                    print(
                        f"{script:20s} {path[:40]:40s} median {statistics.median(times):6.1f} ms,"
                        f" max {max(times):6.1f} ms over {len(times)} kept-alive requests"
                    )
            finally:
                _stop(process)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
