"""Find the published snapshot and open it read-only, one connection per snapshot file.

The ingest build writes a new, immutable DuckDB file for every build and then atomically
replaces DATA_DIR/CURRENT with its name. Reading CURRENT on every rerun means a newly published
snapshot is picked up without restarting the app; keying the connection by the file name
means the app never keeps reading an old file through a reused path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import streamlit as st

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "build"
DATA_DIR_ENV = "UPTAKE_DATA_DIR"
POINTER_NAME = "CURRENT"


@dataclass(frozen=True)
class Snapshot:
    """The snapshot file CURRENT names; `id` (its file name) keys every cache."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Missing:
    """Why no snapshot can be opened, for the notice on screen."""

    data_dir: Path
    reason: str  # no_pointer | empty_pointer | missing_file


def data_dir() -> Path:
    """The build directory: UPTAKE_DATA_DIR when set, else data/build in the repository."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_DATA_DIR


def current(directory: Path | None = None) -> Snapshot | Missing:
    """The snapshot CURRENT points at, or why there is none yet."""
    folder = directory or data_dir()
    pointer = folder / POINTER_NAME
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return Missing(folder, "no_pointer")
    if not name:
        return Missing(folder, "empty_pointer")
    path = Path(name) if Path(name).is_absolute() else folder / name
    if not path.is_file():
        return Missing(folder, "missing_file")
    return Snapshot(path.resolve())


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(snapshot_path: str) -> duckdb.DuckDBPyConnection:
    """One read-only connection per snapshot file; older snapshots fall out of the cache."""
    return duckdb.connect(snapshot_path, read_only=True)


def cursor(snapshot_path: str) -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the snapshot's shared connection: DuckDB cursors are per-thread safe,
    so concurrent sessions never share one statement state."""
    return _connection(snapshot_path).cursor()
