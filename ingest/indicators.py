"""Create the indicator views in a snapshot, and store the expensive ones as tables.

The views over a million status events take seconds to compute; a snapshot is immutable, so
computing them once at publish time and letting every reader share the result is both faster
and more consistent. That pins "today" to the snapshot's reference date (`as_of`), which every
page shows. The views keep their names and read the stored tables, so queries are unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import duckdb
import polars as pl

from ingest.frames import registered
from ingest.paths import SCHEMA_FILE, SEARCH_CONFIG_FILE, VIEWS_FILE, VOCABULARY_DIR
from ingest.search_index import build_search_index, create_search_tables
from ingest.vocab import Vocabularies, load_vocabularies

# Stored as `stored_<view>` as views.sql defines them: the views everything else is computed
# from, then the aggregates the pages read (small, but each still scans the stored rows).
STORED_VIEWS = (
    "assessor_latest_status",
    "recommendation_status",
    "cycle_last_news",
    "latest_outcome_report",
    "cycle_implementation_basis",
    "cycle_indicators",
    "institution_indicators",
    "implementation_mix",
    "stance_mix",
    "uptake_funnel",
)


CREATED_VIEW = re.compile(r"^CREATE OR REPLACE VIEW (\w+) AS", re.MULTILINE)


def create_indicators(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, vocabularies: Vocabularies | None = None
) -> None:
    """Pin the reference date, store the scales and vocabularies, create the views (storing
    the heavy ones) and the search index."""
    con.execute(
        "INSERT OR REPLACE INTO snapshot_meta VALUES ('as_of', ?), ('definitions', ?)",
        [as_of.isoformat(), definitions_hash()],
    )
    store_scales(con, vocabularies or load_vocabularies(VOCABULARY_DIR))
    create_search_tables(con)
    # Each heavy view is stored as soon as it is defined: DuckDB binds a view's whole tree
    # when it is created, so the views defined after it bind against one table instead.
    for statement in con.extract_statements(VIEWS_FILE.read_text(encoding="utf-8")):
        con.execute(statement)
        created = CREATED_VIEW.search(statement.query)
        if created and created[1] in STORED_VIEWS:
            _store(con, created[1])
    # Within the build's memory limit, as the views: the index's texts are analysed in
    # Python a batch at a time (a few megabytes), so DuckDB's buffers need not shrink for
    # them, and sorting 4.4 million postings in 96 MB, as it once was, spilled to disk and
    # took 1.4 s longer.
    build_search_index(con)


def _store(con: duckdb.DuckDBPyConnection, view: str) -> None:
    # The name is one of STORED_VIEWS, never input.
    con.execute(f"CREATE OR REPLACE TABLE stored_{view} AS SELECT * FROM {view}")  # noqa: S608
    con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM stored_{view}")  # noqa: S608


def definitions_hash() -> str:
    """SHA-256 of the schema, the views and the search settings a snapshot was made with: a
    snapshot made with other definitions is rebuilt even when none of its data changed."""
    digest = hashlib.sha256()
    for path in (SCHEMA_FILE, VIEWS_FILE, SEARCH_CONFIG_FILE):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def store_scales(con: duckdb.DuckDBPyConnection, vocabularies: Vocabularies) -> None:
    """Copy the scales and the label crosswalk into the snapshot, so that what a value means,
    its order and the words mapped to it travel with the data they describe: the app reads
    them from here, never from the repository it happens to run in."""
    _replace_table(
        con,
        "scales",
        vocabularies.scale_rows(),
        [
            ("vocabulary", pl.String),
            ("value", pl.String),
            ("value_order", pl.Int32),
            ("meaning", pl.String),
        ],
    )
    _replace_table(
        con,
        "vocabulary_labels",
        vocabularies.crosswalk(),
        [(name, pl.String) for name in ("vocabulary", "label", "language", "value", "note")],
    )


def _replace_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: list[dict[str, object]],
    columns: list[tuple[str, type[pl.DataType]]],
) -> None:
    with registered(con, "incoming_rows", pl.DataFrame(rows, schema=dict(columns))):
        # The name comes from the two constants above, never from input.
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM incoming_rows")  # noqa: S608
