"""The last steps every writer takes, in one place: indicators, seal, publish, prune.

A real build and a synthetic one fill a new snapshot file differently, but from the moment
the rows are in they must end the same way — the same views pinned to the same kind of
reference date, the file sealed before it is named, CURRENT replaced atomically, old files
pruned — or the two kinds of snapshot would drift apart.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from ingest.indicators import create_indicators
from ingest.snapshot import partial_path, prune, publish
from ingest.vocab import Vocabularies


def seal_and_publish(
    con: duckdb.DuckDBPyConnection,
    working_file: Path,
    data_dir: Path,
    name: str,
    as_of: dt.date,
    vocabularies: Vocabularies | None = None,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Create the indicators in the open snapshot, close it, publish it as `name` and prune
    old snapshots; return the published file. The connection is closed whatever happens."""
    say = say or (lambda _message: None)
    try:
        t0 = time.perf_counter()
        create_indicators(con, as_of, vocabularies)
        say(f"views: created and stored in {time.perf_counter() - t0:.2f}s")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    t0 = time.perf_counter()
    final_partial = partial_path(data_dir, name)
    if working_file != final_partial:
        working_file.replace(final_partial)
    snapshot = publish(data_dir, final_partial, name)
    prune(data_dir)
    say(f"publish: {snapshot.name} is current ({time.perf_counter() - t0:.2f}s)")
    return snapshot
