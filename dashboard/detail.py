"""One recommendation in full: its text, the answer, the dated history, and who said what.

Everything here comes from sources, so it is shown as plain text (st.text, data grids) or as
escaped Markdown (a value in a message, ui.escape_markdown); links are offered only for
http(s) addresses, through the app's own link buttons and link columns.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from dashboard import formats, queries, ui
from dashboard.messages import Markdown, label, language_name, t
from dashboard.page_data import labels_for
from dashboard.palette import CONGRUENCE_COLOURS
from dashboard.permalinks import with_language

TIMELINE_SCALES = {
    "response": "stance",
    "collective_response": "response_state",
    "aggregate_response": "response_state",
    "status": "implementation",
    "congruence": "congruence",
}


def safe_link(url: str | None) -> str | None:
    """Only web addresses become links; anything else (javascript:, data:) is dropped."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _safe_links(frame: pl.DataFrame, column: str = "source_url") -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col(column).str.to_lowercase().str.contains(r"^https?://"))
        .then(pl.col(column))
        .otherwise(None)
        .alias(column)
    )


def _header(rec: dict) -> None:
    number = f"{rec['number']}. " if rec["number"] else ""
    st.subheader(ui.escape_markdown(f"{number}{rec['title']}"))
    facts = [
        rec["institution"],
        rec["cycle"],
        t("detail.adopted_on", date=ui.format_date(rec["adopted_on"], rec["adopted_on_precision"]))
        if rec["adopted_on"]
        else None,
        t("detail.theme", theme=rec["theme"]) if rec["theme"] else None,
        t("detail.language", language=language_name(rec["language"])) if rec["language"] else None,
        t("detail.chapter") if rec["granularity"] == "chapter" else None,
    ]
    # The institution and cycle names are register text: the Markdown join escapes them.
    st.caption(Markdown(" · ").join(fact for fact in facts if fact))


def _badges(rec: dict) -> None:
    """Where it stands, in words; alarm colours only for what needs attention."""
    with st.container(horizontal=True, gap="small"):
        st.badge(t("detail.badge.stance", stance=label("response_state", rec["response_state"])))
        st.badge(
            t(
                "detail.badge.status",
                status=label("implementation_state", rec["implementation_state"]),
            )
        )
        if rec["is_overdue"]:
            st.badge(t("detail.badge.overdue"), color="red", icon=":material/alarm:")
        if rec["response_timeliness"] == "on_time":
            st.badge(t("detail.badge.on_time"), color="green", icon=":material/check:")
        if rec["response_timeliness"] == "late":
            st.badge(t("detail.badge.late"), color="orange", icon=":material/schedule:")
        if rec["is_stale"]:
            days = rec["days_since_last_event"]
            st.badge(
                t("detail.badge.stale", days=days)
                if days is not None
                else t("detail.badge.silent"),
                color="orange",
                icon=":material/hourglass_bottom:",
            )


def _text(rec: dict) -> None:
    if rec.get("body_kind") == "summary":
        written_in = rec.get("body_language") or rec["language"]
        st.markdown(t("detail.summary_heading", language=language_name(written_in)))
        st.caption(t("detail.summary_explained"))
    else:
        st.markdown(t("detail.text_heading", language=language_name(rec["language"])))
    if rec["body"]:
        st.text(rec["body"])
    else:
        st.caption(t("detail.no_text"))
    link = safe_link(rec["source_url"])
    if link:
        st.link_button(t("detail.source"), link, icon=":material/open_in_new:")
    if rec.get("locator"):
        st.caption(t("detail.locator", locator=rec["locator"]))
    if rec["note"]:
        st.caption(t("detail.note_heading"))
        st.text(rec["note"])


def _not_recorded_text(rec: dict) -> str:
    """What a missing answer means here: never "no", only "not found in the sources checked"."""
    checked = rec.get("checked_on")
    text = (
        t("detail.not_recorded_checked", date=ui.format_date(checked, rec["checked_on_precision"]))
        if checked
        else t("detail.not_recorded")
    )
    due = rec["response_due_on"]
    if due and rec["is_overdue"]:
        text += " " + t("detail.overdue_since", due=ui.format_date(due))
    elif due and rec["is_overdue"] is None:
        text += " " + t("detail.due_unverified", due=ui.format_date(due))
    return text


def _response_card(answer: dict) -> None:
    with st.container(border=True):
        date = ui.format_date(answer["responded_on"], answer["responded_on_precision"])
        kind = label("response_kind", answer["response_kind"])
        if answer["basis"] == "item":
            st.markdown(
                t(
                    "detail.response_line",
                    kind=kind,
                    date=date,
                    stance=label("stance", answer["stance"]),
                )
            )
        elif answer["basis"] == "collective":
            st.markdown(t("detail.collective_line", kind=kind, date=date))
            if answer["stance"]:
                st.markdown(t("detail.collective_stance", stance=label("stance", answer["stance"])))
            else:
                st.caption(t("detail.collective_not_itemised"))
        else:
            st.markdown(t("detail.aggregate_line", kind=kind, date=date))
            st.caption(
                t(
                    "detail.aggregate_explained",
                    covered=ui.number(answer["covered_count"]),
                    declared=ui.number(answer["declared_count"]),
                )
            )
        if answer["title"]:
            st.text(answer["title"])
        meta = [
            t("detail.response_from", responder=answer["responder"])
            if answer["responder"]
            else None,
            t("detail.response_words", label=answer["stance_label"])
            if answer["stance_label"]
            else None,
            t("detail.locator", locator=answer["locator"]) if answer.get("locator") else None,
        ]
        shown = Markdown(" · ").join(part for part in meta if part)
        if shown:
            st.caption(shown)
        if answer["body"]:
            st.text(answer["body"])
        if answer["note"]:
            st.text(answer["note"])
        link = safe_link(answer["source_url"])
        if link:
            st.link_button(t("detail.source"), link, icon=":material/open_in_new:")


def _responses(snapshot_path: str, rec: dict) -> None:
    st.markdown(t("detail.response_heading"))
    st.caption(t("detail.basis", basis=label("evidence", rec["response_basis"])))
    answers = queries.responses(snapshot_path, rec["recommendation_id"])
    if answers.height == 0:
        st.info(_not_recorded_text(rec), icon=":material/help:")
        return
    for answer in answers.iter_rows(named=True):
        _response_card(answer)


def _implementation(rec: dict) -> None:
    """Where implementation stands and on what evidence; the events themselves are in the
    history below."""
    basis = rec["implementation_basis"]
    st.markdown(t("detail.implementation_heading"))
    if basis == "item":
        st.markdown(
            t(
                "detail.implementation_item",
                status=label("implementation", rec["status"]),
                date=ui.format_date(rec["status_on"], rec["status_on_precision"]),
                assessor=label("assessor", rec["status_assessor"]),
            )
        )
    elif basis == "aggregate":
        st.info(
            t(
                "detail.implementation_aggregate",
                date=ui.format_date(rec["report_reported_on"]),
            ),
            icon=":material/functions:",
        )
        link = safe_link(rec["report_source_url"])
        if link:
            st.link_button(t("detail.report_source"), link, icon=":material/open_in_new:")
    else:
        checked = rec.get("checked_on")
        st.info(
            t(
                "detail.implementation_not_recorded_checked",
                date=ui.format_date(checked, rec["checked_on_precision"]),
            )
            if checked
            else t("detail.implementation_not_recorded"),
            icon=":material/help:",
        )


def _disagreement(snapshot_path: str, rec: dict) -> None:
    by_assessor = queries.disagreement(snapshot_path, rec["recommendation_id"])
    if by_assessor.height == 0:
        return
    lines = [
        t(
            "detail.disagreement_line",
            assessor=label("assessor", row["assessor"]),
            status=label("implementation", row["status"]),
            date=ui.format_date(row["status_on"], row["status_on_precision"]),
        )
        for row in by_assessor.iter_rows(named=True)
    ]
    st.warning(
        t("detail.disagreement") + "\n\n" + "\n".join(f"- {line}" for line in lines),
        icon=":material/balance:",
    )


def _congruence(snapshot_path: str, rec: dict) -> None:
    coded = queries.congruence(snapshot_path, rec["recommendation_id"])
    if coded.height == 0:
        return
    st.markdown(t("detail.congruence_heading"))
    ui.table(
        _safe_links(coded).with_columns(
            pl.col("level").replace_strict(
                {value: label("congruence", value) for value in CONGRUENCE_COLOURS},
                default=pl.col("level"),
            ),
            labels_for("assessor", coded["assessor"], lambda v: label("assessor", v)),
        ),
        column_config={
            "level": t("column.congruence"),
            "adopted_measure": t("column.adopted_measure"),
            "legal_reference": t("column.legal_reference"),
            "assessor": t("column.assessor"),
            "assessed_on": st.column_config.DateColumn(
                t("column.date"), format=formats.grid_date_format()
            ),
            "source_url": st.column_config.LinkColumn(
                t("column.source"), display_text=t("column.open_source")
            ),
            "note": t("column.note"),
        },
        key="detail_congruence",
    )


def _timeline(snapshot_path: str, rec: dict) -> None:
    st.markdown(t("detail.timeline_heading"))
    events = queries.timeline(snapshot_path, rec["recommendation_id"])
    if events.height == 0:
        st.caption(t("detail.timeline_empty"))
        return
    readable = [
        {
            "date": ui.format_date(row["on_date"], row["precision"]),
            "what": t(f"detail.event.{row['kind']}"),
            "value": label(TIMELINE_SCALES[row["kind"]], row["value"])
            if row["kind"] in TIMELINE_SCALES
            else "",
            "label": row["label"] or "",
            "assessor": label("assessor", row["assessor"]) if row["assessor"] else "",
            "progress": f"{row['progress']:.0f} %" if row["progress"] is not None else "",
            "note": row["note"] or "",
            "source_url": safe_link(row["source_url"]),
            "state": t(f"detail.state.{row['state']}"),
        }
        for row in events.iter_rows(named=True)
    ]
    ui.table(
        pl.DataFrame(readable, infer_schema_length=None),
        column_config={
            "date": t("column.date"),
            "what": t("column.event"),
            "value": t("column.value"),
            "label": t("column.source_label"),
            "assessor": t("column.assessor"),
            "progress": st.column_config.TextColumn(t("column.progress")),
            "note": t("column.note"),
            "source_url": st.column_config.LinkColumn(
                t("column.source"), display_text=t("column.open_source")
            ),
            "state": t("column.state"),
        },
        key="detail_history",
    )


def _permalink(rec: dict) -> None:
    base = (st.context.url or "").rstrip("/")
    st.caption(t("detail.permalink"))
    st.code(with_language(f"{base}?rec={rec['recommendation_id']}"), language=None)


def render(snapshot_path: str, recommendation_id: str, *, on_close: Callable[[], None]) -> None:
    rec = queries.recommendation(snapshot_path, recommendation_id)
    with st.container(border=True, key="recommendation_detail"):
        if rec is None:
            st.warning(t("detail.unknown", id=recommendation_id))
            st.button(t("detail.close"), on_click=on_close, key="detail_close")
            return
        _header(rec)
        _badges(rec)
        _disagreement(snapshot_path, rec)
        _text(rec)
        _responses(snapshot_path, rec)
        _implementation(rec)
        _congruence(snapshot_path, rec)
        _timeline(snapshot_path, rec)
        _permalink(rec)
        st.button(t("detail.close"), on_click=on_close, key="detail_close")
