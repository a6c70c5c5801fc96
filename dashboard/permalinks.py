"""Query parameters <-> page state, validated against what the snapshot actually holds.

A permalink is untrusted input: every value must be one the page could have produced itself
(an allow-listed id or a bounded string). Anything else is dropped and reported, so a pasted
or tampered link shows a notice instead of an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.messages import current_language, t

MAX_TEXT_LENGTH = 200
MAX_VALUES_PER_KEY = 50
# Streamlit's own embedding parameters are not ours to judge; the language (`lang`) belongs to
# every page and is read by dashboard/language.py.
LANGUAGE_KEY = "lang"
RESERVED_KEYS = frozenset({"embed", "embed_options", LANGUAGE_KEY})
TRUE_WORDS = frozenset({"1", "true", "yes"})
FALSE_WORDS = frozenset({"0", "false", "no"})


@dataclass
class Parsed:
    """Accepted values per key, and a notice for everything that was ignored."""

    lists: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def shown(value: str, limit: int = 40) -> str:
    """A short, printable excerpt of a rejected value for the notice."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in value)
    return cleaned if len(cleaned) <= limit else f"{cleaned[:limit]}…"


def parse(
    raw: Mapping[str, list[str]],
    *,
    choices: Mapping[str, Iterable[str]],
    texts: Iterable[str] = (),
    flags: Iterable[str] = (),
) -> Parsed:
    """Keep only values the page can use.

    `choices` maps a multi-valued key to its allowed values, `texts` names free-text keys
    (bounded in length) and `flags` names on/off keys.
    """
    allowed = {key: set(values) for key, values in choices.items()}
    text_keys, flag_keys = set(texts), set(flags)
    result = Parsed()
    for key, values in raw.items():
        if key in RESERVED_KEYS:
            continue
        if key in allowed:
            _parse_choice(result, key, values, allowed[key])
        elif key in text_keys:
            _parse_text(result, key, values)
        elif key in flag_keys:
            _parse_flag(result, key, values)
        else:
            result.notices.append(t("permalink.unknown_key", key=shown(key)))
    return result


def _parse_choice(result: Parsed, key: str, values: list[str], allowed: set[str]) -> None:
    if len(values) > MAX_VALUES_PER_KEY:
        result.notices.append(t("permalink.too_many", key=key, limit=MAX_VALUES_PER_KEY))
        values = values[:MAX_VALUES_PER_KEY]
    kept: list[str] = []
    for value in values:
        if value in allowed:
            if value not in kept:
                kept.append(value)
        else:
            result.notices.append(t("permalink.unknown_value", key=key, value=shown(value)))
    if kept:
        result.lists[key] = kept


def _parse_text(result: Parsed, key: str, values: list[str]) -> None:
    value = values[-1] if values else ""
    if len(value) > MAX_TEXT_LENGTH:
        result.notices.append(t("permalink.too_long", key=key, limit=MAX_TEXT_LENGTH))
        return
    if any(not ch.isprintable() for ch in value):
        result.notices.append(t("permalink.unprintable", key=key))
        return
    result.texts[key] = value


def _parse_flag(result: Parsed, key: str, values: list[str]) -> None:
    value = (values[-1] if values else "").strip().lower()
    if value in TRUE_WORDS:
        result.flags[key] = True
    elif value in FALSE_WORDS:
        result.flags[key] = False
    else:
        result.notices.append(t("permalink.bad_flag", key=key, value=shown(value)))


def current(query_params: object) -> dict[str, list[str]]:
    """The page's own query parameters with repeated keys kept (st.query_params or a
    compatible proxy); the language is every page's and is left out."""
    return {
        key: query_params.get_all(key)  # type: ignore[attr-defined]
        for key in query_params  # type: ignore[attr-defined]
        if key != LANGUAGE_KEY
    }


def replace(query_params: Any, params: Mapping[str, Any]) -> None:
    """Make `params` the page's query, keeping the language the address names."""
    language = query_params.get(LANGUAGE_KEY)
    query_params.from_dict({**params, LANGUAGE_KEY: language} if language else dict(params))


def link_params(params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Query parameters for a link the app builds, with the current language added, so the
    link opens in the language it was copied from."""
    return {**(params or {}), LANGUAGE_KEY: current_language()}


def with_language(url: str) -> str:
    """`url` with `lang=<current language>` appended to its query (see link_params)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{LANGUAGE_KEY}={current_language()}"
