"""The evidence behind every response and status, checked one state at a time.

A small hand-made snapshot, built like the one in test_views.py (canonical schema, the scales,
then ingest/views.sql on a real DuckDB file), holds one cycle per way an answer can be known:
an item's own answer, a collective answer to the whole round, one that lists the items it
answers, one that answers only a count of them, and nothing at all. Every expected value is
worked out in a comment from the rows in `_DATA`. "Today" is 2026-06-30.

Institution inst-x has a 60-day response rule and a 180-day final-report rule (both from the
handover); inst-n has no rule at all and is read from a second source, old-register.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.ingest.test_views import _build_snapshot, by_key, d, rows

AS_OF = "2026-06-30"
OLD = {"source_id": "old-register"}

ROUND_ANSWER = "c-round/2026-04-15/final"
LISTED_ANSWER = "c-listed/2025-11-15/final"
AGGREGATE_ANSWER = "c-agg/2025-07-15/final"


def _cycle(cycle_id: str, institution_id: str, **fields: Any) -> dict[str, Any]:
    return dict(cycle_id=cycle_id, institution_id=institution_id, title=cycle_id, **fields)


def _day(text: str) -> dict[str, Any]:
    return dict(handed_over_on=d(text), handed_over_on_precision="day")


def _rec(recommendation_id: str, cycle_id: str) -> dict[str, Any]:
    return dict(recommendation_id=recommendation_id, cycle_id=cycle_id, title=recommendation_id)


def _response(
    recommendation_id: str, kind: str, on: str, stance: str, label: str, **fields: Any
) -> dict[str, Any]:
    return dict(
        response_id=f"{recommendation_id}/{kind}",
        recommendation_id=recommendation_id,
        response_kind=kind,
        responded_on=d(on),
        responded_on_precision="day",
        stance=stance,
        stance_label=label,
        **fields,
    )


def _collective(cycle_id: str, on: str, kind: str, title: str, **fields: Any) -> dict[str, Any]:
    return dict(
        collective_response_id=f"{cycle_id}/{on}/{kind}",
        cycle_id=cycle_id,
        responded_on=d(on),
        responded_on_precision="day",
        response_kind=kind,
        title=title,
        **fields,
    )


def _report(cycle_id: str, status: str, count: int) -> dict[str, Any]:
    return dict(
        outcome_report_id=f"{cycle_id}/2026-01-15/{status}",
        cycle_id=cycle_id,
        reported_on=d("2026-01-15"),
        reported_by="Ministry",
        assessor="administration",
        status=status,
        count=count,
        source_url="https://example.org/outcome-report",
    )


_DATA: dict[str, list[dict[str, Any]]] = {
    "sources": [
        dict(
            source_id="fixture",
            kind="register",
            title="Fixture register",
            last_status="ok",
            last_success_at=dt.datetime(2026, 6, 30, 8, 0),
        ),
        # Read yesterday, but nothing in it is newer than May 2022.
        dict(
            source_id="old-register",
            kind="register",
            title="Old register",
            last_status="ok",
            last_success_at=dt.datetime(2026, 6, 29, 12, 0),
        ),
    ],
    "institutions": [
        dict(
            institution_id="inst-x",
            name="Ex Council",
            country="BE",
            kind="permanent_citizens_dialogue",
            languages=["de"],
            response_deadline_days=60,
            final_deadline_days=180,
        ),
        dict(
            institution_id="inst-n",
            name="No-rule Assembly",
            country="FR",
            kind="citizens_assembly",
            languages=["fr"],
            **OLD,
        ),
    ],
    "cycles": [
        # Response due 2026-01-01 + 60 = 2026-03-02 (31 to 1 Feb, 28 to 1 Mar, 1);
        # final due 2026-01-01 + 180 = 2026-06-30 (151 to 1 Jun, + 29), which is today.
        _cycle("c-item", "inst-x", declared_count=3, follow_up_complete=True, **_day("2026-01-01")),
        # Response due 2026-03-01 + 60 = 2026-04-30; final due + 180 = 2026-08-28.
        _cycle(
            "c-round", "inst-x", declared_count=2, follow_up_complete=True, **_day("2026-03-01")
        ),
        # Response due 2025-10-01 + 60 = 2025-11-30; final due + 180 = 2026-03-30. Its sources
        # are not known complete.
        _cycle("c-listed", "inst-x", declared_count=2, **_day("2025-10-01")),
        # Response due 2026-03-02 (as c-item).
        _cycle(
            "c-timely", "inst-x", declared_count=1, follow_up_complete=True, **_day("2026-01-01")
        ),
        # 97 declared, 2 items known. Response due 2025-06-01 + 60 = 2025-07-31; final due
        # + 180 = 2025-11-28 (30 to 1 Jul, 31, 31, 30, 31 to 1 Nov = 153, + 27).
        _cycle("c-agg", "inst-x", declared_count=97, follow_up_complete=True, **_day("2025-06-01")),
        # No handover date at all: the final clock has nothing to start from.
        _cycle("c-nodate", "inst-x", follow_up_complete=True),
        # Final due 2025-01-01 + 180 = 2025-06-30; the final report is only planned.
        _cycle("c-planned", "inst-x", follow_up_complete=True, **_day("2025-01-01")),
        # No rule at all, although its sources are known complete.
        _cycle(
            "n1", "inst-n", declared_count=2, follow_up_complete=True, **_day("2022-03-01"), **OLD
        ),
    ],
    "milestones": [
        dict(
            milestone_id="c-round/2026-06-15/final_report",
            cycle_id="c-round",
            occurred_on=d("2026-06-15"),
            occurred_on_precision="day",
            kind="final_report",
        ),
        # Planned, after today.
        dict(
            milestone_id="c-planned/2026-12-01/final_report",
            cycle_id="c-planned",
            occurred_on=d("2026-12-01"),
            occurred_on_precision="day",
            kind="final_report",
        ),
        dict(
            milestone_id="n1/2026-09-01/follow_up_meeting",
            cycle_id="n1",
            occurred_on=d("2026-09-01"),
            occurred_on_precision="day",
            kind="follow_up_meeting",
            **OLD,
        ),
    ],
    "recommendations": [
        _rec("own", "c-item"),
        _rec("pend", "c-item"),
        _rec("silent", "c-item"),
        _rec("round-1", "c-round"),
        _rec("round-2", "c-round"),
        _rec("listed-1", "c-listed"),
        _rec("listed-2", "c-listed"),
        _rec("timely-1", "c-timely"),
        _rec("agg-1", "c-agg"),
        _rec("agg-2", "c-agg"),
        {**_rec("n1-silent", "n1"), **OLD},
        {**_rec("n1-old", "n1"), **OLD},
    ],
    "responses": [
        _response("own", "final", "2026-02-01", "accepted", "angenommen"),
        _response("pend", "interim", "2026-02-10", "pending", "in Prüfung"),
        _response("round-2", "interim", "2026-03-10", "pending", "in Prüfung"),
        _response("agg-2", "final", "2025-07-20", "rejected", "abgelehnt"),
        {**_response("n1-old", "final", "2022-05-10", "accepted", "retenue"), **OLD},
    ],
    "collective_responses": [
        # The whole round: no list, no count, no stance.
        _collective(
            "c-round", "2026-04-15", "final", "Government answer to the round", responder="Gov"
        ),
        # Names listed-1 only, with one stance for what it lists.
        _collective(
            "c-listed",
            "2025-11-15",
            "final",
            "Answer to recommendation 1",
            recommendation_ids=["listed-1"],
            stance="accepted",
            stance_label="angenommen",
        ),
        # An interim answer to the round before the deadline, the final one after it.
        _collective("c-timely", "2026-02-15", "interim", "First answer"),
        _collective(
            "c-timely",
            "2026-05-01",
            "final",
            "Final answer",
            stance="partially_accepted",
            stance_label="teilweise angenommen",
        ),
        # Says it answers 40 of the 97, without saying which.
        _collective("c-agg", "2025-07-15", "final", "Answer on 40 of 97", covered_count=40),
    ],
    "status_events": [
        dict(
            event_id="own-1",
            recommendation_id="own",
            occurred_on=d("2026-05-01"),
            observed_at=dt.datetime(2026, 5, 2),
            status="implemented",
            assessor="administration",
        ),
    ],
    "outcome_reports": [
        # Counts 9 + 30 + 50 = 89 of the 97 declared.
        _report("c-agg", "implemented", 9),
        _report("c-agg", "in_progress", 30),
        _report("c-agg", "not_started", 50),
    ],
}


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path: Path = tmp_path_factory.mktemp("evidence") / "snapshot.duckdb"
    _build_snapshot(path, AS_OF, _DATA)
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def status(con) -> dict[str, dict]:
    return by_key(con, "recommendation_status", "recommendation_id")


def _evidence(row: dict) -> tuple:
    return (row["response_basis"], row["response_state"], row["has_response"])


# --- response basis ------------------------------------------------------------------------


def test_own_answer_is_item_evidence(status):
    own = status["own"]
    # Its own final 'accepted' of 2026-02-01.
    assert _evidence(own) == ("item", "accepted", True)
    assert (own["response_id"], own["stance"], own["response_title"]) == (
        "own/final",
        "accepted",
        None,
    )
    # 2026-01-01 -> 2026-02-01 = 31 days, before the 2026-03-02 deadline.
    assert (own["days_to_response"], own["response_timeliness"]) == (31, "on_time")


def test_round_wide_collective_answer_covers_every_item(status):
    # No recommendation_ids and no covered_count: it answers the whole round, without a stance
    # per item.
    for rec in ("round-1", "round-2"):
        row = status[rec]
        assert _evidence(row) == ("collective", "answered_collectively", True), rec
        assert (row["response_id"], row["response_title"], row["stance"]) == (
            ROUND_ANSWER,
            "Government answer to the round",
            None,
        ), rec
    # 2026-03-01 -> 2026-04-15 = 30 + 15 = 45 days, by the 2026-04-30 deadline.
    assert (status["round-1"]["days_to_response"], status["round-1"]["response_timeliness"]) == (
        45,
        "on_time",
    )


def test_a_collective_answer_outranks_an_earlier_pending_notice(status):
    # round-2 has its own 'in Prüfung' notice of 2026-03-10, and the round's answer of
    # 2026-04-15 covers it: an answer that covers it outranks a notice that none exists yet,
    # so round-2 is answered, not pending.
    row = status["round-2"]
    assert _evidence(row) == ("collective", "answered_collectively", True)
    assert row["first_responded_on"] == d("2026-04-15")


def test_listed_collective_answer_covers_only_the_items_it_names(status):
    # It lists listed-1 only, with the stance 'accepted' for what it lists.
    listed = status["listed-1"]
    assert _evidence(listed) == ("collective", "accepted", True)
    assert (listed["response_id"], listed["stance"], listed["stance_label"]) == (
        LISTED_ANSWER,
        "accepted",
        "angenommen",
    )
    # listed-2, same cycle, is not named: nothing answers it.
    assert _evidence(status["listed-2"]) == ("not_recorded", "not_recorded", None)
    assert status["listed-2"]["response_id"] is None


def test_collective_answer_for_a_count_only_is_aggregate(status):
    # "40 of 97" without ids: agg-1 may or may not be among the 40.
    agg = status["agg-1"]
    assert _evidence(agg) == ("aggregate", "in_aggregate", None)
    assert (agg["response_covered_count"], agg["response_declared_count"]) == (40, 97)
    assert agg["response_id"] == AGGREGATE_ANSWER
    # Not an answer to count a deadline against.
    assert (agg["first_responded_on"], agg["days_to_response"]) == (None, None)
    # agg-2 has its own 'rejected' answer, which wins over the aggregate one.
    assert _evidence(status["agg-2"]) == ("item", "rejected", True)
    assert status["agg-2"]["response_covered_count"] is None


def test_round_answer_of_an_aggregate_cycle(con):
    cycle = by_key(con, "cycle_indicators", "cycle_id")["c-agg"]
    # The round's collective answer covers 40 of 97: 97 - 40 = 57 not answered by it.
    assert (cycle["round_response_id"], cycle["round_response_scope"]) == (
        AGGREGATE_ANSWER,
        "aggregate",
    )
    assert (cycle["round_answered_count"], cycle["round_not_answered_count"]) == (40, 57)
    # agg-2's own answer is item evidence; agg-1 only in aggregate.
    assert cycle["round_response_basis"] == "item"
    assert (cycle["responses_item"], cycle["responses_in_aggregate"]) == (1, 1)


def test_nothing_found_is_not_recorded(status):
    silent = status["silent"]
    # Nothing found; c-item's sources are declared complete, so that means no answer (FALSE),
    # while the state still says what the record is: not recorded.
    assert _evidence(silent) == ("not_recorded", "not_recorded", False)
    assert (silent["response_id"], silent["stance"], silent["first_responded_on"]) == (
        None,
        None,
        None,
    )


def test_pending_notice_is_item_evidence_of_no_answer_yet(status):
    # pend's only record: 'in Prüfung' on 2026-02-10, no collective answer in c-item.
    pend = status["pend"]
    assert _evidence(pend) == ("item", "pending", False)
    assert (pend["response_id"], pend["stance"]) == ("pend/interim", "pending")
    assert pend["first_responded_on"] is None


# --- timeliness and overdue ----------------------------------------------------------------


def test_timeliness_counts_the_first_answer(status):
    row = status["timely-1"]
    # Shown: the final answer (a final before an interim), partially accepted on 2026-05-01,
    # after the 2026-03-02 deadline ...
    assert (row["response_kind"], row["responded_on"], row["response_state"]) == (
        "final",
        d("2026-05-01"),
        "partially_accepted",
    )
    # ... but the deadline is for the first answer, the interim one of 2026-02-15:
    # 2026-01-01 -> 2026-02-15 = 31 + 14 = 45 days, on time.
    assert (row["first_responded_on"], row["days_to_response"]) == (d("2026-02-15"), 45)
    assert (row["answered_on_time"], row["response_timeliness"]) == (True, "on_time")


def test_overdue_needs_a_rule_complete_sources_a_passed_deadline_and_no_answer(status):
    # silent: rule (60 days), c-item complete, due 2026-03-02 < today, nothing answers it.
    assert status["silent"]["response_due_on"] == d("2026-03-02")
    assert (status["silent"]["is_overdue"], status["silent"]["response_timeliness"]) == (
        True,
        "overdue",
    )
    # own: answered, so certainly not overdue.
    assert (status["own"]["is_overdue"], status["own"]["response_timeliness"]) == (
        False,
        "on_time",
    )
    # n1-silent: complete and nothing answers it, but inst-n has no rule -> cannot be known.
    assert status["n1-silent"]["response_due_on"] is None
    assert (status["n1-silent"]["is_overdue"], status["n1-silent"]["response_timeliness"]) == (
        None,
        "not_recorded",
    )
    # listed-2: rule, due 2025-11-30 long passed, nothing found, but c-listed's sources are
    # not known complete -> cannot be known.
    assert status["listed-2"]["follow_up_complete"] is False
    assert (status["listed-2"]["is_overdue"], status["listed-2"]["response_timeliness"]) == (
        None,
        "not_recorded",
    )
    # agg-1: rule, complete, due 2025-07-31 passed, but it may be among the 40 answered.
    assert (status["agg-1"]["is_overdue"], status["agg-1"]["response_timeliness"]) == (
        None,
        "not_itemised",
    )


def test_cycle_overdue_count_is_na_without_a_rule_and_zero_when_none_is_overdue(con):
    cycles = by_key(con, "cycle_indicators", "cycle_id")
    # n1: inst-n has no rule, so nothing in it can be judged overdue -> n/a.
    assert (cycles["n1"]["responses_overdue"], cycles["n1"]["overdue_decidable"]) == (None, 0)
    # c-round: complete, both items answered -> 0 of 2 decidable, a known 0.
    assert (cycles["c-round"]["responses_overdue"], cycles["c-round"]["overdue_decidable"]) == (
        0,
        2,
    )
    # c-item: own answered; pend and silent unanswered, due 2026-03-02, complete -> 2 of 3.
    assert (cycles["c-item"]["responses_overdue"], cycles["c-item"]["overdue_decidable"]) == (
        2,
        3,
    )
    institutions = by_key(con, "institution_indicators", "institution_id")
    assert institutions["inst-n"]["responses_overdue"] is None


# --- implementation ------------------------------------------------------------------------


def test_implementation_basis_and_state(status):
    # own: an 'implemented' event of its own.
    own = status["own"]
    assert (own["implementation_basis"], own["implementation_state"], own["status"]) == (
        "item",
        "implemented",
        "implemented",
    )
    # agg-1: no event, but c-agg's outcome report of 2026-01-15 counts the round.
    agg = status["agg-1"]
    assert (agg["implementation_basis"], agg["implementation_state"], agg["status"]) == (
        "aggregate",
        "in_aggregate",
        None,
    )
    assert (agg["report_reported_on"], agg["report_source_url"]) == (
        d("2026-01-15"),
        "https://example.org/outcome-report",
    )
    # silent: no event and c-item has no report.
    silent = status["silent"]
    assert (silent["implementation_basis"], silent["implementation_state"]) == (
        "not_recorded",
        "not_recorded",
    )
    assert (silent["status"], silent["report_reported_on"]) == (None, None)


def test_report_share_is_over_the_declared_count(con):
    cycle = by_key(con, "cycle_indicators", "cycle_id")["c-agg"]
    assert cycle["implementation_basis"] == "outcome_report"
    # The report counts 9 + 30 + 50 = 89 of the 97 declared: 97 - 89 = 8 unaccounted, and the
    # share is 9 / 97, not 9 / 89.
    assert (cycle["report_total"], cycle["report_denominator"]) == (89, 97)
    assert cycle["report_unaccounted"] == 8
    assert cycle["report_coverage"] == pytest.approx(89 / 97)
    assert cycle["report_implementation_rate"] == pytest.approx(9 / 97)
    assert (cycle["implementation_rate"], cycle["implementation_denominator"]) == (
        pytest.approx(9 / 97),
        97,
    )
    # The 2 items known have no status of their own: both in aggregate.
    assert (cycle["n_status_in_aggregate"], cycle["n_status_not_recorded"]) == (2, 0)
    inst = by_key(con, "institution_indicators", "institution_id")["inst-x"]
    assert (inst["report_denominator"], inst["report_unaccounted"]) == (97, 8)
    assert inst["report_implementation_rate"] == pytest.approx(9 / 97)


def test_implementation_mix_shows_the_unaccounted_as_not_recorded(con):
    got = con.execute(
        "SELECT basis, status, status_order, count FROM implementation_mix "
        "WHERE cycle_id = 'c-agg' ORDER BY status_order"
    ).fetchall()
    # The report's own counts, then the 97 - 89 = 8 it does not account for; 50 + 30 + 9 + 8
    # = 97, the declared count.
    assert got == [
        ("outcome_report", "not_started", 1, 50),
        ("outcome_report", "in_progress", 2, 30),
        ("outcome_report", "implemented", 4, 9),
        ("outcome_report", "not_recorded", 8, 8),
    ]


# --- final deadline ------------------------------------------------------------------------


def test_final_deadline_verdicts(con):
    final = by_key(con, "cycle_final_deadline", "cycle_id")
    # c-agg: due 2025-11-28, nothing received, sources complete -> overdue.
    assert (final["c-agg"]["final_due_on"], final["c-agg"]["final_timeliness"]) == (
        d("2025-11-28"),
        "overdue",
    )
    # c-listed: due 2026-03-30, nothing received, but its sources are not known complete.
    assert (final["c-listed"]["final_due_on"], final["c-listed"]["final_timeliness"]) == (
        d("2026-03-30"),
        "not_recorded",
    )
    # c-nodate: a rule but no handover to count from.
    assert (final["c-nodate"]["final_due_on"], final["c-nodate"]["final_timeliness"]) == (
        None,
        "no_date",
    )
    # c-round: final report 2026-06-15, due 2026-08-28 -> on time.
    assert (final["c-round"]["received_on"], final["c-round"]["final_timeliness"]) == (
        d("2026-06-15"),
        "on_time",
    )
    # c-item: due 2026-06-30, today: not passed yet, complete -> awaiting.
    assert (final["c-item"]["final_due_on"], final["c-item"]["final_timeliness"]) == (
        d("2026-06-30"),
        "awaiting",
    )
    # n1: inst-n has no final rule.
    assert (final["n1"]["final_deadline_days"], final["n1"]["final_timeliness"]) == (
        None,
        "not_recorded",
    )


def test_a_planned_final_report_is_not_received(con):
    planned = by_key(con, "cycle_final_deadline", "cycle_id")["c-planned"]
    # Due 2025-06-30, complete; its final report is only planned for 2026-12-01 -> nothing
    # received yet, overdue.
    assert (planned["final_due_on"], planned["received_on"]) == (d("2025-06-30"), None)
    assert planned["final_timeliness"] == "overdue"


# --- freshness -----------------------------------------------------------------------------


def test_freshness_counts_from_the_latest_fact_not_the_ingest(con):
    fresh = by_key(con, "source_freshness", "source_id")
    old = fresh["old-register"]
    # Read 2026-06-29: 1 day ago ...
    assert old["days_since_success"] == 1
    # ... but its latest fact is n1-old's answer of 2022-05-10 (the meeting planned for
    # 2026-09-01 is not a fact yet): 4 years to 2026-05-10 = 365 * 4 + 1 (29 Feb 2024) = 1461,
    # + 21 (to 31 May) + 30 = 1512 days.
    assert (old["latest_fact_on"], old["days_since_fact"]) == (d("2022-05-10"), 1512)
    # fixture: the latest past fact is c-round's final report of 2026-06-15 (c-planned's
    # 2026-12-01 is ahead): 15 days.
    assert (fresh["fixture"]["latest_fact_on"], fresh["fixture"]["days_since_fact"]) == (
        d("2026-06-15"),
        15,
    )


# --- the answers listed for one recommendation ----------------------------------------------


def test_recommendation_responses_include_the_covering_collective_answer(con):
    def answers(rec: str) -> list[tuple]:
        return [
            (
                r["basis"],
                r["response_kind"],
                r["title"],
                r["responded_on"],
                r["stance"],
                r["covered_count"],
                r["declared_count"],
            )
            for r in rows(
                con,
                "SELECT * FROM recommendation_responses WHERE recommendation_id = ? "
                "ORDER BY responded_on",
                [rec],
            )
        ]

    assert answers("listed-1") == [
        (
            "collective",
            "final",
            "Answer to recommendation 1",
            d("2025-11-15"),
            "accepted",
            None,
            None,
        )
    ]
    # Not named by the listed answer: nothing.
    assert answers("listed-2") == []
    # Its own pending notice and the round's answer.
    assert answers("round-2") == [
        ("item", "interim", None, d("2026-03-10"), "pending", None, None),
        (
            "collective",
            "final",
            "Government answer to the round",
            d("2026-04-15"),
            None,
            None,
            None,
        ),
    ]
    # Its own answer, and the count-only one that may cover it (40 of 97).
    assert answers("agg-2") == [
        ("aggregate", "final", "Answer on 40 of 97", d("2025-07-15"), None, 40, 97),
        ("item", "final", None, d("2025-07-20"), "rejected", None, None),
    ]


def test_recommendation_timeline_includes_the_covering_collective_answers(con):
    got = con.execute(
        "SELECT on_date, kind, value, label, state FROM recommendation_timeline "
        "WHERE recommendation_id = 'timely-1' ORDER BY on_date"
    ).fetchall()
    # Both answers to c-timely's round, each under its own title.
    assert got == [
        (
            d("2026-02-15"),
            "collective_response",
            "answered_collectively",
            "First answer",
            "current",
        ),
        (d("2026-05-01"), "collective_response", "partially_accepted", "Final answer", "current"),
    ]
    # agg-1: the count-only answer is marked as such.
    agg = con.execute(
        "SELECT on_date, kind, label FROM recommendation_timeline WHERE recommendation_id = ?",
        ["agg-1"],
    ).fetchall()
    assert agg == [(d("2025-07-15"), "aggregate_response", "Answer on 40 of 97")]
    # listed-2 is not named: nothing in its timeline.
    assert (
        con.execute(
            "SELECT count(*) FROM recommendation_timeline WHERE recommendation_id = 'listed-2'"
        ).fetchone()[0]
        == 0
    )
