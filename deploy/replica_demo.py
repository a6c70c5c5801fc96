"""Replicas behind nginx, reading one published snapshot: the whole setup on loopback.

Starts an S3-compatible object store (moto's server mode), builds and publishes a snapshot,
starts N app replicas (each pulls the snapshot into its own data folder, then keeps pulling
every second) and nginx in front of them with sticky sessions. While visitors keep loading
pages and an open-data file and rerunning through nginx, it publishes a second snapshot and
waits until every replica serves it, reading the snapshot name from the page footer exactly
as a visitor sees it. Exits 0 only if every replica switched and no request failed.

Usage: python deploy/replica_demo.py [--replicas 2] [--keep-running]
Needs nginx (Debian's package) and `pip install -e '.[s3,test]'` (boto3, moto, websockets).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from deploy.nginx_config import render  # noqa: E402 - after the path is set
from deploy.streamlit_session import Session, SessionError  # noqa: E402

BUCKET = "uptake"
PREFIX = "city"
STARTUP_SECONDS = 60
SWITCH_TIMEOUT_SECONDS = 60
FOOTER_MARK = "Snapshot "
# Demo credentials for the loopback store; a real deployment takes them from its environment.
STORE_ENV = {
    "AWS_ACCESS_KEY_ID": "uptake-demo",
    "AWS_SECRET_ACCESS_KEY": "uptake-demo",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def say(what: str, detail: str) -> None:
    print(f"{what:<16}{detail}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(ready: Callable[[], bool], what: str, process: subprocess.Popen[bytes]) -> None:
    """Poll `ready` until it answers True; fail fast when the process died."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        with contextlib.suppress(OSError):
            if ready():
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {STARTUP_SECONDS} s")


def http_ok(url: str, headers: dict[str, str] | None = None) -> bool:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status == 200


@dataclass
class Stack:
    """Every process the demo starts, stopped in reverse order whatever happens."""

    workdir: Path
    env: dict[str, str]
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append((name, process))
        return process

    def run(self, args: list[str], ok_codes: tuple[int, ...] = (0,)) -> str:
        result = subprocess.run(
            args, cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode not in ok_codes:
            raise RuntimeError(f"{' '.join(args[1:4])} failed:\n{result.stdout}{result.stderr}")
        return result.stdout + result.stderr

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _name, process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def stack(workdir: Path | None) -> Iterator[Stack]:
    made = workdir is None
    root = workdir or Path(tempfile.mkdtemp(prefix="uptake-replicas-"))
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **STORE_ENV}
    env.pop("AWS_PROFILE", None)
    running = Stack(root, env)
    try:
        yield running
    finally:
        running.stop()
        if made:
            shutil.rmtree(root, ignore_errors=True)


def build(s: Stack, builder: Path, as_of: dt.date) -> str:
    """Build a snapshot from the bundled registers as of a date (exit 1 means rows were
    rejected and kept for review; the snapshot is still published); return its name. A
    build that finds nothing changed publishes nothing, so the demo's second snapshot is
    the next day's."""
    s.run(
        [
            *(sys.executable, "-m", "ingest", "build"),
            *("--data-dir", str(builder), "--as-of", as_of.isoformat()),
        ],
        ok_codes=(0, 1),
    )
    return (builder / "CURRENT").read_text(encoding="utf-8").strip()


def publish(s: Stack, builder: Path, location: str) -> None:
    out = s.run(
        [sys.executable, "-m", "ingest", "publish", "--to", location, "--data-dir", str(builder)]
    )
    say("published", out.strip())


def start_store(s: Stack) -> str:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = s.start(
        "object-store", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    )
    wait_until(lambda: http_ok(f"{url}/moto-api/"), "object store", process)
    import boto3

    boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=STORE_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=STORE_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=STORE_ENV["AWS_DEFAULT_REGION"],
    ).create_bucket(Bucket=BUCKET)
    s.env["AWS_ENDPOINT_URL"] = url
    say("object store", f"{url} (S3-compatible, moto server), bucket {BUCKET}")
    return url


def start_replica(s: Stack, name: str, location: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Pull once (the app starts only on a verified snapshot), keep pulling, start the app."""
    data_dir = s.workdir / name
    py = sys.executable
    s.run([py, "-m", "ingest", "pull", "--from", location, "--data-dir", str(data_dir)])
    s.start(
        f"{name}-pull",
        [
            py,
            "-m",
            "ingest",
            "pull",
            "--from",
            location,
            "--data-dir",
            str(data_dir),
            "--every",
            "1",
        ],
    )
    port = free_port()
    app = s.start(
        f"{name}-app",
        [
            py, "-m", "streamlit", "run", "dashboard/server.py",
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
        ],
        env={"UPTAKE_DATA_DIR": str(data_dir)},
    )  # fmt: skip
    address = f"127.0.0.1:{port}"
    return address, app


def start_nginx(s: Stack, replicas: list[str]) -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx is not installed: apt-get install nginx (or `make nginx`)")
    port = free_port()
    conf = s.workdir / "nginx.conf"
    conf.write_text(render(port, replicas, s.workdir), encoding="utf-8")
    process = s.start(
        "nginx",
        [nginx, "-p", str(s.workdir), "-c", str(conf), "-e", str(s.workdir / "nginx-error.log")],
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_ok(f"{url}/_stcore/health"), "nginx", process)
    say("nginx", f"{url} → {', '.join(replicas)} (sticky cookie uptake_replica)")
    return url


@dataclass
class Traffic:
    """Visitors' requests during the switch, and every one that failed."""

    requests: int = 0
    reruns: int = 0
    failures: list[str] = field(default_factory=list)


# The app escapes what it fills into its messages (a backslash before Markdown punctuation,
# an invisible word joiner where Streamlit would make a link); a visitor reads neither.
_ESCAPES = re.compile(r"\\(.)")
_WORD_JOINER = "\u2060"


def snapshot_shown(texts: list[str]) -> str | None:
    shown = (_ESCAPES.sub(r"\1", text).replace(_WORD_JOINER, "") for text in texts)
    footer = next((text for text in shown if text.startswith(FOOTER_MARK)), None)
    return footer.split()[1].rstrip(",") if footer else None


# An open-data file every replica serves from its current snapshot (dashboard/server.py).
OPEN_DATA_FILE = "/data/institution_indicators.csv"


async def http_visitor(url: str, traffic: Traffic, stop: asyncio.Event) -> None:
    while not stop.is_set():
        # The page, Streamlit's own checks, and an open-data file (dashboard/server.py's route).
        for path in ("/", "/_stcore/health", "/_stcore/host-config", OPEN_DATA_FILE):
            traffic.requests += 1
            try:
                if not await asyncio.to_thread(http_ok, url + path):
                    traffic.failures.append(f"GET {path}: not 200")
            except OSError as error:
                traffic.failures.append(f"GET {path}: {error}")
        await asyncio.sleep(0.05)


async def new_visitors(url: str, traffic: Traffic, stop: asyncio.Event) -> None:
    """A fresh session every moment (no cookie: the pool picks a replica), one run each."""
    while not stop.is_set():
        session = Session(url)
        traffic.reruns += 1
        try:
            await session.open()
            run = await session.rerun()
            if run.errors or not snapshot_shown(run.texts):
                traffic.failures.append(f"new session on {session.upstream}: {run.errors}")
        except (OSError, SessionError) as error:
            traffic.failures.append(f"new session: {error}")
        finally:
            await session.close()


async def watch_switch(
    url: str, names: list[str], old: str, new: str, publish: Callable[[], None]
) -> Traffic:
    """Keep one pinned session per replica rerunning until each footer names `new`."""
    traffic = Traffic()
    sessions = {name: Session(url, {"Cookie": f"uptake_replica={name}"}) for name in names}
    for name, session in sessions.items():
        await session.open()
        run = await session.rerun()
        shown = snapshot_shown(run.texts)
        say(f"replica {name}", f"{session.upstream} serves {shown}")
        if shown != old:
            raise RuntimeError(f"replica {name} serves {shown}, expected {old}")
    stop = asyncio.Event()
    background = [
        asyncio.create_task(http_visitor(url, traffic, stop)),
        asyncio.create_task(new_visitors(url, traffic, stop)),
    ]
    published_at = time.monotonic()
    await asyncio.to_thread(publish)
    switched: dict[str, float] = {}
    deadline = time.monotonic() + SWITCH_TIMEOUT_SECONDS
    try:
        while len(switched) < len(sessions) and time.monotonic() < deadline:
            for name, session in sessions.items():
                if name in switched:
                    continue
                traffic.reruns += 1
                try:
                    run = await session.rerun()
                except SessionError as error:
                    traffic.failures.append(f"replica {name} rerun: {error}")
                    continue
                if run.errors:
                    traffic.failures.append(f"replica {name} rerun: {run.errors}")
                if snapshot_shown(run.texts) == new:
                    switched[name] = time.monotonic() - published_at
                    say(f"replica {name}", f"{session.upstream} switched to {new} "
                        f"{switched[name]:.1f} s after publishing")  # fmt: skip
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        await asyncio.gather(*background)
        for session in sessions.values():
            await session.close()
    for name in names:
        if name not in switched:
            traffic.failures.append(
                f"replica {name} still serves {old} after {SWITCH_TIMEOUT_SECONDS} s"
            )
    return traffic


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument(
        "--workdir", type=Path, help="keep logs and data here (default: a temp folder)"
    )
    parser.add_argument(
        "--keep-running", action="store_true", help="stay up until Ctrl-C afterwards"
    )
    args = parser.parse_args()
    # `kill` stops everything the demo started, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    location = f"s3://{BUCKET}/{PREFIX}"
    with stack(args.workdir) as s:
        start_store(s)
        builder = s.workdir / "builder"
        today = dt.date.today()
        first = build(s, builder, today)
        publish(s, builder, location)
        names = [f"r{i}" for i in range(1, args.replicas + 1)]
        started = [start_replica(s, name, location) for name in names]
        # The next snapshot is built while the replicas start (it is published only later).
        second = build(s, builder, today + dt.timedelta(days=1))
        say("built", f"{second}, not yet published")
        for name, (address, app) in zip(names, started, strict=True):
            wait_until(
                lambda a=address: http_ok(f"http://{a}/_stcore/health"), f"replica {name}", app
            )
            say(f"replica {name}", f"{address}: pulled {first}, app healthy, pulling every 1 s")
        url = start_nginx(s, [address for address, _app in started])
        traffic = asyncio.run(
            watch_switch(url, names, first, second, lambda: publish(s, builder, location))
        )
        say("traffic", f"{traffic.requests} HTTP requests and {traffic.reruns} script runs "
            f"through nginx during the switch, {len(traffic.failures)} failed")  # fmt: skip
        for failure in traffic.failures[:20]:
            say("  failed", failure)
        if traffic.failures:
            say("result", "FAIL")
            return 1
        say("result", "PASS: every replica serves the new snapshot, no request failed")
        if args.keep_running:
            say("running", f"open {url} — Ctrl-C (or kill {os.getpid()}) stops everything")
            pids = " ".join(f"--pid {app.pid}" for _address, app in started)
            say("load it", f"python tests/benchmarks/bench_sessions.py --url {url} "
                f"--data-dir {s.workdir / names[0]} {pids}")  # fmt: skip
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as error:
        say("result", f"FAIL: {error}")
        sys.exit(1)
