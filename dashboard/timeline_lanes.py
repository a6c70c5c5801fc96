"""A cycle's timeline as chart layers: milestones, responses and status events on three lanes.

Shaped once per snapshot, cycle and language (st.cache_resource, shared and read-only, like
dashboard/page_data.py): a rerun that shows the same cycle again only draws it. Every step is
a Polars expression; the few texts that depend on a value (a legend entry, "3 recommendations")
are made once per distinct value, never once per point.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import page_data, queries
from dashboard.messages import label, speaking, t
from dashboard.palette import (
    IMPLEMENTATION_COLOURS,
    MILESTONE_COLOUR,
    MILESTONE_SHAPES,
    RESPONSE_SHAPE,
    RESPONSE_STATE_COLOURS,
    STATUS_SHAPE,
)

JITTER_STEP = 0.3
# Points per lane before a cycle's responses or status updates are merged per week: a cycle
# with thousands of dated updates would otherwise send (and draw) one point per day and value.
MAX_LANE_POINTS = 500

# One lane: its points and its legend entries (label -> colour and shape).
Layer = tuple[pl.DataFrame, dict[str, tuple[str, str]]]


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


def per_week_if_busy(frame: pl.DataFrame, on: str, value: str) -> pl.DataFrame:
    """Rows counted per day and value, merged per week (dated on its Monday) when there are
    more than MAX_LANE_POINTS; `per_week` says which."""
    if frame.height <= MAX_LANE_POINTS:
        return frame.with_columns(pl.lit(False).alias("per_week"))
    return (
        frame.group_by(pl.col(on).dt.truncate("1w"), value)
        .agg(
            pl.col("n").sum(),
            pl.col("number").first(),
            pl.col("title").first(),
            pl.col("source_url").first(),
        )
        .sort(on, value)
        .with_columns(pl.lit(True).alias("per_week"))
    )


def _detail(frame: pl.DataFrame) -> pl.Expr:
    """A point's tooltip: the recommendation when the point is one, else how many it counts
    (responses and events come counted per day and value, so a busy cycle stays light)."""
    counts = frame["n"]
    per_day = page_data.labels_for("n", counts, lambda n: t("timelines.n_recommendations", n=n))
    per_week = page_data.labels_for(
        "n", counts, lambda n: t("timelines.n_recommendations_week", n=n)
    )
    return (
        # A collective response is named by its document, whatever it covers.
        pl.when(pl.col("number").is_null() & pl.col("title").is_not_null() & (pl.col("n") != 1))
        .then(pl.col("title"))
        .when(pl.col("n") == 1)
        .then(pl.concat_str([pl.col("number").fill_null(""), pl.col("title")], separator=". "))
        .when(pl.col("per_week"))
        .then(per_week)
        .otherwise(per_day)
        .alias("detail")
    )


@st.cache_resource(max_entries=page_data.MAX_ENTRIES, ttl=page_data.TTL_SECONDS, show_spinner=False)
def layers(
    snapshot_path: str, cycle_id: str, language: str
) -> tuple[list[Layer], list[str], pl.DataFrame]:
    """The timeline's three lanes as chart layers, each with its legend entries: milestones
    by shape in one dark colour, responses as squares and status events as circles in their
    palette colours; then the lane names in order, and every point as one table by date."""
    with speaking(language):
        return _layers(snapshot_path, cycle_id)


def _layers(snapshot_path: str, cycle_id: str) -> tuple[list[Layer], list[str], pl.DataFrame]:
    lanes = {
        "milestones": t("timelines.lane.milestones"),
        "responses": t("timelines.lane.responses"),
        "events": t("timelines.lane.events"),
    }
    milestone_labels = _labels("milestone", MILESTONE_SHAPES)
    # One legend serves all lanes, so response and status entries say which lane they are.
    stance_labels = {
        value: t("timelines.legend_response", label=text)
        for value, text in _labels("response_state", RESPONSE_STATE_COLOURS).items()
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
        pl.lit(1, dtype=pl.Int64).alias("n"),
    )
    response_days = per_week_if_busy(
        queries.cycle_response_days(snapshot_path, cycle_id).with_columns(pl.col("n").fill_null(0)),
        "responded_on",
        "state",
    )
    answers = response_days.select(
        pl.col("responded_on").alias("on_date"),
        pl.lit(lanes["responses"]).alias("lane"),
        pl.col("state").replace_strict(stance_labels, default=pl.col("state")).alias("value_label"),
        _detail(response_days),
        pl.col("source_url"),
        pl.col("n").cast(pl.Int64),
    )
    event_days = per_week_if_busy(
        queries.cycle_status_event_days(snapshot_path, cycle_id), "occurred_on", "status"
    )
    events = event_days.select(
        pl.col("occurred_on").alias("on_date"),
        pl.lit(lanes["events"]).alias("lane"),
        pl.col("status")
        .replace_strict(status_labels, default=pl.col("status"))
        .alias("value_label"),
        _detail(event_days),
        pl.col("source_url"),
        pl.col("n").cast(pl.Int64),
    )
    drawn: list[Layer] = [
        (
            _with_jitter(milestones),
            {
                text: (MILESTONE_COLOUR, MILESTONE_SHAPES[value])
                for value, text in milestone_labels.items()
            },
        ),
        (
            _with_jitter(answers),
            {
                text: (RESPONSE_STATE_COLOURS[value], RESPONSE_SHAPE)
                for value, text in stance_labels.items()
            },
        ),
        (
            _with_jitter(events),
            {
                text: (IMPLEMENTATION_COLOURS[value], STATUS_SHAPE)
                for value, text in status_labels.items()
            },
        ),
    ]
    # The table links only to web addresses; the chart's tooltips carry none.
    table = (
        pl.concat([milestones, answers, events])
        .sort("on_date")
        .with_columns(
            pl.when(pl.col("source_url").str.contains(r"^https?://"))
            .then(pl.col("source_url"))
            .otherwise(None)
        )
    )
    return drawn, list(lanes.values()), table
