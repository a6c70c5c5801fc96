"""Create the indicator views in a snapshot, and store the expensive ones as tables.

The views over a million status events take seconds to compute; a snapshot is immutable, so
computing them once at publish time and letting every reader share the result is both faster
and more consistent. That pins "today" to the snapshot's reference date (`as_of`), which every
page shows. The views keep their names and read the stored tables, so queries are unchanged.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ingest.paths import VIEWS_FILE

# Stored as `stored_<view>`, in this order: the views everything else is computed from, then
# the aggregates the pages read (small, but each still scans the stored rows).
STORED_VIEWS = (
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


def create_indicators(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    """Pin the reference date, create the views, then store the heavy ones."""
    con.execute("INSERT OR REPLACE INTO snapshot_meta VALUES ('as_of', ?)", [as_of.isoformat()])
    con.execute(VIEWS_FILE.read_text(encoding="utf-8"))
    for view in STORED_VIEWS:
        # Names come from the constant above, never from input.
        con.execute(f"CREATE OR REPLACE TABLE stored_{view} AS SELECT * FROM {view}")  # noqa: S608
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM stored_{view}")  # noqa: S608
