"""The app speaks the visitor's language: which one a page run picks, and how words, plurals,
dates and numbers come out in it.

The languages here are small catalogues written to a temporary folder (English's keys, a few
real translations, the rest marked), so these tests do not depend on the shipped translations.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel import Locale

from dashboard import formats, language, messages
from tests.dashboard.app_driver import (
    APP,
    TIMEOUT_SECONDS,
    assert_no_exception,
    frame_with,
    texts,
)

from streamlit.testing.v1 import AppTest  # isort: skip

ENGLISH = messages.LOCALES_DIR / "en.toml"
# A few real translations per language; every other message is English marked with the code,
# so a test can tell which catalogue a text came from.
TRANSLATED: dict[str, dict[str, Any]] = {
    "fr": {
        "common.cycles": {"one": "{n} cycle", "many": "{n} de cycles", "other": "{n} cycles"},
        "overview.title": "Qu'est-il advenu des recommandations ?",
        "overview.days": "{days} jours",
    },
    "de": {
        "common.cycles": {"one": "{n} Zyklus", "other": "{n} Zyklen"},
        "overview.title": "Was wurde aus den Empfehlungen?",
        "overview.days": "{days} Tage",
    },
    "da": {
        "common.cycles": {"one": "{n} forløb", "other": "{n} forløb"},
        "overview.title": "Hvad skete der med anbefalingerne?",
    },
}
# Left out of the French catalogue on purpose: it must fall back to English.
MISSING_IN_FRENCH = "common.chart_tab"


def _flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _catalogue(code: str) -> str:
    """English's keys in `code`: plural keys get exactly the language's CLDR forms."""
    with ENGLISH.open("rb") as handle:
        english = _flat(tomllib.load(handle))
    forms = sorted(set(Locale.parse(code).plural_form.tags) | {"other"})
    bases = {key.rpartition(".")[0] for key in english if key.endswith(".one")}
    lines = []
    for key, text in english.items():
        base, _, form = key.rpartition(".")
        if key == MISSING_IN_FRENCH and code == "fr":
            continue
        if base in bases:
            if form != "other":
                continue
            given = TRANSLATED[code].get(base, {})
            for each in forms:
                lines.append(f"{base}.{each} = {json.dumps(given.get(each, f'[{code}] {text}'))}")
            continue
        lines.append(f"{key} = {json.dumps(TRANSLATED[code].get(key, f'[{code}] {text}'))}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """English plus small French, German and Danish catalogues, as the app's locales."""
    folder = tmp_path / "locales"
    folder.mkdir()
    (folder / "en.toml").write_bytes(ENGLISH.read_bytes())
    for code in TRANSLATED:
        (folder / f"{code}.toml").write_text(_catalogue(code), encoding="utf-8")
    monkeypatch.setattr(messages, "LOCALES_DIR", folder)
    return folder


def test_the_languages_are_the_catalogue_files_present(languages: Path) -> None:
    assert messages.supported_languages() == ("en", "da", "de", "fr")
    # The switcher names each language in itself.
    assert [messages.native_name(code) for code in messages.supported_languages()] == [
        "English",
        "Dansk",
        "Deutsch",
        "Français",
    ]
    assert [messages.native_name(code) for code in ("nl", "it")] == ["Nederlands", "Italiano"]


def test_plurals_follow_each_languages_rules(languages: Path) -> None:
    with messages.speaking("fr"):
        assert messages.tn("common.cycles", 1) == "1 cycle"
        assert messages.tn("common.cycles", 2) == "2 cycles"
        # French counts zero as singular; English does not.
        assert messages.tn("common.cycles", 0) == "0 cycle"
        assert messages.tn("common.cycles", 1_000_000) == "1\u202f000\u202f000 de cycles"
    with messages.speaking("de"):
        assert messages.tn("common.cycles", 1) == "1 Zyklus"
        assert messages.tn("common.cycles", 1234) == "1.234 Zyklen"
    assert messages.tn("common.cycles", 0) == "0 assembly cycles"
    assert messages.tn("common.cycles", 1234) == "1,234 assembly cycles"


def test_dates_and_numbers_are_written_the_languages_way(languages: Path) -> None:
    day = date(2024, 2, 3)
    with messages.speaking("fr"):
        assert formats.day(day) == "3 févr. 2024"
        assert formats.date_as_precise_as(day, "month") == "février 2024"
        assert formats.percent(0.42) == "42\u00a0%"
        assert formats.number(1234.5) == "1\u202f234,5"
    with messages.speaking("de"):
        assert formats.day(day) == "03.02.2024"
        assert formats.number(1234.5) == "1.234,5"
        assert formats.grid_date_format() == "DD.MM.YYYY"
        # A number filled into a message is written the same way.
        assert messages.t("overview.days", days=1234) == "1.234 Tage"
    with messages.speaking("da"):
        assert formats.day(day) == "3. feb. 2024"
    assert formats.day(day) == "3 Feb 2024"
    assert formats.moment(datetime(2024, 2, 3, 14, 5)) == "3 Feb 2024 14:05 UTC"
    assert formats.number(1234.5) == "1,234.5"
    assert formats.percent(None) == "n/a"


def test_chart_axes_get_the_languages_month_names_and_separators(languages: Path) -> None:
    with messages.speaking("fr"):
        french = formats.d3_locale()
    with messages.speaking("de"):
        german = formats.d3_locale()
    assert french["time"]["shortMonths"][:2] == ["janv.", "févr."]
    assert french["time"]["date"] == "%-d %b %Y"
    assert french["number"]["percent"] == "\u00a0%"
    assert german["number"]["decimal"] == "," and german["number"]["thousands"] == "."
    assert german["time"]["days"][0] == "Sonntag"


def test_a_message_missing_in_a_language_falls_back_to_english(languages: Path) -> None:
    with messages.speaking("fr"):
        assert messages.t(MISSING_IN_FRENCH) == "Chart"
        assert messages.t("overview.title") == "Qu'est-il advenu des recommandations ?"


def test_an_unsupported_language_is_english(languages: Path) -> None:
    with messages.speaking("xx"):
        assert messages.current_language() == "en"
        assert messages.t("overview.title") == "What happened to the recommendations?"


@pytest.mark.parametrize(
    ("in_address", "chosen", "browser", "spoken"),
    [
        ("fr", "de", "da-DK", "fr"),
        (None, "de", "da-DK", "de"),
        (None, None, "da-DK", "da"),
        (None, None, "de_AT", "de"),
        ("xx", None, "fr-BE", "fr"),
        ("**bold**", "nope", "pt-BR", "en"),
        (None, None, None, "en"),
    ],
)
def test_the_address_wins_then_the_visitors_choice_then_the_browser(
    languages: Path, in_address: str | None, chosen: str | None, browser: str | None, spoken: str
) -> None:
    assert language.resolve(in_address, chosen, browser) == spoken


def _app(context: dict[str, Any] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT_SECONDS)
    if context:
        app.context = context
    return app


def test_a_link_with_lang_opens_in_that_language(languages: Path, data_dir: Path) -> None:
    app = _app()
    app.query_params = {"lang": "fr"}
    app.run()
    assert_no_exception(app)
    assert app.title[0].value == "Qu'est-il advenu des recommandations ?"
    # Every message comes from the French catalogue, the menu's language names excepted.
    assert app.selectbox(key="uptake_language_switcher").value == "fr"


def test_the_visitors_choice_outlasts_a_page_switch(languages: Path, data_dir: Path) -> None:
    app = _app()
    app.run()
    assert app.title[0].value == "What happened to the recommendations?"
    app.selectbox(key="uptake_language_switcher").select("de").run()
    assert_no_exception(app)
    assert app.title[0].value == "Was wurde aus den Empfehlungen?"
    assert app.query_params.get("lang") == "de"
    # A page switch drops the query; the choice stays, and goes back into the address.
    app.query_params = {}
    app.run()
    assert app.title[0].value == "Was wurde aus den Empfehlungen?"
    assert app.query_params.get("lang") == "de"


def test_the_browsers_language_is_used_when_nothing_was_chosen(
    languages: Path, data_dir: Path
) -> None:
    app = _app({"locale": "da-DK"})
    app.run()
    assert_no_exception(app)
    assert app.title[0].value == "Hvad skete der med anbefalingerne?"
    # Not chosen: the address stays as it was.
    assert "lang" not in app.query_params


def test_an_unknown_lang_falls_back_quietly(languages: Path, data_dir: Path) -> None:
    app = _app({"locale": "pt-PT"})
    app.query_params = {"lang": "**xx**"}
    app.run()
    assert_no_exception(app)
    assert app.title[0].value == "What happened to the recommendations?"
    said = texts(app)
    assert "xx" not in said and not app.warning


def test_labels_made_on_another_thread_keep_the_page_language(languages: Path) -> None:
    """Polars may run map_elements functions on its worker threads, where the page run's
    language is not set; the bound function keeps it."""
    from concurrent.futures import ThreadPoolExecutor

    def title(_: object) -> str:
        return messages.plain("overview.title")

    with messages.speaking("de"), ThreadPoolExecutor(1) as pool:
        unbound = pool.submit(title, None).result()
        bound = pool.submit(messages.in_current_language(title), None).result()
    assert unbound == "What happened to the recommendations?"
    assert bound == "Was wurde aus den Empfehlungen?"


def test_a_feed_speaks_the_language_its_link_names(languages: Path, built_snapshot: Path) -> None:
    """Feed links carry the page's `lang`; the feed's words, dates and links follow it."""
    from dashboard import feeds

    recommendation = "bxl-prb-2021-5g-r05"
    with messages.speaking("fr"):
        french = feeds.recommendation_feed(str(built_snapshot), recommendation, "https://u.example")
    english = feeds.recommendation_feed(str(built_snapshot), recommendation, "https://u.example")
    assert b'xml:lang="fr"' in french
    assert b"[fr] Dated " in french and b"[fr] Dated " not in english
    assert f"explorer?rec={recommendation}&amp;lang=fr".encode() in french
    assert b'xml:lang="en"' in english


def test_scale_labels_and_meanings_come_from_the_catalogue(languages: Path, data_dir: Path) -> None:
    """The sources page's scales read in the page's language, keyed by the canonical value;
    the English meanings the snapshot stores are not what a French reader sees."""
    app = _app()
    app.run()
    app.switch_page("views/sources.py")
    app.query_params = {"lang": "fr"}
    app.run()
    assert_no_exception(app)
    scales = frame_with(app, "vocabulary", "value", "label", "meaning")
    rows = scales.to_dict("records")
    assert rows
    assert all(row["meaning"].startswith("[fr] ") for row in rows)
    stance = {row["value"]: row["label"] for row in rows if row["value"] == "partially_accepted"}
    assert stance == {"partially_accepted": "[fr] Partially accepted"}


def test_a_step_named_inside_a_sentence_keeps_german_capitals() -> None:
    """ "…within 90 days of handover" in English; German nouns keep their capital."""
    with messages.speaking("en"):
        assert messages.deadline_start(None) == "handover"
    with messages.speaking("de"):
        assert messages.deadline_start(None) == "Übergabe"
        assert messages.deadline_start("committee_opinion") == messages.label(
            "milestone", "committee_opinion"
        )
