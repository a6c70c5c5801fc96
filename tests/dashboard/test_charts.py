"""Charts as a reader sees them: rendered to SVG by Vega itself, then counted and compared."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import polars as pl
import pyarrow as pa
import pytest
import vl_convert

from dashboard import charts
from dashboard.messages import label
from dashboard.palette import (
    IMPLEMENTATION_COLOURS,
    MILESTONE_COLOUR,
    MILESTONE_SHAPES,
    RESPONSE_SHAPE,
    STANCE_COLOURS,
    STATUS_SHAPE,
)

# Plot widths: a desktop column, and a 390 px phone less Streamlit's padding.
WIDTHS = (1150, 330)
# At most one tick label per this many pixels keeps numbers apart on any screen.
MIN_PIXELS_PER_TICK = 60


def _value(value: object) -> object:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _inline(spec: charts.Spec) -> dict:
    """The spec with its Arrow datasets written out as rows, as the browser decodes them."""
    datasets = {
        name: [
            {column: _value(value) for column, value in row.items()}
            for row in pa.ipc.open_stream(arrow).read_all().to_pylist()
        ]
        for name, arrow in spec["datasets"].items()
    }
    return {**spec, "datasets": datasets}


def _svg(chart: charts.Spec, width: int) -> str:
    return vl_convert.vegalite_to_svg({**_inline(chart), "width": width})


def _axis_labels(svg: str) -> list[list[str]]:
    groups = re.findall(r'class="mark-text role-axis-label"(.*?)</g>', svg, re.S)
    return [re.findall(r">([^<]+)</text>", group) for group in groups]


def _days(n: int, spread: int) -> list[int]:
    return [round(index * spread / max(n - 1, 1)) for index in range(n)]


def _sample_charts() -> dict[str, charts.Spec]:
    """Every chart kind with a value range like the bundled data's (0-80 days, 0-500 items)."""
    stance = pl.DataFrame(
        {
            "institution": ["A", "A", "B"],
            "stance_label": ["Accepted", "Rejected", "Accepted"],
            "stance_order": [0, 3, 0],
            "count": [40, 10, 5],
        }
    )
    funnel = pl.DataFrame(
        {
            "stage_label": ["Adopted", "Answered", "Implemented"],
            "stage_order": [0, 1, 2],
            "count": [483, 300, 120],
            "share": [1.0, 0.62, 0.25],
        }
    )
    survival = pl.DataFrame(
        {
            "series": ["A"] * 30,
            "days": _days(30, 1500),
            "still_open": [1 - index / 30 for index in range(30)],
            "at_risk": list(range(30, 0, -1)),
        }
    )
    answers = pl.DataFrame(
        {
            "series": ["A", "B"],
            "n": [41, 5],
            "min_days": [0, 10],
            "q1_days": [20, 11],
            "median_days": [40, 12],
            "q3_days": [60, 13],
            "max_days": [80, 14],
        }
    )
    clock = pl.DataFrame(
        {
            "cycle": ["One", "Two"],
            "timeliness_label": ["On time", "Late"],
            "timeliness_order": [0, 1],
            "count": [37, 12],
        }
    )
    start = date(2023, 1, 1)
    timeline = pl.DataFrame(
        {
            "on_date": [start + timedelta(days=day) for day in _days(12, 900)],
            "lane": ["Milestones"] * 12,
            "value_label": ["Session"] * 12,
            "detail": [""] * 12,
            "jitter": [0.0] * 12,
        }
    )
    no_rules = pl.DataFrame(schema={"due_on": pl.Date, "what": pl.String, "mark": pl.String})
    return {
        "stance bars": charts.normalised_bars(
            stance,
            category="institution",
            category_title="Institution",
            value_label="stance_label",
            value_title="Stance",
            scale="stance",
            labels={"accepted": "Accepted", "rejected": "Rejected"},
            order="stance_order",
        ),
        "funnel": charts.funnel(funnel, stage_title="Stage", count_title="Recommendations"),
        "kaplan-meier": charts.kaplan_meier(
            survival, series_names=["A"], days_title="Days", share_title="Open"
        ),
        "time to a formal response": charts.response_days_box(
            answers, series_names=["A", "B"], days_title="Days", series_title="Institution"
        ),
        "deadline clock": charts.deadline_clock(
            clock, labels={"on_time": "On time", "late": "Late"}, title="Recommendations"
        ),
        "cycle timeline": charts.cycle_timeline(
            [(timeline, {"Session": (MILESTONE_COLOUR, "triangle-up")})],
            no_rules,
            lane_order=["Milestones"],
        ),
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(_sample_charts()))
def test_no_axis_is_crowded_on_a_desktop_or_a_phone(name: str, width: int) -> None:
    """The compare page's 0-80 day axis once had a tick every 2 days; every chart keeps its
    labels at least MIN_PIXELS_PER_TICK apart, on a wide screen and at 390 px."""
    svg = _svg(_sample_charts()[name], width)
    axes = [labels for labels in _axis_labels(svg) if labels]
    assert axes, "the chart has a labelled axis"
    for labels in axes:
        if all(re.fullmatch(r"[\d,.%\s]+|\w{3} \d{4}", text) for text in labels):
            assert 2 <= len(labels) <= width // MIN_PIXELS_PER_TICK + 1, (name, width, labels)


def _legend_entries(spec: dict) -> list[tuple[str, str, str]]:
    """(label, colour, shape) of each legend entry of a layered timeline spec."""
    encoding = next(layer["encoding"] for layer in spec["layer"] if "shape" in layer["encoding"])
    colour, shape = encoding["color"]["scale"], encoding["shape"]["scale"]
    assert colour["domain"] == shape["domain"], "colour and shape share one legend"
    return list(zip(colour["domain"], colour["range"], shape["range"], strict=True))


def test_no_two_timeline_legend_entries_look_alike() -> None:
    """Session and Other step were both grey; Final report and Implementation: Not started
    both orange. Every milestone kind, stance and status on one timeline must differ in
    colour or shape."""
    on = date(2024, 1, 1)

    def lane(labels: list[str]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "on_date": [on] * len(labels),
                "lane": ["x"] * len(labels),
                "value_label": labels,
                "detail": [""] * len(labels),
                "jitter": [0.0] * len(labels),
            }
        )

    milestones = {
        label("milestone", kind): (MILESTONE_COLOUR, shape)
        for kind, shape in MILESTONE_SHAPES.items()
    }
    stances = {
        f"Response: {label('stance', value)}": (colour, RESPONSE_SHAPE)
        for value, colour in STANCE_COLOURS.items()
    }
    statuses = {
        f"Implementation: {label('implementation', value)}": (colour, STATUS_SHAPE)
        for value, colour in IMPLEMENTATION_COLOURS.items()
    }
    layers = [(lane(list(legend)), legend) for legend in (milestones, stances, statuses)]
    spec = charts.cycle_timeline(
        layers,
        pl.DataFrame(schema={"due_on": pl.Date, "what": pl.String, "mark": pl.String}),
        lane_order=["x"],
    )
    entries = _legend_entries(spec)
    assert len(entries) == len(milestones) + len(stances) + len(statuses)
    looks = [(colour, shape) for _, colour, shape in entries]
    assert len(set(looks)) == len(looks), entries
    by_label = {name: (colour, shape) for name, colour, shape in entries}
    assert by_label["Session"] != by_label["Other step"]
    assert by_label["Final report"] != by_label["Implementation: Not started"]
    # One legend, not one per encoding: the rendered chart shows each label once.
    svg = vl_convert.vegalite_to_svg(_inline(spec))
    assert svg.count(">Final report</text>") == 1
