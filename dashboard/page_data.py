"""What the pages show, shaped once per snapshot, scope and language and kept for every session.

A page rerun used to rebuild its option lists, labels and derived tables in Python on every
run, though they change only with the snapshot, the scope or the language. They are made here
instead, each cached under exactly those arguments — like the chart specs of dashboard/charts.py
— so a rerun on a scope seen before only draws, and a new scope pays for its queries and a
little Polars work.

The language is an explicit argument of every function whose result holds words, so a page in
French never gets a list made for an English one; the function speaks it while it runs.
Results are shared between sessions (st.cache_resource: no copy per rerun) and must be treated
as read-only; Polars frames are immutable, and dicts handed out here are never changed by a
page. A page module cannot hold these itself: Streamlit executes a page's file afresh on every
run, so a cache defined there would be defined (and its source hashed) again each time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import polars as pl
import streamlit as st

from dashboard import queries, survival
from dashboard.messages import label, speaking

# Entries kept per function: a few languages times the scopes recently shown.
MAX_ENTRIES = 64
TTL_SECONDS = queries.CACHE_TTL_SECONDS


def _cached(func: Callable) -> Callable:
    return st.cache_resource(max_entries=MAX_ENTRIES, ttl=TTL_SECONDS, show_spinner=False)(func)


def labels_for(column: str, values: pl.Series, name: Callable[[str], str]) -> pl.Expr:
    """`column` with each value replaced by `name(value)`, a gap staying a gap. `name` runs
    once per distinct value (a handful), not once per row as map_elements would."""
    mapping = {value: name(value) for value in values.drop_nulls().unique().to_list()}
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)


def mix_table(
    frame: pl.DataFrame,
    *,
    category: str,
    value: str,
    order: str,
    labels: dict[str, str],
    category_label: Callable[[object, object], str],
) -> pl.DataFrame:
    """Counts of a scale's values per category (an institution, a basis), summed over the
    frame's rows (its cycles): category, value, order, count, `value_label` (the value's
    display label), `n` (the category's total) and `category_label` (what
    `category_label(category, n)` says), sorted by category and scale order.

    A plain pass over a few hundred rows: the same shaping as Polars steps cost more in
    their calls than in the adding up, on every rerun that changes the scope."""
    counts: dict[tuple, int] = {}
    for key, count in zip(
        frame.select(category, value, order).rows(), frame["count"].to_list(), strict=True
    ):
        counts[key] = counts.get(key, 0) + (count or 0)
    totals: dict[object, int] = {}
    for (name, _, _), count in counts.items():
        totals[name] = totals.get(name, 0) + count
    rows = sorted(counts.items(), key=lambda item: (item[0][0], item[0][2]))
    schema = frame.select(category, value, order).schema
    # A sum keeps the count's type (DuckDB gives some counts as decimals).
    summed = frame.select(pl.col("count").sum()).schema["count"]
    return pl.DataFrame(
        {
            category: [key[0] for key, _ in rows],
            value: [key[1] for key, _ in rows],
            order: [key[2] for key, _ in rows],
            "count": [count for _, count in rows],
            "value_label": [labels.get(key[1], key[1]) for key, _ in rows],
            "n": [totals[key[0]] for key, _ in rows],
            "category_label": [category_label(key[0], totals[key[0]]) for key, _ in rows],
        },
        schema={
            **schema,
            "count": summed,
            "value_label": pl.String,
            "n": summed,
            "category_label": pl.String,
        },
    )


# --- the explorer ---------------------------------------------------------------------------


@_cached
def explorer_choices(snapshot_path: str, language: str) -> dict[str, dict[str, str]]:
    """Allowed values per explorer filter, each with the label shown in its widget."""
    with speaking(language):
        institutions = queries.institutions(snapshot_path)
        cycles = queries.cycles(snapshot_path)
        return {
            "institution": dict(
                zip(institutions["institution_id"], institutions["name"], strict=True)
            ),
            "cycle": dict(
                zip(
                    cycles["cycle_id"],
                    cycles.select(pl.format("{} — {}", "institution", "title").alias("label"))[
                        "label"
                    ],
                    strict=True,
                )
            ),
            "theme": {theme: theme for theme in queries.themes(snapshot_path)},
            "stance": _scale_labels(snapshot_path, "response_state"),
            "status": _scale_labels(snapshot_path, "implementation_state"),
            "assessor": _scale_labels(snapshot_path, "assessor"),
        }


def _scale_labels(snapshot_path: str, scale: str) -> dict[str, str]:
    return {value: label(scale, value) for value in queries.scale(snapshot_path, scale)["value"]}


@_cached
def scale_labels(snapshot_path: str, scale: str, language: str) -> dict[str, str]:
    """Display labels of one of the snapshot's scales, in its order."""
    with speaking(language):
        return _scale_labels(snapshot_path, scale)


# --- timelines ------------------------------------------------------------------------------


@_cached
def cycle_options(snapshot_path: str) -> dict[str, str]:
    """The cycle picker's options, "Institution — Title (year)" by cycle id, in the order of
    queries.cycles. Names and titles are register text: no language involved."""
    cycles = queries.cycles(snapshot_path)
    labels = cycles.select(
        pl.concat_str(
            pl.format("{} — {}", "institution", "title"),
            pl.format(" ({})", pl.col("started_on").dt.year()).fill_null(""),
        ).alias("label")
    )["label"]
    return dict(zip(cycles["cycle_id"], labels, strict=True))


# --- compare --------------------------------------------------------------------------------


class Curves(NamedTuple):
    """Kaplan–Meier curves of a scope: those drawn, the institutions left out for too few
    cases (with their n), and every institution that has a case at all."""

    drawn: pl.DataFrame
    skipped: pl.DataFrame
    with_cases: frozenset[str]


@_cached
def survival_curves(snapshot_path: str, chosen: tuple[str, ...]) -> Curves:
    """Kaplan–Meier curves per institution from cases counted per day in DuckDB, each thinned
    to survival.MAX_POINTS points; computed once per snapshot and scope."""
    cases = queries.implementation_cases(snapshot_path, chosen)
    drawn, skipped = survival.curves_from_counts(cases, by="institution")
    return Curves(drawn, skipped, frozenset(cases["institution"]))
