"""Timelines: one cycle on a time axis, from its sessions to its final report.

Milestones, formal responses and implementation events sit on separate lanes of the same
axis, with the response deadline drawn in, so a committee sees at a glance where a cycle
stalled. Below, the institution's deadline clock shows each cycle's answers: on time, late,
or overdue.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, permalinks, queries, state, ui
from dashboard.messages import label, t
from dashboard.palette import (
    DEADLINE_COLOURS,
    IMPLEMENTATION_COLOURS,
    MILESTONE_COLOURS,
    STANCE_COLOURS,
)

PARAM = "cycle"
WIDGET = "timelines_cycle"
LAST_URL = "timelines_url"
JITTER_STEP = 0.3


def _labels(scale: str, values: dict[str, str]) -> dict[str, str]:
    return {value: label(scale, value) for value in values}


def _with_jitter(frame: pl.DataFrame) -> pl.DataFrame:
    """Stack points of the same day a little apart so they do not hide each other."""
    return frame.with_columns(
        (
            ((pl.int_range(pl.len()) - (pl.len() - 1) / 2) * JITTER_STEP)
            .clip(-0.9, 0.9)
            .over("on_date")
        ).alias("jitter")
    )


def _pick_cycle(cycles: pl.DataFrame, default: str | None) -> str | None:
    options = {
        row["cycle_id"]: f"{row['institution']} — {row['title']}"
        + (f" ({row['started_on'].year})" if row["started_on"] else "")
        for row in cycles.iter_rows(named=True)
    }
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
        st.query_params.from_dict(url)
    st.session_state[LAST_URL] = url
    return chosen


def _layers(snapshot_path: str, cycle_id: str) -> tuple[list, list[str], pl.DataFrame]:
    lanes = {
        "milestones": t("timelines.lane.milestones"),
        "responses": t("timelines.lane.responses"),
        "events": t("timelines.lane.events"),
    }
    milestone_labels = _labels("milestone", MILESTONE_COLOURS)
    # One legend serves all lanes, so response and status entries say which lane they are.
    stance_labels = {
        value: t("timelines.legend_response", label=text)
        for value, text in _labels("stance", STANCE_COLOURS).items()
    }
    status_labels = {
        value: t("timelines.legend_status", label=text)
        for value, text in _labels("implementation", IMPLEMENTATION_COLOURS).items()
    }
    milestones = queries.cycle_milestones(snapshot_path, cycle_id).select(
        pl.col("occurred_on").alias("on_date"),
        pl.lit(lanes["milestones"]).alias("lane"),
        pl.col("kind")
        .replace_strict(milestone_labels, default=pl.col("kind"))
        .alias("value_label"),
        pl.col("label").fill_null("").alias("detail"),
        pl.col("source_url"),
    )
    answers = queries.cycle_responses(snapshot_path, cycle_id).select(
        pl.col("responded_on").alias("on_date"),
        pl.lit(lanes["responses"]).alias("lane"),
        pl.col("stance")
        .replace_strict(stance_labels, default=pl.col("stance"))
        .alias("value_label"),
        pl.concat_str([pl.col("number").fill_null(""), pl.col("title")], separator=". ").alias(
            "detail"
        ),
        pl.col("source_url"),
    )
    events = queries.cycle_status_events(snapshot_path, cycle_id).select(
        pl.col("occurred_on").alias("on_date"),
        pl.lit(lanes["events"]).alias("lane"),
        pl.col("status")
        .replace_strict(status_labels, default=pl.col("status"))
        .alias("value_label"),
        pl.concat_str([pl.col("number").fill_null(""), pl.col("title")], separator=". ").alias(
            "detail"
        ),
        pl.col("source_url"),
    )
    layers = [
        (_with_jitter(milestones), "milestone", milestone_labels, "diamond"),
        (_with_jitter(answers), "stance", stance_labels, "square"),
        (_with_jitter(events), "implementation", status_labels, "circle"),
    ]
    table = pl.concat([milestones, answers, events]).sort("on_date")
    return layers, list(lanes.values()), table


def _cycle_facts(cycle: dict) -> list[str]:
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
    if cycle["response_due_on"]:
        facts.append(
            t(
                "timelines.fact.due",
                date=ui.format_date(cycle["response_due_on"], cycle["response_due_on_precision"]),
                days=cycle["response_deadline_days"],
            )
        )
    else:
        facts.append(t("timelines.fact.no_deadline"))
    facts.append(
        t(
            "timelines.fact.items",
            items=ui.number(cycle["items_known"]),
            declared=ui.number(cycle["declared_count"]),
        )
    )
    return facts


def _deadline_clock(snapshot_path: str, cycle: dict) -> None:
    institution = cycle["institution_name"]
    st.subheader(t("timelines.clock_heading", institution=ui.escape_markdown(institution)))
    if cycle["response_deadline_days"] is None:
        st.info(t("timelines.clock_no_rule"), icon=":material/timer_off:")
        return
    clock = queries.response_timeliness(snapshot_path, cycle["institution_id"])
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
        on_time=counts.get("on_time", 0),
        late=counts.get("late", 0),
        overdue=counts.get("overdue", 0),
        awaiting=counts.get("awaiting", 0),
        cycles=shaped["cycle_id"].n_unique(),
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
            "due_on": st.column_config.DateColumn(t("timelines.due_on")),
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
    cycle_id = _pick_cycle(cycles, queries.busiest_cycle(snapshot_path))
    if cycle_id is None:
        return
    found = queries.cycle_indicators(snapshot_path).filter(pl.col("cycle_id") == cycle_id)
    if found.height == 0:
        ui.empty_state(t("timelines.empty_what"), t("timelines.empty_change"))
        return
    cycle = found.row(0, named=True)
    st.markdown("\n".join(f"- {fact}" for fact in _cycle_facts(cycle)))
    layers, lane_order, table = _layers(snapshot_path, cycle_id)
    if table.height == 0:
        ui.empty_state(t("timelines.none_what"), t("timelines.none_change"))
    else:
        due = cycle["response_due_on"]
        deadlines = (
            pl.DataFrame({"due_on": [due], "what": [t("timelines.deadline_rule")]})
            if due
            else pl.DataFrame(schema={"due_on": pl.Date, "what": pl.String})
        )
        summary = t(
            "timelines.summary",
            milestones=layers[0][0].height,
            responses=layers[1][0].height,
            events=layers[2][0].height,
            first=ui.format_date(table["on_date"].min()),
            last=ui.format_date(table["on_date"].max()),
        )
        ui.chart_block(
            charts.cycle_timeline(layers, deadlines, lane_order=lane_order),
            table.with_columns(
                pl.when(pl.col("source_url").str.contains(r"^https?://"))
                .then(pl.col("source_url"))
                .otherwise(None)
            ),
            summary,
            key="timelines_cycle_chart",
            column_config={
                "on_date": st.column_config.DateColumn(t("column.date")),
                "lane": t("timelines.lane_title"),
                "value_label": t("column.value"),
                "detail": t("timelines.detail"),
                "source_url": st.column_config.LinkColumn(
                    t("column.source"), display_text=t("column.open_source")
                ),
            },
        )
    _deadline_clock(snapshot_path, cycle)


if __name__ == "__main__":
    render()
