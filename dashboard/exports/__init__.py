"""Tables as files: CSV, XLSX, Parquet and JSON, and the clerk's meeting list.

Every export is a view's rows as they are, with tidy column names; a rate always travels with
its numerator, denominator, n and basis (the views give them side by side), so a downloaded
table can be checked without the app. Workbooks are written with XlsxWriter so a clerk gets
real headings, dates as dates, and clickable sources.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import polars as pl

from dashboard.messages import t
from dashboard.permalinks import with_language

if TYPE_CHECKING:
    import xlsxwriter

FORMATS = ("csv", "xlsx", "parquet", "json")
MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
}
# Excel's limit on the characters of one cell; longer response texts are cut with a mark.
XLSX_CELL_LIMIT = 32_767
_MAX_COLUMN_WIDTH = 60


def app_root(page_url: str | None) -> str:
    """The app's address (scheme and host) from the current page's URL; '' when unknown, so a
    permalink stays a relative link."""
    if not page_url:
        return ""
    parts = urlsplit(page_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def permalink(root: str, recommendation_id: str) -> str:
    """The address of one recommendation's page (the explorer opened on it)."""
    return with_language(f"{root}/explorer?rec={recommendation_id}")


# --- any table ------------------------------------------------------------------------------


def to_csv(frame: pl.DataFrame) -> bytes:
    return _flat(frame).write_csv().encode("utf-8")


def to_parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def to_json(frame: pl.DataFrame) -> bytes:
    """Records as a JSON array; dates as ISO text, missing values as null (never 0)."""
    return json.dumps(frame.to_dicts(), ensure_ascii=False, default=_iso, indent=1).encode()


def to_xlsx(frame: pl.DataFrame, sheet: str = "data", notes: list[str] | None = None) -> bytes:
    """One sheet: notes (citation, scope) above a header row with filters and frozen panes;
    dates as Excel dates, URLs as links."""
    # Imported here: every page shows download buttons, but a workbook is only written when
    # one is clicked, and the first page run should not wait for the import.
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    _write_sheet(workbook, frame, sheet[:31], notes or [])
    workbook.close()
    return buffer.getvalue()


def export(frame: pl.DataFrame, fmt: str, sheet: str = "data") -> bytes:
    """The frame in one of FORMATS."""
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "xlsx":
        return to_xlsx(frame, sheet)
    if fmt == "parquet":
        return to_parquet(frame)
    if fmt == "json":
        return to_json(frame)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def download_buttons(frame: pl.DataFrame, name: str, key: str) -> None:
    """One download button per format for a table the page shows. Pages call this below the
    table; files are made only when clicked."""
    import streamlit as st

    # One horizontal row, not st.columns: the same buttons side by side (wrapping on a phone)
    # in one layout block instead of five, which every rerun would otherwise send again.
    row = st.container(horizontal=True, gap="small")
    for fmt in FORMATS:
        row.download_button(
            t("exports.download", format=fmt.upper()),
            data=lambda fmt=fmt: export(frame, fmt, name),
            file_name=f"{name}.{fmt}",
            mime=MIME_TYPES[fmt],
            key=f"{key}_{fmt}",
            on_click="ignore",
        )


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists and structs (which CSV cannot hold) as JSON text."""
    nested = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List | pl.Struct | pl.Array)
    ]
    if not nested:
        return frame
    return frame.with_columns(
        pl.col(name).map_elements(
            lambda value: json.dumps(_plain(value), ensure_ascii=False, default=_iso),
            return_dtype=pl.String,
        )
        for name in nested
    )


def _plain(value: Any) -> Any:
    return value.to_list() if isinstance(value, pl.Series) else value


def _write_sheet(
    workbook: xlsxwriter.Workbook, frame: pl.DataFrame, name: str, notes: list[str]
) -> None:
    sheet = workbook.add_worksheet(name)
    bold = workbook.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EEEEEE", "border": 1}
    )
    day = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    top = workbook.add_format({"valign": "top"})
    for row, note in enumerate(notes):
        sheet.write_string(row, 0, note)
    header_row = len(notes) + (1 if notes else 0)
    flat = _flat(frame)
    for col, name_ in enumerate(flat.columns):
        sheet.write_string(header_row, col, name_, bold)
        width = len(name_) + 2
        for offset, value in enumerate(flat[name_].to_list(), start=1):
            row = header_row + offset
            width = max(width, min(_MAX_COLUMN_WIDTH, len(str(value or "")) + 2))
            _write_cell(sheet, row, col, value, day=day, stamp=stamp, wrap=wrap, top=top)
        sheet.set_column(col, col, min(width, _MAX_COLUMN_WIDTH))
    sheet.freeze_panes(header_row + 1, 0)
    if flat.height:
        sheet.autofilter(header_row, 0, header_row + flat.height, len(flat.columns) - 1)


def _write_cell(sheet: Any, row: int, col: int, value: object, **formats: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, formats["stamp"])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), formats["day"])
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        text = str(value)
        if text.startswith(("http://", "https://")) and len(text) < 2080 and " " not in text:
            sheet.write_url(row, col, text, string=text)
        else:
            if len(text) > XLSX_CELL_LIMIT:
                text = text[: XLSX_CELL_LIMIT - 1] + "…"
            # write_string, never write(): a text starting with "=" stays text, not a formula.
            sheet.write_string(
                row, col, text, formats["wrap"] if len(text) > 60 else formats["top"]
            )


# --- the clerk's meeting list ---------------------------------------------------------------


def meeting_list(recommendations: pl.DataFrame, root: str) -> pl.DataFrame:
    """Every recommendation of the scope, one row each, in words a committee reads, longest
    wait first; days waiting is blank (not 0) when no day-precise event is recorded."""
    c = "meeting.column"
    rows = []
    for row in recommendations.iter_rows(named=True):
        rows.append(
            {
                t(f"{c}.id"): row["recommendation_id"],
                t(f"{c}.permalink"): permalink(root, row["recommendation_id"]),
                t(f"{c}.cycle"): row["cycle_title"],
                t(f"{c}.number"): row["number"],
                t(f"{c}.title"): row["title"],
                t(f"{c}.addressee"): row["addressee"],
                t(f"{c}.days_waiting"): row["days_since_last_event"],
                t(f"{c}.last_event"): row["last_event_on"],
                t(f"{c}.last_event_precision"): row["last_event_on_precision"],
                t(f"{c}.response"): t(f"scale.response_state.{row['response_state']}"),
                t(f"{c}.response_basis"): t(f"briefing.evidence.{row['response_basis']}"),
                t(f"{c}.responded_on"): row["responded_on"],
                t(f"{c}.response_text"): row["response_body"],
                t(f"{c}.response_source"): row["response_source_url"],
                t(f"{c}.status"): t(f"scale.implementation_state.{row['implementation_state']}"),
                t(f"{c}.status_basis"): t(f"briefing.evidence.{row['implementation_basis']}"),
                t(f"{c}.status_on"): row["status_on"],
                t(f"{c}.status_source"): row["status_source_url"],
                t(f"{c}.source"): row["source_url"],
            }
        )
    days = t(f"{c}.days_waiting")
    frame = pl.DataFrame(rows, strict=False, infer_schema_length=None)
    if frame.is_empty():
        return frame
    return frame.sort(days, descending=True, nulls_last=True, maintain_order=True)


def meeting_list_xlsx(frame: pl.DataFrame, notes: list[str]) -> bytes:
    return to_xlsx(frame, t("meeting.sheet"), notes)
