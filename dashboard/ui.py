"""Rendering pieces every page shares: the chart-plus-table block, notices, figure captions.

Source text only ever reaches the screen through st.text or escaped markdown, never as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

import altair as alt
import polars as pl
import streamlit as st

from dashboard.messages import t

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Untrusted text made inert for st.markdown: every markdown/HTML control character
    is backslash-escaped so it shows literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def chart_block(
    chart: alt.Chart | alt.LayerChart | alt.VConcatChart,
    table: pl.DataFrame,
    summary: str,
    *,
    key: str,
    column_config: dict | None = None,
) -> None:
    """A chart, its one-sentence summary, and its data table one click away."""
    st.caption(summary)
    chart_tab, table_tab = st.tabs([t("common.chart_tab"), t("common.table_tab")])
    with chart_tab:
        st.altair_chart(chart, width="stretch", key=f"{key}_chart")
    with table_tab:
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config=column_config,
            key=f"{key}_table",
        )


def empty_state(what: str, change: str) -> None:
    """An empty result says what is missing and what to change."""
    st.info(t("common.empty", what=what, change=change), icon=":material/search_off:")


def format_date(value: date | datetime | None, precision: str | None = "day") -> str:
    """A date as precise as its source: a month-precision date shows as 'March 2021'."""
    if value is None:
        return t("common.unknown_date")
    if isinstance(value, datetime):
        value = value.date()
    if precision == "year":
        return f"{value.year}"
    if precision == "month":
        return value.strftime("%B %Y")
    return value.isoformat()


def percent(value: float | None) -> str:
    return t("common.not_available") if value is None else f"{value:.0%}"


# Below this many recommendations a share or a median says little; it is flagged wherever shown.
SMALL_N = 5


def is_small(n: int | None) -> bool:
    return n is not None and 0 < n < SMALL_N


def small_n_note(n: int | None) -> str:
    """The flag a figure resting on fewer than SMALL_N recommendations carries ('' otherwise)."""
    return t("common.small_n", n=n, min=SMALL_N) if is_small(n) else ""


def share(numerator: int | None, denominator: int | None) -> str:
    """A share as 'x %', or n/a when its denominator is 0 or unknown (never 0 %)."""
    if not denominator or numerator is None:
        return t("common.not_available")
    return f"{numerator / denominator:.0%}"


def with_small_n(text: str, n: int | None) -> str:
    """A figure's text with the small-n flag appended when it rests on fewer than SMALL_N."""
    note = small_n_note(n)
    return f"{text} ({note})" if note else text


def text_or_not_recorded(value: object) -> str:
    """A value from the data as text, or 'not recorded' when the source gives none — never
    the word None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return t("common.not_recorded")
    return str(value)


def number(value: float | int | None) -> str:
    if value is None:
        return t("common.not_available")
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def notices(messages: Sequence[str]) -> None:
    """Visible notices, e.g. for query parameters that were ignored."""
    for message in messages:
        st.warning(message, icon=":material/info:")
