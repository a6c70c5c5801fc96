"""A briefing on one scope (institution, cycle, addressee, period) built from the snapshot.

`build` gathers everything a briefing shows into plain data (`Briefing`); the renderers
(`markdown`, `pdf`) only lay it out. Every figure is copied from the indicator views with its
numerator, denominator, n and basis: nothing here recomputes a rate, so a briefing can never
disagree with the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from streamlit import logger as streamlit_logger
from streamlit import runtime

# Outside `streamlit run` (the command line) the query cache works in memory and would warn
# so on every call; the level must be set before the queries module is imported.
if not runtime.exists():
    streamlit_logger.set_log_level("error")

from dashboard import formats, queries, ui
from dashboard.briefing import charts
from dashboard.messages import plain as t

# How far back "what changed" looks when the institution has no follow-up meeting on record.
DEFAULT_LOOKBACK_DAYS = 90
# How many recommendations the "waiting longest" list shows.
WAITING_LIMIT = 10
# Implementation states that end the wait: nothing more is expected of the institution.
SETTLED_STATES = frozenset({"implemented", "abandoned"})


class ScopeError(ValueError):
    """A scope the snapshot cannot answer (unknown id, empty period), with a message to show."""


@dataclass(frozen=True)
class Scope:
    """What a briefing is about. Only the institution is required."""

    institution_id: str
    cycle_id: str | None = None
    addressee: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Figure:
    """One headline figure, as the views give it, with what it rests on."""

    label: str
    value: str
    numerator: int | None
    denominator: int | None
    n: int | None
    basis: str
    small_n: bool


@dataclass
class Briefing:
    """Everything a briefing shows, already in words: renderers only lay it out."""

    title: str
    scope_lines: list[str]
    figures: list[Figure]
    since: date
    until: date
    changes: list[dict[str, Any]]
    waiting: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    charts: list[charts.Chart]
    footnotes: list[str]
    citation: str
    snapshot_id: str
    as_of: date
    extra: dict[str, Any] = field(default_factory=dict)


def default_since(snapshot_path: str, institution_id: str, as_of: date) -> date:
    """The institution's last follow-up meeting when one is recorded, else 90 days back."""
    meeting = queries.last_follow_up_meeting(snapshot_path, institution_id)
    return meeting if meeting is not None else as_of - timedelta(days=DEFAULT_LOOKBACK_DAYS)


def _rate(value: float | None) -> str:
    return formats.percent(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _figure(
    label: str,
    value: str,
    numerator: Any,
    denominator: Any,
    basis: str,
    n: Any = None,
) -> Figure:
    count = _int(denominator if n is None else n)
    return Figure(
        label=label,
        value=value,
        numerator=_int(numerator),
        denominator=_int(denominator),
        n=count,
        basis=basis,
        small_n=ui.is_small(count),
    )


def headline_figures(row: dict[str, Any]) -> list[Figure]:
    """The headline figures of an institution_indicators or cycle_indicators row."""
    # institution_indicators pools coverage over the cycles whose declared count is known.
    listed = row.get("items_in_declared_cycles", row["items_known"])
    figures = [
        _figure(
            t("briefing.coverage"),
            _rate(row["coverage"]),
            listed,
            row["declared_count"],
            t("briefing.basis_listed"),
        ),
        _figure(
            t("briefing.response_rate"),
            _rate(row["response_rate"]),
            row["responses_known"],
            row["responses_decidable"],
            t(
                "briefing.basis_response",
                item=row["responses_item"],
                collective=row["responses_collective"],
                aggregate=row["responses_in_aggregate"],
                not_recorded=row["responses_not_recorded"],
            ),
        ),
        _figure(
            t("briefing.on_time"),
            _rate(row["share_on_time"]),
            row["responses_on_time"],
            row["responses_timeliness_known"],
            t("briefing.basis_on_time"),
        ),
    ]
    overdue = row["responses_overdue"]
    figures.append(
        _figure(
            t("briefing.overdue"),
            formats.number(None if overdue is None else int(overdue)),
            overdue,
            row["overdue_decidable"] if overdue is not None else None,
            t("briefing.basis_overdue", n=row["overdue_decidable"])
            if overdue is not None
            else t("briefing.basis_overdue_na"),
        )
    )
    median = row["median_days_to_response"]
    figures.append(
        _figure(
            t("briefing.median_days"),
            t("common.not_available") if median is None else ui.number(float(median)),
            None,
            None,
            t("briefing.basis_median"),
            n=row["n_days_to_response"],
        )
    )
    figures.extend(_implementation_figures(row))
    return figures


def _implementation_figures(row: dict[str, Any]) -> list[Figure]:
    """The item rate and the report rate, each on its own basis; never added together."""
    basis = row["implementation_basis"]
    figures: list[Figure] = []
    if basis in ("items", "mixed"):
        figures.append(
            _figure(
                t("briefing.item_implementation"),
                _rate(row["item_implementation_rate"]),
                row["n_implemented"],
                row.get("items_in_item_basis_cycles", row["items_with_status"]),
                t("briefing.basis_items"),
            )
        )
    if basis in ("outcome_report", "mixed"):
        figures.append(
            _figure(
                t("briefing.report_implementation"),
                _rate(row["report_implementation_rate"]),
                row["report_implemented"],
                row["report_denominator"],
                t("briefing.basis_report", unaccounted=row["report_unaccounted"] or 0),
            )
        )
    if not figures:
        figures.append(
            _figure(
                t("briefing.implementation_none"),
                t("common.not_recorded"),
                None,
                None,
                t("briefing.basis_none"),
            )
        )
    return figures


def _check_scope(snapshot_path: str, scope: Scope, snapshot_id: str) -> dict[str, Any]:
    institution = queries.institution_row(snapshot_path, scope.institution_id)
    if institution is None:
        raise ScopeError(
            t("briefing.error.unknown_institution", id=scope.institution_id, snapshot=snapshot_id)
        )
    if scope.cycle_id is not None:
        cycle = queries.cycle_row(snapshot_path, scope.cycle_id)
        if cycle is None or cycle["institution_id"] != scope.institution_id:
            raise ScopeError(
                t(
                    "briefing.error.unknown_cycle",
                    id=scope.cycle_id,
                    institution=scope.institution_id,
                )
            )
        return cycle
    return institution


def _period(snapshot_path: str, scope: Scope, as_of: date) -> tuple[date, date]:
    since = scope.since or default_since(snapshot_path, scope.institution_id, as_of)
    until = scope.until or as_of
    if since > as_of:
        raise ScopeError(t("briefing.error.future_period", since=since, as_of=as_of))
    if since > until:
        raise ScopeError(t("briefing.error.empty_period", since=since, until=until))
    return since, until


def _waiting(recommendations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items still expected of the institution, the longest wait first; unknown waits last."""
    open_items = [
        row
        for row in recommendations
        if row["granularity"] == "item" and row["implementation_state"] not in SETTLED_STATES
    ]
    open_items.sort(
        key=lambda row: (
            row["days_since_last_event"] is None,
            -(row["days_since_last_event"] or 0),
            row["number"] or "",
        )
    )
    return open_items[:WAITING_LIMIT]


def build(snapshot_path: str, snapshot_id: str, scope: Scope) -> Briefing:
    """The briefing of `scope`, or ScopeError saying why the snapshot cannot give one."""
    facts = queries.snapshot_facts(snapshot_path)
    as_of: date = facts["as_of"]
    built_at: datetime | None = facts.get("built_at")
    row = _check_scope(snapshot_path, scope, snapshot_id)
    institution_name = str(row["institution_name"])
    if scope.addressee is not None and scope.addressee not in queries.addressees(
        snapshot_path, scope.institution_id
    ):
        raise ScopeError(
            t(
                "briefing.error.unknown_addressee",
                institution=scope.institution_id,
                addressee=scope.addressee,
            )
        )
    since, until = _period(snapshot_path, scope, as_of)

    recommendations = queries.briefing_recommendations(
        snapshot_path, scope.institution_id, scope.cycle_id, scope.addressee
    ).to_dicts()
    changes = [
        change
        for change in queries.dated_changes(
            snapshot_path, scope.institution_id, scope.cycle_id, since
        ).to_dicts()
        if change["on_date"] <= until
        and (scope.addressee is None or _addressed(change, recommendations))
    ]
    scope_name = institution_name
    lines = [t("briefing.scope_institution", name=institution_name)]
    if scope.cycle_id is not None:
        scope_name = f"{institution_name} — {row['title']}"
        lines.append(t("briefing.scope_cycle", title=row["title"]))
    if scope.addressee is not None:
        scope_name = f"{scope_name} — {scope.addressee}"
        level = t("briefing.level_cycle" if scope.cycle_id else "briefing.level_institution")
        lines.append(t("briefing.scope_addressee", addressee=scope.addressee, level=level))
    lines.append(t("briefing.scope_period", since=formats.day(since), until=formats.day(until)))

    stances, statuses = queries.scope_mix(snapshot_path, scope.institution_id, scope.cycle_id)
    built = formats.moment(built_at)
    return Briefing(
        title=t("briefing.title", scope=scope_name),
        scope_lines=lines,
        figures=headline_figures(row),
        since=since,
        until=until,
        changes=changes,
        waiting=_waiting(recommendations),
        recommendations=recommendations,
        charts=charts.briefing_charts(stances, statuses, snapshot_id, as_of),
        footnotes=[
            t("briefing.footnote.evidence"),
            t("briefing.footnote.not_recorded"),
            t("briefing.footnote.rates", min=ui.SMALL_N),
            t("briefing.footnote.dates", as_of=formats.day(as_of)),
            t("briefing.footnote.no_recompute"),
        ],
        citation=t("briefing.citation", snapshot=snapshot_id, built=built),
        snapshot_id=snapshot_id,
        as_of=as_of,
    )


def _addressed(change: dict[str, Any], recommendations: list[dict[str, Any]]) -> bool:
    """With an addressee chosen, a change counts when it is about one of its recommendations
    or about a cycle one of them belongs to."""
    ids = {row["recommendation_id"] for row in recommendations}
    cycles = {row["cycle_id"] for row in recommendations}
    if change["recommendation_id"] is not None:
        return change["recommendation_id"] in ids
    return change["cycle_id"] in cycles
