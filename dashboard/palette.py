"""One colour-blind-safe palette (Okabe & Ito, 2008) and the fixed colour of every category.

A status keeps its colour on every chart, so a reader who learns "vermillion = rejected" on
one page can trust it on the next. This module only maps a value to a colour: what the values
are, their order and their meaning come from the snapshot's `scales` table.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

STANCE_COLOURS = {
    "accepted": OKABE_ITO["bluish_green"],
    "partially_accepted": OKABE_ITO["sky_blue"],
    "noted": OKABE_ITO["yellow"],
    "rejected": OKABE_ITO["vermillion"],
    "pending": OKABE_ITO["grey"],
}

# A state the evidence does not settle is drawn in light grey; one the source itself reports
# as unsettled ("pending", "unknown") in mid grey, so "we don't know" never looks like "no".
NOT_KNOWN = "#D9D9D9"

RESPONSE_STATE_COLOURS = {
    "accepted": STANCE_COLOURS["accepted"],
    "partially_accepted": STANCE_COLOURS["partially_accepted"],
    "noted": STANCE_COLOURS["noted"],
    "rejected": STANCE_COLOURS["rejected"],
    "answered_collectively": OKABE_ITO["reddish_purple"],
    "pending": STANCE_COLOURS["pending"],
    "in_aggregate": "#E8C6DA",
    "not_recorded": NOT_KNOWN,
}

IMPLEMENTATION_COLOURS = {
    "not_started": OKABE_ITO["orange"],
    "in_progress": OKABE_ITO["blue"],
    "partially_implemented": OKABE_ITO["sky_blue"],
    "implemented": OKABE_ITO["bluish_green"],
    "abandoned": OKABE_ITO["vermillion"],
    "unknown": OKABE_ITO["grey"],
}

IMPLEMENTATION_STATE_COLOURS = {
    **IMPLEMENTATION_COLOURS,
    "in_aggregate": "#A9C9E8",
    "not_recorded": NOT_KNOWN,
}

CONGRUENCE_COLOURS = {
    "unchanged": OKABE_ITO["bluish_green"],
    "modified": OKABE_ITO["sky_blue"],
    "watered_down": OKABE_ITO["orange"],
    "not_adopted": OKABE_ITO["vermillion"],
}

# The response_timeliness values of the recommendation_status view.
DEADLINE_COLOURS = {
    "on_time": OKABE_ITO["bluish_green"],
    "late": OKABE_ITO["orange"],
    "answered": OKABE_ITO["sky_blue"],
    "overdue": OKABE_ITO["vermillion"],
    "awaiting": OKABE_ITO["blue"],
    "not_itemised": "#E8C6DA",
    "not_recorded": NOT_KNOWN,
    "no_date": OKABE_ITO["grey"],
}

# Milestones share the timeline's legend with response stances and implementation statuses,
# which own the palette's colours. So a milestone is told apart by its shape, drawn in one
# neutral colour: "Final report" can then never be mistaken for "Implementation: Not started".
MILESTONE_COLOUR = OKABE_ITO["black"]
_STAR = (
    "M0,-1L0.235,-0.324L0.951,-0.309L0.38,0.124L0.588,0.809L0,0.4L-0.588,0.809"
    "L-0.38,0.124L-0.951,-0.309L-0.235,-0.324Z"
)
_HEXAGON = "M0,-1L0.866,-0.5L0.866,0.5L0,1L-0.866,0.5L-0.866,-0.5Z"
_BAR = "M-1,-0.4L1,-0.4L1,0.4L-1,0.4Z"
_SALTIRE = "M-1,-0.6L-0.6,-1L0,-0.4L0.6,-1L1,-0.6L0.4,0L1,0.6L0.6,1L0,0.4L-0.6,1L-1,0.6L-0.4,0Z"
MILESTONE_SHAPES = {
    "session": "triangle-up",
    "handover": "diamond",
    "presentation": "triangle-right",
    "committee_opinion": "triangle-left",
    "interim_response": "triangle-down",
    "final_response": "cross",
    "follow_up_meeting": _HEXAGON,
    "final_report": _STAR,
    "council_vote": _SALTIRE,
    "other": _BAR,
}
# The shapes responses and status events take on the same timeline (coloured by the palette).
RESPONSE_SHAPE = "square"
STATUS_SHAPE = "circle"

# Institutions have no natural order; they take colours in a fixed sequence by sorted id.
SERIES_SEQUENCE = [
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
]

# Keyed by the snapshot's scale (vocabulary) names.
SCALES = {
    "stance": STANCE_COLOURS,
    "response_state": RESPONSE_STATE_COLOURS,
    "implementation": IMPLEMENTATION_COLOURS,
    "implementation_state": IMPLEMENTATION_STATE_COLOURS,
    "congruence": CONGRUENCE_COLOURS,
    "timeliness": DEADLINE_COLOURS,
}


def colour_scale(
    scale: str, labels: dict[str, str] | None = None, present: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """A Vega-Lite scale fixing each canonical value (or its display label) to its colour.

    `labels` maps canonical values to the text shown in the legend, when a chart encodes the
    label instead of the raw value. `present` (labels or values) limits the legend to what the
    chart shows; the colours stay the same whatever is left out.
    """
    pairs = [
        (labels.get(value, value) if labels else value, colour)
        for value, colour in SCALES[scale].items()
    ]
    if present is not None:
        shown = set(present)
        pairs = [(name, colour) for name, colour in pairs if name in shown] or pairs
    return {"domain": [name for name, _ in pairs], "range": [colour for _, colour in pairs]}


def series_colours(names: Iterable[str]) -> dict[str, str]:
    """Fixed colours for every series (institution) of a snapshot, by sorted name."""
    return dict(_colours_by_name(tuple(names)))


@lru_cache(maxsize=16)
def _colours_by_name(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # Every chart of every rerun colours its series from the snapshot's full list of names:
    # sorted once per list, not once per chart.
    return tuple(
        (name, SERIES_SEQUENCE[index % len(SERIES_SEQUENCE)])
        for index, name in enumerate(sorted(set(names)))
    )


def series_scale(
    names: Iterable[str], present: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """Colours assigned over all `names`, so an institution keeps its colour when the scope
    changes; the legend lists only `present` series."""
    colours = series_colours(names)
    wanted = None if present is None else set(present)
    shown = [name for name in colours if wanted is None or name in wanted]
    return {"domain": shown, "range": [colours[name] for name in shown]}
