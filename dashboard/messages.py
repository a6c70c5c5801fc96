"""Every string the dashboard shows, looked up in a per-language catalogue file.

Keeping the words in data (locales/<lang>.toml) lets a translator work without touching code
and keeps the wording consistent between pages. The languages the app speaks are the catalogue
files present: adding locales/xx.toml adds a language.

The current language lives in a context variable: the app sets it at the start of each page
run (dashboard/language.py), and callers outside Streamlit (the briefing command line, the
feeds) set it with `speaking`. A key missing from a catalogue falls back to English.

The catalogue's strings are ours and may use Markdown; the values filled into them come from
registers, sources and the address bar and must show as the text they are. So a message is
`Markdown`: text safe to hand to any Streamlit element that renders Markdown, whose
placeholders were filled with escaped values. A value is inserted as it is only when it is
`Markdown` already (another message, or text that went through `escape_markdown`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"

# Every character Markdown, Streamlit's directives (:red[..], :material/..:), LaTeX ($) or HTML
# could act on; a backslash before any ASCII punctuation makes CommonMark show it literally.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'])")
# Streamlit also rewrites plain text after parsing, where escapes no longer count: bare web
# and mail addresses become links (GitHub-flavoured autolinks) and `:name:` becomes an emoji
# or an icon. An invisible word joiner inside each trigger ("://", "www.", "@", ":x") keeps the
# text as it reads while no pattern matches.
WORD_JOINER = "\u2060"
_AUTOLINK_TRIGGERS = (
    (re.compile(r"(\\:)(?=\S)"), rf"\1{WORD_JOINER}"),
    (re.compile(r"(www)(?=\\\.)", re.IGNORECASE), rf"\1{WORD_JOINER}"),
    (re.compile(r"@"), f"{WORD_JOINER}@"),
)
_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\u2028\u2029\x85]+\s*")


class Markdown(str):
    """Text that may be rendered as Markdown as it is: a catalogue message, or untrusted text
    after `escape_markdown`. Anything else is escaped when it is filled into a message."""

    __slots__ = ()

    def join(self, parts: Iterable[object]) -> Markdown:  # type: ignore[override]
        """Like str.join, but each part that is not Markdown already is escaped first."""
        return Markdown(str.join(self, (as_markdown(part) for part in parts)))


def escape_markdown(text: object) -> Markdown:
    """Untrusted text made inert for any element that renders Markdown: every control
    character is backslash-escaped, line breaks become spaces (a value sits inside a
    sentence and must not start a list or a heading), and links, emoji and icons that
    Streamlit would make from plain text are broken by invisible word joiners."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    for pattern, replacement in _AUTOLINK_TRIGGERS:
        escaped = pattern.sub(replacement, escaped)
    return Markdown(escaped)


def as_markdown(value: object) -> Markdown:
    """`value` ready to sit in Markdown: as it is when it is Markdown already, else escaped."""
    return value if isinstance(value, Markdown) else escape_markdown(value)


def _local_number(value: Any) -> Any:
    """A number written the current language's way ("1,234" / "1.234" / "1 234"); anything
    else as it is."""
    if type(value) is int and 0 <= value < 1000:
        # No separator and no sign to localise (see formats.SMALL_WHOLE): plain digits.
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value, locale=babel_locale())
    return value


def _fill_value(value: Any) -> Any:
    """Numbers are written in the current language (they cannot carry markup); text is
    escaped."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Markdown(_local_number(value))
    return as_markdown(value)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = str(value)
    return flat


def supported_languages() -> tuple[str, ...]:
    """The languages the app speaks: one per catalogue file, English (the default) first."""
    return _languages_in(LOCALES_DIR)


@cache
def _languages_in(directory: Path) -> tuple[str, ...]:
    others = sorted(path.stem for path in directory.glob("*.toml") if path.stem != DEFAULT_LANGUAGE)
    return (DEFAULT_LANGUAGE, *others)


_language: ContextVar[str] = ContextVar("uptake_language", default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language this page run (or command) speaks."""
    return _language.get()


def set_language(language: str) -> None:
    """Speak `language` from now on in this context; an unsupported code means English."""
    _language.set(language if language in supported_languages() else DEFAULT_LANGUAGE)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak `language` inside the block (command line, feeds, tests), then go back."""
    token = _language.set(language if language in supported_languages() else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def in_current_language(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`function` bound to the language spoken now. Polars may run a `map_elements` function on
    its own worker threads, where the page run's context variable is not set: a label made
    there would be English on a French page."""
    language = current_language()

    def bound(value: Any) -> Any:
        token = _language.set(language)
        try:
            return function(value)
        finally:
            _language.reset(token)

    return bound


def catalogue(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """All messages of one language as a flat `section.key -> text` mapping."""
    return _catalogue_in(LOCALES_DIR, language)


@cache
def _catalogue_in(directory: Path, language: str) -> dict[str, str]:
    # Keyed by folder and code, not by the file's path: a page run looks up a few hundred
    # messages, and building a path for each lookup cost more than the lookups themselves.
    with (directory / f"{language}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def _template(key: str) -> str | None:
    """The text of `key` in the current language, else in English, else None."""
    language = current_language()
    found = catalogue(language).get(key) if language != DEFAULT_LANGUAGE else None
    return found if found is not None else catalogue(DEFAULT_LANGUAGE).get(key)


def t(key: str, /, **values: Any) -> Markdown:
    """The message for `key`, with `{name}` placeholders filled from `values`, each escaped
    unless it is Markdown already (see the module docstring).

    A missing key shows the key itself rather than failing: a visitor then sees an odd label,
    never a crash, and the catalogue test names the missing key. (Keys are made by code from
    canonical values, never from untrusted text, and mostly land in tables and option lists,
    which show text as it is: they are not escaped.)
    """
    template = _template(key)
    if template is None:
        return Markdown(key)
    if not values:
        return Markdown(template)
    return Markdown(template.format_map({name: _fill_value(v) for name, v in values.items()}))


def plain(key: str, /, **values: Any) -> str:
    """The message for `key` with its values filled in as they are, for outputs that are not
    Markdown or that escape for themselves: the PDF (typst receives data as values, never as
    markup), Atom feeds, HTTP text answers and command-line messages. Never pass its result to
    an element that renders Markdown."""
    template = _template(key)
    if template is None:
        return key
    if not values:
        return template
    return template.format_map({name: _local_number(v) for name, v in values.items()})


def tn(key: str, /, count: int | None, **values: Any) -> Markdown:
    """The message for `key` in the plural form `count` takes in the catalogue's language.

    The catalogue holds one text per CLDR plural category (`key.one`, `key.other`, …); Babel
    knows which category a number falls in for each language, so "1 cycle" and "2 cycles" come
    out right, and so will languages with more than two forms. `{n}` is the count itself,
    written with the language's digit grouping.
    """
    form = "other" if count is None else _plural_form(current_language(), count)
    for candidate in (f"{key}.{form}", f"{key}.other"):
        if has(candidate):
            # t() writes the count with the language's digit grouping.
            return t(candidate, n=values.pop("n", count), **values)
    return Markdown(key)


# Babel's plain "en" writes dates the American way ("Feb 3, 2024"); the assemblies are
# European, so English dates follow British usage ("3 Feb 2024").
_BABEL_LOCALE_OF = {"en": "en_GB"}


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(_BABEL_LOCALE_OF.get(language, language))


def babel_locale() -> Locale:
    """The Babel locale of the current language, for dates, numbers and plural rules."""
    return _locale(current_language())


def _plural_form(language: str, count: int) -> str:
    return _locale(language).plural_form(abs(count))


def has(key: str) -> bool:
    """Whether the catalogue defines `key` (used for optional per-value labels)."""
    return _template(key) is not None


def label(scale: str, value: str | None) -> str:
    """Human label of a canonical value (`stance`, `implementation`, ...), or the value itself
    (plain text, escaped when it is filled into a message)."""
    if value is None:
        return t("common.not_recorded")
    key = f"scale.{scale}.{value}"
    return t(key) if has(key) else value


@cache
def native_name(code: str) -> str:
    """A language named in itself ("fr" -> "Français"), as a language switcher shows it.
    Cached: the menu names every language on every run, and Babel loads a locale's whole
    data file the first time it is asked for a name."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_name(code: str | None) -> str:
    """The name of a language code in the current language ("it" -> "Italian"), or the code.

    Registers store ISO 639-1 codes; a reader should not have to decode them. Codes with no
    entry in the catalogue's `language_name` table are shown as they are rather than hidden.
    """
    if not code:
        return t("common.none")
    key = f"language_name.{code.strip().lower()}"
    return t(key) if has(key) else code


def deadline_start(kind: str | None) -> str:
    """What a deadline is counted from, in words: the handover unless the rule names a step.

    The label sits inside a sentence, so it is lower-cased where the language writes it so;
    German nouns keep their capital (the catalogue's `grammar.lowercase_inline_labels`)."""
    text = label("milestone", kind or "handover")
    return text.lower() if plain("grammar.lowercase_inline_labels") == "yes" else text
