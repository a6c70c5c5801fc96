"""What changed: every dated response, status update, milestone and report of an institution
since a date, each with what it replaced and its source, dated by the event (not the build).

The default date is the institution's last follow-up meeting when one is recorded, else 90
days before the snapshot's reference day.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from dashboard import exports, formats, queries, state, ui
from dashboard.briefing import default_since
from dashboard.messages import in_current_language, label, t

# Which scale a change's canonical values belong to, by the kind of record.
_SCALE_OF_KIND = {
    "response": "stance",
    "collective_response": "stance",
    "aggregate_response": "stance",
    "status": "implementation",
    "congruence": "congruence",
    "milestone": "milestone",
}


def _value_label(column: str) -> Callable[[dict], str | None]:
    """Turns a row's canonical value into its label in the current language."""

    def labelled(row: dict) -> str | None:
        value = row[column]
        scale = _SCALE_OF_KIND.get(row["kind"])
        return label(scale, value) if scale and value is not None else value

    return labelled


def render() -> None:
    st.title(t("changes.page_title"))
    st.caption(t("changes.intro"))
    path = state.snapshot_path()
    as_of = queries.snapshot_facts(path)["as_of"]
    institutions = queries.institutions(path)
    names = dict(zip(institutions["institution_id"], institutions["name"], strict=True))
    left, right = st.columns(2)
    institution = left.selectbox(
        t("briefing.institution"), list(names), format_func=names.__getitem__, key="chg_inst"
    )
    meeting = queries.last_follow_up_meeting(path, institution)
    since = right.date_input(
        t("briefing.since"),
        value=default_since(path, institution, as_of),
        max_value=as_of,
        key=f"chg_since_{institution}",
        format=formats.grid_date_format(),
    )
    st.caption(
        t("changes.default_meeting", date=formats.day(meeting))
        if meeting
        else t("changes.default_days", days=90)
    )
    changes = queries.dated_changes(path, institution, None, since)
    if changes.is_empty():
        st.info(t("changes.none", since=formats.day(since)))
        return
    st.caption(t("changes.count", n=changes.height, since=formats.day(since)))
    c = "briefing.column"
    shown = changes.with_columns(
        pl.col("kind").map_elements(
            in_current_language(lambda k: t(f"briefing.kind.{k}")), return_dtype=pl.String
        ),
        *(
            pl.struct("kind", column)
            .map_elements(in_current_language(_value_label(column)), return_dtype=pl.String)
            .alias(column)
            for column in ("before_value", "value")
        ),
        pl.col("state").map_elements(
            in_current_language(lambda s: t(f"detail.state.{s}")), return_dtype=pl.String
        ),
        pl.coalesce("title", "cycle_title").alias("title"),
    ).select(
        pl.col("on_date").alias(t(f"{c}.date")),
        pl.col("kind").alias(t(f"{c}.kind")),
        pl.col("title").alias(t(f"{c}.recommendation")),
        pl.col("before_value").alias(t("changes.before")),
        pl.col("value").alias(t("changes.after")),
        pl.col("label").alias(t("changes.label")),
        pl.col("state").alias(t(f"{c}.state")),
        pl.col("source_url").alias(t(f"{c}.source")),
    )
    readable, config = ui.words_for_missing(
        shown, {t(f"{c}.source"): st.column_config.LinkColumn()}
    )
    st.dataframe(readable, hide_index=True, column_config=config)
    exports.download_buttons(changes, f"changes-{institution}", key="chg_download")


render()
