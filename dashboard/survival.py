"""Kaplan–Meier estimate of time to implementation, with open cases censored.

Most recommendations are still open when a snapshot is taken. Dropping them would make
implementation look fast (only the quick successes remain); counting them as never done
would make it look slow. The Kaplan–Meier estimator uses each open case for as long as it
has been observed, which is the honest middle.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter

import polars as pl

MIN_CASES = 5
# Points per drawn curve at most: a curve over years of daily events would otherwise send a
# point per day per series; thinning keeps the first and last step and the shape between.
MAX_POINTS = 300


def kaplan_meier(days: pl.Series, implemented: pl.Series) -> pl.DataFrame:
    """The step function S(t): the share still not implemented after t days.

    Returns one row per distinct event time (plus t = 0) with `still_open`, `at_risk` (cases
    observed at least that long) and `events` (implemented on that day). Censored cases leave
    the risk set after their last observed day.
    """
    cases = pl.DataFrame({"days": days, "implemented": implemented}).drop_nulls()
    per_day = cases.group_by("days").agg(
        pl.col("implemented").sum().alias("events"),
        pl.len().alias("leaving"),
    )
    return kaplan_meier_counts(per_day)


def kaplan_meier_counts(per_day: pl.DataFrame) -> pl.DataFrame:
    """kaplan_meier from cases already counted per day (days, leaving, events), as DuckDB
    returns them, so the estimate never needs one row per recommendation."""
    per_day = per_day.select("days", "events", "leaving").drop_nulls("days").sort("days")
    return pl.DataFrame(_steps(per_day.rows()), schema=_STEP_SCHEMA, orient="row")


_STEP_SCHEMA = {"days": pl.Int64, "still_open": pl.Float64, "at_risk": pl.Int64, "events": pl.Int64}


def _steps(per_day: list[tuple[int, int, int]]) -> list[tuple[int, float, int, int]]:
    """The estimate's rows (days, still_open, at_risk, events) from (days, events, leaving)
    sorted by day: a plain loop, since a curve has a few hundred days at most."""
    total = sum(leaving for _, _, leaving in per_day)
    rows = [(0, 1.0, total, 0)]
    if total == 0:
        return rows
    at_risk = total
    survival = 1.0
    for day, events, leaving in per_day:
        if events:
            survival *= 1 - events / at_risk
            rows.append((day, survival, at_risk, events))
        at_risk -= leaving
    last_day = per_day[-1][0]
    if rows[-1][0] != last_day:
        # Carry the curve to the longest follow-up so censored tails stay visible.
        rows.append((last_day, survival, at_risk, 0))
    return rows


def thin(curve: pl.DataFrame, max_points: int = MAX_POINTS) -> pl.DataFrame:
    """At most `max_points` rows of a step curve (days first): the days are cut into equal
    spans and each span keeps its last step, so the drawn curve ends each span at the true
    value."""
    if curve.height <= max_points:
        return curve
    return pl.DataFrame(_thinned(curve.rows(), max_points), schema=curve.schema, orient="row")


def curves_from_counts(
    counts: pl.DataFrame, by: str, min_cases: int = MIN_CASES, max_points: int = MAX_POINTS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Like `curves`, from cases counted per group and day (`by`, days, n, n_implemented),
    each curve thinned to at most `max_points` points.

    Worked through once as Python rows rather than as a few Polars steps per group: a scope
    has a handful of groups of a few hundred days, where each Polars call costs more than
    the arithmetic (the page computes this on every new scope)."""
    columns: dict[str, list] = {name: [] for name in _frames_schema()}
    skipped: list[dict[str, object]] = []
    rows = counts.sort(by).select(by, "days", "n", "n_implemented").rows()
    for name, group in groupby(rows, key=itemgetter(0)):
        cases = list(group)
        n = sum(row[2] or 0 for row in cases)
        if n < min_cases:
            skipped.append({"series": name, "n": n})
            continue
        per_day = sorted(
            (
                (day, implemented, leaving)
                for _, day, leaving, implemented in cases
                if day is not None
            ),
            key=itemgetter(0),
        )
        implemented = sum(row[3] or 0 for row in cases)
        for day, still_open, at_risk, events in _thinned(_steps(per_day), max_points):
            columns["days"].append(day)
            columns["still_open"].append(still_open)
            columns["at_risk"].append(at_risk)
            columns["events"].append(events)
            columns["series"].append(name)
            columns["n"].append(n)
            columns["n_implemented"].append(implemented)
    return (
        pl.DataFrame(columns, schema=_frames_schema()),
        pl.DataFrame(skipped, schema={"series": pl.String, "n": pl.Int64}),
    )


def _thinned(steps: list[tuple], max_points: int) -> list[tuple]:
    """Step rows (days first) thinned: the first and last step, and the last step of each
    equal span of days between them. `thin` and `curves_from_counts` both use it."""
    if len(steps) <= max_points:
        return steps
    middle = steps[1:-1]
    start = min(row[0] for row in middle)
    end = max(row[0] for row in middle)
    span = max(1, -(-(end - start + 1) // (max_points - 2)))
    kept: dict[int, tuple] = {}
    for row in middle:
        kept[(row[0] - start) // span] = row
    return [steps[0], *kept.values(), steps[-1]]


def curves(
    cases: pl.DataFrame, by: str, min_cases: int = MIN_CASES
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Curves per group with at least `min_cases` cases, and the groups left out with their n,
    from one row per case (`by`, days, implemented); every step kept."""
    counts = cases.group_by(by, "days").agg(
        pl.len().alias("n"), pl.col("implemented").cast(pl.Int64).sum().alias("n_implemented")
    )
    return curves_from_counts(counts, by, min_cases, max_points=max(cases.height, 2) + 2)


def _frames_schema() -> dict[str, pl.DataType]:
    return {
        "days": pl.Int64,
        "still_open": pl.Float64,
        "at_risk": pl.Int64,
        "events": pl.Int64,
        "series": pl.String,
        "n": pl.Int64,
        "n_implemented": pl.Int64,
    }
