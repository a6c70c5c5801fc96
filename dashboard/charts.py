"""Chart specs as plain Vega-Lite dicts: one function per chart kind, data in, spec out.

Charts encode canonical values through palette scales so each status keeps its colour, and
take display labels as a separate column so the legend reads in plain words.

Why plain dicts and a cache: a page rerun used to spend most of its time in Altair (validating
every channel of every layer as the chart was built) and in st.altair_chart (converting and
validating the whole spec again), far more than in its queries. A spec here is built once per
distinct chart — the exact data it draws (its Arrow bytes) and every text in it are the key —
and drawn with st.vega_lite_chart, which validates nothing. A rerun that shows the same chart
(same snapshot, scope and language) gets the finished spec back; another language or scope is
other data or other texts, so another key: a chart is never served in the wrong words. The
specs are shared between sessions and must be treated as read-only.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa

from dashboard import formats
from dashboard.messages import current_language
from dashboard.messages import plain as t
from dashboard.palette import colour_scale, series_scale

Spec = dict[str, Any]

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
LABEL_COLOUR = "#1B1F24"
# About one tick per this many pixels of plot width: enough to read a value off, few enough
# that labels never crowd a 390 px phone screen.
TICK_SPACING = 100
MAX_TICKS = 10
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
# Finished specs kept per process (every session shares them); each is a few kilobytes.
MAX_SPECS = 256


@dataclass(frozen=True)
class Source:
    """A chart's data as the browser receives it: Arrow IPC bytes under a content-hash name,
    the same form Streamlit gives a data frame, so st.vega_lite_chart sends it unconverted."""

    frame: pl.DataFrame
    arrow: bytes
    name: str

    @classmethod
    def of(cls, frame: pl.DataFrame) -> Source:
        table = frame.to_arrow()
        sink = pa.BufferOutputStream()
        with pa.RecordBatchStreamWriter(sink, table.schema) as writer:
            writer.write_table(table)
        arrow = sink.getvalue().to_pybytes()
        return cls(frame, arrow, "data-" + hashlib.md5(arrow, usedforsecurity=False).hexdigest())


_specs: OrderedDict[Hashable, Spec] = OrderedDict()
_specs_lock = threading.Lock()


def _cached(key: Hashable, build: Callable[[], Spec]) -> Spec:
    """The spec stored under `key`, built by `build` the first time (least recently used
    specs are dropped beyond MAX_SPECS). The language is part of the key: it sets the chart's
    number and date locale even where every text is the same."""
    key = (current_language(), key)
    with _specs_lock:
        if key in _specs:
            _specs.move_to_end(key)
            return _specs[key]
    spec = build()
    with _specs_lock:
        _specs[key] = spec
        while len(_specs) > MAX_SPECS:
            _specs.popitem(last=False)
    return spec


def _frozen(value: object) -> Hashable:
    """An option as part of a cache key: lists and mappings become tuples."""
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        # The common long option (every series name of a snapshot), frozen in one step.
        return tuple(value)
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value  # type: ignore[return-value]


def _spec_cached(build: Callable[..., Spec]) -> Callable[..., Spec]:
    """A chart kind drawn from one frame, its spec cached under the frame's exact Arrow bytes
    and every option (titles, labels, series): callers pass the frame, the builder gets its
    Source, and a rerun showing the same chart in the same words gets the finished spec back."""

    @functools.wraps(build)
    def cached(data: pl.DataFrame, **options: Any) -> Spec:
        source = Source.of(data)
        key = (
            build.__name__,
            source.arrow,
            tuple(sorted((n, _frozen(v)) for n, v in options.items())),
        )
        # Through __wrapped__, so a test can count the builds that really happen.
        return _cached(key, lambda: cached.__wrapped__(source, **options))

    return cached


def clear_cache() -> None:
    """Forget every built spec (tests start from a known state)."""
    with _specs_lock:
        _specs.clear()


def _ticks_for_width(spacing: int = TICK_SPACING) -> dict[str, str]:
    """A tick count that follows the chart's drawn width (a Vega expression), so a phone gets
    three or four ticks where a desktop gets ten (Vega then rounds to nice steps)."""
    return {"expr": f"clamp(ceil(width / {spacing}), 2, {MAX_TICKS})"}


CONFIG: Spec = {
    "axis": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE},
    "legend": {
        # Two columns of entries on a desktop; one on a phone, where two would run off-screen.
        "columns": {"expr": "width < 480 ? 1 : 2"},
        "labelFontSize": FONT_SIZE,
        # A label longer than the plot is wide would widen the chart past a phone's screen.
        "labelLimit": {"expr": "width < 480 ? max(width - 40, 120) : 280"},
        "orient": "bottom",
        "titleFontSize": FONT_SIZE,
    },
}


def _finish(spec: Spec, sources: list[Source]) -> Spec:
    """The top-level spec: the shared text sizes and legend layout, and the data by name."""
    return {
        "$schema": SCHEMA,
        # The locale writes axis numbers and month names the current language's way.
        "config": {**CONFIG, "locale": formats.d3_locale()},
        **spec,
        "datasets": {source.name: source.arrow for source in sources},
    }


# A channel with no title of its own takes its field's name; one whose title is None has none.
_FIELD_NAME = object()


def _nominal(field: str, title: object = _FIELD_NAME, **extra: Any) -> Spec:
    channel: Spec = {"field": field, "type": "nominal", **extra}
    if title is not _FIELD_NAME:
        channel["title"] = title
    return channel


def _quantitative(field: str, title: object = _FIELD_NAME, **extra: Any) -> Spec:
    channel: Spec = {"field": field, "type": "quantitative", **extra}
    if title is not _FIELD_NAME:
        channel["title"] = title
    return channel


def _labelled_rows(category: str, sort: object = None) -> Spec:
    """A category axis whose names are written above each bar rather than beside it, so long
    institution names keep their full width on a phone."""
    return {"axis": None, "field": category, "sort": sort, "title": None, "type": "nominal"}


def _row_labels(category: str, sort: object = None) -> Spec:
    return {
        "mark": {
            "type": "text",
            "align": "left",
            "baseline": "bottom",
            "dy": -BAR_SIZE / 2 - 2,
            "fontSize": FONT_SIZE,
            # Truncated at the plot's width so a long name never squeezes the bars.
            "limit": {"expr": "width"},
        },
        "encoding": {
            "color": {"value": LABEL_COLOUR},
            "text": {"field": category, "type": "nominal"},
            "x": {"value": 0},
            "y": _labelled_rows(category, sort),
        },
    }


def _present(frame: pl.DataFrame, column: str) -> list[str]:
    return frame[column].unique().to_list()


@_spec_cached
def normalised_bars(
    source: Source,
    *,
    category: str,
    category_title: str,
    value_label: str,
    value_title: str,
    scale: str,
    labels: dict[str, str],
    order: str,
) -> Spec:
    """One horizontal 100 % bar per category, split by a canonical scale (stance, status).

    `data` is long: category, value_label (display label), order (scale position), count.
    """
    bars = {
        "mark": {"type": "bar", "size": BAR_SIZE, "yOffset": BAR_SIZE / 2 - 2},
        "encoding": {
            "color": _nominal(
                value_label,
                value_title,
                scale=colour_scale(scale, labels, _present(source.frame, value_label)),
            ),
            "order": _quantitative(order),
            "tooltip": [
                _nominal(category, category_title),
                _nominal(value_label, value_title),
                _quantitative("count", t("chart.n"), aggregate="sum"),
            ],
            "x": _quantitative(
                "count",
                value_title,
                aggregate="sum",
                axis={"format": "%", "tickCount": _ticks_for_width()},
                stack="normalize",
            ),
            "y": _labelled_rows(category),
        },
    }
    return _finish(
        {
            "layer": [bars, _row_labels(category)],
            "data": {"name": source.name},
            "height": {"step": BAR_STEP},
        },
        [source],
    )


@_spec_cached
def funnel(source: Source, *, stage_title: str, count_title: str) -> Spec:
    """The uptake funnel: one bar per stage, in order, with its count printed at the end."""
    stage_sort = {"field": "stage_order"}
    shared = {
        "tooltip": [
            _nominal("stage_label", stage_title),
            _quantitative("count", count_title),
            _quantitative("share", t("chart.share"), format=".0%"),
        ],
        "x": _quantitative(
            "count",
            count_title,
            axis={"format": "d", "tickCount": _ticks_for_width(), "tickMinStep": 1},
        ),
        "y": _labelled_rows("stage_label", stage_sort),
    }
    bars = {
        "mark": {"type": "bar", "color": "#0072B2", "size": BAR_SIZE, "yOffset": BAR_SIZE / 2 - 2},
        "encoding": shared,
    }
    counts = {
        "mark": {
            "type": "text",
            "align": "left",
            "dx": 4,
            "dy": BAR_SIZE / 2 - 2,
            "fontSize": FONT_SIZE,
        },
        "encoding": {**shared, "text": _quantitative("count")},
    }
    return _finish(
        {
            "layer": [bars, counts, _row_labels("stage_label", stage_sort)],
            "data": {"name": source.name},
            "height": {"step": BAR_STEP},
        },
        [source],
    )


@_spec_cached
def kaplan_meier(
    source: Source, *, series_names: list[str], days_title: str, share_title: str
) -> Spec:
    """Step curves of the share not yet implemented against days since the start."""
    return _finish(
        {
            "data": {"name": source.name},
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2.5},
            "encoding": {
                # A blank title, not none: Vega-Lite lays out a legend with a null title
                # wrongly, so Streamlit would patch it to this anyway.
                "color": _nominal(
                    "series",
                    " ",
                    scale=series_scale(series_names, _present(source.frame, "series")),
                ),
                "tooltip": [
                    _nominal("series", t("chart.series")),
                    _quantitative("days", days_title),
                    _quantitative("still_open", share_title, format=".0%"),
                    _quantitative("at_risk", t("chart.at_risk")),
                ],
                "x": _quantitative("days", days_title, axis={"tickCount": _ticks_for_width()}),
                "y": _quantitative(
                    "still_open",
                    share_title,
                    axis={"format": "%", "tickCount": 5},
                    scale={"domain": [0, 1]},
                ),
            },
            "height": 320 + LEGEND_ALLOWANCE,
        },
        [source],
    )


def cycle_timeline(
    layers: list[tuple[pl.DataFrame, dict[str, tuple[str, str]]]],
    deadlines: pl.DataFrame,
    *,
    lane_order: list[str],
) -> Spec:
    """A cycle on one time axis: one lane per kind of record, deadlines as dashed vermillion
    rules labelled at the top.

    Each layer is (data, legend) where data has on_date, lane, value_label, detail, jitter and
    legend maps each value_label to its (colour, shape). All layers share one legend (several
    legends side by side do not fit a phone); colour and shape encode the same field, so each
    entry shows its colour and its shape together and no two entries look alike.
    `deadlines` has due_on, what (tooltip) and mark (the short label drawn on the chart).
    """
    sources = [(Source.of(data), legend) for data, legend in layers if data.height]
    rules = Source.of(deadlines) if deadlines.height else None
    key = (
        "cycle_timeline",
        tuple((source.arrow, tuple(legend.items())) for source, legend in sources),
        rules.arrow if rules else None,
        tuple(lane_order),
    )
    return _cached(key, lambda: _cycle_timeline(sources, rules, lane_order=lane_order))


def _cycle_timeline(
    sources: list[tuple[Source, dict[str, tuple[str, str]]]],
    rules: Source | None,
    *,
    lane_order: list[str],
) -> Spec:
    domain: list[str] = []
    colours: list[str] = []
    shapes: list[str] = []
    for source, legend in sources:
        present = set(source.frame["value_label"].to_list())
        for name in [*legend, *sorted(present - set(legend))]:
            if name in present and name not in domain:
                colour, shape = legend.get(name, (UNLISTED_COLOUR, "circle"))
                domain.append(name)
                colours.append(colour)
                shapes.append(shape)
    points: list[Spec] = [
        {
            "data": {"name": source.name},
            "mark": {"type": "point", "filled": True, "opacity": 0.9, "size": 170},
            "encoding": {
                "color": _nominal("value_label", None, scale={"domain": domain, "range": colours}),
                "shape": _nominal("value_label", None, scale={"domain": domain, "range": shapes}),
                "tooltip": [
                    {
                        "field": "on_date",
                        "format": "%x",
                        "title": t("chart.date"),
                        "type": "temporal",
                    },
                    _nominal("value_label", t("chart.what")),
                    _nominal("detail", t("chart.detail")),
                ],
                "x": {
                    "axis": {
                        "format": "%b %Y",
                        "labelAngle": 0,
                        "tickCount": _ticks_for_width(140),
                    },
                    "field": "on_date",
                    "title": None,
                    "type": "temporal",
                },
                "y": _nominal("lane", None, axis={"labelLimit": 160}, sort=lane_order),
                "yOffset": _quantitative("jitter", scale={"domain": [-1, 1]}),
            },
        }
        for source, _ in sources
    ]
    if rules is not None:
        rows = rules.frame.height
        shared = {
            "tooltip": [
                {"field": "due_on", "format": "%x", "title": t("chart.due_on"), "type": "temporal"},
                _nominal("what", t("chart.what")),
            ],
            "x": {"field": "due_on", "type": "temporal"},
        }
        points.append(
            {
                "data": {"name": rules.name},
                "mark": {"type": "rule", "color": DEADLINE_RULE_COLOUR, "strokeWidth": 2},
                "encoding": {
                    "strokeDash": _nominal(
                        "what",
                        legend=None,
                        scale={
                            "domain": rules.frame["what"].to_list(),
                            "range": DEADLINE_DASHES[:rows],
                        },
                    ),
                    **shared,
                },
            }
        )
        points.append(
            # Written up along the rule, so a deadline near the right edge keeps its label.
            {
                "data": {"name": rules.name},
                "mark": {
                    "type": "text",
                    "align": "right",
                    "angle": 270,
                    "baseline": "bottom",
                    "color": DEADLINE_RULE_COLOUR,
                    "dy": -3,
                    "fontSize": FONT_SIZE - 2,
                    "limit": 120,
                },
                "encoding": {**shared, "text": _nominal("mark"), "y": {"value": 2}},
            }
        )
    used = [source for source, _ in sources] + ([rules] if rules is not None else [])
    return _finish({"layer": points, "height": {"step": LANE_STEP}}, used)


@_spec_cached
def deadline_clock(source: Source, *, labels: dict[str, str], title: str) -> Spec:
    """Per cycle, how many recommendations were answered on time, late, or are overdue."""
    bars = {
        "mark": {"type": "bar", "size": BAR_SIZE, "yOffset": BAR_SIZE / 2 - 2},
        "encoding": {
            "color": _nominal(
                "timeliness_label",
                None,
                scale=colour_scale(
                    "timeliness", labels, _present(source.frame, "timeliness_label")
                ),
            ),
            "order": _quantitative("timeliness_order"),
            "tooltip": [
                _nominal("cycle", t("chart.cycle")),
                _nominal("timeliness_label", t("chart.timeliness")),
                _quantitative("count", t("chart.n"), aggregate="sum"),
            ],
            "x": _quantitative(
                "count",
                title,
                aggregate="sum",
                axis={"format": "d", "tickCount": _ticks_for_width(), "tickMinStep": 1},
            ),
            "y": _labelled_rows("cycle"),
        },
    }
    return _finish(
        {
            "layer": [bars, _row_labels("cycle")],
            "data": {"name": source.name},
            "height": {"step": BAR_STEP},
        },
        [source],
    )


@_spec_cached
def response_days_box(
    source: Source, *, series_names: list[str], days_title: str, series_title: str
) -> Spec:
    """Days from handover to response as one box per series, from a five-number summary
    (series, n, min_days, q1_days, median_days, q3_days, max_days): the chart's data is one
    row per series, however many recommendations it summarises."""
    offset = BAR_SIZE / 2 - 2
    colour = _nominal(
        "series",
        legend=None,
        scale=series_scale(series_names, _present(source.frame, "series")),
    )
    shared = {
        "tooltip": [
            _nominal("series", series_title),
            _quantitative("n", t("chart.n")),
            _quantitative("min_days", t("chart.min_days")),
            _quantitative("q1_days", t("chart.q1_days")),
            _quantitative("median_days", t("chart.median_days")),
            _quantitative("q3_days", t("chart.q3_days")),
            _quantitative("max_days", t("chart.max_days")),
        ],
        "y": _labelled_rows("series"),
    }
    whiskers = {
        "mark": {"type": "rule", "strokeWidth": 2, "yOffset": offset},
        "encoding": {
            **shared,
            "color": colour,
            "x": _quantitative(
                "min_days",
                days_title,
                axis={"tickCount": _ticks_for_width(), "tickMinStep": 1},
            ),
            "x2": {"field": "max_days"},
        },
    }
    boxes = {
        "mark": {"type": "bar", "opacity": 0.8, "size": BAR_SIZE, "yOffset": offset},
        "encoding": {
            **shared,
            "color": colour,
            "x": _quantitative("q1_days"),
            "x2": {"field": "q3_days"},
        },
    }
    # White with a dark edge: visible on every series colour, the darkest included.
    medians = {
        "mark": {
            "type": "tick",
            "color": "white",
            "size": BAR_SIZE + 8,
            "stroke": LABEL_COLOUR,
            "strokeWidth": 1.5,
            "thickness": 4,
            "yOffset": offset,
        },
        "encoding": {**shared, "x": _quantitative("median_days")},
    }
    return _finish(
        {
            "layer": [whiskers, boxes, medians, _row_labels("series")],
            "data": {"name": source.name},
            "height": {"step": BAR_STEP},
        },
        [source],
    )
