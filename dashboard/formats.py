"""Dates and numbers written the way the current language writes them, through Babel.

Every figure and date on screen, in the briefing and in chart labels goes through here, so a
French reader sees "3 févr. 2024" and "42 %" and a German one "1.234,5". A value that is not
known reads "not recorded" (or "n/a" for a figure that cannot be computed) in the current
language, never "None".
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date as babel_date
from babel.numbers import format_decimal, format_percent

from dashboard.messages import babel_locale, t


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
    if isinstance(value, float) and not value.is_integer():
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, format=pattern, locale=babel_locale())
    return format_decimal(int(value), locale=babel_locale())


def percent(value: float | None) -> str:
    """A share as a whole percentage in the language's form: "42%", "42 %"."""
    if value is None:
        return t("common.not_available")
    return format_percent(value, locale=babel_locale())
