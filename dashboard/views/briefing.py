"""Briefing page: choose a scope, read the briefing, download it as PDF or Markdown.

The page shows the same `Briefing` the files are made of, with Streamlit's own widgets (no
text from a source is ever rendered as Markdown), so screen, PDF and Markdown cannot differ.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path
from urllib.parse import quote

import polars as pl
import streamlit as st

from dashboard import exports, formats, permalinks, queries, state, ui
from dashboard.briefing import Briefing, Scope, ScopeError, build, default_since, markdown, pdf
from dashboard.messages import escape_markdown, label, t
from dashboard.permalinks import with_language
from dashboard.snapshot import Snapshot

# The scope in the address, so a clerk can send the very briefing on screen: ids as the
# snapshot holds them, dates as YYYY-MM-DD.
INSTITUTION_KEY, CYCLE_KEY, ADDRESSEE_KEY = "institution", "cycle", "addressee"
SINCE_KEY, UNTIL_KEY = "since", "until"
LAST_URL_KEY = "briefing_last_url"
NOTICES_KEY = "briefing_notices"


def _one(parsed: permalinks.Parsed, key: str) -> str | None:
    values = parsed.lists.get(key, [])
    return values[-1] if values else None


def _date_param(parsed: permalinks.Parsed, key: str) -> date | None:
    """A date from the link, or None with a notice when it is not a YYYY-MM-DD date."""
    text = parsed.texts.get(key)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        parsed.notices.append(t("permalink.bad_date", key=key, value=permalinks.shown(text)))
        return None


def _apply_url(path: str, institution_ids: list[str]) -> list[str]:
    """When the address changed from outside (first load, a pasted link, back/forward), set
    the scope widgets from it; returns the notices for values that were ignored."""
    raw = permalinks.current(st.query_params)
    if raw == st.session_state.get(LAST_URL_KEY):
        return st.session_state.get(NOTICES_KEY, [])
    named = raw.get(INSTITUTION_KEY, [])
    institution = named[-1] if named and named[-1] in institution_ids else None
    cycle_ids = (
        queries.cycles(path).filter(pl.col("institution_id") == institution)["cycle_id"].to_list()
        if institution
        else []
    )
    parsed = permalinks.parse(
        raw,
        choices={
            INSTITUTION_KEY: institution_ids,
            CYCLE_KEY: cycle_ids,
            ADDRESSEE_KEY: queries.addressees(path, institution) if institution else [],
        },
        texts=(SINCE_KEY, UNTIL_KEY),
    )
    if institution:
        st.session_state["brief_inst"] = institution
        for key, widget in ((CYCLE_KEY, "brief_cycle"), (ADDRESSEE_KEY, "brief_addressee")):
            chosen = _one(parsed, key)
            if chosen:
                st.session_state[f"{widget}_{institution}"] = chosen
            else:
                # Back to the widget's own default, "all": a None set here would show as an
                # empty choice instead.
                st.session_state.pop(f"{widget}_{institution}", None)
        since = _date_param(parsed, SINCE_KEY)
        if since:
            st.session_state[f"brief_since_{institution}"] = since
    until = _date_param(parsed, UNTIL_KEY)
    if until:
        st.session_state["brief_until"] = until
    st.session_state[NOTICES_KEY] = parsed.notices
    return parsed.notices


def _write_url(scope: Scope) -> None:
    """Mirror the chosen scope into the address."""
    params: dict[str, str] = {INSTITUTION_KEY: scope.institution_id}
    if scope.cycle_id:
        params[CYCLE_KEY] = scope.cycle_id
    if scope.addressee:
        params[ADDRESSEE_KEY] = scope.addressee
    if scope.since:
        params[SINCE_KEY] = scope.since.isoformat()
    if scope.until:
        params[UNTIL_KEY] = scope.until.isoformat()
    wanted = {key: [value] for key, value in params.items()}
    if wanted != permalinks.current(st.query_params):
        permalinks.replace(st.query_params, params)
    st.session_state[LAST_URL_KEY] = wanted


def _scope(path: str, as_of: date) -> Scope:
    institutions = queries.institutions(path)
    names = dict(zip(institutions["institution_id"], institutions["name"], strict=True))
    ui.notices(_apply_url(path, list(names)))
    institution = st.selectbox(
        t("briefing.institution"), list(names), format_func=names.__getitem__, key="brief_inst"
    )
    cycles = queries.cycles(path).filter(pl.col("institution_id") == institution)
    titles = dict(zip(cycles["cycle_id"], cycles["title"], strict=True))
    left, right = st.columns(2)
    cycle = left.selectbox(
        t("briefing.cycle"),
        [None, *titles],
        format_func=lambda value: t("briefing.all_cycles") if value is None else titles[value],
        key=f"brief_cycle_{institution}",
    )
    addressee = right.selectbox(
        t("briefing.addressee"),
        [None, *queries.addressees(path, institution)],
        format_func=lambda value: t("briefing.all_addressees") if value is None else value,
        key=f"brief_addressee_{institution}",
    )
    left, right = st.columns(2)
    since = left.date_input(
        t("briefing.since"),
        value=default_since(path, institution, as_of),
        key=f"brief_since_{institution}",
        format=formats.grid_date_format(),
    )
    until = right.date_input(
        t("briefing.until"), value=as_of, key="brief_until", format=formats.grid_date_format()
    )
    return Scope(institution, cycle, addressee, since, until)


def _figure(value: object) -> str:
    """A count of the headline table; n/a where the figure cannot be computed."""
    return t("common.not_available") if value is None else str(value)


def _figures(briefing: Briefing) -> None:
    st.subheader(t("briefing.headline"))
    st.dataframe(
        pl.DataFrame(
            {
                t("briefing.figure"): [f.label for f in briefing.figures],
                t("briefing.value"): [
                    f.value + (f" ({t('briefing.small_n')})" if f.small_n else "")
                    for f in briefing.figures
                ],
                t("briefing.numerator"): [_figure(f.numerator) for f in briefing.figures],
                t("briefing.denominator"): [_figure(f.denominator) for f in briefing.figures],
                t("briefing.n"): [_figure(f.n) for f in briefing.figures],
                t("briefing.basis"): [f.basis for f in briefing.figures],
            }
        ),
        hide_index=True,
    )


# Columns holding a canonical value, with the scale whose labels a reader sees.
_SCALE_OF = {
    "response_state": "response_state",
    "implementation_state": "implementation_state",
    "response_basis": "evidence",
    "implementation_basis": "evidence",
}


def _cell(key: str, value: object) -> object:
    """A value as a reader reads it: a label for a canonical value, a date without a clock,
    and "not recorded" where the record has nothing — never "None"."""
    if value is None:
        return None if key == "source_url" else t("common.not_recorded")
    if key in _SCALE_OF:
        return label(_SCALE_OF[key], str(value))
    if isinstance(value, dt.date):
        return formats.day(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number(value)
    return value if key == "source_url" else str(value)


def _rows(rows: list[dict], columns: dict[str, str]) -> pl.DataFrame:
    """Rows as a table with the briefing's column headings (values shown as text)."""
    return pl.DataFrame(
        {heading: [_cell(key, row.get(key)) for row in rows] for key, heading in columns.items()},
        strict=False,
    )


def _show(briefing: Briefing, found: Snapshot, scope: Scope) -> None:
    st.header(escape_markdown(briefing.title))
    for line in briefing.scope_lines:
        st.text(line)
    left, right = st.columns(2)
    left.download_button(
        t("briefing.download_pdf"),
        data=lambda: pdf.render(briefing),
        file_name=f"briefing-{found.id.removesuffix('.duckdb')}.pdf",
        mime="application/pdf",
        on_click="ignore",
    )
    right.download_button(
        t("briefing.download_md"),
        data=markdown.render(briefing),
        file_name=f"briefing-{found.id.removesuffix('.duckdb')}.md",
        mime="text/markdown",
        on_click="ignore",
    )
    root = exports.app_root(st.context.url)
    feed = with_language(
        f"{root}/feeds/cycle/{quote(scope.cycle_id)}.atom"
        if scope.cycle_id
        else f"{root}/feeds/institution/{quote(scope.institution_id)}.atom"
    )
    st.link_button(t("feeds.link"), feed, icon=":material/rss_feed:")
    _figures(briefing)
    c = "briefing.column"
    st.subheader(t("briefing.changed"))
    st.caption(
        t(
            "briefing.changed_intro",
            since=formats.day(briefing.since),
            until=formats.day(briefing.until),
        )
    )
    if briefing.changes:
        st.dataframe(
            _rows(
                briefing.changes,
                {
                    "on_date": t(f"{c}.date"),
                    "kind": t(f"{c}.kind"),
                    "title": t(f"{c}.recommendation"),
                    "cycle_title": t(f"{c}.cycle"),
                    "value": t(f"{c}.value"),
                    "state": t(f"{c}.state"),
                    "source_url": t(f"{c}.source"),
                },
            ),
            hide_index=True,
            column_config={t(f"{c}.source"): st.column_config.LinkColumn()},
        )
    else:
        st.info(t("briefing.changed_none"))
    st.subheader(t("briefing.waiting"))
    st.caption(t("briefing.waiting_intro"))
    if briefing.waiting:
        st.dataframe(
            _rows(
                briefing.waiting,
                {
                    "number": t(f"{c}.number"),
                    "title": t(f"{c}.recommendation"),
                    "addressee": t(f"{c}.addressee"),
                    "last_event_on": t(f"{c}.last_event"),
                    "days_since_last_event": t(f"{c}.days_waiting"),
                    "source_url": t(f"{c}.source"),
                },
            ),
            hide_index=True,
            column_config={t(f"{c}.source"): st.column_config.LinkColumn()},
        )
    else:
        st.info(t("briefing.waiting_none"))
    st.subheader(t("briefing.charts"))
    for chart in briefing.charts:
        svg = chart.svg()
        st.image(svg, caption=chart.caption)
        left, right = st.columns(2)
        left.download_button(
            "SVG",
            data=svg,
            file_name=f"{chart.name}.svg",
            mime="image/svg+xml",
            key=f"chart_svg_{chart.name}",
            on_click="ignore",
        )
        right.download_button(
            "PNG",
            data=chart.png,
            file_name=f"{chart.name}.png",
            mime="image/png",
            key=f"chart_png_{chart.name}",
            on_click="ignore",
        )
    st.subheader(t("briefing.recommendations"))
    st.dataframe(
        _rows(
            briefing.recommendations,
            {
                "number": t(f"{c}.number"),
                "title": t(f"{c}.recommendation"),
                "addressee": t(f"{c}.addressee"),
                "response_state": t(f"{c}.response"),
                "response_basis": t(f"{c}.response_basis"),
                "responded_on": t(f"{c}.responded_on"),
                "implementation_state": t(f"{c}.status"),
                "implementation_basis": t(f"{c}.status_basis"),
                "status_on": t(f"{c}.status_on"),
                "source_url": t(f"{c}.source"),
            },
        ),
        hide_index=True,
        column_config={t(f"{c}.source"): st.column_config.LinkColumn()},
    )
    st.subheader(t("briefing.methodology"))
    for number, note in enumerate(briefing.footnotes, 1):
        st.text(f"{number}. {note}")
    st.caption(escape_markdown(briefing.citation))


def render() -> None:
    st.title(t("briefing.page_title"))
    st.caption(t("briefing.intro"))
    path = state.snapshot_path()
    found = Snapshot(path=Path(path))
    as_of = queries.snapshot_facts(path)["as_of"]
    scope = _scope(path, as_of)
    _write_url(scope)
    try:
        briefing = build(path, found.id, scope)
    except ScopeError as error:
        st.error(escape_markdown(str(error)))
        return
    _show(briefing, found, scope)


render()
