"""A briefing as a PDF, typeset by Typst (the `typst` package ships its compiler).

The data reach the template as one JSON string in sys.inputs: Typst reads every value as a
string, never as markup, so text from a register cannot change the layout or run code.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import typst

from dashboard import formats, ui
from dashboard.briefing import Briefing
from dashboard.messages import plain as t

TEMPLATE = Path(__file__).with_name("briefing.typ")
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`]+$")


def _text(value: object) -> str:
    return " ".join(ui.text_or_not_recorded(value).split())


def _link(url: str | None, label: str) -> dict[str, str] | str:
    if not url:
        return ""
    return {"url": url, "label": label} if _SAFE_URL.match(url) else _text(url)


def _date(value: date | None, precision: str | None) -> str:
    return ui.format_date(value, precision) if value else t("common.not_recorded")


def _state(scale: str, state: str, basis: str) -> str:
    return f"{t(f'scale.{scale}.{state}')} · {t(f'briefing.evidence.{basis}')}"


def payload(briefing: Briefing) -> dict[str, Any]:
    """Everything the template prints, as strings (and {url, label} links)."""
    c = "briefing.column"
    source = t(f"{c}.source")
    return {
        "title": briefing.title,
        "scope_lines": briefing.scope_lines,
        "citation": briefing.citation,
        "labels": {
            key: t(f"briefing.{key}")
            for key in (
                "headline",
                "changed",
                "waiting",
                "charts",
                "recommendations",
                "methodology",
            )
        },
        "figure_header": [
            t("briefing.figure"),
            t("briefing.value"),
            t("briefing.numerator"),
            t("briefing.denominator"),
            t("briefing.n"),
            t("briefing.basis"),
        ],
        "figures": [
            [
                figure.label,
                figure.value + (f" ({t('briefing.small_n')})" if figure.small_n else ""),
                ui.number(figure.numerator),
                ui.number(figure.denominator),
                ui.number(figure.n),
                figure.basis,
            ]
            for figure in briefing.figures
        ],
        "changed_intro": t(
            "briefing.changed_intro",
            since=formats.day(briefing.since),
            until=formats.day(briefing.until),
        ),
        "changed_none": t("briefing.changed_none"),
        "change_header": [
            t(f"{c}.{key}")
            for key in ("date", "kind", "recommendation", "value", "state", "source")
        ],
        "changes": [
            [
                _date(change["on_date"], change["on_date_precision"]),
                t(f"briefing.kind.{change['kind']}"),
                _text(change["title"] or change["cycle_title"]),
                (f"{change['before_value']} → " if change["before_value"] is not None else "")
                + _text(change["label"] or change["value"])
                + (f": {change['count']}" if change["count"] is not None else ""),
                t(f"detail.state.{change['state']}"),
                _link(change["source_url"], source),
            ]
            for change in briefing.changes
        ],
        "waiting_intro": t("briefing.waiting_intro"),
        "waiting_none": t("briefing.waiting_none"),
        "waiting_header": [
            t(f"{c}.{key}")
            for key in (
                "number",
                "recommendation",
                "addressee",
                "last_event",
                "days_waiting",
                "source",
            )
        ],
        "waiting": [
            [
                row["number"] or "—",
                _text(row["title"]),
                _text(row["addressee"]),
                _date(row["last_event_on"], row["last_event_on_precision"]),
                t("common.not_recorded")
                if row["days_since_last_event"] is None
                else formats.number(row["days_since_last_event"]),
                _link(row["source_url"], source),
            ]
            for row in briefing.waiting
        ],
        "charts": [{"svg": chart.svg(), "caption": chart.title} for chart in briefing.charts],
        "recommendation_header": [
            t(f"{c}.{key}")
            for key in (
                "number",
                "recommendation",
                "addressee",
                "response",
                "responded_on",
                "status",
                "status_on",
                "source",
            )
        ],
        "recommendations": [
            [
                row["number"] or "—",
                _text(row["title"]),
                _text(row["addressee"]),
                _state("response_state", row["response_state"], row["response_basis"]),
                _date(row["responded_on"], row["responded_on_precision"]),
                _state(
                    "implementation_state",
                    row["implementation_state"],
                    row["implementation_basis"],
                ),
                _date(row["status_on"], row["status_on_precision"]),
                _link(row["source_url"], source),
            ]
            for row in briefing.recommendations
        ],
        "footnotes": briefing.footnotes,
    }


def render(briefing: Briefing) -> bytes:
    """The briefing as PDF bytes."""
    data = json.dumps(payload(briefing), ensure_ascii=False, default=str)
    return bytes(
        typst.compile(
            TEMPLATE.read_bytes(),
            root=str(TEMPLATE.parent),
            sys_inputs={"briefing": data},
        )
    )
