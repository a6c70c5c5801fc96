"""The dashboard's pure pieces: Kaplan–Meier, permalink parsing, the catalogue, the palette."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from dashboard import messages, palette, permalinks, survival, ui
from tests.dashboard.snapshot_build import REPO_ROOT


def test_kaplan_meier_matches_a_hand_computed_example() -> None:
    # Six cases; implemented on days 1, 2, 3, 5; open (censored) on days 2 and 4.
    curve = survival.kaplan_meier(
        pl.Series([1, 2, 2, 3, 4, 5]), pl.Series([True, True, False, True, False, True])
    )
    assert curve["days"].to_list() == [0, 1, 2, 3, 5]
    expected = [1.0, 5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 0.0]
    assert curve["still_open"].to_list() == pytest.approx(expected)
    assert curve["at_risk"].to_list() == [6, 6, 5, 3, 1]


def test_kaplan_meier_keeps_open_cases_instead_of_dropping_them() -> None:
    # One success among ten: dropping the nine open cases would claim 100 % implemented.
    days = pl.Series([30] + [400] * 9)
    done = pl.Series([True] + [False] * 9)
    curve = survival.kaplan_meier(days, done)
    assert curve["still_open"].to_list()[-1] == pytest.approx(0.9)
    assert curve["days"].to_list()[-1] == 400


def test_curves_skip_groups_below_the_minimum() -> None:
    cases = pl.DataFrame(
        {
            "institution": ["A"] * 5 + ["B"] * 4,
            "days": [10, 20, 30, 40, 50, 1, 2, 3, 4],
            "implemented": [True, False, True, False, False, True, True, True, True],
        }
    )
    drawn, skipped = survival.curves(cases, by="institution", min_cases=5)
    assert set(drawn["series"]) == {"A"}
    assert skipped.to_dicts() == [{"series": "B", "n": 4}]


def test_permalink_parse_keeps_known_values_and_reports_the_rest() -> None:
    parsed = permalinks.parse(
        {
            "stance": ["accepted", "bogus", "accepted"],
            "q": ["énergie"],
            "overdue": ["1"],
            "embed": ["true"],
            "other": ["x"],
        },
        choices={"stance": ["accepted", "rejected"]},
        texts=["q"],
        flags=["overdue"],
    )
    assert parsed.lists == {"stance": ["accepted"]}
    assert parsed.texts == {"q": "énergie"}
    assert parsed.flags == {"overdue": True}
    assert len(parsed.notices) == 2
    assert "bogus" in parsed.notices[0] and "other" in parsed.notices[1]


def test_permalink_notice_shortens_and_neutralises_values() -> None:
    parsed = permalinks.parse({"stance": ["\x1b[31m" + "x" * 100]}, choices={"stance": []})
    (notice,) = parsed.notices
    assert "\x1b" not in notice and "…" in notice


def _keys_used_in_code() -> set[str]:
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""")
    keys: set[str] = set()
    for path in (REPO_ROOT / "dashboard").rglob("*.py"):
        keys.update(pattern.findall(path.read_text(encoding="utf-8")))
    return keys


def test_every_message_the_code_asks_for_is_in_the_catalogue() -> None:
    missing = sorted(key for key in _keys_used_in_code() if not messages.has(key))
    assert missing == []


def test_every_canonical_value_has_a_label_and_a_colour() -> None:
    with (REPO_ROOT / "data" / "vocabularies" / "scales.csv").open(encoding="utf-8") as handle:
        scales = list(csv.DictReader(handle))
    coloured = {
        "stance": palette.STANCE_COLOURS,
        "implementation": palette.IMPLEMENTATION_COLOURS,
        "congruence": palette.CONGRUENCE_COLOURS,
        "milestone_kind": palette.MILESTONE_SHAPES,
    }
    labelled = {"milestone_kind": "milestone"}
    for row in scales:
        vocabulary, value = row["vocabulary"], row["value"]
        if vocabulary in coloured:
            assert value in coloured[vocabulary], (vocabulary, value)
        if vocabulary in {
            "stance",
            "implementation",
            "congruence",
            "assessor",
            "response_kind",
        } | set(labelled):
            key = f"scale.{labelled.get(vocabulary, vocabulary)}.{value}"
            assert messages.has(key), key


def test_a_status_keeps_its_colour_whatever_the_chart_shows() -> None:
    full = palette.colour_scale("implementation")
    partial = palette.colour_scale("implementation", present=["implemented"])
    colour = dict(zip(full["domain"], full["range"], strict=True))
    assert partial["domain"] == ["implemented"]
    assert partial["range"] == [colour["implemented"]]
    series_all = palette.series_colours(["B", "A", "C"])
    scoped = palette.series_scale(["B", "A", "C"], present=["C"])
    assert scoped["range"] == [series_all["C"]]


def test_no_page_renders_source_text_as_html() -> None:
    for path in (REPO_ROOT / "dashboard").rglob("*.py"):
        assert "unsafe_allow_html" not in path.read_text(encoding="utf-8"), path


def test_all_sql_lives_in_queries() -> None:
    sql = re.compile(r"\b(SELECT|FROM|WHERE)\b[^\n]*\b(FROM|WHERE|JOIN)\b")
    for path in (REPO_ROOT / "dashboard").rglob("*.py"):
        if path.name == "queries.py":
            continue
        assert not sql.search(path.read_text(encoding="utf-8")), path


def test_config_hardens_the_public_app() -> None:
    import tomllib

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"


def test_config_skips_the_full_collection_after_every_run() -> None:
    """Streamlit's default gc.collect(2) after each run held the GIL for half of a busy
    server's time; the app relies on Python's own collector instead."""
    import tomllib

    from streamlit import config as streamlit_config

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["runner"]["postScriptGC"] is False
    assert streamlit_config._config_options_template["runner.postScriptGC"].default_val is True


def test_config_never_reloads_modules_under_running_sessions() -> None:
    """Replacing a page's source under a busy server made the watcher unload the dashboard
    modules while sessions ran, failing their pages; a deployed app is restarted instead."""
    import tomllib

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False


def test_messages_fall_back_to_the_key() -> None:
    assert messages.t("no.such.key") == "no.such.key"


def test_catalogue_file_is_found(tmp_path: Path) -> None:
    assert messages.catalogue()["nav.overview"] == "Overview"


def test_a_language_code_reads_as_its_english_name() -> None:
    assert messages.language_name("it") == "Italian"
    assert messages.language_name("NL") == "Dutch"
    # An unlisted code is shown as it is, never hidden or guessed.
    assert messages.language_name("rm") == "rm"
    assert messages.language_name(None) == messages.t("common.none")


def test_tables_are_sent_as_arrow_with_their_own_types() -> None:
    """st.dataframe gets an Arrow table (no pandas copy per run): a date stays a date, not a
    midnight timestamp, and a column with a gap is written as local text with "not recorded"."""
    import datetime

    import pyarrow as pa

    frame = pl.DataFrame(
        {
            "checked_on": [datetime.date(2025, 3, 1), datetime.date(2025, 4, 2)],
            "responded_on": [datetime.date(2025, 5, 1), None],
        }
    )
    shown, _config = ui.words_for_missing(frame)
    table = ui.as_arrow(shown)
    assert isinstance(table, pa.Table)
    assert table.schema.field("checked_on").type == pa.date32()
    assert table.column("responded_on").to_pylist() == ["1 May 2025", "not recorded"]
