"""Sources & methodology: how each figure is defined, where the data come from, how fresh
they are, and what the last ingest could not read.

Clerks and analysts check this page before quoting a number, so it shows the indicator
definitions verbatim from docs/methodology.md and the rows awaiting review.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import formats, queries, reference, state, ui
from dashboard.messages import has, label, language_name, t


def _methodology() -> None:
    st.subheader(t("sources.methodology_heading"))
    found = reference.methodology()
    if found is None:
        st.info(t("sources.methodology_missing"), icon=":material/description:")
        return
    preamble, sections = found
    if preamble:
        # Our own documentation, reviewed in the repository: rendered as markdown, not HTML.
        st.markdown(preamble)
    for section in sections:
        with st.expander(section.title):
            st.markdown(section.body)


def _crosswalk(snapshot_path: str) -> None:
    """The label crosswalk and the scales as the snapshot stores them: the mapping that made
    these figures, not whatever the repository holds today."""
    st.subheader(t("sources.crosswalk_heading"))
    st.caption(t("sources.crosswalk_intro"))
    crosswalk = queries.crosswalk(snapshot_path)
    if crosswalk.height == 0:
        st.info(t("sources.crosswalk_missing"))
        return
    names = crosswalk["vocabulary"].unique(maintain_order=True).to_list()
    chosen = st.selectbox(
        t("sources.crosswalk_pick"),
        names,
        format_func=lambda name: t(f"vocabulary.{name}"),
        key="sources_vocabulary",
    )
    frame = crosswalk.filter(pl.col("vocabulary") == chosen).drop("vocabulary")
    languages = {code: language_name(code) for code in frame["language"].drop_nulls().unique()}
    frame = frame.select(
        "value",
        "label",
        pl.col("language").replace_strict(languages, default=pl.col("language")),
        "note",
    )
    ui.table(
        frame,
        column_config={
            "value": t("sources.canonical"),
            "label": t("sources.source_label"),
            "language": t("sources.language"),
            "note": t("column.note"),
        },
        key="sources_crosswalk",
    )
    with st.expander(t("sources.scales_heading")):
        ui.table(
            _scales_in_words(queries.scale_values(snapshot_path)),
            key="sources_scales",
            column_config={
                "vocabulary": t("sources.scale"),
                "value": t("sources.canonical"),
                "label": t("sources.scale_label"),
                "meaning": t("sources.meaning"),
            },
        )


# The milestone vocabulary's labels are filed under the shorter name the pages use.
_LABELS_FILED_AS = {"milestone_kind": "milestone"}


def _scales_in_words(scales: pl.DataFrame) -> pl.DataFrame:
    """The snapshot's scales with their names, labels and meanings from the catalogue, keyed
    by the canonical value (the snapshot's own English meanings are not shown): a reader sees
    them in the page's language."""
    rows = [
        {
            "vocabulary": t(f"vocabulary.{row['vocabulary']}"),
            "value": row["value"],
            "label": label(
                _LABELS_FILED_AS.get(row["vocabulary"], row["vocabulary"]), row["value"]
            ),
            "meaning": t(f"scale_meaning.{row['vocabulary']}.{row['value']}")
            if has(f"scale_meaning.{row['vocabulary']}.{row['value']}")
            else row["meaning"],
        }
        for row in scales.iter_rows(named=True)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "vocabulary": pl.String,
            "value": pl.String,
            "label": pl.String,
            "meaning": pl.String,
        },
    )


def _coverage(snapshot_path: str) -> None:
    st.subheader(t("sources.coverage_heading"))
    cycles = queries.cycle_indicators(snapshot_path)
    if cycles.height == 0:
        ui.empty_state(t("timelines.empty_what"), t("timelines.empty_change"))
        return
    basis = {
        "items": t("overview.basis.items"),
        "outcome_report": t("overview.basis.report"),
        "none": t("sources.basis_none"),
    }
    evidence = {
        value: t(f"sources.round_basis.{value}")
        for value in queries.scale(snapshot_path, "evidence")["value"]
    }
    table = cycles.select(
        "title",
        "coverage",
        "items_known",
        # A count no source states is "not recorded", never an empty cell or "None".
        pl.col("declared_count")
        .cast(pl.String)
        .fill_null(t("common.not_recorded"))
        .alias("declared_count"),
        pl.col("round_response_basis")
        .replace_strict(evidence, default=pl.col("round_response_basis"))
        .alias("round_response"),
        "chapters_known",
        "institution_name",
        pl.col("implementation_basis").replace_strict(
            basis, default=pl.col("implementation_basis")
        ),
        "last_update_on",
        "is_stale",
    )
    known = cycles.filter(pl.col("coverage").is_not_null())
    st.caption(
        t(
            "sources.coverage_summary",
            cycles=cycles.height,
            declared=known.height,
            full=known.filter(pl.col("coverage") >= 1).height,
        )
    )
    ui.table(
        table,
        key="sources_coverage",
        keep=("coverage",),
        column_config={
            "institution_name": t("column.institution"),
            "title": t("column.cycle"),
            "declared_count": t("indicator.declared_count"),
            "round_response": t("sources.round_response"),
            "items_known": t("indicator.items_known"),
            "chapters_known": t("sources.chapters"),
            "coverage": st.column_config.ProgressColumn(
                t("overview.metric.coverage"), min_value=0, max_value=1, format="percent"
            ),
            "implementation_basis": t("overview.basis.title"),
            "last_update_on": st.column_config.DateColumn(
                t("sources.last_update"), format=formats.grid_date_format()
            ),
            "is_stale": st.column_config.CheckboxColumn(t("column.stale")),
        },
    )


def _freshness(snapshot_path: str) -> None:
    st.subheader(t("sources.freshness_heading"))
    frame = queries.sources(snapshot_path)
    if frame.height == 0:
        ui.empty_state(t("sources.no_sources_what"), t("sources.no_sources_change"))
        return
    failed = frame.filter(pl.col("last_status") != "ok").height
    st.caption(t("sources.freshness_summary", sources=frame.height, failed=failed))
    ui.table(
        frame.select(
            "source_id",
            "last_status",
            "last_success_at",
            "latest_fact_on",
            "days_since_fact",
            "kind",
            "title",
            "licence",
            "attribution",
        ),
        key="sources_freshness",
        column_config={
            "source_id": t("sources.source"),
            "kind": t("sources.kind"),
            "title": t("column.title"),
            "licence": t("sources.licence"),
            "attribution": t("sources.attribution"),
            "last_status": t("sources.last_status"),
            "last_success_at": st.column_config.DatetimeColumn(
                t("sources.last_success"), format=formats.grid_datetime_format()
            ),
            "latest_fact_on": st.column_config.DateColumn(
                t("sources.latest_fact"), format=formats.grid_date_format()
            ),
            "days_since_fact": st.column_config.NumberColumn(
                t("sources.days_since_fact"), help=t("sources.days_since_fact_help")
            ),
        },
    )


def _runs(snapshot_path: str) -> None:
    st.subheader(t("sources.runs_heading"))
    runs = queries.ingest_runs(snapshot_path)
    if runs.height == 0:
        ui.empty_state(t("sources.no_runs_what"), t("sources.no_runs_change"))
        return
    ui.table(
        runs,
        key="sources_runs",
        column_config={
            "run_id": t("sources.run"),
            "command": t("sources.command"),
            "started_at": st.column_config.DatetimeColumn(
                t("sources.started"), format=formats.grid_datetime_format()
            ),
            "finished_at": st.column_config.DatetimeColumn(
                t("sources.finished"), format=formats.grid_datetime_format()
            ),
            "status": t("sources.last_status"),
            "tool_version": t("sources.version"),
            "is_synthetic": st.column_config.CheckboxColumn(t("sources.synthetic")),
            "rows_read": t("sources.rows_read"),
            "rows_new": t("sources.rows_new"),
            "rows_changed": t("sources.rows_changed"),
            "rows_withdrawn": t("sources.rows_withdrawn"),
            "rows_rejected": t("sources.rows_rejected"),
            "sources_failed": t("sources.sources_failed"),
        },
    )
    with st.expander(t("sources.per_source_heading")):
        per_source = queries.source_runs(snapshot_path)
        ui.table(
            per_source,
            key="sources_source_runs",
            column_config={
                "run_id": t("sources.run"),
                "source_id": t("sources.source"),
                "status": t("sources.last_status"),
                "rows_read": t("sources.rows_read"),
                "rows_new": t("sources.rows_new"),
                "rows_changed": t("sources.rows_changed"),
                "rows_unchanged": t("sources.rows_unchanged"),
                "rows_withdrawn": t("sources.rows_withdrawn"),
                "rows_rejected": t("sources.rows_rejected"),
                "error": t("sources.error"),
            },
        )


def _rejects(snapshot_path: str) -> None:
    st.subheader(t("sources.rejects_heading"))
    rejects = queries.rejects(snapshot_path)
    if rejects.height == 0:
        st.success(t("sources.no_rejects"), icon=":material/check_circle:")
        return
    st.caption(t("sources.rejects_summary", n=rejects.height))
    # Rejected values are raw source text: shown in a data grid, which renders text only.
    ui.table(
        rejects,
        key="sources_rejects",
        column_config={
            "source_id": t("sources.source"),
            "file": t("sources.file"),
            "row": t("sources.row"),
            "column": t("sources.column"),
            "value": t("sources.value"),
            "reason": t("sources.reason"),
            "raw": t("sources.raw"),
            "run_id": t("sources.run"),
        },
    )


def render() -> None:
    snapshot_path = state.snapshot_path()
    st.title(t("sources.title"))
    st.caption(t("sources.intro"))
    _methodology()
    _coverage(snapshot_path)
    _freshness(snapshot_path)
    _runs(snapshot_path)
    _rejects(snapshot_path)
    _crosswalk(snapshot_path)


if __name__ == "__main__":
    render()
