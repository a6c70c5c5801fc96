"""Briefings (PDF, Markdown, command line, page) carry the snapshot's own figures."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from dashboard.briefing import Scope, ScopeError, build, markdown, pdf
from tests.dashboard.app_driver import assert_no_exception, open_page, texts
from tests.dashboard.snapshot_build import REPO_ROOT

BRUSSELS = "bxl-parlement-bruxellois"
CLIMATE = "bxl-assemblee-climat"


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _briefing(snapshot: Path, **scope: object):  # type: ignore[no-untyped-def]
    return build(str(snapshot), snapshot.name, Scope(**scope))  # type: ignore[arg-type]


def test_headline_figures_are_the_institution_view_with_their_counts(
    built_snapshot: Path, query: Callable[..., list[tuple]]
) -> None:
    ((known, decidable, rate, item, collective, aggregate, not_recorded),) = query(
        """
        SELECT responses_known, responses_decidable, response_rate, responses_item,
               responses_collective, responses_in_aggregate, responses_not_recorded
        FROM institution_indicators WHERE institution_id = ?
        """,
        [BRUSSELS],
    )
    briefing = _briefing(built_snapshot, institution_id=BRUSSELS)
    answered = briefing.figures[1]
    assert (answered.numerator, answered.denominator, answered.n) == (known, decidable, decidable)
    assert answered.value == f"{rate:.0%}"
    assert f"collective response {collective}" in answered.basis
    assert f"aggregate only {aggregate}" in answered.basis
    assert (
        f"not recorded {not_recorded}" in answered.basis and f"item record {item}" in answered.basis
    )
    # The overdue count is not knowable here (no deadline rule with complete sources): n/a.
    overdue = briefing.figures[3]
    assert overdue.value == "n/a" and overdue.numerator is None


def test_a_rate_on_fewer_than_five_is_flagged_small_n(built_snapshot: Path) -> None:
    briefing = _briefing(built_snapshot, institution_id=BRUSSELS)
    items = next(f for f in briefing.figures if f.label.startswith("Implemented, of items"))
    assert items.denominator == 2 and items.small_n
    assert "| 0% \\(small n\\) |" in markdown.render(briefing)


def test_cycle_scope_uses_the_cycle_view(
    built_snapshot: Path, query: Callable[..., list[tuple]]
) -> None:
    ((items, declared),) = query(
        "SELECT items_known, declared_count FROM cycle_indicators WHERE cycle_id = ?",
        ["bxl-prb-2021-5g"],
    )
    briefing = _briefing(built_snapshot, institution_id=BRUSSELS, cycle_id="bxl-prb-2021-5g")
    coverage = briefing.figures[0]
    assert (coverage.numerator, coverage.denominator) == (items, declared)
    assert len(briefing.recommendations) == items
    assert {row["cycle_id"] for row in briefing.recommendations} == {"bxl-prb-2021-5g"}


def test_committee_scope_lists_only_its_recommendations(
    built_snapshot: Path, query: Callable[..., list[tuple]]
) -> None:
    committee = "Commission du Logement"
    ((count,),) = query(
        "SELECT count(*) FROM recommendation_status WHERE institution_id = ? AND addressee = ?",
        [BRUSSELS, committee],
    )
    briefing = _briefing(built_snapshot, institution_id=BRUSSELS, addressee=committee)
    assert count > 0 and len(briefing.recommendations) == count
    assert {row["addressee"] for row in briefing.recommendations} == {committee}
    assert any(committee in line for line in briefing.scope_lines)


def test_what_changed_defaults_to_the_last_follow_up_meeting(
    built_snapshot: Path, query: Callable[..., list[tuple]]
) -> None:
    ((meeting,),) = query(
        """
        SELECT max(m.occurred_on) FROM current_milestones AS m
        JOIN current_cycles AS c USING (cycle_id)
        WHERE c.institution_id = ? AND m.kind = 'follow_up_meeting'
        """,
        [BRUSSELS],
    )
    briefing = _briefing(built_snapshot, institution_id=BRUSSELS)
    assert briefing.since == meeting
    assert briefing.changes, "the bundled data has events after the last follow-up meeting"
    assert all(meeting <= change["on_date"] <= briefing.until for change in briefing.changes)


def test_what_changed_without_a_meeting_looks_back_ninety_days(built_snapshot: Path) -> None:
    briefing = _briefing(built_snapshot, institution_id=CLIMATE)
    assert (briefing.until - briefing.since).days == 90


def test_waiting_longest_puts_the_longest_wait_first_and_unknown_waits_last(
    built_snapshot: Path,
) -> None:
    waiting = _briefing(built_snapshot, institution_id=BRUSSELS).waiting
    days = [row["days_since_last_event"] for row in waiting]
    known = [d for d in days if d is not None]
    assert known == sorted(known, reverse=True)
    assert days[: len(known)] == known
    assert all(row["implementation_state"] not in ("implemented", "abandoned") for row in waiting)


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({"institution_id": "no-such-place"}, 'No institution with id "no-such-place"'),
        ({"institution_id": BRUSSELS, "cycle_id": "milano-2024"}, 'No cycle with id "milano-2024"'),
        ({"institution_id": BRUSSELS, "addressee": "Nobody"}, 'addressed to "Nobody"'),
        (
            {"institution_id": BRUSSELS, "since": date(2025, 2, 1), "until": date(2025, 1, 1)},
            "The period is empty",
        ),
        ({"institution_id": BRUSSELS, "since": date(2099, 1, 1)}, "after the snapshot's"),
    ],
)
def test_a_scope_the_snapshot_cannot_answer_says_why(
    built_snapshot: Path, scope: dict, message: str
) -> None:
    with pytest.raises(ScopeError, match=message):
        _briefing(built_snapshot, **scope)


def test_the_pdf_shows_the_figures_changes_charts_and_citation(built_snapshot: Path) -> None:
    briefing = _briefing(built_snapshot, institution_id=BRUSSELS)
    data = pdf.render(briefing)
    assert data.startswith(b"%PDF")
    said = _pdf_text(data)
    squashed = " ".join(said.split())
    assert "Headline figures" in said and "What changed" in said and "Waiting longest" in said
    assert f"Uptake snapshot {built_snapshot.name}" in squashed
    # The charts are in the PDF as vector drawings, with their own caption text.
    assert "Response state of each recommendation" in squashed
    assert f"n = {len(briefing.recommendations)} recommendations" in squashed
    first = briefing.recommendations[0]["title"]
    assert " ".join(first.split()) in squashed


def test_register_text_is_printed_as_written_not_run_as_typst(built_snapshot: Path) -> None:
    """A title holding Typst markup and code prints literally; it cannot change the layout."""
    briefing = _briefing(built_snapshot, institution_id=BRUSSELS, cycle_id="bxl-prb-2021-5g")
    hostile = '#set page(width: 2cm) *bold* _it_ $x$ ] "quote" \\ @ref <label>'
    briefing.recommendations[0]["title"] = hostile
    said = " ".join(_pdf_text(pdf.render(briefing)).split())
    assert "#set page(width: 2cm) *bold* _it_ $x$" in said
    md = markdown.render(briefing)
    assert "\\#set page\\(width\\: 2cm\\) \\*bold\\* \\_it\\_ \\$x\\$" in md


def test_markdown_briefing_lists_every_recommendation_with_sources(built_snapshot: Path) -> None:
    briefing = _briefing(built_snapshot, institution_id=CLIMATE)
    md = markdown.render(briefing)
    for row in briefing.recommendations:
        assert markdown.cell(row["title"]) in md
        assert f"(<{row['source_url']}>)" in md
    assert md.rstrip().endswith(f"*{markdown.cell(briefing.citation)}*")


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard.briefing", "--data-dir", str(data_dir), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_command_line_writes_the_pdf_and_markdown(built_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "brussels.pdf"
    done = _cli(built_dir, "--institution", BRUSSELS, "--format", "pdf", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Commission" in _pdf_text(out.read_bytes())
    md = tmp_path / "brussels.md"
    done = _cli(
        built_dir,
        "--institution",
        BRUSSELS,
        "--since",
        "2020-01-01",
        "--format",
        "md",
        "--out",
        str(md),
    )
    assert done.returncode == 0, done.stderr
    assert "1 Jan 2020 to" in md.read_text(encoding="utf-8")


def test_command_line_refuses_a_bad_scope_and_writes_nothing(
    built_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "none.md"
    done = _cli(built_dir, "--institution", "nowhere", "--format", "md", "--out", str(out))
    assert done.returncode == 2
    assert 'No institution with id "nowhere"' in done.stderr
    assert not out.exists()
    done = _cli(
        built_dir,
        "--institution",
        BRUSSELS,
        "--since",
        "2024-13-01",
        "--format",
        "md",
        "--out",
        str(out),
    )
    assert done.returncode == 2 and "not a date" in done.stderr


def test_briefing_page_shows_the_briefing_with_downloads(data_dir: Path) -> None:
    app = open_page("briefing")
    assert_no_exception(app)
    said = texts(app)
    assert "Headline figures" in said and "Uptake snapshot" in said
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels[:2] == ["Download PDF", "Download Markdown"]
    assert {"SVG", "PNG"} <= set(labels[2:]), "every chart downloads as SVG and PNG"


def test_the_briefing_scope_travels_in_the_address(data_dir: Path) -> None:
    """A clerk sends the link of the briefing on screen; whoever opens it gets the same one."""
    params = {
        "institution": BRUSSELS,
        "addressee": "Commission du Logement",
        "since": "2025-01-01",
        "until": "2026-06-30",
    }
    app = open_page("briefing", params)
    assert_no_exception(app)
    assert app.selectbox(key="brief_inst").value == BRUSSELS
    assert app.selectbox(key=f"brief_addressee_{BRUSSELS}").value == "Commission du Logement"
    assert app.date_input(key=f"brief_since_{BRUSSELS}").value == date(2025, 1, 1)
    assert app.date_input(key="brief_until").value == date(2026, 6, 30)
    assert not app.warning, [w.value for w in app.warning]
    assert app.query_params == params
    # Choosing another scope on the page puts it in the address.
    app.selectbox(key="brief_inst").set_value(CLIMATE).run()
    assert app.query_params["institution"] == CLIMATE


def test_a_briefing_link_with_bad_values_says_what_it_ignored(data_dir: Path) -> None:
    app = open_page(
        "briefing", {"institution": BRUSSELS, "cycle": "no-such-cycle", "since": "yesterday"}
    )
    assert_no_exception(app)
    said = texts(app)
    assert "no-such-cycle" in said and "yesterday" in said
    assert app.selectbox(key="brief_inst").value == BRUSSELS
    cycle = app.selectbox(key=f"brief_cycle_{BRUSSELS}")
    # The menu shows its first option, "All cycles", not an empty choice set from the link.
    assert cycle.value is None and cycle.proto.default == 0 and not cycle.proto.set_value
    assert "cycle" not in app.query_params
