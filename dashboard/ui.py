"""Rendering pieces every page shares: the chart-plus-table block, notices, figure captions.

Source text only ever reaches the screen through text-only elements (st.text, data grids,
charts) or as escaped Markdown (messages.escape_markdown, or a value filled into a message by
messages.t), never as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

import polars as pl
import streamlit as st

# Re-exported: pages escape untrusted text through ui, as they always have.
from dashboard import exports, formats
from dashboard.charts import Spec
from dashboard.messages import Markdown as Markdown
from dashboard.messages import escape_markdown as escape_markdown
from dashboard.messages import t
from dashboard.page_data import labels_for

if TYPE_CHECKING:
    import pyarrow as pa


def chart_block(
    chart: Spec,
    table: pl.DataFrame,
    summary: str,
    *,
    key: str,
    column_config: dict | None = None,
) -> None:
    """A chart, its one-sentence summary, and its data table one click away. The chart is a
    finished Vega-Lite spec (dashboard/charts.py), drawn as it is: nothing validates it again.

    Only the open tab is drawn. Opening the other one reruns the page (from its caches), so
    a rerun that changes the scope sends the chart, not also a table and four download
    buttons for each chart that nobody looked at: the elements a page run builds were most
    of its time above its queries (BENCHMARKS.md, reruns against the query floor)."""
    st.caption(summary)
    chart_tab, table_tab = st.tabs(
        [t("common.chart_tab"), t("common.table_tab")], key=f"{key}_tabs", on_change="rerun"
    )
    if chart_tab.open:
        with chart_tab:
            st.vega_lite_chart(chart, width="stretch", key=f"{key}_chart")
    if table_tab.open:
        with table_tab:
            shown, config = words_for_missing(table, column_config)
            st.dataframe(
                as_arrow(shown),
                hide_index=True,
                width="stretch",
                column_config=config,
                key=f"{key}_table",
            )
            # The download holds the values themselves (gaps as empty cells, not words).
            exports.download_buttons(table, key, key=f"{key}_download")


def _title_of(config: object, name: str) -> str:
    """The heading a column config gives its column, whatever kind of config it is."""
    if isinstance(config, str):
        return config
    if isinstance(config, dict):
        return str(config.get("label") or name)
    return name


def _renders_gaps_itself(config: object) -> bool:
    """Link and progress columns draw an empty cell, not "None", for a missing value."""
    if not isinstance(config, dict):
        return False
    return (config.get("type_config") or {}).get("type") in ("link", "progress")


def words_for_missing(
    frame: pl.DataFrame, column_config: dict | None = None, keep: Sequence[str] = ()
) -> tuple[pl.DataFrame, dict]:
    """A table as a reader sees it: a cell with no value says "not recorded", never "None"
    or an empty box that reads as zero. Columns with a gap become text (dates written out);
    `keep` names numeric columns whose own format (a percentage) should stay, gaps and all."""
    config = dict(column_config or {})
    missing = t("common.not_recorded")
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if name in keep or _renders_gaps_itself(config.get(name)) or frame[name].null_count() == 0:
            columns.append(column)
            continue
        if dtype == pl.Boolean:
            column = pl.when(column).then(pl.lit(t("common.yes"))).otherwise(pl.lit(t("common.no")))
            column = pl.when(pl.col(name).is_null()).then(None).otherwise(column)
        elif dtype == pl.Date:
            column = labels_for(name, frame[name], formats.day)
        elif dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            column = labels_for(name, frame[name], formats.moment)
        elif dtype != pl.String:
            column = column.cast(pl.String)
        columns.append(column.fill_null(missing).alias(name))
        if name in config and not isinstance(config[name], str):
            config[name] = st.column_config.TextColumn(_title_of(config[name], name))
    return frame.select(columns), config


def static_table_text(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame ready for st.table, which renders Markdown in its cells: register text escaped
    so it shows as written, dates and numbers written the current language's way, and every
    gap "not recorded", never "None" or "NaN" (sort the frame before: text no longer sorts
    as dates or numbers do)."""

    def written(name: str, dtype: pl.DataType) -> pl.Expr:
        if dtype == pl.String:
            return labels_for(name, frame[name], lambda text: str(escape_markdown(text)))
        if dtype == pl.Date:
            return labels_for(name, frame[name], formats.day)
        if dtype.is_numeric():
            return labels_for(name, frame[name], formats.number)
        return pl.col(name).cast(pl.String)

    missing = t("common.not_recorded")
    return frame.select(
        written(name, dtype).fill_null(missing).alias(name) for name, dtype in frame.schema.items()
    )


def as_arrow(frame: pl.DataFrame) -> pa.Table:
    """The frame as the Arrow table st.dataframe sends. Streamlit serialises an Arrow table as
    it is, but turns any other frame into pandas first: a copy of every table on every run,
    about a tenth of a busy server's time (BENCHMARKS.md, concurrent sessions)."""
    return frame.to_arrow()


def table(
    frame: pl.DataFrame,
    *,
    key: str,
    column_config: dict | None = None,
    keep: Sequence[str] = (),
) -> None:
    """A read-only data table whose gaps read "not recorded" (see words_for_missing)."""
    shown, config = words_for_missing(frame, column_config, keep)
    st.dataframe(as_arrow(shown), hide_index=True, width="stretch", column_config=config, key=key)
    exports.download_buttons(frame, key, key=f"{key}_download")


def empty_state(what: str, change: str) -> None:
    """An empty result says what is missing and what to change."""
    st.info(t("common.empty", what=what, change=change), icon=":material/search_off:")


def format_date(value: date | datetime | None, precision: str | None = "day") -> str:
    """A date as precise as its source, in the current language ('March 2021', '3 Mar 2021')."""
    return formats.date_as_precise_as(value, precision)


def percent(value: float | None) -> str:
    return formats.percent(value)


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
    return formats.percent(numerator / denominator)


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
    return formats.number(value)


def notices(messages: Sequence[str]) -> None:
    """Visible notices, e.g. for query parameters that were ignored."""
    for message in messages:
        st.warning(message, icon=":material/info:")
