"""The clerk's meeting list: an XLSX a committee can use, and a page that sorts and prints."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl

from dashboard import exports, queries
from dashboard.messages import t
from tests.dashboard.app_driver import assert_no_exception, open_page, texts

CLIMATE = "bxl-assemblee-climat"
HEADINGS = [
    "Recommendation ID",
    "Permalink",
    "Cycle",
    "No.",
    "Recommendation",
    "Addressee",
    "Days waiting",
    "Last dated event",
    "Last event date precision",
    "Response",
    "Response basis",
    "Answered on",
    "Response text",
    "Response source",
    "Status",
    "Status basis",
    "Status on",
    "Status source",
    "Recommendation source",
]


def _workbook(snapshot: Path, institution: str) -> openpyxl.Workbook:
    rows = queries.briefing_recommendations(str(snapshot), institution)
    frame = exports.meeting_list(rows, "https://uptake.example")
    data = exports.meeting_list_xlsx(frame, ["Scope: test", "a second note"])
    return openpyxl.load_workbook(io.BytesIO(data))


def test_climate_assembly_meeting_list_holds_every_recommendation_as_the_snapshot_says(
    built_snapshot: Path, query: Callable[..., list[tuple]]
) -> None:
    expected = {
        rec_id: (days, last_event, response_source, body, state)
        for rec_id, days, last_event, response_source, body, state in query(
            """
            SELECT recommendation_id, days_since_last_event, last_event_on,
                   response_source_url, response_body, implementation_state
            FROM recommendation_status WHERE institution_id = ?
            """,
            [CLIMATE],
        )
    }
    sheet = _workbook(built_snapshot, CLIMATE).active
    assert sheet.title == "Meeting list"
    assert sheet["A1"].value == "Scope: test"
    header = [cell.value for cell in sheet[4]]
    assert header == HEADINGS
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(5)]
    assert {row["Recommendation ID"] for row in rows} == set(expected)
    for row in rows:
        days, last_event, response_source, body, state = expected[row["Recommendation ID"]]
        assert row["Status"] == t(f"scale.implementation_state.{state}")
        assert row["Days waiting"] == days
        assert row["Last dated event"] == datetime(
            last_event.year, last_event.month, last_event.day
        )
        assert row["Response source"] == response_source
        assert row["Response text"] == body
        assert row["Permalink"] == (
            f"https://uptake.example/explorer?rec={row['Recommendation ID']}&lang=en"
        )
    statuses = {row["Status"] for row in rows}
    assert "Not recorded" in statuses and "Implemented" in statuses
    # Longest wait first.
    waits = [row["Days waiting"] for row in rows]
    assert waits == sorted(waits, reverse=True)


def test_sources_are_links_and_dates_are_dates(built_snapshot: Path) -> None:
    sheet = _workbook(built_snapshot, CLIMATE).active
    header = [cell.value for cell in sheet[4]]
    source = sheet.cell(5, header.index("Recommendation source") + 1)
    assert source.hyperlink is not None and source.hyperlink.target == source.value
    assert sheet.cell(5, header.index("Last dated event") + 1).is_date
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref.startswith("A4:")


def test_text_that_looks_like_a_formula_stays_text() -> None:
    frame = pl.DataFrame({"Response text": ['=HYPERLINK("http://evil")', "+1", None]})
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(frame))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK")
    assert sheet["A4"].value is None


def test_days_waiting_is_blank_not_zero_when_no_dated_event_is_recorded(
    built_snapshot: Path,
) -> None:
    """Every bundled recommendation has a dated event, so two rows lose theirs here."""
    rows = queries.briefing_recommendations(str(built_snapshot), CLIMATE).with_row_index()
    rows = rows.with_columns(
        pl.when(pl.col("index") < 2)
        .then(None)
        .otherwise(pl.col("days_since_last_event"))
        .alias("days_since_last_event")
    ).drop("index")
    frame = exports.meeting_list(rows, "")
    sheet = openpyxl.load_workbook(io.BytesIO(exports.meeting_list_xlsx(frame, []))).active
    header = [cell.value for cell in sheet[1]]
    days = [row[header.index("Days waiting")].value for row in sheet.iter_rows(2)]
    assert days[-2:] == [None, None], "unknown waits are blank and listed last"
    assert 0 not in days
    assert sheet.cell(2, header.index("Permalink") + 1).value.startswith("/explorer?rec=")


def test_meeting_list_page_shows_a_printable_table_and_the_download(data_dir: Path) -> None:
    app = open_page("meeting_list")
    assert_no_exception(app)
    assert app.table, "a static table, so printing shows every row"
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["Download XLSX"]
    said = texts(app)
    assert "blank when no such event is recorded" in said
    assert any("@media print" in str(element.proto) for element in app.get("html"))


def test_the_printed_table_says_not_recorded_for_every_gap(data_dir: Path) -> None:
    """st.table would print a missing number as "NaN" and a missing text as "None": the
    printable list writes "not recorded" in every empty cell instead."""
    app = open_page("meeting_list")
    assert_no_exception(app)
    table = app.table[0].value
    cells = [str(value) for column in table.columns for value in table[column]]
    assert not [cell for cell in cells if cell in ("None", "nan", "NaN", "<NA>")]
    numbers = list(table[t("meeting.column.number")])
    assert "not recorded" in numbers, "the bundled list has a recommendation with no number"
