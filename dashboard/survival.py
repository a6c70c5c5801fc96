"""Kaplan–Meier estimate of time to implementation, with open cases censored.

Most recommendations are still open when a snapshot is taken. Dropping them would make
implementation look fast (only the quick successes remain); counting them as never done
would make it look slow. The Kaplan–Meier estimator uses each open case for as long as it
has been observed, which is the honest middle.
"""

from __future__ import annotations

import polars as pl

MIN_CASES = 5


def kaplan_meier(days: pl.Series, implemented: pl.Series) -> pl.DataFrame:
    """The step function S(t): the share still not implemented after t days.

    Returns one row per distinct event time (plus t = 0) with `still_open`, `at_risk` (cases
    observed at least that long) and `events` (implemented on that day). Censored cases leave
    the risk set after their last observed day.
    """
    cases = pl.DataFrame({"days": days, "implemented": implemented}).drop_nulls()
    rows = [{"days": 0, "still_open": 1.0, "at_risk": cases.height, "events": 0}]
    if cases.height == 0:
        return pl.DataFrame(rows)
    per_day = (
        cases.group_by("days")
        .agg(
            pl.col("implemented").sum().alias("events"),
            pl.len().alias("leaving"),
        )
        .sort("days")
    )
    at_risk = cases.height
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
