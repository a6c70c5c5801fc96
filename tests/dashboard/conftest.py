"""App tests run the real app script on a snapshot built from the bundled registers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from tests.dashboard.snapshot_build import build_snapshot, snapshot_file


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real build per test session; tests that change data work on copies."""
    return build_snapshot(tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def built_snapshot(built_dir: Path) -> Path:
    return snapshot_file(built_dir)


@pytest.fixture
def data_dir(built_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(built_dir))
    return built_dir


@pytest.fixture
def query(built_snapshot: Path) -> Iterator[Callable[..., list[tuple]]]:
    """Run SQL on the snapshot to compute the figure a test expects, independently."""
    con = duckdb.connect(str(built_snapshot), read_only=True)

    def run(sql: str, params: object = None) -> list[tuple]:
        return con.execute(sql, params).fetchall()

    yield run
    con.close()
