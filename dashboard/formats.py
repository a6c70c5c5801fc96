"""Dates and numbers written the way the current language writes them, through Babel.

Every figure and date on screen, in the briefing and in chart labels goes through here, so a
French reader sees "3 févr. 2024" and "42 %" and a German one "1.234,5". A value that is not
known reads "not recorded" (or "n/a" for a figure that cannot be computed) in the current
language, never "None".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache

from babel.dates import format_date as babel_date
from babel.numbers import format_decimal, format_percent

from dashboard.messages import babel_locale, current_language, t


def day(value: date | datetime | None) -> str:
    """A day in the language's medium form: "3 Feb 2024", "3 févr. 2024", "03.02.2024"."""
    if value is None:
        return t("common.unknown_date")
    if isinstance(value, datetime):
        value = value.date()
    return babel_date(value, format="medium", locale=babel_locale())


def month(value: date | datetime) -> str:
    """A month and year: "March 2021", "mars 2021"."""
    return babel_date(value, format="LLLL y", locale=babel_locale())


def date_as_precise_as(value: date | datetime | None, precision: str | None = "day") -> str:
    """A date as precise as its source: a month-precision date shows as 'March 2021'."""
    if value is None:
        return t("common.unknown_date")
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return month(value)
    return day(value)


def moment(value: datetime | None) -> str:
    """A build time to the minute, in UTC: "3 Feb 2024, 14:05 UTC"."""
    if value is None:
        return t("common.unknown")
    return f"{day(value)} {value:%H:%M} UTC"


def number(value: float | int | None, *, decimals: int = 1) -> str:
    """A count or a measure: integers grouped ("1,234" / "1.234"), others to `decimals`."""
    if value is None:
        return t("common.not_available")
    if type(value) is int and 0 <= value < SMALL_WHOLE:
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, format=pattern, locale=babel_locale())
    return format_decimal(int(value), locale=babel_locale())


# Whole numbers below this have no group separator and no sign, so every language the app
# speaks writes them as plain digits: most counts on a page, written without asking Babel
# (which costs more than the rest of a figure's formatting).
SMALL_WHOLE = 1000


def percent(value: float | None) -> str:
    """A share as a whole percentage in the language's form: "42%", "42 %"."""
    if value is None:
        return t("common.not_available")
    return format_percent(value, locale=babel_locale())


# CLDR date pattern fields and their d3-time-format directives (longest first).
_CLDR_TO_D3 = (
    ("EEEE", "%A"),
    ("MMMM", "%B"),
    ("LLLL", "%B"),
    ("yyyy", "%Y"),
    ("EEE", "%a"),
    ("MMM", "%b"),
    ("LLL", "%b"),
    ("dd", "%d"),
    ("MM", "%m"),
    ("yy", "%y"),
    ("E", "%a"),
    ("d", "%-d"),
    ("M", "%-m"),
    ("y", "%Y"),
)
_CLDR_FIELD = re.compile("|".join(cldr for cldr, _ in _CLDR_TO_D3) + "|'[^']*'")


def _d3_date_pattern(cldr: str) -> str:
    """A CLDR date pattern ("d MMM y") as a d3 time format ("%-d %b %Y")."""
    directives = dict(_CLDR_TO_D3)

    def convert(match: re.Match[str]) -> str:
        field = match.group(0)
        return field.strip("'") if field.startswith("'") else directives[field]

    return _CLDR_FIELD.sub(convert, cldr)


def d3_locale() -> dict[str, dict[str, object]]:
    """The current language's number and time conventions in the shape Vega-Lite's
    `config.locale` takes (d3-format and d3-time-format locales), built from Babel's CLDR
    data, so chart axes read "janv. 2024" and "1.234" like the rest of the page. Built once
    per language and shared by every chart: treat it as read-only."""
    return _d3_locale(current_language())


@cache
def _d3_locale(language: str) -> dict[str, dict[str, object]]:
    locale = babel_locale()
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    percent_pattern = locale.percent_formats[None].pattern
    # CLDR writes the percent sign with a (narrow) space in some languages: "42 %".
    percent = percent_pattern[percent_pattern.index("0") + 1 :].lstrip("0#,.") or "%"
    # Babel numbers days from Monday; d3 from Sunday.
    wide_days = [locale.days["format"]["wide"][(index + 6) % 7] for index in range(7)]
    short_days = [locale.days["format"]["abbreviated"][(index + 6) % 7] for index in range(7)]
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["", "\u00a0€"],
            "percent": percent.replace("%", "") + "%" if "%" in percent else "%",
            "minus": symbols.get("minusSign", "-"),
        },
        "time": {
            "dateTime": "%x %X",
            "date": _d3_date_pattern(locale.date_formats["medium"].pattern),
            "time": "%H:%M:%S",
            "periods": [
                locale.day_periods["format"]["abbreviated"].get(p, p) for p in ("am", "pm")
            ],
            "days": wide_days,
            "shortDays": short_days,
            "months": [locale.months["format"]["wide"][m] for m in range(1, 13)],
            "shortMonths": [locale.months["format"]["abbreviated"][m] for m in range(1, 13)],
        },
    }


# CLDR date fields and the data grid's (Moment.js) tokens for them, longest first.
_CLDR_TO_GRID = (("dd", "DD"), ("d", "D"), ("MM", "MM"), ("M", "M"), ("yy", "YY"), ("y", "YYYY"))
_CLDR_NUMERIC_FIELD = re.compile("y+|dd|d|MM|M|'[^']*'")


def grid_date_format() -> str:
    """The language's numeric date ("03/02/2024", "03.02.2024") as a data-grid format: the
    column stays a date, so it still sorts by date, while it reads the local way."""
    cldr = babel_locale().date_formats["short"].pattern
    tokens = dict(_CLDR_TO_GRID)

    def convert(match: re.Match[str]) -> str:
        field = match.group(0)
        if field.startswith("'"):
            return field.strip("'")
        return "YYYY" if field.startswith("y") else tokens[field]

    return _CLDR_NUMERIC_FIELD.sub(convert, cldr)


def grid_datetime_format() -> str:
    """A date and a time to the minute, for the data grid (see grid_date_format)."""
    return f"{grid_date_format()} HH:mm"
