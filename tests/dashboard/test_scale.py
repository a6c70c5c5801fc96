"""At many institutions and thousands of recommendations, every page sends a bounded payload.

The snapshot is synthetic (40 institutions, 3 000 recommendations, 20 000 status events), built
by the same `ingest.synth` the Europe-scale benchmark uses, so the caps are met with real views.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboard import survival, timeline_lanes
from dashboard.ui import escape_markdown
from dashboard.views import compare, explorer, overview
from ingest.synth import synthesize
from tests.dashboard.app_driver import (
    assert_no_exception,
    charts,
    frame_with,
    open_page,
    open_table_tab,
    texts,
)

INSTITUTIONS = 40


@pytest.fixture(scope="module")
def scale_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale")
    synthesize(folder, institutions=INSTITUTIONS, recommendations=3000, events=20000, seed=3)
    return folder


@pytest.fixture
def scale_data(scale_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(scale_dir))
    yield scale_dir


def _one(scale_dir: Path, sql: str) -> tuple:
    name = (scale_dir / "CURRENT").read_text(encoding="utf-8").strip()
    with duckdb.connect(str(scale_dir / name), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_overview_draws_at_most_the_capped_cards_and_says_how_to_see_more(
    scale_data: Path,
) -> None:
    app = open_page("overview")
    assert_no_exception(app)
    cards = [element for element in app.markdown if element.value.startswith("**")]
    assert len(cards) == overview.MAX_CARDS
    said = texts(app)
    assert f"{INSTITUTIONS - overview.MAX_CARDS} more of {INSTITUTIONS}" in said
    assert "Synthetic data" in said
    (largest,) = _one(
        scale_data,
        "SELECT institution_name FROM institution_indicators "
        "ORDER BY coalesce(declared_count, 0) DESC, coalesce(items_known, 0) DESC, "
        "institution_name LIMIT 1",
    )
    assert largest.split()[0] in cards[0].value


def test_compare_defaults_to_the_largest_few_and_caps_a_long_choice(scale_data: Path) -> None:
    app = open_page("compare")
    assert_no_exception(app)
    table = frame_with(app, "Indicator")
    assert len(table.columns) == 1 + compare.DEFAULT_COMPARED
    assert f"Comparing the {compare.DEFAULT_COMPARED} institutions" in texts(app)
    for spec, datasets in charts(app):
        for rows in datasets.values():
            series = {row.get("series") or row.get("institution") for row in rows}
            assert len(series) <= compare.DEFAULT_COMPARED, spec.get("title")

    ids = _all_ids(scale_data)[: compare.MAX_COMPARED + 5]
    app = open_page("compare", {"institution": ids})
    assert_no_exception(app)
    assert len(frame_with(app, "Indicator").columns) == 1 + compare.MAX_COMPARED
    assert f"first {compare.MAX_COMPARED} of the {len(ids)} chosen" in texts(app)


def _all_ids(scale_dir: Path) -> list[str]:
    name = (scale_dir / "CURRENT").read_text(encoding="utf-8").strip()
    with duckdb.connect(str(scale_dir / name), read_only=True) as con:
        return [
            row[0]
            for row in con.execute(
                "SELECT institution_id FROM current_institutions ORDER BY institution_id"
            ).fetchall()
        ]


def test_compare_charts_send_summaries_not_one_mark_per_recommendation(
    scale_data: Path,
) -> None:
    (answered,) = _one(
        scale_data,
        "SELECT count(*) FROM recommendation_status "
        "WHERE granularity = 'item' AND days_to_response IS NOT NULL",
    )
    app = open_page("compare")
    sent = [rows for _, datasets in charts(app) for rows in datasets.values()]
    assert sent
    for rows in sent:
        assert len(rows) <= compare.DEFAULT_COMPARED * survival.MAX_POINTS
    assert sum(len(rows) for rows in sent) < answered
    # Time to a formal response: one five-number summary per compared institution.
    open_table_tab(app, "compare_days")
    days = frame_with(app, "series", "median_days")
    assert 0 < len(days) <= compare.DEFAULT_COMPARED


def test_explorer_sends_one_page_of_rows_and_keeps_the_count_exact(scale_data: Path) -> None:
    app = open_page("explorer")
    assert_no_exception(app)
    (total,) = _one(scale_data, "SELECT count(*) FROM recommendation_status")
    table = frame_with(app, "title", "status")
    assert len(table) == explorer.MAX_TABLE_ROWS < total
    said = texts(app)
    assert f"**{total:,}** of {total:,} recommendations match." in said
    assert f"Showing the first {explorer.MAX_TABLE_ROWS} of {total:,}" in said


def test_kaplan_meier_curves_are_thinned_but_keep_their_ends() -> None:
    days = list(range(2000))
    curve = survival.kaplan_meier(pl.Series(days), pl.Series([True] * 2000))
    thinned = survival.thin(curve)
    assert curve.height > survival.MAX_POINTS >= thinned.height
    assert thinned["days"][0] == 0 and thinned["days"][-1] == curve["days"][-1]
    assert thinned["still_open"][-1] == curve["still_open"][-1]
    assert thinned["days"].is_sorted()


def test_a_busy_cycle_timeline_sends_one_point_per_day_and_value(scale_data: Path) -> None:
    (cycle_id, events, days) = _one(
        scale_data,
        """
        SELECT r.cycle_id, count(*), count(DISTINCT (e.occurred_on, e.status))
        FROM status_events AS e JOIN recommendations AS r USING (recommendation_id)
        WHERE e.occurred_on IS NOT NULL AND e.withdrawn_run_id IS NULL
          AND e.superseded_by IS NULL AND r.withdrawn_run_id IS NULL
        GROUP BY r.cycle_id
        ORDER BY count(*) - count(DISTINCT (e.occurred_on, e.status)) DESC, r.cycle_id
        LIMIT 1
        """,
    )
    assert days < events, "the synthetic cycle has several events on one day"
    app = open_page("timelines", {"cycle": cycle_id})
    assert_no_exception(app)
    sent = [
        row
        for _, datasets in charts(app)
        for rows in datasets.values()
        for row in rows
        if row.get("lane") == "Implementation"
    ]
    assert len(sent) == days
    assert any("recommendations on this day" in row["detail"] for row in sent)
    # The summary still counts every event, not the points drawn.
    assert f"{events:,} implementation events" in texts(app)


def test_a_permalink_opens_a_recommendation_beyond_the_first_page(scale_data: Path) -> None:
    """The table holds one page, but any recommendation of the snapshot can still be linked."""
    (recommendation_id, title) = _one(
        scale_data,
        f"""
        SELECT recommendation_id, title FROM recommendation_status
        ORDER BY institution_name DESC, recommendation_id DESC
        OFFSET {explorer.MAX_TABLE_ROWS} LIMIT 1
        """,
    )
    app = open_page("explorer", {"rec": recommendation_id})
    assert_no_exception(app)
    assert title not in set(frame_with(app, "title")["title"])
    assert any(escape_markdown(title) in header.value for header in app.subheader)
    assert app.query_params == {"rec": recommendation_id}
    assert "ignored" not in texts(app).lower()


def test_a_timeline_lane_with_too_many_points_is_counted_per_week() -> None:
    days = timeline_lanes.MAX_LANE_POINTS + 100
    frame = pl.DataFrame(
        {
            "occurred_on": [date(2024, 1, 1) + timedelta(days=day) for day in range(days)],
            "status": ["in_progress"] * days,
            "n": [2] * days,
            "number": ["1"] * days,
            "title": ["A"] * days,
            "source_url": ["https://example.org"] * days,
        }
    )
    merged = timeline_lanes.per_week_if_busy(frame, "occurred_on", "status")
    assert merged.height <= days // 7 + 2
    assert merged["n"].sum() == frame["n"].sum()
    assert merged["per_week"].all()
    small = timeline_lanes.per_week_if_busy(frame.head(10), "occurred_on", "status")
    assert small.height == 10 and not small["per_week"].any()
