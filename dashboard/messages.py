"""Every string the dashboard shows, looked up in a per-language catalogue file.

Keeping the words in data (locales/<lang>.toml) lets a translator work without touching code
and keeps the wording consistent between pages.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = str(value)
    return flat


@cache
def catalogue(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """All messages of one language as a flat `section.key -> text` mapping."""
    with (LOCALES_DIR / f"{language}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def t(key: str, /, **values: Any) -> str:
    """The message for `key`, with `{name}` placeholders filled from `values`.

    A missing key shows the key itself rather than failing: a visitor then sees an odd label,
    never a crash, and the catalogue test names the missing key.
    """
    template = catalogue().get(key)
    if template is None:
        return key
    return template.format(**values) if values else template


def tn(key: str, /, count: int | None, **values: Any) -> str:
    """The message for `key` in the plural form `count` takes in the catalogue's language.

    The catalogue holds one text per CLDR plural category (`key.one`, `key.other`, …); Babel
    knows which category a number falls in for each language, so "1 cycle" and "2 cycles" come
    out right, and so will languages with more than two forms. `{n}` is the count itself.
    """
    form = "other" if count is None else _plural_form(DEFAULT_LANGUAGE, count)
    for candidate in (f"{key}.{form}", f"{key}.other"):
        if has(candidate):
            return t(candidate, n=values.pop("n", count), **values)
    return key


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def _plural_form(language: str, count: int) -> str:
    return _locale(language).plural_form(abs(count))


def has(key: str) -> bool:
    """Whether the catalogue defines `key` (used for optional per-value labels)."""
    return key in catalogue()


def label(scale: str, value: str | None) -> str:
    """Human label of a canonical value (`stance`, `implementation`, ...), or the value itself."""
    if value is None:
        return t("common.not_recorded")
    key = f"scale.{scale}.{value}"
    return t(key) if has(key) else value


def language_name(code: str | None) -> str:
    """The English name of a language code ("it" -> "Italian"), or the code itself.

    Registers store ISO 639-1 codes; a reader should not have to decode them. Codes with no
    entry in the catalogue's `language_name` table are shown as they are rather than hidden.
    """
    if not code:
        return t("common.none")
    key = f"language_name.{code.strip().lower()}"
    return t(key) if has(key) else code


def deadline_start(kind: str | None) -> str:
    """What a deadline is counted from, in words: the handover unless the rule names a step."""
    return label("milestone", kind or "handover").lower()
