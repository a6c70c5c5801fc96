"""Meeting list: a clerk's table of every recommendation with its days waiting, as XLSX and
in a print layout that drops the app's chrome and fits the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import exports, formats, queries, state, ui
from dashboard.messages import plain, t

# Print layout: no menus, widgets or buttons; the table over the page's full width, landscape.
PRINT_CSS = """
<style>
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  header, [data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stStatusWidget"], [data-testid="stSelectbox"],
  [data-testid="stDownloadButton"], [data-testid="stTopNavLinkContainer"], nav,
  .stDownloadButton, .stSelectbox { display: none !important; }
  [data-testid="stMainBlockContainer"], .block-container { max-width: 100% !important;
    padding: 0 !important; }
  [data-testid="stTable"] table { font-size: 8pt; width: 100%; }
  [data-testid="stTable"] tr { break-inside: avoid; }
}
</style>
"""

SORTS = {
    "days": "meeting.sort_days",
    "number": "meeting.sort_number",
    "last_event": "meeting.sort_last_event",
}


def _sorted(frame: pl.DataFrame, order: str) -> pl.DataFrame:
    c = "meeting.column"
    if order == "days":
        return frame  # exports.meeting_list already puts the longest wait first
    if order == "last_event":
        return frame.sort(t(f"{c}.last_event"), nulls_last=True, maintain_order=True)
    return frame.sort([t(f"{c}.cycle"), t(f"{c}.number")], nulls_last=True, maintain_order=True)


def render() -> None:
    st.html(PRINT_CSS)
    st.title(t("meeting.page_title"))
    st.caption(t("meeting.intro"))
    path = state.snapshot_path()
    facts = queries.snapshot_facts(path)
    institutions = queries.institutions(path)
    names = dict(zip(institutions["institution_id"], institutions["name"], strict=True))
    left, middle, right = st.columns(3)
    institution = left.selectbox(
        t("briefing.institution"), list(names), format_func=names.__getitem__, key="meet_inst"
    )
    addressee = middle.selectbox(
        t("briefing.addressee"),
        [None, *queries.addressees(path, institution)],
        format_func=lambda value: t("briefing.all_addressees") if value is None else value,
        key=f"meet_addressee_{institution}",
    )
    order = right.selectbox(
        t("meeting.sort"), list(SORTS), format_func=lambda key: t(SORTS[key]), key="meet_sort"
    )
    rows = queries.briefing_recommendations(path, institution, None, addressee)
    frame = exports.meeting_list(rows, exports.app_root(st.context.url))
    scope = names[institution] + (f" — {addressee}" if addressee else "")
    st.subheader(ui.escape_markdown(scope))
    if frame.is_empty():
        st.info(t("meeting.empty"))
        return

    def notes(message: Callable[..., str]) -> list[str]:
        """The notes under the table, made by `t` for the page (Markdown, register text
        escaped) or by `plain` for the spreadsheet (text as written)."""
        return [
            message("meeting.note_scope", scope=scope),
            message("meeting.note_days", as_of=formats.day(facts["as_of"])),
            message(
                "briefing.citation",
                snapshot=Path(path).name,
                built=formats.moment(facts.get("built_at")),
            ),
        ]

    st.download_button(
        t("meeting.download"),
        data=lambda: exports.meeting_list_xlsx(frame, notes(plain)),
        file_name=f"meeting-list-{institution}.xlsx",
        mime=exports.MIME_TYPES["xlsx"],
        on_click="ignore",
    )
    st.caption(t("meeting.count", n=frame.height))
    c = "meeting.column"
    shown = [
        t(f"{c}.number"),
        t(f"{c}.title"),
        t(f"{c}.addressee"),
        t(f"{c}.days_waiting"),
        t(f"{c}.last_event"),
        t(f"{c}.response"),
        t(f"{c}.responded_on"),
        t(f"{c}.status"),
        t(f"{c}.status_on"),
    ]
    # A static table prints every row (an interactive grid prints only what is on screen).
    st.table(ui.static_table_text(_sorted(frame, order).select(shown)))
    for note in notes(t)[1:]:
        st.caption(note)


render()
