"""Compare: institutions side by side on the same indicators and distributions.

Comparisons are only as good as their denominators, so every row carries its n and its
counting basis, and no survival curve is drawn from fewer than survival.MIN_CASES cases.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, exports, page_data, queries, scope, state, survival, ui
from dashboard.messages import Markdown, current_language, t

# Institutions compared side by side at most, and how many are compared when nobody chose:
# a column, a bar and a curve each per institution stay readable (and quick to draw) up to here.
MAX_COMPARED = 12
DEFAULT_COMPARED = 6

# (indicator column, the column its n comes from, the numerator column for a share); order is
# the table's row order. Every figure is shown with the n it rests on; a share whose n is 0 is
# n/a, and one resting on fewer than ui.SMALL_N recommendations is flagged.
INDICATOR_ROWS: tuple[tuple[str, str | None, str | None], ...] = (
    ("n_cycles", None, None),
    ("declared_count", None, None),
    ("items_known", None, None),
    ("coverage", "declared_count", "items_in_declared_cycles"),
    ("response_rate", "responses_decidable", "responses_known"),
    ("share_on_time", "responses_timeliness_known", "responses_on_time"),
    ("median_days_to_response", "n_days_to_response", None),
    ("responses_overdue", "overdue_decidable", None),
    ("item_implementation_rate", "items_in_item_basis_cycles", None),
    ("item_implementation_rate_incl_partial", "items_in_item_basis_cycles", None),
    ("item_implementation_rate_of_accepted", "items_accepted", None),
    ("report_implementation_rate", "report_denominator", "report_implemented"),
    ("report_unaccounted", None, None),
    ("items_assessors_disagree", None, None),
    ("staleness_days", None, None),
)


def _figure(row: dict, column: str, n_column: str | None, numerator: str | None) -> str:
    """One cell of the comparison: the value, its numerator and denominator or its n, and the
    small-n flag; n/a where it cannot be computed."""
    value = row[column]
    if n_column is None:
        return ui.number(value)
    n = row[n_column]
    if not n or (column == "responses_overdue" and value is None):
        return t("common.not_available")
    if numerator is not None:
        text = f"{ui.share(row[numerator], n)} ({ui.number(row[numerator])}/{ui.number(n)})"
    elif "rate" in column:
        text = f"{ui.percent(value)} (n={ui.number(n)})"
    else:
        text = f"{ui.number(value)} (n={ui.number(n)})"
    return ui.with_small_n(text, n)


def _side_by_side(rows: pl.DataFrame) -> None:
    """Indicators as rows, institutions as columns: the layout analysts paste into briefs."""
    st.subheader(t("compare.table_heading"))
    table: dict[str, list[str]] = {t("compare.indicator"): []}
    names = rows["institution_name"].to_list()
    for name in names:
        table[name] = []
    records = rows.to_dicts()
    for column, n_column, numerator in INDICATOR_ROWS:
        table[t("compare.indicator")].append(t(f"indicator.{column}"))
        for name, record in zip(names, records, strict=True):
            table[name].append(_figure(record, column, n_column, numerator))
    st.dataframe(
        ui.as_arrow(pl.DataFrame(table)), hide_index=True, width="stretch", key="compare_table"
    )
    st.caption(t("compare.table_note"))
    # The download holds the indicators themselves, one row per institution, with every
    # numerator, denominator and n beside each rate (not the formatted cells above).
    exports.download_buttons(rows, "institution_indicators", key="compare_download")


def _response_days(snapshot_path: str, chosen: tuple[str, ...], names: list[str]) -> None:
    """One box per institution (quartiles, median, range), summarised in DuckDB: the payload
    is one row per institution, however many recommendations were answered."""
    st.subheader(t("compare.days_heading"))
    days = queries.response_days_summary(snapshot_path, chosen).rename({"institution": "series"})
    if days.height == 0:
        ui.empty_state(t("compare.days_empty_what"), t("compare.days_empty_change"))
        return
    summary = t(
        "compare.days_summary",
        parts=Markdown("; ").join(
            t(
                "compare.days_part",
                name=row["series"],
                median=ui.number(row["median_days"]),
                n=row["n"],
            )
            for row in days.sort("series").iter_rows(named=True)
        ),
    )
    ui.chart_block(
        charts.response_days_box(
            days,
            series_names=names,
            days_title=t("compare.days_axis"),
            series_title=t("column.institution"),
        ),
        days.select("series", "n", "min_days", "q1_days", "median_days", "q3_days", "max_days"),
        summary,
        key="compare_days",
        column_config={
            "series": t("column.institution"),
            "n": t("compare.n_total"),
            "min_days": t("compare.days_min"),
            "q1_days": t("compare.days_q1"),
            "median_days": t("compare.days_median"),
            "q3_days": t("compare.days_q3"),
            "max_days": t("compare.days_max"),
        },
    )


def _mix(
    frame: pl.DataFrame,
    *,
    key: str,
    value: str,
    order: str,
    scale: str,
    labels: dict[str, str],
    heading: str,
    category: str = "institution",
) -> None:
    st.subheader(heading)
    if frame.height == 0:
        ui.empty_state(t(f"compare.{key}_empty_what"), t(f"compare.{key}_empty_change"))
        return
    # n first: on a phone a long name is cut, and the n must survive.
    shaped = page_data.mix_table(
        frame,
        category=category,
        value=value,
        order=order,
        labels=labels,
        category_label=lambda name, n: f"n={n} · {name}",
    )
    summary = t(
        f"compare.{key}_summary",
        groups=shaped[category].n_unique(),
        n=ui.number(shaped["count"].sum()),
    )
    ui.chart_block(
        charts.normalised_bars(
            shaped,
            category="category_label",
            category_title=t("column.institution"),
            value_label="value_label",
            value_title=t(f"compare.{key}_legend"),
            scale=scale,
            labels=labels,
            order=order,
        ),
        shaped.select(category, "value_label", "count", "n"),
        summary,
        key=f"compare_{key}",
        column_config={
            category: t("column.institution"),
            "value_label": t(f"compare.{key}_legend"),
            "count": t("column.count"),
            "n": t("compare.n_total"),
        },
    )


def _implementation_mix(snapshot_path: str, chosen: tuple[str, ...]) -> None:
    mix = queries.implementation_mix(snapshot_path, chosen).with_columns(
        pl.format(
            "{} · {}",
            pl.col("basis").replace_strict(
                {"items": t("compare.basis.items"), "outcome_report": t("compare.basis.report")},
                default=pl.col("basis"),
            ),
            pl.col("institution"),
        ).alias("institution_basis")
    )
    _mix(
        mix,
        key="implementation",
        value="status",
        order="status_order",
        scale="implementation_state",
        labels=_labels(snapshot_path, "implementation_state"),
        heading=t("compare.implementation_heading"),
        category="institution_basis",
    )


def _labels(snapshot_path: str, vocabulary: str) -> dict[str, str]:
    """Display labels of one of the snapshot's scales, in its order."""
    return page_data.scale_labels(snapshot_path, vocabulary, current_language())


def _kaplan_meier(
    snapshot_path: str, chosen: tuple[str, ...], institutions: pl.DataFrame, names: list[str]
) -> None:
    st.subheader(t("compare.km_heading"))
    st.caption(t("compare.km_intro", min=survival.MIN_CASES))
    drawn, skipped, with_cases = page_data.survival_curves(snapshot_path, chosen)
    if not with_cases:
        ui.empty_state(t("compare.km_empty_what"), t("compare.km_empty_change"))
        return
    in_scope = (
        institutions.filter(pl.col("institution_id").is_in(chosen)) if chosen else institutions
    )
    left_out = [
        t("compare.km_none", name=name) for name in sorted(set(in_scope["name"]) - with_cases)
    ] + [
        t(
            "compare.km_too_few",
            name=row["series"],
            n=row["n"],
            min=survival.MIN_CASES,
        )
        for row in skipped.iter_rows(named=True)
    ]
    if left_out:
        st.info(
            t("compare.km_left_out") + "\n\n" + "\n".join(f"- {line}" for line in left_out),
            icon=":material/info:",
        )
    if drawn.height == 0:
        return
    facts = drawn.group_by("series").agg(
        pl.col("n").first(),
        pl.col("n_implemented").first(),
        pl.col("still_open").last(),
        pl.col("days").max(),
    )
    summary = t(
        "compare.km_summary",
        parts=Markdown("; ").join(
            t(
                "compare.km_part",
                name=row["series"],
                n=row["n"],
                implemented=row["n_implemented"],
                open=ui.percent(row["still_open"]),
                days=row["days"],
            )
            for row in facts.sort("series").iter_rows(named=True)
        ),
    )
    ui.chart_block(
        charts.kaplan_meier(
            drawn,
            series_names=names,
            days_title=t("compare.km_days"),
            share_title=t("compare.km_share"),
        ),
        drawn.select("series", "days", "still_open", "at_risk", "events", "n"),
        summary,
        key="compare_km",
        column_config={
            "series": t("column.institution"),
            "days": t("compare.km_days"),
            "still_open": st.column_config.NumberColumn(t("compare.km_share"), format="percent"),
            "at_risk": t("compare.km_at_risk"),
            "events": t("compare.km_events"),
            "n": t("compare.n_total"),
        },
    )


def _compared(snapshot_path: str, n_institutions: int, chosen: tuple[str, ...]) -> tuple[str, ...]:
    """The institutions compared: the chosen ones up to MAX_COMPARED; with none chosen, every
    institution when they fit, else the DEFAULT_COMPARED largest. Says so when it narrows."""
    if len(chosen) > MAX_COMPARED:
        st.info(
            t("compare.capped", shown=MAX_COMPARED, chosen=len(chosen)),
            icon=":material/filter_list:",
        )
        return chosen[:MAX_COMPARED]
    if chosen or n_institutions <= MAX_COMPARED:
        return chosen
    st.info(
        t(
            "compare.defaulted",
            shown=DEFAULT_COMPARED,
            total=ui.number(n_institutions),
            max=MAX_COMPARED,
        ),
        icon=":material/filter_list:",
    )
    return queries.largest_institutions(snapshot_path, DEFAULT_COMPARED)


def render() -> None:
    snapshot_path = state.snapshot_path()
    st.title(t("compare.title"))
    st.caption(t("compare.intro"))
    institutions = queries.institutions(snapshot_path)
    if institutions.height == 0:
        ui.empty_state(t("overview.empty_what"), t("overview.empty_change"))
        return
    chosen = _compared(
        snapshot_path,
        institutions.height,
        scope.institution_scope("compare", institutions, label_key="scope.label"),
    )
    indicators = queries.institution_indicators(snapshot_path)
    rows = indicators.filter(pl.col("institution_id").is_in(chosen)) if chosen else indicators
    names = institutions["name"].to_list()
    _side_by_side(rows)
    _response_days(snapshot_path, chosen, names)
    _mix(
        queries.stance_mix(snapshot_path, chosen),
        key="stance",
        value="response_state",
        order="state_order",
        scale="response_state",
        labels=_labels(snapshot_path, "response_state"),
        heading=t("compare.stance_heading"),
    )
    _implementation_mix(snapshot_path, chosen)
    _kaplan_meier(snapshot_path, chosen, institutions, names)

    st.page_link("views/sources.py", label=t("app.definitions"), icon=":material/menu_book:")


if __name__ == "__main__":
    render()
