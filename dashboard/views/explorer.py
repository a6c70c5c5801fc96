"""Recommendation explorer: search and filter every recommendation, open one in full.

Every filter state and every opened recommendation is mirrored in the URL, so a clerk can
paste the exact view into a committee note and a citizen can share one recommendation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import polars as pl
import streamlit as st

from dashboard import detail, exports, page_data, permalinks, queries, state, ui
from dashboard.messages import current_language, label, plain, t
from dashboard.permalinks import with_language

FILTER_KEYS = ("institution", "cycle", "theme", "stance", "status", "assessor")
FLAG_KEYS = ("overdue", "stale")
TEXT_KEY = "q"
RECOMMENDATION_KEY = "rec"
WIDGET = {key: f"explorer_{key}" for key in (*FILTER_KEYS, *FLAG_KEYS, TEXT_KEY)}
OPEN_KEY = "explorer_open_recommendation"
LAST_URL_KEY = "explorer_last_url"
TABLE_GENERATION_KEY = "explorer_table_generation"
LAST_SELECTION_KEY = "explorer_last_selection"
# Rows sent to the table at most: a browser table of 100 000 rows is megabytes of Arrow and
# nobody scrolls it; the count above the table stays exact and says how to narrow it down.
MAX_TABLE_ROWS = 500


def _choices(snapshot_path: str) -> dict[str, dict[str, str]]:
    """Allowed values per filter, each with the label shown in its widget (made once per
    snapshot and language: the cycle filter alone has thousands at Europe scale)."""
    return page_data.explorer_choices(snapshot_path, current_language())


def _apply_url(snapshot_path: str, choices: dict[str, dict[str, str]]) -> list[str]:
    """When the URL changed from outside (first load, a pasted link, back/forward), copy it
    into the widgets; returns the notices for values that were ignored."""
    raw = permalinks.current(st.query_params)
    if raw == st.session_state.get(LAST_URL_KEY):
        return st.session_state.get("explorer_notices", [])
    parsed = permalinks.parse(
        raw,
        choices={
            **{key: choices[key].keys() for key in FILTER_KEYS},
            # Only the ids the link names are looked up: no set of every id is held in memory.
            RECOMMENDATION_KEY: [
                value
                for value in raw.get(RECOMMENDATION_KEY, [])
                if queries.recommendation_exists(snapshot_path, value)
            ],
        },
        texts=(TEXT_KEY,),
        flags=FLAG_KEYS,
    )
    for key in FILTER_KEYS:
        st.session_state[WIDGET[key]] = parsed.lists.get(key, [])
    for key in FLAG_KEYS:
        st.session_state[WIDGET[key]] = parsed.flags.get(key, False)
    st.session_state[WIDGET[TEXT_KEY]] = parsed.texts.get(TEXT_KEY, "")
    opened = parsed.lists.get(RECOMMENDATION_KEY, [])
    st.session_state[OPEN_KEY] = opened[-1] if opened else None
    st.session_state["explorer_notices"] = parsed.notices
    return parsed.notices


def _write_url() -> None:
    """Mirror the widgets and the opened recommendation into the URL."""
    params: dict[str, Any] = {}
    text = st.session_state.get(WIDGET[TEXT_KEY], "").strip()
    if text:
        params[TEXT_KEY] = text
    for key in FILTER_KEYS:
        values = st.session_state.get(WIDGET[key], [])
        if values:
            params[key] = list(values)
    for key in FLAG_KEYS:
        if st.session_state.get(WIDGET[key]):
            params[key] = "1"
    opened = st.session_state.get(OPEN_KEY)
    if opened:
        params[RECOMMENDATION_KEY] = opened
    wanted = {key: value if isinstance(value, list) else [value] for key, value in params.items()}
    if wanted != permalinks.current(st.query_params):
        permalinks.replace(st.query_params, params)
    st.session_state[LAST_URL_KEY] = wanted


def _filters_form(
    choices: dict[str, dict[str, str]], overdue_decidable: int
) -> queries.ExplorerFilters:
    st.text_input(
        t("search.label"),
        key=WIDGET[TEXT_KEY],
        placeholder=t("search.placeholder"),
        help=t("search.help"),
        max_chars=permalinks.MAX_TEXT_LENGTH,
    )
    with st.expander(t("explorer.filters"), expanded=_any_filter_set()):
        for key in FILTER_KEYS:
            options = choices[key]
            st.multiselect(
                t(f"explorer.filter.{key}"),
                options=list(options),
                format_func=options.__getitem__,
                key=WIDGET[key],
                placeholder=t("explorer.filter.any"),
            )
        # "Only overdue" can find something only where a deadline rule exists and the sources
        # are known complete; elsewhere it would silently return nothing, so it says why.
        st.toggle(
            t("explorer.filter.overdue"),
            key=WIDGET["overdue"],
            disabled=overdue_decidable == 0 and not st.session_state.get(WIDGET["overdue"]),
            help=t("explorer.filter.overdue_help")
            if overdue_decidable
            else t("explorer.filter.overdue_na"),
        )
        st.toggle(t("explorer.filter.stale"), key=WIDGET["stale"])
    return queries.ExplorerFilters(
        text=st.session_state[WIDGET[TEXT_KEY]],
        **{
            f"{plural}": tuple(st.session_state[WIDGET[key]])
            for key, plural in (
                ("institution", "institutions"),
                ("cycle", "cycles"),
                ("theme", "themes"),
                ("stance", "stances"),
                ("status", "statuses"),
                ("assessor", "assessors"),
            )
        },
        overdue_only=bool(st.session_state[WIDGET["overdue"]]),
        stale_only=bool(st.session_state[WIDGET["stale"]]),
    )


def _any_filter_set() -> bool:
    return any(st.session_state.get(WIDGET[key]) for key in (*FILTER_KEYS, *FLAG_KEYS))


def matched_text(field: str | None, words: list[str] | None) -> str:
    """Why a recommendation matched the search, in plain text for a table cell (which shows
    text as it is): the field that counted most and the words found there, as written."""
    if not field:
        return ""
    return plain(
        "search.matched",
        field=plain(f"search.field.{field}"),
        words=", ".join(words or []),
    )


def _table(rows: pl.DataFrame, searching: bool = False) -> None:
    """The result table; selecting a row opens that recommendation below it. With a search,
    rows come by relevance and each says where the words were found."""
    matched = (
        [
            pl.Series(
                "matched",
                [
                    matched_text(field, words)
                    for field, words in zip(
                        rows["matched_field"].to_list(),
                        rows["matched_words"].to_list(),
                        strict=True,
                    )
                ],
                dtype=pl.String,
            )
        ]
        if searching
        else []
    )
    shown = rows.select(
        pl.col("number").fill_null(""),
        "title",
        *matched,
        page_data.labels_for(
            "response_state", rows["response_state"], lambda v: label("response_state", v)
        ).alias("stance"),
        page_data.labels_for(
            "implementation_state",
            rows["implementation_state"],
            lambda v: label("implementation_state", v),
        ).alias("status"),
        page_data.labels_for(
            "response_timeliness", rows["response_timeliness"], lambda v: t(f"timeliness.{v}")
        ).alias("deadline"),
        "is_stale",
        "cycle",
        "institution",
    )
    generation = st.session_state.get(TABLE_GENERATION_KEY, 0)
    event = st.dataframe(
        ui.as_arrow(shown),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"explorer_table_{generation}",
        column_config={
            "institution": st.column_config.TextColumn(t("column.institution")),
            "cycle": st.column_config.TextColumn(t("column.cycle")),
            "number": st.column_config.TextColumn(t("column.number"), width="small"),
            "title": st.column_config.TextColumn(t("column.title"), width="large"),
            "stance": st.column_config.TextColumn(t("column.stance")),
            "status": st.column_config.TextColumn(t("column.status")),
            "deadline": st.column_config.TextColumn(t("column.deadline")),
            "is_stale": st.column_config.CheckboxColumn(t("column.stale")),
            "matched": st.column_config.TextColumn(t("search.column"), width="medium"),
        },
    )
    selected = tuple(event.selection.rows) if event is not None else ()
    if selected != st.session_state.get(LAST_SELECTION_KEY, ()):
        st.session_state[LAST_SELECTION_KEY] = selected
        if selected and selected[0] < rows.height:
            st.session_state[OPEN_KEY] = rows["recommendation_id"][selected[0]]


def _download_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """The matching recommendations as a reader downloads them: ids, names and the evidence
    states as the snapshot gives them (canonical values, documented in the data package)."""
    return rows.select(
        "recommendation_id",
        "institution",
        "cycle",
        "number",
        "title",
        "response_basis",
        "response_state",
        "response_timeliness",
        "responded_on",
        "response_due_on",
        "implementation_basis",
        "implementation_state",
        "days_since_last_event",
        "is_stale",
    )


def _own_page_links(recommendation_id: str) -> None:
    """The opened recommendation on a page of its own (printable, for sharing) and its feed."""
    if not queries.recommendation_exists(state.snapshot_path(), recommendation_id):
        return
    root = exports.app_root(st.context.url)
    wanted = quote(recommendation_id)
    with st.container(horizontal=True, gap="small"):
        st.link_button(
            t("explorer.own_page"),
            with_language(f"{root}/recommendation?rec={wanted}"),
            icon=":material/open_in_full:",
        )
        st.link_button(
            t("feeds.link"),
            with_language(f"{root}/feeds/recommendation/{wanted}.atom"),
            icon=":material/rss_feed:",
        )


def _close_detail() -> None:
    st.session_state[OPEN_KEY] = None
    st.session_state[TABLE_GENERATION_KEY] = st.session_state.get(TABLE_GENERATION_KEY, 0) + 1
    st.session_state[LAST_SELECTION_KEY] = ()


def render() -> None:
    snapshot_path = state.snapshot_path()
    st.title(t("explorer.title"))
    st.caption(t("explorer.intro"))
    choices = _choices(snapshot_path)
    ui.notices(_apply_url(snapshot_path, choices))
    decidable = queries.overdue_decidable(snapshot_path)
    filters = _filters_form(choices, decidable)
    if filters.overdue_only and decidable == 0:
        st.info(t("explorer.filter.overdue_na"), icon=":material/help:")
    matching = queries.explorer_count(snapshot_path, filters)
    rows = queries.explorer_page(snapshot_path, filters, MAX_TABLE_ROWS)
    total = queries.recommendation_count(snapshot_path)
    st.markdown(t("explorer.count", shown=ui.number(matching), total=ui.number(total)))
    if matching > rows.height:
        st.info(
            t("explorer.truncated", shown=ui.number(rows.height), matching=ui.number(matching)),
            icon=":material/filter_alt:",
        )
    if rows.height == 0:
        ui.empty_state(t("explorer.empty_what"), t("explorer.empty_change"))
    else:
        _table(rows, searching=bool(filters.text.strip()))
        st.caption(t("explorer.select_hint"))
    if rows.height:
        exports.download_buttons(_download_frame(rows), "recommendations", key="explorer_download")
    opened = st.session_state.get(OPEN_KEY)
    if opened:
        detail.render(snapshot_path, opened, on_close=_close_detail)
        _own_page_links(opened)
    _write_url()


if __name__ == "__main__":
    render()
