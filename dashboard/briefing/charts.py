"""Static charts for briefings and exports: Vega-Lite specs rendered offline by vl-convert.

A chart that leaves the app must carry its own context, so each one has a title and a caption
that names n, the source and the snapshot's reference day inside the image itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import vl_convert

from dashboard import formats, palette
from dashboard.messages import plain as t

# A font every machine running the app has (Debian's DejaVu, also used by the PDF).
CHART_FONT = "DejaVu Sans"
CHART_WIDTH = 420


@dataclass(frozen=True)
class Chart:
    """One exported chart: its spec (with its data inline), and what it says in words."""

    name: str
    title: str
    caption: str
    n: int
    spec: dict[str, Any]

    def svg(self) -> str:
        return str(vl_convert.vegalite_to_svg(self.spec))

    def png(self, scale: float = 2.0) -> bytes:
        return bytes(vl_convert.vegalite_to_png(self.spec, scale=scale))


def state_bar_chart(
    name: str,
    frame: pl.DataFrame,
    scale: str,
    title: str,
    snapshot_id: str,
    as_of: date,
) -> Chart:
    """One horizontal bar per state, in the scale's order and colour, counts labelled."""
    colours = palette.SCALES[scale]
    rows = [
        {
            "state": t(f"scale.{scale}.{row['state']}"),
            "order": int(row["state_order"]),
            "count": int(row["count"]),
            "colour": colours.get(row["state"], palette.NOT_KNOWN),
        }
        for row in frame.iter_rows(named=True)
    ]
    n = sum(row["count"] for row in rows)
    caption = t("briefing.chart_caption", n=n, snapshot=snapshot_id, as_of=formats.day(as_of))
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "subtitle": caption, "anchor": "start"},
        "width": CHART_WIDTH,
        "data": {"values": rows},
        "encoding": {
            "y": {
                "field": "state",
                "type": "nominal",
                "sort": {"field": "order"},
                "title": t("briefing.axis_state"),
                "axis": {"labelLimit": 220},
            },
            "x": {
                "field": "count",
                "type": "quantitative",
                "title": t("briefing.axis_count"),
                "axis": {"tickMinStep": 1, "format": "d"},
            },
        },
        "layer": [
            {
                "mark": "bar",
                "encoding": {"color": {"field": "colour", "type": "nominal", "scale": None}},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 3},
                "encoding": {"text": {"field": "count", "type": "quantitative"}},
            },
        ],
        "config": {"font": CHART_FONT, "background": "white", "locale": formats.d3_locale()},
    }
    return Chart(name=name, title=title, caption=caption, n=n, spec=spec)


def briefing_charts(
    stances: pl.DataFrame, statuses: pl.DataFrame, snapshot_id: str, as_of: date
) -> list[Chart]:
    """The response-state chart and one implementation chart per basis present."""
    found: list[Chart] = []
    if stances.height:
        found.append(
            state_bar_chart(
                "responses",
                stances,
                "response_state",
                t("briefing.chart_responses"),
                snapshot_id,
                as_of,
            )
        )
    for basis in sorted(set(statuses["basis"].to_list())):
        subset = statuses.filter(pl.col("basis") == basis)
        words = t(f"briefing.chart_basis.{basis}")
        found.append(
            state_bar_chart(
                f"implementation_{basis}",
                subset,
                "implementation_state",
                t("briefing.chart_implementation", basis=words),
                snapshot_id,
                as_of,
            )
        )
    return found
