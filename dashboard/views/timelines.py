"""Timelines: one cycle on a time axis, from its sessions to its final report.

Milestones, formal responses and implementation events sit on separate lanes of the same
axis, with the response deadline drawn in, so a committee sees at a glance where a cycle
stalled. Below, the institution's deadline clock shows each cycle's answers: on time, late,
or overdue.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, formats, page_data, permalinks, queries, state, timeline_lanes, ui
from dashboard.messages import Markdown, current_language, deadline_start, t, tn
from dashboard.palette import DEADLINE_COLOURS

PARAM = "cycle"
WIDGET = "timelines_cycle"
LAST_URL = "timelines_url"
# The verdicts of queries.final_deadlines, in the order a reader scans them.
FINAL_VERDICTS = ("on_time", "late", "answered", "overdue", "awaiting", "no_date", "not_recorded")


def _pick_cycle(snapshot_path: str, default: str | None) -> str | None:
    # Thousands of cycles at Europe scale: their labels are made once per snapshot.
    options = page_data.cycle_options(snapshot_path)
    raw = permalinks.current(st.query_params)
    if raw != st.session_state.get(LAST_URL):
        parsed = permalinks.parse(raw, choices={PARAM: options.keys()})
        ui.notices(parsed.notices)
        wanted = parsed.lists.get(PARAM, [])
        st.session_state[WIDGET] = wanted[-1] if wanted else default
    chosen = st.selectbox(
        t("timelines.pick"), options=list(options), format_func=options.__getitem__, key=WIDGET
    )
    url = {PARAM: [chosen]} if chosen else {}
    if url != raw:
        permalinks.replace(st.query_params, url)
    st.session_state[LAST_URL] = url
    return chosen


def _deadline_rules(cycle: dict, final: dict | None) -> pl.DataFrame:
    """The dashed rules of the timeline: the response deadline and the final-report deadline,
    whichever the institution has and the handover date allows."""
    rows = []
    if cycle["response_due_on"]:
        rows.append(
            (cycle["response_due_on"], t("timelines.deadline_rule"), t("timelines.deadline_mark"))
        )
    if final is not None and final["final_due_on"] is not None:
        rows.append(
            (
                final["final_due_on"],
                t("timelines.final_deadline_rule"),
                t("timelines.final_deadline_mark"),
            )
        )
    return pl.DataFrame(
        rows, schema={"due_on": pl.Date, "what": pl.String, "mark": pl.String}, orient="row"
    )


def _cycle_facts(cycle: dict, final: dict | None) -> list[str]:
    facts = []
    if cycle["started_on"] or cycle["ended_on"]:
        facts.append(
            t(
                "timelines.fact.sessions",
                start=ui.format_date(cycle["started_on"], cycle["started_on_precision"]),
                end=ui.format_date(cycle["ended_on"], cycle["ended_on_precision"]),
            )
        )
    if cycle["handed_over_on"]:
        facts.append(
            t(
                "timelines.fact.handover",
                date=ui.format_date(cycle["handed_over_on"], cycle["handed_over_on_precision"]),
            )
        )
    has_final_rule = final is not None and final["final_deadline_days"] is not None
    if cycle["response_due_on"]:
        facts.append(
            t(
                "timelines.fact.due",
                date=ui.format_date(cycle["response_due_on"], cycle["response_due_on_precision"]),
                days=cycle["response_deadline_days"],
            )
        )
    elif cycle["response_deadline_days"] is not None:
        facts.append(t("timelines.fact.due_no_handover", days=cycle["response_deadline_days"]))
    elif not has_final_rule:
        facts.append(t("timelines.fact.no_deadline"))
    if has_final_rule:
        facts.append(_final_fact(final))
    facts.append(
        t(
            "timelines.fact.items",
            items=ui.number(cycle["items_known"]),
            declared=ui.number(cycle["declared_count"]),
        )
        if cycle["declared_count"] is not None
        else t("timelines.fact.items_no_declared", items=ui.number(cycle["items_known"]))
    )
    return facts


def _final_fact(final: dict) -> str:
    """The final-report deadline in one line: when it was due and what became of it."""
    days = final["final_deadline_days"]
    if final["final_due_on"] is None:
        return t(
            "timelines.fact.final_no_handover",
            days=days,
            start=deadline_start(final["final_deadline_from"]),
        )
    due = t(
        "timelines.fact.final_due",
        date=ui.format_date(final["final_due_on"], final["final_due_on_precision"]),
        days=days,
        start=deadline_start(final["final_deadline_from"]),
    )
    received = ui.format_date(final["received_on"], final["received_on_precision"])
    outcome = {
        "on_time": t("timelines.fact.final_on_time", date=received),
        "late": t("timelines.fact.final_late", date=received),
        "answered": t("timelines.fact.final_received", date=received),
        "overdue": t("timelines.fact.final_overdue"),
        "awaiting": t("timelines.fact.final_awaiting"),
        "not_recorded": t("timelines.fact.final_not_recorded"),
    }.get(final["final_timeliness"], "")
    return f"{due}, {outcome}" if outcome else due


def _deadline_clock(snapshot_path: str, cycle: dict, finals: pl.DataFrame) -> None:
    institution = cycle["institution_name"]
    st.subheader(t("timelines.clock_heading", institution=institution))
    has_final_rule = finals.height > 0 and finals["final_deadline_days"].is_not_null().any()
    if cycle["response_deadline_days"] is None and not has_final_rule:
        st.info(t("timelines.clock_no_rule"), icon=":material/timer_off:")
        return
    if cycle["response_deadline_days"] is not None:
        _response_clock(snapshot_path, cycle["institution_id"])
    else:
        st.caption(t("timelines.clock_final_only"))
    if has_final_rule:
        _final_clock(finals)


def _response_clock(snapshot_path: str, institution_id: str) -> None:
    clock = queries.response_timeliness(snapshot_path, institution_id)
    if clock.height == 0:
        ui.empty_state(t("timelines.clock_empty_what"), t("timelines.clock_empty_change"))
        return
    labels = {value: t(f"timeliness.{value}") for value in DEADLINE_COLOURS}
    order = {value: index for index, value in enumerate(DEADLINE_COLOURS)}
    shaped = clock.with_columns(
        pl.col("response_timeliness")
        .replace_strict(labels, default=pl.col("response_timeliness"))
        .alias("timeliness_label"),
        pl.col("response_timeliness")
        .replace_strict(order, default=len(order), return_dtype=pl.Int64)
        .alias("timeliness_order"),
    )
    counts = dict(shaped.group_by("response_timeliness").agg(pl.col("count").sum()).iter_rows())
    summary = t(
        "timelines.clock_summary",
        cycles=tn("common.cycles", shaped["cycle_id"].n_unique()),
        parts=_counted(counts, labels),
    )
    ui.chart_block(
        charts.deadline_clock(shaped, labels=labels, title=t("timelines.clock_axis")),
        shaped.select("cycle", "timeliness_label", "count", "due_on"),
        summary,
        key="timelines_clock",
        column_config={
            "cycle": t("column.cycle"),
            "timeliness_label": t("timelines.clock_class"),
            "count": t("column.count"),
            "due_on": st.column_config.DateColumn(
                t("timelines.due_on"), format=formats.grid_date_format()
            ),
        },
    )


def _counted(counts: dict[str, int], labels: dict[str, Markdown]) -> Markdown:
    """'3 Answered on time; 2 Not recorded': only the classes that occur, in scale order, so a
    class that cannot be decided is never reported as 0."""
    return Markdown("; ").join(
        Markdown(f"{ui.number(counts[value])} × {text}")
        for value, text in labels.items()
        if counts.get(value)
    )


def _final_clock(finals: pl.DataFrame) -> None:
    """Each cycle's final report against the institution's final deadline, as a table: one
    verdict per cycle is clearer read than charted."""
    start = deadline_start(finals["final_deadline_from"].drop_nulls().first())
    st.markdown(t("timelines.final_heading", start=start))
    labels = {value: t(f"timeliness.final.{value}", start=start) for value in FINAL_VERDICTS}
    counts = dict(finals.group_by("final_timeliness").len().iter_rows())
    st.caption(
        t(
            "timelines.final_summary",
            cycles=tn("common.cycles", finals.height),
            parts=_counted(counts, labels),
            days=finals["final_deadline_days"].drop_nulls().first(),
            start=start,
        )
    )
    ui.table(
        # The verdict comes second so a phone shows it without scrolling sideways.
        finals.select(
            "cycle",
            pl.col("final_timeliness")
            .replace_strict(labels, default=pl.col("final_timeliness"))
            .alias("verdict"),
            "final_due_on",
            "received_on",
        ),
        key="timelines_final_clock",
        column_config={
            "cycle": t("column.cycle"),
            "final_due_on": st.column_config.DateColumn(
                t("timelines.final_due_on"), format=formats.grid_date_format()
            ),
            "received_on": st.column_config.DateColumn(
                t("timelines.final_received_on"), format=formats.grid_date_format()
            ),
            "verdict": t("timelines.final_verdict"),
        },
    )


def render() -> None:
    snapshot_path = state.snapshot_path()
    st.title(t("timelines.title"))
    st.caption(t("timelines.intro"))
    cycles = queries.cycles(snapshot_path)
    if cycles.height == 0:
        ui.empty_state(t("timelines.empty_what"), t("timelines.empty_change"))
        return
    cycle_id = _pick_cycle(snapshot_path, queries.busiest_cycle(snapshot_path))
    if cycle_id is None:
        return
    found = queries.cycle_indicators(snapshot_path).filter(pl.col("cycle_id") == cycle_id)
    if found.height == 0:
        ui.empty_state(t("timelines.empty_what"), t("timelines.empty_change"))
        return
    cycle = found.row(0, named=True)
    finals = queries.final_deadlines(snapshot_path, cycle["institution_id"])
    this_final = finals.filter(pl.col("cycle_id") == cycle_id)
    final = this_final.row(0, named=True) if this_final.height else None
    st.markdown("\n".join(f"- {fact}" for fact in _cycle_facts(cycle, final)))
    layers, lane_order, table = timeline_lanes.layers(snapshot_path, cycle_id, current_language())
    if table.height == 0:
        ui.empty_state(t("timelines.none_what"), t("timelines.none_change"))
    else:
        deadlines = _deadline_rules(cycle, final)
        summary = t(
            "timelines.summary",
            # Points may stand for several records (counted per day or week): sum their n.
            milestones=ui.number(layers[0][0]["n"].sum()),
            responses=ui.number(layers[1][0]["n"].sum()),
            events=ui.number(layers[2][0]["n"].sum()),
            first=ui.format_date(table["on_date"].min()),
            last=ui.format_date(table["on_date"].max()),
        )
        ui.chart_block(
            charts.cycle_timeline(layers, deadlines, lane_order=lane_order),
            table,
            summary,
            key="timelines_cycle_chart",
            column_config={
                "on_date": st.column_config.DateColumn(
                    t("column.date"), format=formats.grid_date_format()
                ),
                "lane": t("timelines.lane_title"),
                "value_label": t("column.value"),
                "detail": t("timelines.detail"),
                "n": t("column.count"),
                "source_url": st.column_config.LinkColumn(
                    t("column.source"), display_text=t("column.open_source")
                ),
            },
        )
    _deadline_clock(snapshot_path, cycle, finals)


if __name__ == "__main__":
    render()
