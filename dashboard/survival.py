"""Kaplan–Meier estimate of time to implementation, with open cases censored.

Most recommendations are still open when a snapshot is taken. Dropping them would make
implementation look fast (only the quick successes remain); counting them as never done
would make it look slow. The Kaplan–Meier estimator uses each open case for as long as it
has been observed, which is the honest middle.
"""

from __future__ import annotations

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
    total = int(per_day["leaving"].sum()) if per_day.height else 0
    rows = [{"days": 0, "still_open": 1.0, "at_risk": total, "events": 0}]
    if total == 0:
        return pl.DataFrame(rows)
    at_risk = total
    survival = 1.0
    for day, events, leaving in per_day.iter_rows():
        if events:
            survival *= 1 - events / at_risk
            rows.append({"days": day, "still_open": survival, "at_risk": at_risk, "events": events})
        at_risk -= leaving
    last_day = int(per_day["days"].max())
    if rows[-1]["days"] != last_day:
        # Carry the curve to the longest follow-up so censored tails stay visible.
        rows.append({"days": last_day, "still_open": survival, "at_risk": at_risk, "events": 0})
    return pl.DataFrame(rows)


def thin(curve: pl.DataFrame, max_points: int = MAX_POINTS) -> pl.DataFrame:
    """At most `max_points` rows of a step curve: the days are cut into equal spans and each
    span keeps its last step, so the drawn curve ends each span at the true value."""
    if curve.height <= max_points:
        return curve
    first, last = curve.head(1), curve.tail(1)
    middle = curve.slice(1, curve.height - 2)
    start, end = int(middle["days"].min()), int(middle["days"].max())
    span = max(1, -(-(end - start + 1) // (max_points - 2)))
    kept = (
        middle.with_columns(((pl.col("days") - start) // span).alias("_span"))
        .group_by("_span", maintain_order=True)
        .last()
        .drop("_span")
    )
    return pl.concat([first, kept, last])


def curves_from_counts(
    counts: pl.DataFrame, by: str, min_cases: int = MIN_CASES, max_points: int = MAX_POINTS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Like `curves`, from cases counted per group and day (`by`, days, n, n_implemented),
    each curve thinned to at most `max_points` points."""
    drawn: list[pl.DataFrame] = []
    skipped: list[dict[str, object]] = []
    for (name,), group in counts.sort(by).group_by(by, maintain_order=True):
        n = int(group["n"].sum())
        if n < min_cases:
            skipped.append({"series": name, "n": n})
            continue
        curve = kaplan_meier_counts(
            group.select(
                "days", pl.col("n_implemented").alias("events"), pl.col("n").alias("leaving")
            )
        )
        drawn.append(
            thin(curve, max_points).with_columns(
                pl.lit(name).alias("series"),
                pl.lit(n).alias("n"),
                pl.lit(int(group["n_implemented"].sum())).alias("n_implemented"),
            )
        )
    return _frames(drawn, skipped)


def curves(
    cases: pl.DataFrame, by: str, min_cases: int = MIN_CASES
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Curves per group with at least `min_cases` cases, and the groups left out with their n.

    `cases` needs columns `by`, days, implemented.
    """
    drawn: list[pl.DataFrame] = []
    skipped: list[dict[str, object]] = []
    for (name,), group in cases.group_by(by, maintain_order=True):
        if group.height < min_cases:
            skipped.append({"series": name, "n": group.height})
            continue
        curve = kaplan_meier(group["days"], group["implemented"])
        drawn.append(
            curve.with_columns(
                pl.lit(name).alias("series"),
                pl.lit(group.height).alias("n"),
                pl.lit(int(group["implemented"].sum())).alias("n_implemented"),
            )
        )
    return _frames(drawn, skipped)


def _frames(
    drawn: list[pl.DataFrame], skipped: list[dict[str, object]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    schema = {
        "days": pl.Int64,
        "still_open": pl.Float64,
        "at_risk": pl.Int64,
        "events": pl.Int64,
        "series": pl.String,
        "n": pl.Int64,
        "n_implemented": pl.Int64,
    }
    frame = (
        pl.concat([curve.cast(schema) for curve in drawn]) if drawn else pl.DataFrame(schema=schema)
    )
    return frame, pl.DataFrame(skipped, schema={"series": pl.String, "n": pl.Int64})
