"""Every shipped language says everything English says, with the same placeholders and the
plural forms its grammar needs; every translated methodology has the English one's sections.

The languages tested are the catalogue files present (messages.supported_languages), so adding
dashboard/locales/xx.toml adds it here, and this test names every key it still lacks.
"""

from __future__ import annotations

import csv
import re
import string
import tomllib
from pathlib import Path

import pytest
from babel import Locale

from dashboard import messages
from dashboard.reference import METHODOLOGY_FILE
from dashboard.snapshot import REPO_ROOT

TRANSLATIONS = [code for code in messages.supported_languages() if code != "en"]
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})
SECTION = re.compile(r"^## ", re.MULTILINE)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _plural_bases(catalogue: dict[str, str]) -> set[str]:
    """Keys written in plural forms: tables whose entries are all CLDR categories, `other`
    among them (a scale with a value called "other" is not one)."""
    children: dict[str, set[str]] = {}
    for key in catalogue:
        base, _, last = key.rpartition(".")
        children.setdefault(base, set()).add(last)
    return {base for base, names in children.items() if "other" in names and names <= PLURAL_FORMS}


def _split(catalogue: dict[str, str]) -> tuple[set[str], dict[str, set[str]]]:
    """Plain keys, and the plural forms present per plural key."""
    bases = _plural_bases(catalogue)
    plain: set[str] = set()
    plurals: dict[str, set[str]] = {}
    for key in catalogue:
        base, _, form = key.rpartition(".")
        if base in bases:
            plurals.setdefault(base, set()).add(form)
        else:
            plain.add(key)
    return plain, plurals


def _categories(language: str) -> set[str]:
    """The CLDR plural categories a language's integers fall in (Babel's rules), and 'other'."""
    return set(Locale.parse(language).plural_form.tags) | {"other"}


@pytest.mark.parametrize("language", messages.supported_languages())
def test_the_catalogue_parses_as_toml(language: str) -> None:
    with (messages.LOCALES_DIR / f"{language}.toml").open("rb") as handle:
        assert tomllib.load(handle)


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_a_translation_has_exactly_the_english_keys(language: str) -> None:
    english_plain, english_plurals = _split(messages.catalogue("en"))
    plain, plurals = _split(messages.catalogue(language))
    assert sorted(english_plain - plain) == [], "missing keys"
    assert sorted(plain - english_plain) == [], "keys English does not have"
    assert sorted(set(english_plurals) - set(plurals)) == [], "missing plural keys"
    assert sorted(set(plurals) - set(english_plurals)) == [], "plural keys English lacks"


@pytest.mark.parametrize("language", messages.supported_languages())
def test_plural_keys_have_exactly_the_languages_cldr_forms(language: str) -> None:
    _, plurals = _split(messages.catalogue(language))
    wanted = _categories(language)
    wrong = {key: sorted(forms) for key, forms in plurals.items() if forms != wanted}
    assert wrong == {}, f"{language} plural keys need exactly {sorted(wanted)}"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_a_translation_keeps_each_messages_placeholders(language: str) -> None:
    english = messages.catalogue("en")
    translated = messages.catalogue(language)
    different = {}
    plural_bases = _plural_bases(english)
    for key, text in translated.items():
        base = key.rpartition(".")[0]
        # A plural form is compared with English's `other`, which names every placeholder.
        source = english.get(f"{base}.other", "") if base in plural_bases else english.get(key, "")
        if _placeholders(text) != _placeholders(source):
            different[key] = (sorted(_placeholders(source)), sorted(_placeholders(text)))
    assert different == {}


def test_every_canonical_scale_value_has_a_meaning_in_the_catalogue() -> None:
    """The sources page shows each scale value's meaning from the catalogue (in the page's
    language), never the English one stored in the snapshot."""
    with (REPO_ROOT / "data" / "vocabularies" / "scales.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    english = messages.catalogue("en")
    missing = [
        f"scale_meaning.{row['vocabulary']}.{row['value']}"
        for row in rows
        if f"scale_meaning.{row['vocabulary']}.{row['value']}" not in english
    ]
    assert rows and missing == []


def _translated_methodologies() -> list[Path]:
    return sorted(METHODOLOGY_FILE.parent.glob("methodology.*.md"))


@pytest.mark.parametrize(
    "path", _translated_methodologies(), ids=lambda path: path.name.split(".")[1]
)
def test_a_translated_methodology_has_the_english_sections(path: Path) -> None:
    english = len(SECTION.findall(METHODOLOGY_FILE.read_text(encoding="utf-8")))
    assert len(SECTION.findall(path.read_text(encoding="utf-8"))) == english
    assert path.name.split(".")[1] in messages.supported_languages()


def test_every_assemblys_language_has_a_catalogue_and_a_methodology() -> None:
    """The assemblies deliberate in German, French, Dutch, Danish and Italian: losing one of
    their catalogues or methodologies must fail, not shrink the languages tested above."""
    assemblies = {"de", "fr", "nl", "da", "it"}
    assert assemblies | {"en"} <= set(messages.supported_languages())
    for code in assemblies:
        assert (METHODOLOGY_FILE.parent / f"methodology.{code}.md").is_file(), code
