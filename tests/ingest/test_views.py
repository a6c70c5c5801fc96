"""Indicator views checked against figures computed by hand.

The fixture is a small, hand-made snapshot (two institutions, five cycles) loaded into a real
DuckDB file through the canonical schema, with ingest/views.sql run on top exactly as a build
does. Every expected number below is worked out in a comment from the rows in `_DATA`, so a
reader can check the arithmetic without running anything. "Today" is fixed at 2026-06-30
through snapshot_meta.as_of.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.indicators import store_scales
from ingest.vocab import load_vocabularies

REPO = Path(__file__).resolve().parents[2]
SCHEMA_SQL = REPO / "ingest" / "schema.sql"
VIEWS_SQL = REPO / "ingest" / "views.sql"
SCALES_CSV = REPO / "data" / "vocabularies" / "scales.csv"

AS_OF = dt.date(2026, 6, 30)
URL = "https://example.org/fixture"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# Provenance every canonical row needs; withdrawn rows override withdrawn_run_id.
_PROVENANCE = {"source_id": "fixture", "first_run_id": 1, "changed_run_id": 1, "is_synthetic": True}

_DATA: dict[str, list[dict[str, Any]]] = {
    "institutions": [
        # Deadline 90 days for the first answer.
        dict(
            institution_id="inst-a",
            name="Alpha Citizens' Council",
            country="BE",
            kind="permanent_citizens_dialogue",
            languages=["de"],
            response_deadline_days=90,
        ),
        # Deadline 30 days.
        dict(
            institution_id="inst-b",
            name="Beta Assembly",
            country="DK",
            kind="citizens_assembly",
            languages=["da"],
            response_deadline_days=30,
        ),
    ],
    "cycles": [
        # Declared 10, 4 items known; handed over on an exact day. Its sources are known to
        # hold every answer, so a missing answer past the deadline is overdue.
        dict(
            cycle_id="a1",
            institution_id="inst-a",
            number=1,
            title="A one",
            topic="care",
            handed_over_on=d("2026-01-10"),
            handed_over_on_precision="day",
            declared_count=10,
            members=50,
            follow_up_complete=True,
            checked_on=d("2026-06-20"),
            checked_on_precision="day",
        ),
        # Only outcome reports; handover known to the month only.
        dict(
            cycle_id="a2",
            institution_id="inst-a",
            number=2,
            title="A two",
            topic="housing",
            handed_over_on=d("2024-11-01"),
            handed_over_on_precision="month",
            declared_count=20,
        ),
        # Handed over a month before "today": the 90-day deadline (2026-08-30) is still ahead,
        # and its sources are known complete, so its unanswered item is awaiting an answer.
        dict(
            cycle_id="a3",
            institution_id="inst-a",
            number=3,
            title="A three",
            topic="schools",
            handed_over_on=d("2026-06-01"),
            handed_over_on_precision="day",
            declared_count=1,
            follow_up_complete=True,
        ),
        # Declared count unknown; its sources are not known to be complete.
        dict(
            cycle_id="b1",
            institution_id="inst-b",
            number=1,
            title="B one",
            topic="climate",
            handed_over_on=d("2025-03-01"),
            handed_over_on_precision="day",
        ),
        # No handover date at all.
        dict(
            cycle_id="b2",
            institution_id="inst-b",
            number=2,
            title="B two",
            topic="mobility",
            declared_count=2,
        ),
    ],
    "milestones": [
        dict(
            milestone_id="a1/2026-01-10/handover",
            cycle_id="a1",
            occurred_on=d("2026-01-10"),
            occurred_on_precision="day",
            kind="handover",
        ),
        dict(
            milestone_id="a1/2026-06-10/follow_up_meeting",
            cycle_id="a1",
            occurred_on=d("2026-06-10"),
            occurred_on_precision="day",
            kind="follow_up_meeting",
        ),
        # Planned, after "today": not news yet.
        dict(
            milestone_id="a1/2026-12-01/final_report",
            cycle_id="a1",
            occurred_on=d("2026-12-01"),
            occurred_on_precision="day",
            kind="final_report",
        ),
        dict(
            milestone_id="a2/2024-11-01/handover",
            cycle_id="a2",
            occurred_on=d("2024-11-01"),
            occurred_on_precision="month",
            kind="handover",
        ),
        dict(
            milestone_id="b1/2025-03-01/handover",
            cycle_id="b1",
            occurred_on=d("2025-03-01"),
            occurred_on_precision="day",
            kind="handover",
        ),
    ],
    "recommendations": [
        dict(recommendation_id="a1-r1", cycle_id="a1", number="1", title="Care grants"),
        dict(recommendation_id="a1-r2", cycle_id="a1", number="2", title="Night shifts"),
        dict(recommendation_id="a1-r3", cycle_id="a1", number="3", title="Care hotline"),
        dict(recommendation_id="a1-r4", cycle_id="a1", number="4", title="Respite homes"),
        # Withdrawn: no longer listed by its source; it and everything about it must vanish.
        dict(
            recommendation_id="a1-r5", cycle_id="a1", number="5", title="Gone", withdrawn_run_id=2
        ),
        dict(recommendation_id="a3-r1", cycle_id="a3", number="1", title="School meals"),
        dict(recommendation_id="b1-r1", cycle_id="b1", number="1", title="Bike lanes"),
        dict(recommendation_id="b1-r2", cycle_id="b1", number="2", title="Heat pumps"),
        dict(
            recommendation_id="b1-r3",
            cycle_id="b1",
            number="3",
            title="Chapter: food",
            granularity="chapter",
        ),
        dict(recommendation_id="b1-r4", cycle_id="b1", number="4", title="Green roofs"),
        dict(
            recommendation_id="b2-r1",
            cycle_id="b2",
            number="1",
            title="Bus lanes",
            adopted_on=d("2026-05-01"),
            adopted_on_precision="month",
        ),
        dict(recommendation_id="b2-r2", cycle_id="b2", number="2", title="Car-free Sundays"),
    ],
    "responses": [
        dict(
            response_id="a1-r1/interim",
            recommendation_id="a1-r1",
            response_kind="interim",
            responded_on=d("2026-02-01"),
            responded_on_precision="day",
            stance="noted",
            stance_label="zur Kenntnis genommen",
        ),
        dict(
            response_id="a1-r1/final",
            recommendation_id="a1-r1",
            response_kind="final",
            responded_on=d("2026-03-01"),
            responded_on_precision="day",
            stance="accepted",
            stance_label="angenommen",
            responder="Parliament",
            body="We will fund it.",
        ),
        dict(
            response_id="a1-r2/final",
            recommendation_id="a1-r2",
            response_kind="final",
            responded_on=d("2026-05-20"),
            responded_on_precision="day",
            stance="rejected",
            stance_label="abgelehnt",
        ),
        dict(
            response_id="a1-r3/final",
            recommendation_id="a1-r3",
            response_kind="final",
            responded_on=d("2026-04-01"),
            responded_on_precision="month",
            stance="partially_accepted",
            stance_label="teilweise angenommen",
        ),
        # A "still under examination" notice is not a formal response.
        dict(
            response_id="a1-r4/interim",
            recommendation_id="a1-r4",
            response_kind="interim",
            responded_on=d("2026-02-01"),
            responded_on_precision="day",
            stance="pending",
            stance_label="in Prüfung",
        ),
        dict(
            response_id="a1-r5/final",
            recommendation_id="a1-r5",
            response_kind="final",
            responded_on=d("2026-06-25"),
            responded_on_precision="day",
            stance="accepted",
            stance_label="angenommen",
        ),
        dict(
            response_id="b1-r1/final",
            recommendation_id="b1-r1",
            response_kind="final",
            responded_on=d("2025-03-20"),
            responded_on_precision="day",
            stance="accepted",
            stance_label="vedtaget",
        ),
        dict(
            response_id="b1-r3/final",
            recommendation_id="b1-r3",
            response_kind="final",
            responded_on=d("2025-03-25"),
            responded_on_precision="day",
            stance="accepted",
            stance_label="vedtaget",
        ),
        dict(
            response_id="b1-r4/final",
            recommendation_id="b1-r4",
            response_kind="final",
            responded_on=d("2025-05-01"),
            responded_on_precision="month",
            stance="noted",
            stance_label="taget til efterretning",
        ),
    ],
    "status_events": [
        dict(
            event_id="e1",
            recommendation_id="a1-r1",
            occurred_on=d("2026-02-15"),
            observed_at=dt.datetime(2026, 2, 16),
            status="in_progress",
            assessor="administration",
        ),
        dict(
            event_id="e2",
            recommendation_id="a1-r1",
            occurred_on=d("2026-05-01"),
            observed_at=dt.datetime(2026, 5, 2),
            status="implemented",
            assessor="administration",
        ),
        dict(
            event_id="e3",
            recommendation_id="a1-r1",
            occurred_on=d("2026-04-15"),
            observed_at=dt.datetime(2026, 4, 16),
            status="in_progress",
            assessor="citizens_body",
        ),
        dict(
            event_id="e4",
            recommendation_id="a1-r2",
            occurred_on=d("2026-03-01"),
            observed_at=dt.datetime(2026, 3, 2),
            status="not_started",
            assessor="administration",
        ),
        # Superseded by e6: if it counted, a1-r2 would read "implemented" on 2026-06-15.
        dict(
            event_id="e5",
            recommendation_id="a1-r2",
            occurred_on=d("2026-06-15"),
            observed_at=dt.datetime(2026, 6, 16),
            status="implemented",
            assessor="administration",
            superseded_by="e6",
        ),
        dict(
            event_id="e6",
            recommendation_id="a1-r2",
            occurred_on=d("2026-06-01"),
            observed_at=dt.datetime(2026, 6, 20),
            status="abandoned",
            assessor="administration",
        ),
        # Withdrawn event: if it counted, a1-r3 would be implemented and a1 fresher.
        dict(
            event_id="e7",
            recommendation_id="a1-r3",
            occurred_on=d("2026-06-20"),
            observed_at=dt.datetime(2026, 6, 21),
            status="implemented",
            assessor="administration",
            withdrawn_run_id=2,
        ),
        # Event of the withdrawn recommendation.
        dict(
            event_id="e8",
            recommendation_id="a1-r5",
            occurred_on=d("2026-06-25"),
            observed_at=dt.datetime(2026, 6, 26),
            status="implemented",
            assessor="administration",
        ),
        # Same day, two assessors agreeing; the one observed later is "the latest".
        dict(
            event_id="e9",
            recommendation_id="b1-r1",
            occurred_on=d("2025-09-01"),
            observed_at=dt.datetime(2025, 9, 2),
            status="implemented",
            assessor="independent",
        ),
        dict(
            event_id="e10",
            recommendation_id="b1-r1",
            occurred_on=d("2025-09-01"),
            observed_at=dt.datetime(2025, 9, 3),
            status="implemented",
            assessor="administration",
        ),
        dict(
            event_id="e11",
            recommendation_id="b1-r4",
            occurred_on=d("2025-06-01"),
            occurred_on_precision="month",
            observed_at=dt.datetime(2025, 6, 5),
            status="in_progress",
            assessor="press",
        ),
    ],
    "outcome_reports": [
        # a1 has item statuses, so this report is shown but never used as the basis.
        dict(
            outcome_report_id="a1/r1",
            cycle_id="a1",
            reported_on=d("2026-03-15"),
            reported_by="Ministry",
            assessor="administration",
            status="implemented",
            count=2,
        ),
        dict(
            outcome_report_id="a1/r2",
            cycle_id="a1",
            reported_on=d("2026-03-15"),
            reported_by="Ministry",
            assessor="administration",
            status="in_progress",
            count=2,
        ),
        # a2: an older report ...
        dict(
            outcome_report_id="a2/o1",
            cycle_id="a2",
            reported_on=d("2025-06-01"),
            reported_by="Ministry",
            assessor="administration",
            status="implemented",
            count=2,
        ),
        dict(
            outcome_report_id="a2/o2",
            cycle_id="a2",
            reported_on=d("2025-06-01"),
            reported_by="Ministry",
            assessor="administration",
            status="in_progress",
            count=10,
        ),
        dict(
            outcome_report_id="a2/o3",
            cycle_id="a2",
            reported_on=d("2025-06-01"),
            reported_by="Ministry",
            assessor="administration",
            status="not_started",
            count=8,
        ),
        # ... the latest one (two labels both mean not_started: 3 + 2 = 5) ...
        dict(
            outcome_report_id="a2/n1",
            cycle_id="a2",
            reported_on=d("2026-02-01"),
            reported_by="Ministry",
            assessor="administration",
            status="implemented",
            count=5,
        ),
        dict(
            outcome_report_id="a2/n2",
            cycle_id="a2",
            reported_on=d("2026-02-01"),
            reported_by="Ministry",
            assessor="administration",
            status="partially_implemented",
            count=2,
        ),
        dict(
            outcome_report_id="a2/n3",
            cycle_id="a2",
            reported_on=d("2026-02-01"),
            reported_by="Ministry",
            assessor="administration",
            status="in_progress",
            count=7,
        ),
        dict(
            outcome_report_id="a2/n4",
            cycle_id="a2",
            reported_on=d("2026-02-01"),
            reported_by="Ministry",
            assessor="administration",
            status="not_started",
            status_label="unter Prüfung",
            count=3,
        ),
        dict(
            outcome_report_id="a2/n5",
            cycle_id="a2",
            reported_on=d("2026-02-01"),
            reported_by="Ministry",
            assessor="administration",
            status="not_started",
            status_label="nicht begonnen",
            count=2,
        ),
        dict(
            outcome_report_id="a2/n6",
            cycle_id="a2",
            reported_on=d("2026-02-01"),
            reported_by="Ministry",
            assessor="administration",
            status="abandoned",
            count=1,
        ),
        # ... and a withdrawn one that would otherwise be the latest.
        dict(
            outcome_report_id="a2/w1",
            cycle_id="a2",
            reported_on=d("2026-05-01"),
            reported_by="Ministry",
            assessor="administration",
            status="implemented",
            count=20,
            withdrawn_run_id=2,
        ),
    ],
}


def _complete(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """Fill the columns every row of `table` must have but the test does not care about."""
    if table == "sources":
        # The source catalogue carries no provenance of its own.
        return dict(row)
    full = {**_PROVENANCE, "source_url": URL, **row}
    if table == "status_events":
        full.setdefault("occurred_on_precision", "day")
        full.setdefault("status_label", full["status"])
        full.setdefault("origin", "listed")
        full.setdefault("slot_key", full["event_id"])
    if table == "outcome_reports":
        full.setdefault("reported_on_precision", "day")
        full.setdefault("status_label", full["status"])
    return full


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    placeholders = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(row.values()))


def _build_snapshot(
    path: Path, as_of: str | None, data: dict[str, list[dict[str, Any]]] | None = None
) -> None:
    """Build a snapshot as `ingest build` does: schema, rows, the scales, then the views.
    `data` defaults to this module's fixture; other test modules pass their own."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
        for table, rows in (_DATA if data is None else data).items():
            for row in rows:
                _insert(con, table, _complete(table, row))
        if as_of is not None:
            con.execute("INSERT INTO snapshot_meta VALUES ('as_of', ?)", [as_of])
        store_scales(con, load_vocabularies())
        con.execute(VIEWS_SQL.read_text(encoding="utf-8"))
    finally:
        con.close()


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("views") / "snapshot.duckdb"
    _build_snapshot(path, AS_OF.isoformat())
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def by_key(con: duckdb.DuckDBPyConnection, view: str, key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows(con, f"SELECT * FROM {view}")}


# --- "today" -------------------------------------------------------------------------------


def test_today_is_the_snapshot_as_of_date(con):
    assert con.execute("SELECT uptake_today()").fetchone()[0] == AS_OF


def test_today_falls_back_to_the_current_date_without_as_of(tmp_path):
    path = tmp_path / "no_as_of.duckdb"
    _build_snapshot(path, as_of=None)
    with duckdb.connect(str(path), read_only=True) as fresh:
        today, current = fresh.execute("SELECT uptake_today(), current_date").fetchone()
    assert today == current


def test_scales_in_views_match_the_vocabulary_file(con):
    with SCALES_CSV.open(encoding="utf-8") as handle:
        scales = list(csv.DictReader(handle))
    for vocabulary, view, column, order in (
        ("stance", "stance_scale", "stance", "stance_order"),
        ("implementation", "implementation_scale", "status", "status_order"),
    ):
        expected = [(r["value"], int(r["order"])) for r in scales if r["vocabulary"] == vocabulary]
        got = con.execute(f"SELECT {column}, {order} FROM {view} ORDER BY {order}").fetchall()
        assert got == expected
    # Every vocabulary, with each value's order and meaning, travels with the snapshot as is.
    expected_all = sorted(
        (r["vocabulary"], r["value"], int(r["order"]), r["meaning"]) for r in scales
    )
    got_all = con.execute(
        "SELECT vocabulary, value, value_order, meaning FROM scale_values "
        "ORDER BY vocabulary, value_order, value"
    ).fetchall()
    assert sorted(got_all) == expected_all
    assert {row[0] for row in got_all} >= {
        "evidence",
        "response_state",
        "implementation_state",
        "timeliness",
    }


# --- recommendation_status -----------------------------------------------------------------


def test_only_current_recommendations_are_listed(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # 12 recommendations in the fixture, a1-r5 withdrawn -> 11 (chapter b1-r3 included).
    assert sorted(status) == [
        "a1-r1",
        "a1-r2",
        "a1-r3",
        "a1-r4",
        "a3-r1",
        "b1-r1",
        "b1-r2",
        "b1-r3",
        "b1-r4",
        "b2-r1",
        "b2-r2",
    ]
    assert status["a1-r1"]["institution_name"] == "Alpha Citizens' Council"
    assert status["a1-r1"]["cycle_title"] == "A one"
    assert status["b1-r3"]["granularity"] == "chapter"


def test_final_response_wins_over_interim(con):
    r1 = by_key(con, "recommendation_status", "recommendation_id")["a1-r1"]
    # Interim 'noted' on 2026-02-01, final 'accepted' on 2026-03-01 -> the final one.
    assert (r1["stance"], r1["stance_label"], r1["responded_on"]) == (
        "accepted",
        "angenommen",
        d("2026-03-01"),
    )
    assert (r1["responder"], r1["response_body"]) == ("Parliament", "We will fund it.")


def test_pending_notice_is_not_a_response(con):
    r4 = by_key(con, "recommendation_status", "recommendation_id")["a1-r4"]
    # Only an 'in Prüfung' (pending) notice of 2026-02-01 exists: a record of its own that says
    # no answer yet -> basis 'item', state 'pending', has_response FALSE (not NULL: it is
    # known), and no first answer to count a deadline against.
    assert (r4["response_basis"], r4["response_state"], r4["has_response"]) == (
        "item",
        "pending",
        False,
    )
    assert (r4["response_id"], r4["stance"], r4["stance_label"]) == (
        "a1-r4/interim",
        "pending",
        "in Prüfung",
    )
    assert (r4["first_responded_on"], r4["answered_on_time"]) == (None, None)


def test_pending_notice_is_counted_as_pending(con):
    # a1-r4's pending notice makes it 'pending', so a1 has 1 pending and no unrecorded answer.
    a1 = by_key(con, "cycle_indicators", "cycle_id")["a1"]
    assert (a1["n_pending"], a1["n_response_not_recorded"], a1["responses_not_recorded"]) == (
        1,
        0,
        0,
    )
    # inst-a: a1-r4 pending; a3-r1 has no record at all.
    a = by_key(con, "institution_indicators", "institution_id")["inst-a"]
    assert (a["n_pending"], a["n_response_not_recorded"]) == (1, 1)
    got = con.execute(
        "SELECT response_state, count FROM stance_mix WHERE cycle_id = 'a1' ORDER BY state_order"
    ).fetchall()
    assert got == [("accepted", 1), ("partially_accepted", 1), ("rejected", 1), ("pending", 1)]


def test_item_without_any_record_is_not_recorded(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # b1-r2, b2-r1 and a3-r1 have no response row and no collective response covers them:
    # the answer is not recorded. In b1 and b2 (sources not known complete) that is not the
    # same as no answer: has_response NULL. a3's sources are declared complete, so nothing
    # found there means there is none: has_response FALSE.
    for rec, answered in (("b1-r2", None), ("b2-r1", None), ("a3-r1", False)):
        row = status[rec]
        assert (row["response_basis"], row["response_state"], row["has_response"]) == (
            "not_recorded",
            "not_recorded",
            answered,
        ), rec
        assert (row["response_id"], row["stance"]) == (None, None), rec


def test_response_deadlines_follow_each_institution(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # a1: 2026-01-10 + 90 days = 2026-04-10 (21 days left in Jan, 28 Feb, 31 Mar, 10 Apr).
    assert status["a1-r1"]["response_due_on"] == d("2026-04-10")
    # b1: 2025-03-01 + 30 days = 2025-03-31.
    assert status["b1-r1"]["response_due_on"] == d("2025-03-31")
    # b2 has no handover date: no deadline.
    assert status["b2-r1"]["response_due_on"] is None


def test_days_to_response_uses_exact_days_only(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # a1-r1: the deadline is for the first answer, so the days count to the interim 'noted'
    # answer, not the final one: 2026-01-10 -> 2026-02-01 = 21 (Jan) + 1 = 22.
    assert status["a1-r1"]["first_responded_on"] == d("2026-02-01")
    assert status["a1-r1"]["days_to_response"] == 22
    # a1-r2: 2026-01-10 -> 2026-05-20 = 90 (to 10 Apr) + 30 (to 10 May) + 10 = 130.
    assert status["a1-r2"]["days_to_response"] == 130
    # a1-r3 answered in "April 2026" (month precision): no day count.
    assert status["a1-r3"]["days_to_response"] is None
    # b1-r1: 2025-03-01 -> 2025-03-20 = 19.
    assert status["b1-r1"]["days_to_response"] == 19


def test_answered_on_time_is_undecided_when_a_partial_date_straddles_the_deadline(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # a1-r1: first answer 2026-02-01 <= 2026-04-10 -> on time.
    assert status["a1-r1"]["answered_on_time"] is True
    assert status["a1-r1"]["response_timeliness"] == "on_time"
    # a1-r2: 2026-05-20 > 2026-04-10 -> late.
    assert status["a1-r2"]["answered_on_time"] is False
    # a1-r3: "April 2026" is 1..30 April, the deadline is 10 April -> undecidable.
    assert status["a1-r3"]["answered_on_time"] is None
    assert status["a1-r3"]["response_timeliness"] == "answered"
    # b1-r4: "May 2025" is entirely after 2025-03-31 -> late although only the month is known.
    assert status["b1-r4"]["answered_on_time"] is False
    # a1-r4: no response -> undecidable.
    assert status["a1-r4"]["answered_on_time"] is None


def test_overdue_means_no_response_after_the_deadline(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # a1-r4: no formal answer, due 2026-04-10 < today 2026-06-30, and a1's sources are known
    # complete -> overdue.
    assert status["a1-r4"]["is_overdue"] is True
    assert status["a1-r4"]["response_timeliness"] == "overdue"
    # a3-r1: no answer, a3's sources are complete, but it is due 2026-06-01 + 90 = 2026-08-30
    # (29 days left in June, 31 July, 30 August), after today -> awaiting, not overdue.
    assert status["a3-r1"]["response_due_on"] == d("2026-08-30")
    assert status["a3-r1"]["is_overdue"] is False
    assert status["a3-r1"]["response_timeliness"] == "awaiting"
    # b1-r2: no answer found and due 2025-03-31, but b1's sources are not known complete: the
    # answer may exist unrecorded -> cannot be known, not overdue.
    assert status["b1-r2"]["follow_up_complete"] is False
    assert status["b1-r2"]["is_overdue"] is None
    assert status["b1-r2"]["response_timeliness"] == "not_recorded"
    # a1-r2 answered (late): not overdue, but 'late'.
    assert status["a1-r2"]["is_overdue"] is False
    assert status["a1-r2"]["response_timeliness"] == "late"
    # b2-r1: no handover, so no deadline can be computed -> unknown, not False.
    assert status["b2-r1"]["is_overdue"] is None
    assert status["b2-r1"]["response_timeliness"] == "not_recorded"


def test_current_status_is_the_latest_event_across_assessors(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # a1-r1 events: admin in_progress 02-15, citizens in_progress 04-15, admin implemented 05-01.
    r1 = status["a1-r1"]
    assert (r1["status"], r1["status_on"], r1["status_assessor"]) == (
        "implemented",
        d("2026-05-01"),
        "administration",
    )
    assert r1["n_events"] == 3
    # b1-r1: two 'implemented' events on 2025-09-01; administration observed later (09-03).
    assert status["b1-r1"]["status_assessor"] == "administration"
    assert (r1["implementation_basis"], r1["implementation_state"]) == ("item", "implemented")
    # a1-r4 has no event of its own: no status (not 'unknown', which is a source's word).
    # a1's outcome report of 2026-03-15 counts some of the round, so its state is known only
    # in aggregate.
    r4 = status["a1-r4"]
    assert (r4["status"], r4["n_events"]) == (None, 0)
    assert (r4["implementation_basis"], r4["implementation_state"]) == (
        "aggregate",
        "in_aggregate",
    )
    assert r4["report_reported_on"] == d("2026-03-15")
    # b1-r2: no event and b1 has no outcome report -> not recorded.
    b1r2 = status["b1-r2"]
    assert (b1r2["status"], b1r2["implementation_basis"], b1r2["implementation_state"]) == (
        None,
        "not_recorded",
        "not_recorded",
    )
    assert b1r2["report_reported_on"] is None


def test_superseded_and_withdrawn_events_are_ignored(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # a1-r2: e5 (implemented 06-15) is superseded; e6 abandoned 06-01 is current; e4 remains.
    assert (status["a1-r2"]["status"], status["a1-r2"]["status_on"]) == (
        "abandoned",
        d("2026-06-01"),
    )
    assert status["a1-r2"]["n_events"] == 2
    # a1-r3: its only event e7 is withdrawn, so it has no status of its own; only a1's
    # outcome report speaks for it.
    assert (status["a1-r3"]["status"], status["a1-r3"]["n_events"]) == (None, 0)
    assert status["a1-r3"]["implementation_state"] == "in_aggregate"


def test_assessors_disagree_compares_each_assessors_latest_verdict(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # a1-r1: administration says implemented, citizens' body says in_progress.
    assert status["a1-r1"]["assessors_disagree"] is True
    # b1-r1: independent and administration both say implemented.
    assert status["b1-r1"]["assessors_disagree"] is False
    # a1-r2: a single assessor cannot disagree with itself.
    assert status["a1-r2"]["assessors_disagree"] is False


def test_staleness_of_each_recommendation(con):
    status = by_key(con, "recommendation_status", "recommendation_id")
    # a1: latest news is the follow-up meeting 2026-06-10 (the planned 2026-12-01 report does
    # not count yet): 30 June - 10 June = 20 days.
    assert status["a1-r1"]["last_event_on"] == d("2026-06-10")
    assert status["a1-r1"]["days_since_last_event"] == 20
    assert status["a1-r1"]["is_stale"] is False
    # b1-r1: last event 2025-09-01 -> 2026-06-30: 30+31+30+31+31+28+31+30+31 (to 1 June) + 29
    # = 302 days.
    assert status["b1-r1"]["days_since_last_event"] == 302
    assert status["b1-r1"]["is_stale"] is False
    # b1-r2: only the handover 2025-03-01 -> 365 + 121 (Mar 31 + Apr 30 + May 31 + Jun 29)
    # = 486 days > 365: stale.
    assert status["b1-r2"]["days_since_last_event"] == 486
    assert status["b1-r2"]["is_stale"] is True
    # b1-r4: last news "June 2025" (month) counts until 2025-06-30: exactly 365 days, and only
    # more than 365 is stale.
    assert (status["b1-r4"]["last_event_on"], status["b1-r4"]["last_event_on_precision"]) == (
        d("2025-06-01"),
        "month",
    )
    assert status["b1-r4"]["days_since_last_event"] == 365
    assert status["b1-r4"]["is_stale"] is False
    # b2-r1: nothing recorded; adopted "May 2026" -> counted from 2026-05-31: 30 days.
    assert status["b2-r1"]["last_event_on"] is None
    assert status["b2-r1"]["is_stale"] is False
    # b2-r2: no date at all -> undecidable.
    assert status["b2-r2"]["is_stale"] is None


# --- cycle_indicators ----------------------------------------------------------------------


def test_cycle_coverage_counts_items_against_the_declared_count(con):
    cycles = by_key(con, "cycle_indicators", "cycle_id")
    assert (cycles["a1"]["institution_name"], cycles["a1"]["title"]) == (
        "Alpha Citizens' Council",
        "A one",
    )
    # a1: 4 current items (a1-r5 withdrawn) of 10 declared = 0.4.
    assert (cycles["a1"]["items_known"], cycles["a1"]["coverage"]) == (4, pytest.approx(0.4))
    # a2: 0 of 20.
    assert cycles["a2"]["coverage"] == 0
    # b1: 3 items (the chapter b1-r3 is not an item), declared unknown -> NULL.
    assert (cycles["b1"]["items_known"], cycles["b1"]["chapters_known"]) == (3, 1)
    assert cycles["b1"]["coverage"] is None
    # b2: 2 of 2.
    assert cycles["b2"]["coverage"] == pytest.approx(1.0)


def test_cycle_response_rate_and_timeliness(con):
    cycles = by_key(con, "cycle_indicators", "cycle_id")
    a1 = cycles["a1"]
    # Responses: r1, r2, r3 (r4's pending notice does not count) -> 3 of 4 = 0.75, all three
    # item records of their own; no collective response in a1.
    assert (a1["responses_known"], a1["response_rate"]) == (3, pytest.approx(0.75))
    assert (a1["responses_item"], a1["responses_collective"]) == (3, 0)
    assert a1["round_response_basis"] == "item"
    # Median of 22 (r1's first, interim answer) and 130 days (r3 has a month date) = 76.
    assert a1["median_days_to_response"] == pytest.approx(76.0)
    # Decidable: r1 on time, r2 late (r3 undecidable) -> 1 of 2 = 0.5.
    assert (a1["responses_on_time"], a1["responses_timeliness_known"]) == (1, 2)
    assert a1["share_on_time"] == pytest.approx(0.5)
    # a1 is complete (checked 2026-06-20): r1-r3 answered (not overdue) and r4 overdue -> 1
    # overdue of 4 decidable.
    assert (a1["follow_up_complete"], a1["checked_on"]) == (True, d("2026-06-20"))
    assert (a1["responses_overdue"], a1["overdue_decidable"]) == (1, 4)
    assert a1["response_due_on"] == d("2026-04-10")
    # a3 is complete and its one item is not due yet: decidable, none overdue -> 0, not n/a.
    assert (cycles["a3"]["responses_overdue"], cycles["a3"]["overdue_decidable"]) == (0, 1)
    assert cycles["a3"]["responses_not_recorded"] == 1
    b1 = cycles["b1"]
    # b1-r1 and b1-r4 answered; b1-r2 not recorded (b1 not complete), so it is left out of
    # both sides: 2 of the 2 items whose answer is known (never 2/3, which would read b1-r2
    # as unanswered). The chapter's answer (24 days) is not counted, so the median stays 19
    # (it would be 21.5 with the chapter).
    assert (b1["responses_known"], b1["responses_decidable"]) == (2, 2)
    assert b1["response_rate"] == pytest.approx(1.0)
    assert b1["median_days_to_response"] == pytest.approx(19.0)
    # b1-r1 on time, b1-r4 late -> 0.5.
    assert b1["share_on_time"] == pytest.approx(0.5)
    # b1's sources are not known complete, so b1-r2 (no answer found) is not recorded, never
    # overdue; an overdue count over such a cycle would read "0 overdue" where it is unknown,
    # so nothing in it is decidable and the count is n/a.
    assert (b1["responses_not_recorded"], b1["n_response_not_recorded"]) == (1, 1)
    assert (b1["responses_overdue"], b1["overdue_decidable"]) == (None, 0)
    # b2: no handover, so no item can be decided although inst-b has a rule -> n/a (NULL).
    assert (cycles["b2"]["responses_overdue"], cycles["b2"]["overdue_decidable"]) == (None, 0)
    assert cycles["b2"]["round_response_basis"] == "not_recorded"
    # a2: no items -> no rate (not 0), and no overdue count (not 0).
    assert cycles["a2"]["response_rate"] is None
    assert cycles["a2"]["responses_overdue"] is None
    # a2's due date from a month-precision handover: 2024-11-01 + 90 = 2025-01-30, and the
    # latest it can be is 2024-11-30 + 90 = 2025-02-28.
    assert (cycles["a2"]["response_due_on"], cycles["a2"]["response_due_latest_on"]) == (
        d("2025-01-30"),
        d("2025-02-28"),
    )
    # b2: nothing recorded for its 2 items and its sources are not known complete, so the
    # rate cannot be computed: n/a (NULL), never 0 %.
    assert (cycles["b2"]["responses_decidable"], cycles["b2"]["response_rate"]) == (0, None)
    assert cycles["b2"]["share_on_time"] is None


def test_cycle_stance_and_item_implementation_counts(con):
    a1 = by_key(con, "cycle_indicators", "cycle_id")["a1"]
    # r1 accepted, r3 partially accepted, r2 rejected (r4's pending notice: see
    # test_pending_notice_is_counted_as_pending).
    stances = [a1[f"n_{s}"] for s in ("accepted", "partially_accepted", "noted", "rejected")]
    assert stances == [1, 1, 0, 1]
    assert (a1["n_answered_collectively"], a1["n_response_in_aggregate"]) == (0, 0)
    statuses = [
        a1[f"n_{s}"]
        for s in (
            "not_started",
            "in_progress",
            "partially_implemented",
            "implemented",
            "abandoned",
            "unknown",
        )
    ]
    # r1 implemented, r2 abandoned; r3 and r4 have no status of their own (no source said
    # 'unknown'), and a1's outcome report counts the round -> 2 in aggregate, 0 not recorded.
    assert statuses == [0, 0, 0, 1, 1, 0]
    assert (a1["n_status_in_aggregate"], a1["n_status_not_recorded"]) == (2, 0)
    assert a1["items_with_status"] == 2
    assert a1["items_assessors_disagree"] == 1


def test_cycle_implementation_rates_and_basis(con):
    cycles = by_key(con, "cycle_indicators", "cycle_id")
    a1 = cycles["a1"]
    assert a1["implementation_basis"] == "items"
    # Items with a status of their own: r1 (implemented) and r2 (abandoned); r3 and r4 have
    # none, so they are not recorded and left out of both sides -> 1 implemented of 2 (never
    # 1 of 4, which would count two unknowns as "not implemented").
    assert a1["item_implementation_rate"] == pytest.approx(0.5)
    assert a1["item_implementation_rate_incl_partial"] == pytest.approx(0.5)
    # Accepted or partially with a status: only r1 (r3 has none) -> 1 of 1.
    assert a1["items_accepted_with_status"] == 1
    assert a1["item_implementation_rate_of_accepted"] == pytest.approx(1.0)
    # Its outcome report is shown but the basis stays the items. The report counts 4 of the
    # 10 declared: its share is over the declared count, 2 / 10 = 0.2 (not 2 / 4 = 0.5), and
    # 10 - 4 = 6 declared recommendations are unaccounted for.
    assert (a1["report_reported_on"], a1["report_implemented"], a1["report_total"]) == (
        d("2026-03-15"),
        2,
        4,
    )
    assert (a1["report_denominator"], a1["report_unaccounted"]) == (10, 6)
    assert a1["report_implementation_rate"] == pytest.approx(0.2)
    assert a1["implementation_rate"] == pytest.approx(0.5)
    assert a1["implementation_denominator"] == 2
    a2 = cycles["a2"]
    assert a2["implementation_basis"] == "outcome_report"
    # Latest current report 2026-02-01 (the withdrawn 2026-05-01 one is ignored):
    # 5 implemented, 2 partially, 7 in progress, 3 + 2 = 5 not started, 1 abandoned = 20.
    assert a2["report_reported_on"] == d("2026-02-01")
    # The report counts 20 of the 20 declared; a1's counts 4 of 10.
    assert a2["report_coverage"] == pytest.approx(1.0)
    assert a1["report_coverage"] == pytest.approx(0.4)
    assert [
        a2[f"report_{s}"]
        for s in (
            "not_started",
            "in_progress",
            "partially_implemented",
            "implemented",
            "abandoned",
            "unknown",
            "total",
        )
    ] == [
        5,
        7,
        2,
        5,
        1,
        0,
        20,
    ]
    # 5 / 20 = 0.25; with partially: (5 + 2) / 20 = 0.35; the report's 20 = the declared 20.
    assert (a2["report_denominator"], a2["implementation_denominator"]) == (20, 20)
    assert a2["implementation_rate"] == pytest.approx(0.25)
    assert a2["implementation_rate_incl_partial"] == pytest.approx(0.35)
    assert a2["item_implementation_rate"] is None
    b1 = cycles["b1"]
    # b1-r1 implemented of the 2 items with a status (r1, r4; r2 has none) = 1/2; of accepted
    # (b1-r1 only) = 1/1.
    assert b1["implementation_rate"] == pytest.approx(1 / 2)
    assert b1["implementation_denominator"] == 2
    assert b1["item_implementation_rate_of_accepted"] == pytest.approx(1.0)
    assert b1["report_total"] is None
    # b2: no status, no report.
    assert cycles["b2"]["implementation_basis"] == "none"
    assert cycles["b2"]["implementation_rate"] is None


def test_cycle_staleness(con):
    cycles = by_key(con, "cycle_indicators", "cycle_id")
    # a1: latest current news 2026-06-10 (withdrawn event 06-20, superseded 06-15 and the
    # withdrawn recommendation's 06-25 records are ignored) -> 20 days.
    assert (cycles["a1"]["last_update_on"], cycles["a1"]["staleness_days"]) == (
        d("2026-06-10"),
        20,
    )
    # a2: latest report 2026-02-01 -> 28 (Feb) + 31 + 30 + 31 + 29 = 149 days.
    assert (cycles["a2"]["last_update_on"], cycles["a2"]["staleness_days"]) == (
        d("2026-02-01"),
        149,
    )
    # b1: 2025-09-01 -> 302 days.
    assert cycles["b1"]["staleness_days"] == 302
    assert cycles["b1"]["is_stale"] is False
    # b2: nothing dated at all.
    assert cycles["b2"]["last_update_on"] is None
    assert cycles["b2"]["staleness_days"] is None


# --- institution_indicators ----------------------------------------------------------------


def test_institution_figures_pool_recommendations(con):
    inst = by_key(con, "institution_indicators", "institution_id")
    a = inst["inst-a"]
    # Cycles a1 (declared 10), a2 (declared 20) and a3 (declared 1): 4 + 1 = 5 items of 31.
    assert (a["n_cycles"], a["declared_count"], a["items_known"]) == (3, 31, 5)
    assert a["coverage"] == pytest.approx(5 / 31)
    # a1 and a3 are known complete, a2 is not.
    assert a["cycles_complete"] == 2
    # 3 answered (a1-r1..r3) of 5 items = 0.6.
    assert a["response_rate"] == pytest.approx(0.6)
    # Median of a1-r1's 22 and a1-r2's 130 days = 76.
    assert a["median_days_to_response"] == pytest.approx(76.0)
    assert a["share_on_time"] == pytest.approx(0.5)
    # a1-r4 overdue; a3-r1 awaiting; all 5 items decidable (both cycles complete).
    assert (a["responses_overdue"], a["overdue_decidable"]) == (1, 5)
    b = inst["inst-b"]
    # Declared known only for b2 (2): coverage = b2's 2 items / 2 = 1.0; b1's items are left
    # out of both sides.
    assert (b["cycles_with_declared"], b["declared_count"]) == (1, 2)
    assert (b["items_known"], b["items_in_declared_cycles"]) == (5, 2)
    assert b["coverage"] == pytest.approx(1.0)
    # Pooled: 2 answered of the 2 items whose answer is known (b1-r2, b2-r1 and b2-r2 are not
    # recorded in sources not known complete) = 1.0 -- not 2 of 5 listed.
    assert (b["responses_known"], b["responses_decidable"]) == (2, 2)
    assert b["response_rate"] == pytest.approx(1.0)
    assert b["median_days_to_response"] == pytest.approx(19.0)
    # b1-r1 accepted, b1-r4 noted; nothing is recorded for b1-r2, b2-r1 and b2-r2: their
    # answers are not recorded, never 'pending' (no source says so).
    assert (b["n_accepted"], b["n_noted"], b["n_pending"]) == (1, 1, 0)
    assert (b["responses_not_recorded"], b["n_response_not_recorded"]) == (3, 3)
    # Same three have no status and no outcome report speaks for them: not recorded, never
    # 'unknown'.
    assert (b["n_implemented"], b["n_in_progress"], b["n_unknown"]) == (1, 1, 0)
    assert (b["n_status_in_aggregate"], b["n_status_not_recorded"]) == (0, 3)
    # Nothing is decidable (b1 not complete, b2 without handover): n/a, not 0.
    assert (b["responses_overdue"], b["overdue_decidable"]) == (None, 0)
    assert b["cycles_complete"] == 0


def test_institution_implementation_keeps_items_and_reports_apart(con):
    inst = by_key(con, "institution_indicators", "institution_id")
    a = inst["inst-a"]
    assert a["implementation_basis"] == "mixed"
    # Items: only a1 (basis items), over its 2 items with a status of their own -> 1 of 2;
    # of accepted: r1 is the one accepted item with a status -> 1 of 1.
    assert a["items_in_item_basis_cycles"] == 2
    assert a["item_implementation_rate"] == pytest.approx(0.5)
    assert a["item_implementation_rate_of_accepted"] == pytest.approx(1.0)
    # Reports: only a2 (a1's report is not used, its items carry status) -> 5 of 20.
    assert (a["report_cycles"], a["report_implemented"], a["report_total"]) == (1, 5, 20)
    # a2's report accounts for all 20 declared: denominator 20, nothing unaccounted.
    assert (a["report_denominator"], a["report_unaccounted"]) == (20, 0)
    assert a["report_implementation_rate_incl_partial"] == pytest.approx(0.35)
    assert (a["last_update_on"], a["staleness_days"]) == (d("2026-06-10"), 20)
    b = inst["inst-b"]
    assert b["implementation_basis"] == "items"
    # b1's items with a status of their own: r1 (implemented) and r4 (in progress); b1-r2 and
    # b2's items have none, so they are not recorded, not "not implemented": 1/2.
    assert b["items_in_item_basis_cycles"] == 2
    assert b["item_implementation_rate"] == pytest.approx(1 / 2)
    assert b["report_implementation_rate"] is None
    assert b["staleness_days"] == 302


# --- long views ----------------------------------------------------------------------------


def test_implementation_mix(con):
    got = con.execute(
        "SELECT cycle_id, basis, status, count FROM implementation_mix "
        "ORDER BY cycle_id, status_order"
    ).fetchall()
    assert got == [
        ("a1", "items", "implemented", 1),
        ("a1", "items", "abandoned", 1),
        # a1-r3 and a1-r4: no status of their own; a1's report counts the round in aggregate.
        ("a1", "items", "in_aggregate", 2),
        # a2 from its latest report; a1's report is absent because a1's items carry status.
        ("a2", "outcome_report", "not_started", 5),
        ("a2", "outcome_report", "in_progress", 7),
        ("a2", "outcome_report", "partially_implemented", 2),
        ("a2", "outcome_report", "implemented", 5),
        ("a2", "outcome_report", "abandoned", 1),
        ("b1", "items", "in_progress", 1),
        ("b1", "items", "implemented", 1),
        # b1-r2: no status and no report for b1 -> not recorded (not 'unknown').
        ("b1", "items", "not_recorded", 1),
        # a3 and b2: no basis, no rows.
    ]


def test_stance_mix(con):
    # a1-r4's pending notice is checked in test_pending_notice_is_counted_as_pending; every
    # other item is here.
    got = con.execute(
        "SELECT institution_id, cycle_id, response_state, state_order, count FROM stance_mix "
        "WHERE cycle_id <> 'a1' OR response_state NOT IN ('pending', 'not_recorded') "
        "ORDER BY cycle_id, state_order"
    ).fetchall()
    assert got == [
        ("inst-a", "a1", "accepted", 1, 1),
        ("inst-a", "a1", "partially_accepted", 2, 1),
        ("inst-a", "a1", "rejected", 4, 1),
        # a3-r1: nothing recorded (its deadline is still ahead).
        ("inst-a", "a3", "not_recorded", 8, 1),
        ("inst-b", "b1", "accepted", 1, 1),
        ("inst-b", "b1", "noted", 3, 1),
        # b1-r2, b2-r1, b2-r2: no answer found is 'not_recorded', never 'pending'.
        ("inst-b", "b1", "not_recorded", 8, 1),
        ("inst-b", "b2", "not_recorded", 8, 2),
    ]


def test_uptake_funnel(con):
    got = rows(con, "SELECT * FROM uptake_funnel ORDER BY cycle_id, stage_order")
    funnel = {
        cycle: [
            (r["stage"], r["count"], r["count_after_acceptance"])
            for r in got
            if r["cycle_id"] == cycle
        ]
        for cycle in ("a1", "a3", "b1", "b2")
    }
    # a1: 4 items, 3 answered, 2 accepted (r1, r3), r1 implemented (and accepted).
    assert funnel["a1"] == [
        ("adopted", 4, 4),
        ("responded", 3, 3),
        ("accepted", 2, 2),
        ("in_progress_or_better", 1, 1),
        ("implemented", 1, 1),
    ]
    # b1: 3 items, 2 answered, 1 accepted; b1-r4 is in progress although only 'noted', so
    # stage 4 counts 2 items, of which 1 accepted.
    assert funnel["b1"] == [
        ("adopted", 3, 3),
        ("responded", 2, 2),
        ("accepted", 1, 1),
        ("in_progress_or_better", 2, 1),
        ("implemented", 1, 1),
    ]
    assert funnel["b2"] == [
        ("adopted", 2, 2),
        ("responded", 0, 0),
        ("accepted", 0, 0),
        ("in_progress_or_better", 0, 0),
        ("implemented", 0, 0),
    ]
    # a3: its one item is known, nothing else.
    assert funnel["a3"] == [
        ("adopted", 1, 1),
        ("responded", 0, 0),
        ("accepted", 0, 0),
        ("in_progress_or_better", 0, 0),
        ("implemented", 0, 0),
    ]
    # a2 has no items: no funnel.
    assert {r["cycle_id"] for r in got} == {"a1", "a3", "b1", "b2"}
    assert {r["institution_id"] for r in got if r["cycle_id"] == "a1"} == {"inst-a"}


def test_time_to_implementation_censors_open_cases(con):
    got = {
        r["recommendation_id"]: (r["days"], r["implemented"])
        for r in rows(con, "SELECT * FROM time_to_implementation")
    }
    assert got == {
        # Handover 2026-01-10 -> first 'implemented' 2026-05-01 = 90 (to 10 Apr) + 21 = 111.
        "a1-r1": (111, True),
        # Open, censored at 2026-06-30: 90 + 30 + 31 + 20 = 171 (a1-r2's superseded
        # 'implemented' event does not count).
        "a1-r2": (171, False),
        "a1-r3": (171, False),
        "a1-r4": (171, False),
        # Handover 2026-06-01, open: 29 days.
        "a3-r1": (29, False),
        # Handover 2025-03-01 -> 2025-09-01 = 31+30+31+30+31+31 = 184.
        "b1-r1": (184, True),
        # Open since 2025-03-01: 486 days.
        "b1-r2": (486, False),
        "b1-r4": (486, False),
        # No handover; adopted "May 2026" taken as 2026-05-01 -> 31 + 29 = 60.
        "b2-r1": (60, False),
        # b2-r2 (no start date) and the chapter b1-r3 are left out.
    }


def test_assessor_disagreements_lists_each_assessors_verdict(con):
    got = con.execute(
        "SELECT recommendation_id, assessor, status, status_on FROM assessor_disagreements "
        "ORDER BY recommendation_id, assessor"
    ).fetchall()
    assert got == [
        ("a1-r1", "administration", "implemented", d("2026-05-01")),
        ("a1-r1", "citizens_body", "in_progress", d("2026-04-15")),
    ]
