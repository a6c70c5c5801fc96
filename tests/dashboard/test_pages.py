"""Every page renders on a real snapshot, and its headline figures match the snapshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from dashboard import survival
from ingest.synth import synthesize
from tests.dashboard.app_driver import (
    PAGES,
    assert_no_exception,
    charts,
    frame_with,
    open_page,
    open_table_tab,
    texts,
)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(page: str, data_dir: Path) -> None:
    app = open_page(page)
    assert_no_exception(app)
    assert app.title, "every page has a title"
    assert not app.error
    # The bundled registers are real data: no synthetic banner.
    assert "Synthetic data" not in texts(app)


def test_overview_headline_matches_the_views(
    data_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    ((institutions, declared, items, responded, decidable, not_recorded),) = query(
        """
        SELECT count(*), sum(declared_count), sum(items_known), sum(responses_known),
               sum(responses_decidable), sum(responses_not_recorded)
        FROM institution_indicators
        """
    )
    app = open_page("overview")
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Institutions"] == f"{institutions:,}"
    assert metrics["Declared recommendations"] == f"{int(declared):,}"
    # The rate is over the recommendations whose answer is known; those with none recorded
    # are counted apart, never as unanswered.
    assert not_recorded > 0
    assert metrics["Response rate"] == f"{responded / decidable:.0%}"
    said = texts(app)
    assert f"{responded} answered of the {decidable} listed recommendations" in said
    assert f"Of {items} listed" in said
    assert f"{not_recorded} have no answer recorded" in said


def test_overview_scope_narrows_every_figure(
    data_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    ((institution_id, name, decidable, responded),) = query(
        """
        SELECT institution_id, institution_name, responses_decidable, responses_known
        FROM institution_indicators WHERE responses_decidable > 0
        ORDER BY items_known DESC LIMIT 1
        """
    )
    app = open_page("overview")
    app.multiselect(key="overview_scope").select(institution_id).run()
    assert_no_exception(app)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Institutions"] == "1"
    assert metrics["Response rate"] == f"{responded / decidable:.0%}"
    assert app.query_params == {"institution": institution_id}
    cards = [element.value for element in app.markdown if element.value.startswith("**")]
    assert len(cards) == 1 and name.split()[0] in cards[0]


def test_compare_shows_each_institution_side_by_side(
    data_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    names = [row[0] for row in query("SELECT institution_name FROM institution_indicators")]
    app = open_page("compare")
    frame_with(app, "Indicator", *names)


def test_a_chart_table_and_its_downloads_come_with_the_table_tab(
    data_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    """A chart block draws the tab a reader has open: the chart first; the Table tab shows the
    same figures as a table with its four downloads, and the other charts stay charts."""
    ((adopted,),) = query("SELECT sum(count) FROM uptake_funnel WHERE stage = 'adopted'")
    app = open_page("overview")
    drawn = len(charts(app))
    assert drawn == 2, "the funnel and the implementation mix"
    assert not [frame for frame in app.dataframe if "stage_label" in frame.value.columns]
    assert not app.get("download_button")
    open_table_tab(app, "overview_funnel")
    assert_no_exception(app)
    funnel = frame_with(app, "stage_label", "count", "share")
    assert int(funnel["count"].iloc[0]) == adopted
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["CSV", "XLSX", "PARQUET", "JSON"]
    assert len(charts(app)) == drawn - 1, "the other block keeps its chart"


def test_compare_never_draws_a_curve_below_the_minimum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a small synthetic snapshot where two institutions have fewer than five cases with a
    start date and one has more, only the one with enough cases gets a curve; the others are
    named with their n."""
    snapshot = synthesize(tmp_path, institutions=3, recommendations=14, events=20, seed=3)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        counts = dict(
            con.execute(
                "SELECT i.name, count(*) FROM time_to_implementation t "
                "JOIN current_institutions i USING (institution_id) GROUP BY i.name"
            ).fetchall()
        )
    small = {name: n for name, n in counts.items() if n < survival.MIN_CASES}
    enough = set(counts) - set(small)
    assert small and enough, f"the fixture must have both kinds of institution: {counts}"
    monkeypatch.setenv("UPTAKE_DATA_DIR", str(tmp_path))
    app = open_page("compare")
    assert_no_exception(app)
    said = texts(app)
    for name, n in small.items():
        assert f"{name}: only {n} recommendations with a start date" in said
    curve_series = {
        row["series"]
        for spec, datasets in charts(app)
        for rows in datasets.values()
        for row in rows
        if "still_open" in row
    }
    assert curve_series == enough


def test_sources_page_shows_methodology_and_freshness(
    data_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    sources = [row[0] for row in query("SELECT source_id FROM sources")]
    app = open_page("sources")
    assert_no_exception(app)
    assert "Coverage" in [expander.label for expander in app.expander]
    freshness = frame_with(app, "source_id", "last_success_at")
    assert sorted(freshness["source_id"]) == sorted(sources)
    (rejected,) = query(
        "SELECT count(*) FROM rejects WHERE run_id = (SELECT max(run_id) FROM ingest_runs)"
    )[0]
    if rejected:
        assert len(frame_with(app, "reason", "raw")) == rejected
    else:
        assert "The latest ingest rejected no rows." in texts(app)


def test_timelines_draws_the_chosen_cycle(
    data_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    ((cycle_id, milestones),) = query(
        """
        SELECT cycle_id, count(*) FROM current_milestones
        WHERE occurred_on IS NOT NULL GROUP BY cycle_id ORDER BY count(*) DESC LIMIT 1
        """
    )
    app = open_page("timelines", {"cycle": cycle_id})
    assert_no_exception(app)
    assert app.selectbox(key="timelines_cycle").value == cycle_id
    assert f"{milestones} milestones" in texts(app)


def test_each_institution_card_links_to_its_recommendations(
    data_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    """A card's link opens the explorer filtered to that institution (a shareable address)."""
    ids = {
        row[0]
        for row in query("SELECT institution_id FROM institution_indicators WHERE items_known > 0")
    }
    ((empty,),) = query("SELECT count(*) FROM institution_indicators WHERE items_known = 0")
    app = open_page("overview")
    links = {
        link.proto.query_string: link.proto.page
        for link in app.get("page_link")
        if link.proto.query_string
    }
    # An institution with nothing listed gets a sentence, never a link to an empty page.
    # Each link keeps the page's language, so it opens in the language it was followed from.
    assert links == {f"institution={institution_id}&lang=en": "explorer" for institution_id in ids}
    assert empty > 0
    assert texts(app).count("No recommendation is listed one by one yet.") == empty
    institution_id = sorted(ids)[0]
    ((count,),) = query(
        "SELECT count(*) FROM recommendation_status WHERE institution_id = $id",
        {"id": institution_id},
    )
    explorer = open_page("explorer", {"institution": institution_id})
    assert_no_exception(explorer)
    assert explorer.multiselect(key="explorer_institution").value == [institution_id]
    assert f"**{count}** of" in texts(explorer)


def test_languages_are_named_not_coded(data_dir: Path, query: Callable[..., list[tuple]]) -> None:
    """A reader sees "Italian", not "it", in a recommendation's details and in the crosswalk."""
    ((recommendation_id, body_language),) = query(
        """
        SELECT recommendation_id, body_language FROM recommendation_status
        WHERE language = 'it' AND body_kind = 'summary' AND body IS NOT NULL
        ORDER BY recommendation_id LIMIT 1
        """
    )
    app = open_page("explorer", {"rec": recommendation_id})
    assert_no_exception(app)
    said = texts(app)
    assert "language: Italian" in said
    assert "language: it" not in said
    names = {"en": "English", "de": "German", "fr": "French", "it": "Italian", "da": "Danish"}
    assert f"**Summary** (in {names[body_language]})" in said
    assert "Written for this register from the cited source" in said
    sources = open_page("sources")
    sources.selectbox(key="sources_vocabulary").select("stance").run()
    crosswalk = frame_with(sources, "value", "label", "language")
    shown = set(crosswalk["language"].dropna())
    assert {"German", "French", "Italian"} <= shown
    assert not shown & {"de", "fr", "it", "nl", "da", "en"}
