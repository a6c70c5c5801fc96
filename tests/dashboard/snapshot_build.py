"""Build a real snapshot from the bundled registers, the way a user would, for app tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def build_snapshot(data_dir: Path) -> Path:
    """Run `python -m ingest build --data-dir DATA_DIR`; returns the folder holding CURRENT."""
    completed = subprocess.run(
        [sys.executable, "-m", "ingest", "build", "--data-dir", str(data_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0 or not (data_dir / "CURRENT").is_file():
        raise RuntimeError(
            f"ingest build failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
        )
    return data_dir


def snapshot_file(data_dir: Path) -> Path:
    return data_dir / (data_dir / "CURRENT").read_text(encoding="utf-8").strip()
