"""Both wings find the same data folder and the same current snapshot.

`UPTAKE_DATA_DIR=~/x` once built into a folder literally named `~` while the app looked in
$HOME/x. The rule now lives in one module; these tests run the real CLI and the app's lookup
side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import snapshot as app_snapshot
from ingest import publication

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_tilde_data_dir_is_the_same_folder_for_build_and_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "UPTAKE_DATA_DIR": "~/x"}
    completed = subprocess.run(
        [sys.executable, "-m", "ingest", "build"],
        cwd=tmp_path,  # a relative "~" folder would land here
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (home / "x" / "CURRENT").is_file()
    assert not (tmp_path / "~").exists()

    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("UPTAKE_DATA_DIR", "~/x")
    found = app_snapshot.current()
    assert isinstance(found, app_snapshot.Snapshot)
    assert found.path.parent == (home / "x").resolve()


def test_without_the_variable_both_use_the_repository_build_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("UPTAKE_DATA_DIR", raising=False)
    assert publication.data_dir_from_env() == REPO_ROOT / "data" / "build"
    assert app_snapshot.data_dir() == publication.data_dir_from_env()


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "no_pointer"), ("  \n", "empty_pointer"), ("gone.duckdb\n", "missing_file")],
)
def test_why_a_folder_has_no_current_snapshot(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    if content is not None:
        (tmp_path / "CURRENT").write_text(content, encoding="utf-8")
    found = publication.current(tmp_path)
    assert isinstance(found, publication.NotPublished)
    assert found.reason == reason
