"""A build killed mid-way (a real process, SIGKILL) leaves the previous snapshot current."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time

import duckdb

from ingest.paths import REPO_ROOT
from ingest.snapshot import current_snapshot
from tests.ingest.conftest import Workspace

EXTRA_RECOMMENDATIONS = 40_000


def _grow_register(ws: Workspace) -> None:
    """Enough rows that loading takes long enough to be interrupted."""
    with ws.file("recommendations").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for i in range(EXTRA_RECOMMENDATIONS):
            writer.writerow(
                [
                    f"bulk-{i:06d}",
                    "test-2023-housing",
                    i,
                    f"Bulk recommendation {i}",
                    "Body",
                    "fr",
                    "",
                    "",
                    "2023-06-10",
                    "",
                    "item",
                    f"https://example.org/bulk/{i}",
                    "",
                ]
            )


def test_sigkill_during_load_keeps_previous_snapshot(workspace: Workspace) -> None:
    assert workspace.build()[0] == 0
    before = current_snapshot(workspace.data_dir)
    _grow_register(workspace)
    command = [
        sys.executable,
        "-m",
        "ingest",
        "build",
        "--sources",
        str(workspace.sources),
        "--data-dir",
        str(workspace.data_dir),
    ]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not list(workspace.data_dir.glob("*.partial")):
        assert process.poll() is None, "build ended before it started writing"
        assert time.monotonic() < deadline, "build never started writing"
        time.sleep(0.005)
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the build finished before it could be killed"

    assert list(workspace.data_dir.glob("*.partial")), "the interrupted file should remain"
    assert current_snapshot(workspace.data_dir) == before
    with duckdb.connect(str(before), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM recommendations").fetchone() == (3,)

    code, output = workspace.build()
    assert code == 0, output
    assert not list(workspace.data_dir.glob("*.partial")), "stale partial files are cleaned"
    assert workspace.query("SELECT count(*) FROM recommendations") == [(3 + EXTRA_RECOMMENDATIONS,)]
