"""Shared by the browser tests and the browser benchmark: how Chromium is launched, a free
loopback port, and waiting until a spawned `streamlit run` answers its health check."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")

STARTUP_TIMEOUT_SECONDS = 60
# Debian's own Chromium (no browser download). Without the networking flags it tries to reach
# Google's services at every start, which a closed network refuses.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], poll_seconds: float = 0.3) -> None:
    """Return once `url` answers its health check; fail fast if the server process died."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(poll_seconds)
    raise RuntimeError(f"streamlit did not become healthy at {url}")


def spawn_app(
    data_dir: Path, port: int, log: IO[bytes], script: str = "dashboard/app.py"
) -> subprocess.Popen[bytes]:
    """`streamlit run` on loopback against the snapshots in `data_dir`, as a visitor meets it.
    `script` is the pages alone (dashboard/app.py) or the app with its feeds, open-data routes
    and start-up warm-up (dashboard/server.py, what `make run` serves)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "UPTAKE_DATA_DIR": str(data_dir)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@contextlib.contextmanager
def running_app(data_dir: Path, log_path: Path, script: str = "dashboard/app.py") -> Iterator[str]:
    """The app (`script`, as in spawn_app) serving `data_dir` on a free port, healthy, for the
    length of the block; its output goes to `log_path`. Yields the app's base URL."""
    port = free_port()
    with log_path.open("wb") as log:
        process = spawn_app(data_dir, port, log, script)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def run_in_own_loop(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run(main()) in a thread of its own: Playwright's sync API, which the browser
    tests of the same session use, keeps an event loop running in the main thread."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(main())).result()
