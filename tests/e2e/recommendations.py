"""Facts the browser tests read straight from a built snapshot, to know what a page must show."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.dashboard.snapshot_build import snapshot_file


def first_recommendation(data_dir: Path) -> tuple[str, str]:
    """The id and title of the explorer's first row, in the explorer's own order."""
    with duckdb.connect(str(snapshot_file(data_dir)), read_only=True) as con:
        row = con.execute(
            """
            SELECT recommendation_id, title FROM recommendation_status
            ORDER BY institution_name, cycle_number NULLS LAST, cycle_title,
                     try_cast(number AS DOUBLE) NULLS LAST, number, title
            LIMIT 1
            """
        ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1])
