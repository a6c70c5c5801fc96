"""Altair chart builders: one function per chart kind, data in, chart out.

Charts encode canonical values through palette scales so each status keeps its colour, and
take display labels as a separate column so the legend reads in plain words.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboard import formats
from dashboard.messages import plain as t
from dashboard.palette import colour_scale, series_scale

FONT_SIZE = 13
# Streamlit fits a chart into its height *including* a bottom legend, so charts with a legend
# reserve room for it (about three rows of entries).
LEGEND_ALLOWANCE = 110
# Bar charts size by band: each category gets the same height however many there are; the
# band holds the category's name above a bar of BAR_SIZE pixels.
BAR_STEP = 48
BAR_SIZE = 18
LANE_STEP = 80
# Deadlines are vermillion like "overdue"; the first rule (the response deadline) has long
# dashes, the second (the final report) short ones.
DEADLINE_RULE_COLOUR = "#D55E00"
DEADLINE_DASHES = [[6, 4], [2, 3]]
UNLISTED_COLOUR = "#999999"
# About one tick per this many pixels of plot width: enough to read a value off, few enough
# that labels never crowd a 390 px phone screen.
TICK_SPACING = 100
MAX_TICKS = 10


def _ticks_for_width(spacing: int = TICK_SPACING) -> alt.ExprRef:
    """A tick count that follows the chart's drawn width (a Vega expression), so a phone gets
    three or four ticks where a desktop gets ten (Vega then rounds to nice steps)."""
    return alt.expr(f"clamp(ceil(width / {spacing}), 2, {MAX_TICKS})")


def _finish(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    # The locale first: it writes axis numbers and month names the current language's way.
    return (
        chart.configure(locale=formats.d3_locale())
        .configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
        .configure_legend(
            labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE,
            orient="bottom",
            # Two columns of entries on a desktop; one on a phone, where two would run off-screen.
            columns=alt.expr("width < 480 ? 1 : 2"),
            # A label longer than the plot is wide would widen the chart past a phone's screen.
            labelLimit=alt.expr("width < 480 ? max(width - 40, 120) : 280"),
        )
    )


def _labelled_rows(category: str, sort: object = None) -> alt.Y:
    """A category axis whose names are written above each bar rather than beside it, so long
    institution names keep their full width on a phone."""
    return alt.Y(f"{category}:N", title=None, axis=None, sort=sort)


def _row_labels(data: pl.DataFrame, category: str, sort: object = None) -> alt.Chart:
    return (
        alt.Chart(data)
        .mark_text(
            align="left",
            baseline="bottom",
            dy=-BAR_SIZE / 2 - 2,
            fontSize=FONT_SIZE,
            # Truncated at the plot's width so a long name never squeezes the bars.
            limit=alt.expr("width"),
        )
        .encode(
            y=_labelled_rows(category, sort),
            x=alt.value(0),
            text=alt.Text(f"{category}:N"),
            color=alt.value("#1B1F24"),
        )
    )


def normalised_bars(
    data: pl.DataFrame,
    *,
    category: str,
    category_title: str,
    value_label: str,
    value_title: str,
    scale: str,
    labels: dict[str, str],
    order: str,
) -> alt.LayerChart:
    """One horizontal 100 % bar per category, split by a canonical scale (stance, status).

    `data` is long: category, value_label (display label), order (scale position), count.
    """
    bars = (
        alt.Chart(data)
        .mark_bar(size=BAR_SIZE, yOffset=BAR_SIZE / 2 - 2)
        .encode(
            y=_labelled_rows(category),
            x=alt.X(
                "sum(count):Q",
                stack="normalize",
                title=value_title,
                axis=alt.Axis(format="%", tickCount=_ticks_for_width()),
            ),
            color=alt.Color(
                f"{value_label}:N",
                scale=colour_scale(scale, labels, data[value_label].unique().to_list()),
                title=value_title,
            ),
            order=alt.Order(f"{order}:Q"),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{value_label}:N", title=value_title),
                alt.Tooltip("sum(count):Q", title=t("chart.n")),
            ],
        )
    )
    chart = (bars + _row_labels(data, category)).properties(height=alt.Step(BAR_STEP))
    return _finish(chart)


def funnel(data: pl.DataFrame, *, stage_title: str, count_title: str) -> alt.LayerChart:
    """The uptake funnel: one bar per stage, in order, with its count printed at the end."""
    stage_sort = alt.SortField("stage_order")
    base = alt.Chart(data).encode(
        y=_labelled_rows("stage_label", stage_sort),
        x=alt.X(
            "count:Q",
            title=count_title,
            axis=alt.Axis(format="d", tickMinStep=1, tickCount=_ticks_for_width()),
        ),
        tooltip=[
            alt.Tooltip("stage_label:N", title=stage_title),
            alt.Tooltip("count:Q", title=count_title),
            alt.Tooltip("share:Q", title=t("chart.share"), format=".0%"),
        ],
    )
    bars = base.mark_bar(color="#0072B2", size=BAR_SIZE, yOffset=BAR_SIZE / 2 - 2)
    counts = base.mark_text(align="left", dx=4, dy=BAR_SIZE / 2 - 2, fontSize=FONT_SIZE).encode(
        text="count:Q"
    )
    chart = bars + counts + _row_labels(data, "stage_label", stage_sort)
    return _finish(chart.properties(height=alt.Step(BAR_STEP)))


def kaplan_meier(
    data: pl.DataFrame, *, series_names: list[str], days_title: str, share_title: str
) -> alt.Chart:
    """Step curves of the share not yet implemented against days since the start."""
    chart = (
        alt.Chart(data)
        .mark_line(interpolate="step-after", strokeWidth=2.5)
        .encode(
            x=alt.X("days:Q", title=days_title, axis=alt.Axis(tickCount=_ticks_for_width())),
            y=alt.Y(
                "still_open:Q",
                title=share_title,
                axis=alt.Axis(format="%", tickCount=5),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "series:N",
                scale=series_scale(series_names, data["series"].unique().to_list()),
                title=None,
            ),
            tooltip=[
                alt.Tooltip("series:N", title=t("chart.series")),
                alt.Tooltip("days:Q", title=days_title),
                alt.Tooltip("still_open:Q", title=share_title, format=".0%"),
                alt.Tooltip("at_risk:Q", title=t("chart.at_risk")),
            ],
        )
        .properties(height=320 + LEGEND_ALLOWANCE)
    )
    return _finish(chart)


def cycle_timeline(
    layers: list[tuple[pl.DataFrame, dict[str, tuple[str, str]]]],
    deadlines: pl.DataFrame,
    *,
    lane_order: list[str],
) -> alt.LayerChart:
    """A cycle on one time axis: one lane per kind of record, deadlines as dashed vermillion
    rules labelled at the top.

    Each layer is (data, legend) where data has on_date, lane, value_label, detail, jitter and
    legend maps each value_label to its (colour, shape). All layers share one legend (several
    legends side by side do not fit a phone); colour and shape encode the same field, so each
    entry shows its colour and its shape together and no two entries look alike.
    `deadlines` has due_on, what (tooltip) and mark (the short label drawn on the chart).
    """
    domain: list[str] = []
    colours: list[str] = []
    shapes: list[str] = []
    for data, legend in layers:
        if data.height == 0:
            continue
        present = set(data["value_label"].to_list())
        for name in [*legend, *sorted(present - set(legend))]:
            if name in present and name not in domain:
                colour, shape = legend.get(name, (UNLISTED_COLOUR, "circle"))
                domain.append(name)
                colours.append(colour)
                shapes.append(shape)
    points = [
        alt.Chart(data)
        .mark_point(filled=True, size=170, opacity=0.9)
        .encode(
            x=alt.X(
                "on_date:T",
                title=None,
                axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=_ticks_for_width(140)),
            ),
            y=alt.Y("lane:N", sort=lane_order, title=None, axis=alt.Axis(labelLimit=160)),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-1, 1])),
            color=alt.Color(
                "value_label:N", scale=alt.Scale(domain=domain, range=colours), title=None
            ),
            shape=alt.Shape(
                "value_label:N", scale=alt.Scale(domain=domain, range=shapes), title=None
            ),
            tooltip=[
                alt.Tooltip("on_date:T", title=t("chart.date"), format="%x"),
                alt.Tooltip("value_label:N", title=t("chart.what")),
                alt.Tooltip("detail:N", title=t("chart.detail")),
            ],
        )
        for data, _ in layers
        if data.height
    ]
    if deadlines.height:
        rules = alt.Chart(deadlines).encode(
            x="due_on:T",
            tooltip=[
                alt.Tooltip("due_on:T", title=t("chart.due_on"), format="%x"),
                alt.Tooltip("what:N", title=t("chart.what")),
            ],
        )
        dashes = alt.StrokeDash(
            "what:N",
            scale=alt.Scale(
                domain=deadlines["what"].to_list(),
                range=DEADLINE_DASHES[: deadlines.height],
            ),
            legend=None,
        )
        points.append(
            rules.mark_rule(color=DEADLINE_RULE_COLOUR, strokeWidth=2).encode(strokeDash=dashes)
        )
        points.append(
            # Written up along the rule, so a deadline near the right edge keeps its label.
            rules.mark_text(
                align="right",
                baseline="bottom",
                angle=270,
                dy=-3,
                fontSize=FONT_SIZE - 2,
                color=DEADLINE_RULE_COLOUR,
                limit=120,
            ).encode(y=alt.value(2), text="mark:N")
        )
    return _finish(alt.layer(*points).properties(height=alt.Step(LANE_STEP)))


def deadline_clock(data: pl.DataFrame, *, labels: dict[str, str], title: str) -> alt.LayerChart:
    """Per cycle, how many recommendations were answered on time, late, or are overdue."""
    bars = (
        alt.Chart(data)
        .mark_bar(size=BAR_SIZE, yOffset=BAR_SIZE / 2 - 2)
        .encode(
            y=_labelled_rows("cycle"),
            x=alt.X(
                "sum(count):Q",
                title=title,
                axis=alt.Axis(format="d", tickMinStep=1, tickCount=_ticks_for_width()),
            ),
            color=alt.Color(
                "timeliness_label:N",
                scale=colour_scale(
                    "timeliness", labels, data["timeliness_label"].unique().to_list()
                ),
                title=None,
            ),
            order=alt.Order("timeliness_order:Q"),
            tooltip=[
                alt.Tooltip("cycle:N", title=t("chart.cycle")),
                alt.Tooltip("timeliness_label:N", title=t("chart.timeliness")),
                alt.Tooltip("sum(count):Q", title=t("chart.n")),
            ],
        )
    )
    chart = (bars + _row_labels(data, "cycle")).properties(height=alt.Step(BAR_STEP))
    return _finish(chart)


def response_days_box(
    data: pl.DataFrame, *, series_names: list[str], days_title: str, series_title: str
) -> alt.LayerChart:
    """Days from handover to response as one box per series, from a five-number summary
    (series, n, min_days, q1_days, median_days, q3_days, max_days): the chart's data is one
    row per series, however many recommendations it summarises."""
    base = alt.Chart(data).encode(
        y=_labelled_rows("series"),
        tooltip=[
            alt.Tooltip("series:N", title=series_title),
            alt.Tooltip("n:Q", title=t("chart.n")),
            alt.Tooltip("min_days:Q", title=t("chart.min_days")),
            alt.Tooltip("q1_days:Q", title=t("chart.q1_days")),
            alt.Tooltip("median_days:Q", title=t("chart.median_days")),
            alt.Tooltip("q3_days:Q", title=t("chart.q3_days")),
            alt.Tooltip("max_days:Q", title=t("chart.max_days")),
        ],
    )
    offset = BAR_SIZE / 2 - 2
    whiskers = base.mark_rule(strokeWidth=2, yOffset=offset).encode(
        x=alt.X(
            "min_days:Q",
            title=days_title,
            axis=alt.Axis(tickMinStep=1, tickCount=_ticks_for_width()),
        ),
        x2="max_days:Q",
        color=alt.Color(
            "series:N",
            scale=series_scale(series_names, data["series"].unique().to_list()),
            legend=None,
        ),
    )
    boxes = base.mark_bar(size=BAR_SIZE, yOffset=offset, opacity=0.8).encode(
        x="q1_days:Q",
        x2="q3_days:Q",
        color=alt.Color(
            "series:N",
            scale=series_scale(series_names, data["series"].unique().to_list()),
            legend=None,
        ),
    )
    # White with a dark edge: visible on every series colour, the darkest included.
    medians = base.mark_tick(
        color="white",
        stroke="#1B1F24",
        strokeWidth=1.5,
        thickness=4,
        size=BAR_SIZE + 8,
        yOffset=offset,
    ).encode(x="median_days:Q")
    chart = (whiskers + boxes + medians + _row_labels(data, "series")).properties(
        height=alt.Step(BAR_STEP)
    )
    return _finish(chart)
