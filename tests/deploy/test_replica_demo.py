"""The loopback replica demo as a test: the same script an operator runs (deploy/), so the
documented setup cannot drift from what CI checks.

Two replicas behind Debian's nginx pull from a real S3-compatible server (moto's server mode);
a second snapshot is published while visitors keep loading pages through nginx, and every
replica must switch to it with no failed request.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.app_server import REPO_ROOT

DEMO = REPO_ROOT / "deploy" / "replica_demo.py"


def test_two_replicas_switch_to_a_new_publication_with_no_failed_request(tmp_path: Path) -> None:
    assert shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), (
        "nginx is needed: `make nginx` installs Debian's package"
    )

    result = subprocess.run(
        [sys.executable, str(DEMO), "--replicas", "2", "--workdir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    published = [line.split()[1] for line in output.splitlines() if line.startswith("published")]
    assert len(published) == 2 and published[0] != published[1], output
    for replica in ("r1", "r2"):
        assert f"replica {replica}" in output
        switched = [
            line
            for line in output.splitlines()
            if line.startswith(f"replica {replica}") and f"switched to {published[1]}" in line
        ]
        assert switched, output
    assert ", 0 failed" in output, output
