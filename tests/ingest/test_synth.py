"""Synthetic snapshots: exact sizes, reproducible by seed, labelled synthetic everywhere,
and shaped like real follow-up so the indicator views have something to show."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.snapshot import current_snapshot
from ingest.synth import synthesize
from ingest.synth_data import SynthSpec
from ingest.vocab import load_vocabularies

CANONICAL_TABLES = {
    "institutions": "institution_id",
    "cycles": "cycle_id",
    "milestones": "milestone_id",
    "recommendations": "recommendation_id",
    "responses": "response_id",
    "status_events": "event_id",
    "outcome_reports": "outcome_report_id",
    "congruence": "congruence_id",
}
SMALL = {"institutions": 5, "recommendations": 300, "events": 2000}


def _synth(data_dir: Path, seed: int = 7, **sizes: int) -> Path:
    return synthesize(data_dir, seed=seed, **{**SMALL, **sizes})


def _rows(path: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY {CANONICAL_TABLES[table]}").fetchall()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _synth(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture
def con(snapshot: Path) -> duckdb.DuckDBPyConnection:
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        yield connection


def test_same_seed_gives_identical_tables_and_another_seed_does_not(
    tmp_path: Path, snapshot: Path
) -> None:
    again = _synth(tmp_path / "again")
    other = _synth(tmp_path / "other", seed=8)
    for table in CANONICAL_TABLES:
        assert _rows(again, table) == _rows(snapshot, table), table
    assert _rows(other, "status_events") != _rows(snapshot, "status_events")


def test_row_counts_match_the_arguments(con: duckdb.DuckDBPyConnection) -> None:
    assert _one(con, "SELECT count(*) FROM institutions") == 5
    assert _one(con, "SELECT count(*) FROM recommendations") == 300
    assert _one(con, "SELECT count(*) FROM status_events") == 2000
    assert _one(con, "SELECT count(*) FROM recommendation_status") == 300


def test_published_file_is_named_synthetic_and_is_current(snapshot: Path) -> None:
    assert "synthetic" in snapshot.name
    assert current_snapshot(snapshot.parent) == snapshot
    assert not list(snapshot.parent.glob("*.partial"))


def test_every_row_is_labelled_synthetic(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    for table, key in CANONICAL_TABLES.items():
        flags = con.execute(
            f"SELECT bool_and(is_synthetic), count(*) FILTER (WHERE NOT starts_with({key}, "
            f"'synth-')), bool_and(starts_with(source_url, 'https://example.invalid/synthetic/'))"
            f", bool_and(source_id = 'synthetic') FROM {table}"
        ).fetchall()[0]
        assert flags == (True, 0, True, True), table
    names = con.execute("SELECT name, city FROM institutions").fetchall()
    assert all("Synthetic" in name and "Synthetic" in city for name, city in names)
    runs = con.execute("SELECT command, status, is_synthetic, snapshot_file FROM ingest_runs")
    assert runs.fetchall() == [("synth", "ok", True, snapshot.name)]
    assert con.execute("SELECT kind FROM sources").fetchall() == [("synthetic",)]


def test_labels_are_vocabulary_words_that_map_back_to_the_canonical_value(
    con: duckdb.DuckDBPyConnection,
) -> None:
    vocabularies = load_vocabularies()
    for vocabulary, sql in (
        ("implementation", "SELECT DISTINCT status, status_label FROM status_events"),
        ("implementation", "SELECT DISTINCT status, status_label FROM outcome_reports"),
        ("stance", "SELECT DISTINCT stance, stance_label FROM responses"),
    ):
        for value, label in con.execute(sql).fetchall():
            assert vocabularies.get(vocabulary).lookup(label) == value, (vocabulary, label)


def test_titles_speak_the_institutions_languages(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = _one(
        con,
        """
        SELECT count(*)
        FROM recommendations r
        JOIN cycles c USING (cycle_id)
        JOIN institutions i USING (institution_id)
        WHERE NOT list_contains(i.languages, r.language) OR r.language <> c.language
        """,
    )
    assert mismatched == 0
    assert _one(con, "SELECT count(DISTINCT language) FROM recommendations") >= 2


def test_the_indicator_views_see_realistic_shapes(con: duckdb.DuckDBPyConnection) -> None:
    timeliness = dict(
        con.execute(
            "SELECT response_timeliness, count(*) FROM recommendation_status GROUP BY ALL"
        ).fetchall()
    )
    assert timeliness.get("on_time", 0) > 0 and timeliness.get("late", 0) > 0
    assert timeliness.get("overdue", 0) + timeliness.get("awaiting", 0) > 0
    bases = dict(
        con.execute(
            "SELECT implementation_basis, count(*) FROM cycle_implementation_basis GROUP BY ALL"
        ).fetchall()
    )
    assert bases.get("items", 0) > 0 and bases.get("outcome_report", 0) > 0
    statuses = {r[0] for r in con.execute("SELECT DISTINCT status FROM recommendation_status")
                .fetchall()}  # fmt: skip
    assert {"not_started", "in_progress", "implemented", "abandoned"} <= statuses
    assert _one(con, "SELECT count(*) FROM recommendation_status WHERE assessors_disagree") > 0
    assert _one(con, "SELECT count(*) FROM recommendation_status WHERE is_stale") > 0
    assert _one(con, "SELECT count(*) FROM institution_indicators") == 5
    kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM milestones").fetchall()}
    assert {"session", "handover", "final_response"} <= kinds


def test_report_only_cycles_have_declared_counts_and_a_report_that_adds_up(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        """
        SELECT c.cycle_id, c.declared_count, r.report_total
        FROM cycles c
        JOIN latest_outcome_report r USING (cycle_id)
        """
    ).fetchall()
    assert rows
    assert all(declared == total for _cycle, declared, total in rows)
    with_items = _one(
        con,
        "SELECT count(*) FROM recommendations WHERE cycle_id IN "
        "(SELECT cycle_id FROM outcome_reports)",
    )
    assert with_items == 0


def test_administration_statuses_never_go_backwards(con: duckdb.DuckDBPyConnection) -> None:
    backwards = _one(
        con,
        """
        WITH ordered AS (
            SELECT e.recommendation_id, s.status_order, e.status,
                   lag(s.status_order) OVER (
                       PARTITION BY e.recommendation_id ORDER BY e.observed_at, e.event_id
                   ) AS previous_order
            FROM status_events e JOIN implementation_scale s USING (status)
            WHERE e.assessor = 'administration'
        )
        SELECT count(*) FROM ordered WHERE status_order < previous_order
        """,
    )
    assert backwards == 0


def test_a_second_run_in_the_same_folder_becomes_current(tmp_path: Path) -> None:
    first = _synth(tmp_path, institutions=2, recommendations=20, events=50)
    second = _synth(tmp_path, institutions=2, recommendations=20, events=50)
    assert second != first and current_snapshot(tmp_path) == second
    assert second.name.endswith("-run00002.duckdb")


def test_events_without_recommendations_are_refused() -> None:
    with pytest.raises(ValueError, match="recommendation"):
        SynthSpec(institutions=1, recommendations=0, events=5, seed=1)
