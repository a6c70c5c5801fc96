"""Find the published snapshot and open it read-only, one connection per snapshot file.

The ingest build writes a new, immutable DuckDB file for every build and then atomically
replaces DATA_DIR/CURRENT with its name. Reading CURRENT on every rerun means a newly published
snapshot is picked up without restarting the app; keying the connection by the file name
means the app never keeps reading an old file through a reused path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import streamlit as st

from ingest import publication

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR_ENV = publication.DATA_DIR_ENV


@dataclass(frozen=True)
class Snapshot:
    """The snapshot file CURRENT names; `id` (its file name) keys every cache."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name


Missing = publication.NotPublished


def data_dir() -> Path:
    """The build directory, by the same rule the ingest commands publish with."""
    return publication.data_dir_from_env()


def current(directory: Path | None = None) -> Snapshot | Missing:
    """The snapshot CURRENT points at, or why there is none yet."""
    found = publication.current(directory or data_dir())
    if isinstance(found, publication.Published):
        return Snapshot(found.path.resolve())
    return found


def superseded(found: Snapshot) -> bool:
    """Whether `found` was pruned while a run read it and CURRENT now names another snapshot.

    A connection already open keeps reading a deleted file, but once the shared connection has
    aged out of the cache a new one cannot open it; such a run is started again on the current
    snapshot rather than ending in an error."""
    if found.path.exists():
        return False
    now = current()
    return isinstance(now, Snapshot) and now.path != found.path


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(snapshot_path: str) -> duckdb.DuckDBPyConnection:
    """One read-only connection per snapshot file; older snapshots fall out of the cache."""
    return duckdb.connect(snapshot_path, read_only=True)


def cursor(snapshot_path: str) -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the snapshot's shared connection: DuckDB cursors are per-thread safe,
    so concurrent sessions never share one statement state."""
    return _connection(snapshot_path).cursor()
