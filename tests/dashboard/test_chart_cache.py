"""Chart specs are built once per chart and reused: a rerun that shows the same chart builds
nothing, while another scope or other words (a language switch) always build a new one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from dashboard import charts, messages
from tests.dashboard.app_driver import assert_no_exception, open_page
from tests.dashboard.app_driver import charts as sent_charts

# Counted under the names the assertions use; the cached chart kinds keep their builders in
# __wrapped__.
BUILDERS = {"_funnel": charts.funnel, "_normalised_bars": charts.normalised_bars}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often each overview chart's spec was actually built (not taken from the cache)."""
    counted: Counter[str] = Counter()
    for name, chart_kind in BUILDERS.items():
        original = chart_kind.__wrapped__

        def counting(*args: object, _name: str = name, _build=original, **kwargs: object):  # type: ignore[no-untyped-def]
            counted[_name] += 1
            return _build(*args, **kwargs)

        monkeypatch.setattr(chart_kind, "__wrapped__", counting)
    charts.clear_cache()
    yield counted
    charts.clear_cache()


def _funnel_spec(app: object) -> dict:
    return next(spec for spec, _ in sent_charts(app) if len(spec["layer"]) == 3)


def test_an_unchanged_rerun_builds_no_chart_again(data_dir: Path, builds: Counter[str]) -> None:
    app = open_page("overview")  # two script runs: the app, then the page with its address
    assert_no_exception(app)
    assert builds == {"_funnel": 1, "_normalised_bars": 1}
    first = sent_charts(app)
    app.run()
    assert_no_exception(app)
    assert builds == {"_funnel": 1, "_normalised_bars": 1}
    # The browser is sent the same charts, data included.
    assert sent_charts(app) == first


def test_another_scope_builds_its_own_charts_and_the_first_comes_back(
    data_dir: Path, builds: Counter[str], query: Callable[..., list[tuple]]
) -> None:
    ((one,),) = query("SELECT min(institution_id) FROM current_institutions")
    app = open_page("overview")
    everyone = sent_charts(app)
    app.multiselect(key="overview_scope").set_value([one]).run()
    assert_no_exception(app)
    assert builds == {"_funnel": 2, "_normalised_bars": 2}
    assert sent_charts(app) != everyone
    app.multiselect(key="overview_scope").set_value([]).run()
    assert_no_exception(app)
    assert builds == {"_funnel": 2, "_normalised_bars": 2}, "the whole scope's charts are reused"
    assert sent_charts(app) == everyone


def test_other_words_build_a_chart_in_those_words(
    data_dir: Path, builds: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A language switch changes every text of a chart but not its numbers: the cached chart
    in the old words must not be served."""
    app = open_page("overview")
    english = messages.catalogue()["column.count"]
    assert _funnel_spec(app)["layer"][0]["encoding"]["x"]["title"] == english
    translated = {**messages.catalogue(), "column.count": "Anzahl"}
    monkeypatch.setattr(messages, "catalogue", lambda *args, **kwargs: translated)
    app.run()
    assert_no_exception(app)
    assert builds["_funnel"] == 2
    assert _funnel_spec(app)["layer"][0]["encoding"]["x"]["title"] == "Anzahl"


def test_the_cache_key_is_the_data_and_every_text() -> None:
    stages = pl.DataFrame(
        {
            "stage_label": ["Adopted", "Implemented"],
            "stage_order": [0, 1],
            "count": [10, 4],
            "share": [1.0, 0.4],
        }
    )
    charts.clear_cache()
    spec = charts.funnel(stages, stage_title="Stage", count_title="Recommendations")
    assert charts.funnel(stages.clone(), stage_title="Stage", count_title="Recommendations") is spec
    assert charts.funnel(stages, stage_title="Stufe", count_title="Recommendations") is not spec
    relabelled = stages.with_columns(pl.Series("stage_label", ["Beschlossen", "Umgesetzt"]))
    other = charts.funnel(relabelled, stage_title="Stage", count_title="Recommendations")
    assert other is not spec and other["datasets"] != spec["datasets"]
    # A change anywhere in the rows, not only at their ends, is other data.
    many = pl.DataFrame(
        {
            "stage_label": [f"stage {i}" for i in range(60)],
            "stage_order": list(range(60)),
            "count": [100] * 60,
            "share": [1.0] * 60,
        }
    )
    middle = many.with_columns(
        pl.when(pl.col("stage_order") == 30).then(99).otherwise(pl.col("count")).alias("count")
    )
    assert charts.funnel(many, stage_title="S", count_title="C") is not charts.funnel(
        middle, stage_title="S", count_title="C"
    )
    charts.clear_cache()
