"""Timelines: both deadline rules of an institution reach the page and the chart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dashboard import formats
from tests.dashboard.app_driver import assert_no_exception, charts, frame_with, open_page, texts

Query = Callable[..., list[tuple]]


def _deadline_rows(app: object) -> list[dict]:
    """The rows behind the timeline's dashed deadline rules."""
    for _, datasets in charts(app):
        for rows in datasets.values():
            if rows and "due_on" in rows[0] and "mark" in rows[0]:
                return rows
    return []


def test_final_deadline_replaces_the_no_rule_notice(data_dir: Path, query: Query) -> None:
    """An institution with only a final-report rule (Ostbelgien) must not be told it has
    no deadline rule; its final report's due date and arrival are listed instead."""
    ((cycle_id, days, received, due),) = query(
        """
        WITH start AS (
            SELECT m.cycle_id, min(m.occurred_on) AS start_on
            FROM current_milestones m
            JOIN current_cycles c USING (cycle_id)
            JOIN current_institutions i USING (institution_id)
            WHERE m.kind = i.final_deadline_from AND m.occurred_on_precision = 'day'
            GROUP BY m.cycle_id
        )
        SELECT c.cycle_id, i.final_deadline_days, min(m.occurred_on),
               any_value(s.start_on) + i.final_deadline_days
        FROM current_cycles c
        JOIN current_institutions i USING (institution_id)
        JOIN start s ON s.cycle_id = c.cycle_id
        JOIN current_milestones m ON m.cycle_id = c.cycle_id
             AND m.kind IN ('final_report', 'final_response')
        WHERE i.response_deadline_days IS NULL AND i.final_deadline_days IS NOT NULL
        GROUP BY c.cycle_id, i.final_deadline_days, c.started_on
        ORDER BY c.started_on LIMIT 1
        """
    )
    app = open_page("timelines", {"cycle": cycle_id})
    assert_no_exception(app)
    said = texts(app)
    assert "has no response deadline rule on record" not in said
    # Ostbelgien counts its year from the committees' written opinion, not the handover.
    assert (
        f"Final report due by {formats.day(due)} ({days} days after the committee opinion)" in said
    )
    assert f"received on {formats.day(received)}" in said
    table = frame_with(app, "cycle", "final_due_on", "received_on", "verdict")
    assert len(table) > 0
    marks = {row["mark"]: row["due_on"] for row in _deadline_rows(app)}
    assert marks == {"Final report due": due}


def test_both_deadlines_are_drawn_for_an_institution_with_two_rules(
    data_dir: Path, query: Query
) -> None:
    """The Brussels climate assembly answers within 90 days and reports within 365: both
    dashed rules are on its timeline, with a label each."""
    ((cycle_id, response_due, final_due),) = query(
        """
        SELECT c.cycle_id, c.handed_over_on + i.response_deadline_days,
               c.handed_over_on + i.final_deadline_days
        FROM current_cycles c JOIN current_institutions i USING (institution_id)
        WHERE i.response_deadline_days IS NOT NULL AND i.final_deadline_days IS NOT NULL
          AND c.handed_over_on IS NOT NULL
        ORDER BY c.handed_over_on LIMIT 1
        """
    )
    app = open_page("timelines", {"cycle": cycle_id})
    assert_no_exception(app)
    marks = {row["mark"]: row["due_on"] for row in _deadline_rows(app)}
    assert marks == {"Response due": response_due, "Final report due": final_due}
    said = texts(app)
    assert "Formal response due by" in said and "Final report due by" in said


def test_a_cycle_missing_its_clock_start_says_which_date_is_missing(
    data_dir: Path, query: Query
) -> None:
    """Ostbelgien's final clock starts at the committees' opinion: a cycle without that date
    on record is told so, not that its handover is missing."""
    ((cycle_id, title),) = query(
        """
        SELECT c.cycle_id, c.title FROM current_cycles c
        JOIN current_institutions i USING (institution_id)
        WHERE i.final_deadline_from = 'committee_opinion'
          AND c.handed_over_on IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM current_milestones m
                          WHERE m.cycle_id = c.cycle_id AND m.kind = 'committee_opinion')
        ORDER BY c.started_on LIMIT 1
        """
    )
    app = open_page("timelines", {"cycle": cycle_id})
    assert_no_exception(app)
    table = frame_with(app, "cycle", "final_due_on", "received_on", "verdict")
    verdicts = dict(zip(table["cycle"], table["verdict"], strict=True))
    assert verdicts[title] == "No committee opinion date to count from"
