"""Overview: the headline uptake indicators, the funnel and one card per institution.

Every figure says what it counts (item by item, or from a cycle's outcome report) and how
complete it is, because most real follow-up is published as counts, not item lists.
"""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

from dashboard import charts, page_data, queries, scope, state, ui
from dashboard.messages import current_language, deadline_start, t, tn
from dashboard.permalinks import link_params

METRIC_WIDTH = 250
# On a phone the headline boxes take the screen's width rather than leaving a third of it
# empty beside a fixed-width column of boxes.
HEADLINE_KEY = "headline_metrics"
PHONE_CSS = f"""<style>
@media (max-width: 640px) {{
  .st-key-{HEADLINE_KEY} > div, .st-key-{HEADLINE_KEY} > div > div {{
    flex: 1 1 100% !important; width: 100% !important; max-width: 100% !important;
  }}
}}
</style>"""
# Institution cards drawn at most: each card is a dozen elements and a link, so hundreds of
# them take seconds to draw; the largest come first and the rest are one scope choice away.
MAX_CARDS = 12
# The shape of a register id (ingest validates ids the same way); only such ids go in links.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")


def _metric(title: str, value: str, counts: str, help_text: str, n: int | None = None) -> None:
    with st.container(border=True, width=METRIC_WIDTH):
        st.metric(title, value, help=help_text)
        st.caption(counts)
        if ui.is_small(n):
            st.caption(f":orange[{ui.small_n_note(n)}]")


def _headline(snapshot_path: str, chosen: tuple[str, ...]) -> None:
    """The scope's figures as the snapshot pools them; each names what it counts and its n."""
    fig = queries.scope_indicators(snapshot_path, chosen)
    declared, in_declared = fig["declared_count"], fig["items_in_declared_cycles"]
    items = fig["items_known"]
    st.subheader(t("overview.headline"))
    st.html(PHONE_CSS)
    with st.container(horizontal=True, gap="small", key=HEADLINE_KEY):
        _metric(
            t("overview.metric.institutions"),
            ui.number(fig["n_institutions"]),
            tn("overview.counts.cycles", fig["n_cycles"]),
            t("overview.help.institutions"),
        )
        _metric(
            t("overview.metric.declared"),
            ui.number(declared),
            t(
                "overview.counts.declared",
                with_count=ui.number(fig["cycles_with_declared"]),
                cycles=tn("common.cycles", fig["n_cycles"]),
            ),
            t("overview.help.declared"),
        )
        _metric(
            t("overview.metric.coverage"),
            ui.percent(fig["coverage"]),
            t(
                "overview.counts.coverage",
                items=ui.number(in_declared),
                declared=ui.number(declared),
            ),
            t("overview.help.coverage"),
        )
        _metric(
            t("overview.metric.response_rate"),
            ui.percent(fig["response_rate"]),
            t(
                "overview.counts.response_rate",
                responded=ui.number(fig["responses_known"]),
                decidable=ui.number(fig["responses_decidable"]),
                items=ui.number(items),
                item=ui.number(fig["responses_item"]),
                collective=ui.number(fig["responses_collective"]),
                aggregate=ui.number(fig["responses_in_aggregate"]),
                not_recorded=ui.number(fig["responses_not_recorded"]),
            ),
            t("overview.help.response_rate"),
            n=fig["responses_decidable"],
        )
        _metric(
            t("overview.metric.on_time"),
            ui.percent(fig["share_on_time"]),
            t(
                "overview.counts.on_time",
                on_time=ui.number(fig["responses_on_time"]),
                decidable=ui.number(fig["responses_timeliness_known"]),
            ),
            t("overview.help.on_time"),
            n=fig["responses_timeliness_known"],
        )
        _metric(
            t("overview.metric.overdue"),
            ui.number(fig["responses_overdue"]),
            t("overview.counts.overdue", decidable=ui.number(fig["overdue_decidable"]))
            if fig["overdue_decidable"]
            else t("overview.counts.overdue_na"),
            t("overview.help.overdue"),
            n=fig["overdue_decidable"],
        )
        median, n_median = fig["median_days_to_response"], fig["n_days_to_response"]
        _metric(
            t("overview.metric.median_days"),
            t("overview.days", days=ui.number(median)) if median is not None else ui.number(None),
            tn("overview.counts.median_days", n_median),
            t("overview.help.median_days"),
            n=n_median,
        )


def _status_labels(snapshot_path: str) -> dict[str, str]:
    return page_data.scale_labels(snapshot_path, "implementation_state", current_language())


def _implementation_mix(snapshot_path: str, chosen: tuple[str, ...]) -> None:
    st.subheader(t("overview.mix_heading"))
    mix = queries.implementation_mix(snapshot_path, chosen)
    if mix.height == 0:
        ui.empty_state(t("overview.mix_empty_what"), t("overview.mix_empty_change"))
        return
    labels = _status_labels(snapshot_path)
    basis_names = {"items": t("overview.basis.items"), "outcome_report": t("overview.basis.report")}
    by_basis = page_data.mix_table(
        mix,
        category="basis",
        value="status",
        order="status_order",
        labels=labels,
        category_label=lambda basis, n: f"{basis_names.get(basis, basis)} (n={n})",
    ).rename({"value_label": "status_label", "category_label": "basis_label"})
    totals = sorted(
        {
            basis_names.get(basis, basis): n for basis, n in by_basis.select("basis", "n").rows()
        }.items()
    )
    summary = t(
        "overview.mix_summary",
        parts="; ".join(f"{name}: {ui.number(n)}" for name, n in totals),
    )
    chart = charts.normalised_bars(
        by_basis,
        category="basis_label",
        category_title=t("overview.basis.title"),
        value_label="status_label",
        value_title=t("column.status"),
        scale="implementation_state",
        labels=labels,
        order="status_order",
    )
    ui.chart_block(
        chart,
        by_basis.select("basis_label", "status_label", "count"),
        summary,
        key="overview_mix",
        column_config={
            "basis_label": t("overview.basis.title"),
            "status_label": t("column.status"),
            "count": t("column.count"),
        },
    )
    st.caption(t("overview.mix_note"))


def _funnel(snapshot_path: str, chosen: tuple[str, ...]) -> None:
    st.subheader(t("overview.funnel_heading"))
    funnel = queries.uptake_funnel(snapshot_path, chosen)
    if funnel.height == 0 or funnel["count"].max() == 0:
        ui.empty_state(t("overview.funnel_empty_what"), t("overview.funnel_empty_change"))
        return
    strict = st.toggle(t("overview.funnel_strict"), key="overview_funnel_strict")
    column = "count_after_acceptance" if strict else "count"
    adopted = funnel.filter(pl.col("stage") == "adopted")[column][0] or 0
    shaped = funnel.select(
        "stage",
        "stage_order",
        page_data.labels_for("stage", funnel["stage"], lambda s: t(f"funnel.{s}")).alias(
            "stage_label"
        ),
        pl.col(column).alias("count"),
        (pl.col(column) / adopted if adopted else pl.lit(None)).alias("share"),
    )
    implemented = shaped.filter(pl.col("stage") == "implemented")["count"][0]
    summary = ui.with_small_n(
        t(
            "overview.funnel_summary",
            adopted=ui.number(adopted),
            implemented=ui.number(implemented),
            share=ui.share(implemented, adopted),
        ),
        adopted,
    )
    chart = charts.funnel(
        shaped, stage_title=t("overview.funnel_stage"), count_title=t("column.count")
    )
    ui.chart_block(
        chart,
        shaped.select("stage_label", "count", "share"),
        summary,
        key="overview_funnel",
        column_config={
            "stage_label": t("overview.funnel_stage"),
            "count": t("column.count"),
            "share": st.column_config.NumberColumn(t("overview.funnel_share"), format="percent"),
        },
    )
    st.caption(t("overview.funnel_note"))


def _responses_line(row: dict) -> str:
    """The card's response figures, each with its n; what cannot be computed is n/a."""
    if row["items_known"] == 0:
        if row["cycles_with_response"]:
            return tn(
                "overview.card.responses_rounds",
                row["cycles_with_response"],
                cycles=ui.number(row["n_cycles"]),
            )
        return t("overview.card.responses_none")
    overdue = (
        t("overview.card.overdue", overdue=ui.number(row["responses_overdue"]))
        if row["responses_overdue"] is not None
        else t("overview.card.overdue_na")
    )
    return ui.with_small_n(
        t(
            "overview.card.responses",
            rate=ui.percent(row["response_rate"]),
            responded=ui.number(row["responses_known"]),
            items=ui.number(row["items_known"]),
            collective=ui.number(row["responses_collective"]),
            not_recorded=ui.number(row["responses_not_recorded"] + row["responses_in_aggregate"]),
            overdue=overdue,
        ),
        row["responses_decidable"],
    )


def _institution_card(row: dict) -> None:
    with st.container(border=True, width=360):
        st.markdown(f"**{ui.escape_markdown(row['institution_name'])}**")
        place = ", ".join(part for part in (row["city"], row["country"]) if part)
        st.caption(ui.escape_markdown(place))
        declared = row["declared_count"]
        lines = [
            tn("common.cycles", row["n_cycles"]),
            t(
                "overview.card.items",
                items=ui.number(row["items_known"]),
                declared=ui.number(declared),
                coverage=ui.percent(row["coverage"]),
            )
            if declared
            else t("overview.card.items_no_declared", items=ui.number(row["items_known"])),
            _responses_line(row),
            _implementation_line(row),
            t("overview.card.stale", days=ui.number(row["staleness_days"]))
            if row["is_stale"]
            else t(
                "overview.card.fresh",
                date=ui.format_date(row["last_update_on"]),
            )
            if row["last_update_on"]
            else t("overview.card.no_update"),
        ]
        st.markdown("\n".join(f"- {line}" for line in lines))
        if row["response_deadline_days"]:
            st.caption(t("overview.card.deadline", days=row["response_deadline_days"]))
        else:
            st.caption(t("overview.card.no_deadline"))
        if row.get("final_deadline_days"):
            st.caption(
                t(
                    "overview.card.final_deadline",
                    days=row["final_deadline_days"],
                    start=deadline_start(row.get("final_deadline_from")),
                )
            )
        _explorer_link(row["institution_id"], row["institution_name"], row["items_known"])


def _largest_first(rows: pl.DataFrame) -> pl.DataFrame:
    """The institutions with the most declared (else listed) recommendations first."""
    return rows.with_columns(
        pl.col("declared_count").fill_null(0).alias("_declared"),
        pl.col("items_known").fill_null(0).alias("_items"),
    ).sort(
        ["_declared", "_items", "institution_name"],
        descending=[True, True, False],
    )


def _cards(rows: pl.DataFrame) -> None:
    """One card per institution in scope, at most MAX_CARDS, with a notice for the rest."""
    st.subheader(t("overview.cards_heading"))
    shown = rows if rows.height <= MAX_CARDS else _largest_first(rows).head(MAX_CARDS)
    if shown.height < rows.height:
        st.info(
            t(
                "overview.cards_capped",
                shown=shown.height,
                more=ui.number(rows.height - shown.height),
                total=ui.number(rows.height),
            ),
            icon=":material/filter_list:",
        )
    with st.container(horizontal=True, gap="small"):
        for row in shown.iter_rows(named=True):
            _institution_card(row)


def _explorer_link(institution_id: str, name: str, items: int | None) -> None:
    """A permalink to the explorer filtered to this institution. Streamlit encodes the query
    value; an id that is not a well-formed register id gets no link rather than a broken one,
    and an institution with nothing listed gets a sentence instead of a link to an empty page."""
    if not items:
        st.caption(t("overview.card.nothing_listed"))
        return
    if not SAFE_ID.fullmatch(institution_id):
        return
    st.page_link(
        "views/explorer.py",
        label=t("overview.card.explore", items=ui.number(items)),
        help=t("overview.card.explore_help", institution=name),
        icon=":material/list_alt:",
        query_params=link_params({"institution": institution_id}),
    )


def _implementation_line(row: dict) -> str:
    basis = row["implementation_basis"]
    if basis == "items":
        return ui.with_small_n(
            t(
                "overview.card.impl_items",
                rate=ui.percent(row["item_implementation_rate"]),
                items=ui.number(row["items_in_item_basis_cycles"]),
            ),
            row["items_in_item_basis_cycles"],
        )
    if basis == "outcome_report":
        text = t(
            "overview.card.impl_report",
            implemented=ui.number(row["report_implemented"]),
            rate=ui.percent(row["report_implementation_rate"]),
            total=ui.number(row["report_denominator"]),
        )
        if row["report_unaccounted"]:
            text += " " + t(
                "overview.card.impl_unaccounted", unaccounted=ui.number(row["report_unaccounted"])
            )
        return text
    if basis == "mixed":
        return t(
            "overview.card.impl_mixed",
            item_rate=ui.percent(row["item_implementation_rate"]),
            report_rate=ui.percent(row["report_implementation_rate"]),
        )
    return t("overview.card.impl_none")


def answer_default_queries(snapshot_path: str) -> None:
    """Run the queries render() reads for every institution, the scope a visitor meets first:
    they are cached for all sessions, so the server's warm-up can answer them before anyone
    asks (dashboard/server.py)."""
    everyone: tuple[str, ...] = ()
    queries.institutions(snapshot_path)
    queries.institution_indicators(snapshot_path)
    queries.scope_indicators(snapshot_path, everyone)
    queries.implementation_mix(snapshot_path, everyone)
    queries.uptake_funnel(snapshot_path, everyone)


def render() -> None:
    snapshot_path = state.snapshot_path()
    st.title(t("overview.title"))
    st.markdown(t("overview.intro"))
    indicators = queries.institution_indicators(snapshot_path)
    if indicators.height == 0:
        ui.empty_state(t("overview.empty_what"), t("overview.empty_change"))
        return
    chosen = scope.institution_scope(
        "overview", queries.institutions(snapshot_path), label_key="scope.label"
    )
    rows = indicators.filter(pl.col("institution_id").is_in(chosen)) if chosen else indicators
    _headline(snapshot_path, chosen)
    _funnel(snapshot_path, chosen)
    _implementation_mix(snapshot_path, chosen)
    _cards(rows)

    st.page_link("views/sources.py", label=t("app.definitions"), icon=":material/menu_book:")


if __name__ == "__main__":
    render()
