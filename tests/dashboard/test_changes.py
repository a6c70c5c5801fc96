"""What changed: dated by the event, with what each record replaced, per institution."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from dashboard import queries
from tests.dashboard.app_driver import assert_no_exception, open_page, texts

BRUSSELS = "bxl-parlement-bruxellois"


def test_changes_are_every_dated_record_of_the_institution_since_the_day(
    built_snapshot: Path, query: Callable[..., list[tuple]]
) -> None:
    since = date(2021, 1, 1)
    # Counted independently from the current rows of the base tables.
    ((expected,),) = query(
        """
        WITH recs AS (
            SELECT r.recommendation_id FROM recommendations AS r
            JOIN cycles AS c USING (cycle_id)
            WHERE c.institution_id = $i AND r.withdrawn_run_id IS NULL
        )
        SELECT
          (SELECT count(*) FROM status_events WHERE recommendation_id IN (SELECT * FROM recs)
             AND occurred_on BETWEEN $s AND $today)
        + (SELECT count(*) FROM responses WHERE recommendation_id IN (SELECT * FROM recs)
             AND responded_on BETWEEN $s AND $today)
        + (SELECT count(*) FROM congruence WHERE recommendation_id IN (SELECT * FROM recs)
             AND assessed_on BETWEEN $s AND $today)
        + (SELECT count(*) FROM recommendation_collective_responses
             WHERE recommendation_id IN (SELECT * FROM recs)
             AND responded_on BETWEEN $s AND $today)
        + (SELECT count(*) FROM current_milestones AS m JOIN cycles AS c USING (cycle_id)
             WHERE c.institution_id = $i AND m.occurred_on BETWEEN $s AND $today)
        + (SELECT count(*) FROM current_outcome_reports AS o JOIN cycles AS c USING (cycle_id)
             WHERE c.institution_id = $i AND o.reported_on BETWEEN $s AND $today)
        """,
        {"i": BRUSSELS, "s": since, "today": date(2026, 12, 1)},
    )
    changes = queries.dated_changes(str(built_snapshot), BRUSSELS, None, since)
    assert changes.height == expected > 0
    assert changes["on_date"].min() >= since
    assert changes["source_url"].null_count() == 0


def test_a_status_update_shows_what_it_replaced(built_snapshot: Path) -> None:
    changes = queries.dated_changes(
        str(built_snapshot), BRUSSELS, "bxl-prb-2021-5g", date(2023, 1, 1)
    )
    updates = changes.filter(changes["kind"] == "status").to_dicts()
    assert updates, "the 5G cycle has a status update after 2023"
    first = min(updates, key=lambda row: row["on_date"])
    assert first["before_value"] is not None and first["before_on"] < first["on_date"]
    # Milestones replace nothing: no "before".
    milestones = changes.filter(changes["kind"] == "milestone")
    assert milestones["before_value"].null_count() == milestones.height


def test_changes_page_defaults_to_the_last_follow_up_meeting(data_dir: Path) -> None:
    app = open_page("changes")
    app.selectbox(key="chg_inst").set_value(BRUSSELS).run()
    assert_no_exception(app)
    said = texts(app)
    assert "last follow-up meeting (24 May 2023)" in said
    assert "records dated on or after 24 May 2023" in said
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["CSV", "XLSX", "PARQUET", "JSON"]


def test_changes_page_says_when_nothing_happened(data_dir: Path) -> None:
    app = open_page("changes")
    app.selectbox(key="chg_inst").set_value("milano-assemblea-clima").run()
    assert_no_exception(app)
    assert "Nothing dated on or after" in texts(app)
