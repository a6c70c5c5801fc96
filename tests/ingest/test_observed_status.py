"""Live sources report a current state on every fetch: changes become dated events,
repeats do not, and earlier states stay in the history."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.build import build_snapshot
from ingest.records import RawRow, SourceRows
from ingest.sources_config import SourceConfig

CONFIG = SourceConfig(id="live-test", kind="decidim", title="Live", licence="", attribution="")
URL = "https://example.org/p/1"


def fetched(status: str, occurred_on: str) -> SourceRows:
    """What an adapter yields for one proposal whose state is `status` today."""

    def row(values: dict[str, str]) -> RawRow:
        return RawRow(values={**values, "source_url": URL}, ref=f"{URL}#1")

    return SourceRows(
        source_id="live-test",
        status_origin="observed",
        tables={
            "institutions": [
                row(
                    {
                        "institution_id": "live-inst",
                        "name": "Live institution",
                        "country": "IT",
                        "kind": "citizens_assembly",
                        "languages": "it",
                    }
                )
            ],
            "cycles": [row({"cycle_id": "live-c", "institution_id": "live-inst", "title": "C"})],
            "recommendations": [
                row({"recommendation_id": "live-r1", "cycle_id": "live-c", "title": "R1"})
            ],
            "status_events": [
                row(
                    {
                        "recommendation_id": "live-r1",
                        "occurred_on": occurred_on,
                        "assessor": "administration",
                        "status": status,
                    }
                )
            ],
        },
    )


def events(data_dir: Path) -> list[tuple]:
    name = (data_dir / "CURRENT").read_text().strip()
    with duckdb.connect(str(data_dir / name), read_only=True) as con:
        return con.execute(
            "SELECT status, occurred_on::VARCHAR, withdrawn_run_id, superseded_by, first_run_id "
            "FROM status_events ORDER BY first_run_id"
        ).fetchall()


def test_repeated_state_is_not_a_new_event_and_a_change_is(tmp_path: Path) -> None:
    build_snapshot(tmp_path, [(CONFIG, fetched("in corso", "2024-01-10"))], command="fetch")
    # The next day's fetch reports the same state, stamped with its own date.
    result = build_snapshot(
        tmp_path, [(CONFIG, fetched("in corso", "2024-01-11"))], command="fetch"
    )
    assert events(tmp_path) == [("in_progress", "2024-01-10", None, None, 1)]
    assert result.outcomes[0].counts.new == 0
    build_snapshot(tmp_path, [(CONFIG, fetched("realizzato", "2024-03-01"))], command="fetch")
    assert events(tmp_path) == [
        ("in_progress", "2024-01-10", None, None, 1),
        ("implemented", "2024-03-01", None, None, 3),
    ]


def test_a_state_that_returns_is_recorded_again(tmp_path: Path) -> None:
    import datetime as dt

    for day, status in ((1, "in corso"), (2, "realizzato"), (3, "in corso")):
        rows = fetched(status, "2024-01-10")
        rows.observed_at = dt.datetime(2024, 1, day, 12)
        build_snapshot(tmp_path, [(CONFIG, rows)], command="fetch")
    assert [e[0] for e in events(tmp_path)] == ["in_progress", "implemented", "in_progress"]
