"""A throwaway copy of a small register and helpers to build it, as a clerk would."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.snapshot import current_snapshot

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Workspace:
    root: Path
    register: Path
    sources: Path
    data_dir: Path

    def build(self, *extra: str) -> tuple[int, str]:
        """Run `ingest build` in-process; return the exit code and everything printed."""
        result = CliRunner().invoke(
            app,
            ["build", "--sources", str(self.sources), "--data-dir", str(self.data_dir), *extra],
        )
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.output

    def snapshot(self) -> duckdb.DuckDBPyConnection:
        path = current_snapshot(self.data_dir)
        assert path is not None, "nothing published"
        return duckdb.connect(str(path), read_only=True)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.snapshot() as con:
            return con.execute(sql, params or []).fetchall()

    def file(self, table: str) -> Path:
        return self.register / f"{table}.csv"

    def replace_in(self, table: str, old: str, new: str) -> None:
        path = self.file(table)
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path.name}"
        path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    register = tmp_path / "registers" / "test"
    shutil.copytree(FIXTURES / "small_register", register)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[sources]]\nid = "register-test"\nkind = "register"\npath = "registers/test"\n'
        'title = "Test register"\nlicence = "CC0"\nattribution = "Uptake tests"\n',
        encoding="utf-8",
    )
    yield Workspace(tmp_path, register, sources, tmp_path / "build")
