"""A briefing as a Markdown file: every text from a source is escaped, every URL checked."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from dashboard import formats, ui
from dashboard.briefing import Briefing, Figure
from dashboard.messages import plain as t

# A URL is linked only when it is plainly one: http(s), no spaces or angle brackets.
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`]+$")


def cell(value: object) -> str:
    """Untrusted text made inert for a Markdown table cell (one line, no markup)."""
    text = ui.text_or_not_recorded(value) if not isinstance(value, str) else value
    return ui.escape_markdown(" ".join(str(text).split()))


def link(url: str | None, label: str | None = None) -> str:
    if not url:
        return t("common.not_recorded")
    if _SAFE_URL.match(url):
        return f"[{cell(label)}](<{url}>)" if label else f"<{url}>"
    return cell(url)


def dated(value: date | None, precision: str | None) -> str:
    return cell(ui.format_date(value, precision)) if value else cell(t("common.not_recorded"))


def state_with_basis(scale: str, state: str, basis: str) -> str:
    return f"{t(f'scale.{scale}.{state}')} · {t(f'briefing.evidence.{basis}')}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _figure_row(figure: Figure) -> list[str]:
    value = figure.value + (f" ({t('briefing.small_n')})" if figure.small_n else "")
    return [
        cell(figure.label),
        cell(value),
        cell(ui.number(figure.numerator)),
        cell(ui.number(figure.denominator)),
        cell(ui.number(figure.n)),
        cell(figure.basis),
    ]


def _change_row(change: dict[str, Any]) -> list[str]:
    what = change["title"] or change["cycle_title"]
    value = change["label"] or change["value"]
    if change["count"] is not None:
        value = f"{value}: {change['count']}"
    if change["before_value"] is not None:
        value = f"{change['before_value']} → {value}"
    return [
        dated(change["on_date"], change["on_date_precision"]),
        cell(t(f"briefing.kind.{change['kind']}")),
        cell(what),
        cell(value),
        cell(t(f"detail.state.{change['state']}")),
        link(change["source_url"], t("briefing.column.source")),
    ]


def _days(value: int | None) -> str:
    return cell(t("common.not_recorded") if value is None else t("briefing.days", days=value))


def _waiting_row(row: dict[str, Any]) -> list[str]:
    return [
        cell(row["number"] or "—"),
        cell(row["title"]),
        cell(row["addressee"]),
        dated(row["last_event_on"], row["last_event_on_precision"]),
        _days(row["days_since_last_event"]),
        link(row["source_url"], t("briefing.column.source")),
    ]


def _recommendation_row(row: dict[str, Any]) -> list[str]:
    sources = [
        link(row["source_url"], t("briefing.column.recommendation")),
        link(row["response_source_url"], t("briefing.column.response"))
        if row["response_source_url"]
        else "",
        link(row["status_source_url"], t("briefing.column.status"))
        if row["status_source_url"]
        else "",
    ]
    return [
        cell(row["number"] or "—"),
        cell(row["title"]),
        cell(row["addressee"]),
        cell(state_with_basis("response_state", row["response_state"], row["response_basis"])),
        dated(row["responded_on"], row["responded_on_precision"]),
        cell(
            state_with_basis(
                "implementation_state", row["implementation_state"], row["implementation_basis"]
            )
        ),
        dated(row["status_on"], row["status_on_precision"]),
        " ".join(part for part in sources if part),
    ]


def render(briefing: Briefing) -> str:
    """The whole briefing as Markdown (charts are described by title and caption)."""
    c = "briefing.column"
    lines = [f"# {cell(briefing.title)}", ""]
    lines += [f"- {cell(line)}" for line in briefing.scope_lines]
    lines += ["", f"## {t('briefing.headline')}", ""]
    lines += _table(
        [
            t("briefing.figure"),
            t("briefing.value"),
            t("briefing.numerator"),
            t("briefing.denominator"),
            t("briefing.n"),
            t("briefing.basis"),
        ],
        [_figure_row(figure) for figure in briefing.figures],
    )
    since, until = formats.day(briefing.since), formats.day(briefing.until)
    lines += [
        "",
        f"## {t('briefing.changed')}",
        "",
        cell(t("briefing.changed_intro", since=since, until=until)),
        "",
    ]
    if briefing.changes:
        lines += _table(
            [
                t(f"{c}.date"),
                t(f"{c}.kind"),
                t(f"{c}.recommendation"),
                t(f"{c}.value"),
                t(f"{c}.state"),
                t(f"{c}.source"),
            ],
            [_change_row(change) for change in briefing.changes],
        )
    else:
        lines.append(cell(t("briefing.changed_none")))
    lines += ["", f"## {t('briefing.waiting')}", "", cell(t("briefing.waiting_intro")), ""]
    if briefing.waiting:
        lines += _table(
            [
                t(f"{c}.number"),
                t(f"{c}.recommendation"),
                t(f"{c}.addressee"),
                t(f"{c}.last_event"),
                t(f"{c}.days_waiting"),
                t(f"{c}.source"),
            ],
            [_waiting_row(row) for row in briefing.waiting],
        )
    else:
        lines.append(cell(t("briefing.waiting_none")))
    lines += ["", f"## {t('briefing.recommendations')}", ""]
    lines += _table(
        [
            t(f"{c}.number"),
            t(f"{c}.recommendation"),
            t(f"{c}.addressee"),
            t(f"{c}.response"),
            t(f"{c}.responded_on"),
            t(f"{c}.status"),
            t(f"{c}.status_on"),
            t(f"{c}.sources"),
        ],
        [_recommendation_row(row) for row in briefing.recommendations],
    )
    lines += ["", f"## {t('briefing.charts')}", ""]
    for chart in briefing.charts:
        lines += [f"- **{cell(chart.title)}**: {cell(chart.caption)}"]
    lines += ["", f"## {t('briefing.methodology')}", ""]
    lines += [f"{number}. {cell(note)}" for number, note in enumerate(briefing.footnotes, 1)]
    lines += ["", f"*{cell(briefing.citation)}*", ""]
    return "\n".join(lines)
