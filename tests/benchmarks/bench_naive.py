"""The naive baseline: each page's figures computed the way a quick prototype would.

Every rerun loads whole tables from DuckDB into pandas with .df() and filters, joins and
aggregates them in pandas. The figures follow the same definitions as ingest/views.sql in
outline (latest status, the response shown, deadlines, staleness, funnel, mixes); they are a
yardstick for the cost of that approach, not a second implementation to be trusted.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

TABLES = (
    "institutions",
    "cycles",
    "milestones",
    "recommendations",
    "responses",
    "status_events",
    "outcome_reports",
)


def _load(con: duckdb.DuckDBPyConnection, *names: str) -> dict[str, pd.DataFrame]:
    return {name: con.sql(f"SELECT * FROM {name}").df() for name in names}


def _as_of(con: duckdb.DuckDBPyConnection) -> pd.Timestamp:
    meta = con.sql("SELECT * FROM snapshot_meta").df()
    value = meta.loc[meta["key"] == "as_of", "value"]
    return pd.Timestamp(value.iloc[0]) if len(value) else pd.Timestamp.today().normalize()


def recommendation_status(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per recommendation with its response, deadline, latest status and freshness."""
    t = _load(con, *TABLES)
    today = _as_of(con)
    institutions = t["institutions"][t["institutions"]["withdrawn_run_id"].isna()]
    cycles = t["cycles"][t["cycles"]["withdrawn_run_id"].isna()]
    recs = t["recommendations"][t["recommendations"]["withdrawn_run_id"].isna()]
    events = t["status_events"]
    events = events[events["withdrawn_run_id"].isna() & events["superseded_by"].isna()].copy()
    events["ordered_on"] = events["occurred_on"].fillna(events["observed_at"].dt.normalize())
    events = events.sort_values(["recommendation_id", "ordered_on", "observed_at", "event_id"])
    latest = events.groupby("recommendation_id").tail(1)
    per_assessor = events.groupby(["recommendation_id", "assessor"]).tail(1)
    disagree = (
        per_assessor[per_assessor["status"] != "unknown"]
        .groupby("recommendation_id")["status"]
        .nunique()
        .gt(1)
        .rename("assessors_disagree")
    )
    summary = events.groupby("recommendation_id").agg(
        n_events=("event_id", "size"), last_event=("ordered_on", "max")
    )
    first_implemented = (
        events[events["status"] == "implemented"]
        .groupby("recommendation_id")["ordered_on"]
        .min()
        .rename("first_implemented_on")
    )
    responses = t["responses"]
    responses = responses[responses["withdrawn_run_id"].isna() & (responses["stance"] != "pending")]
    responses = responses.assign(is_final=responses["response_kind"] == "final").sort_values(
        ["recommendation_id", "is_final", "responded_on"], ascending=[True, False, False]
    )
    shown = responses.groupby("recommendation_id").head(1)
    last_response = responses.groupby("recommendation_id")["responded_on"].max()
    milestones = t["milestones"]
    last_milestone = (
        milestones[milestones["occurred_on"] <= today].groupby("cycle_id")["occurred_on"].max()
    )

    s = (
        recs.merge(cycles[["cycle_id", "institution_id", "handed_over_on"]], on="cycle_id")
        .merge(
            institutions[["institution_id", "name", "response_deadline_days"]],
            on="institution_id",
        )
        .merge(
            shown[["recommendation_id", "stance", "responded_on"]],
            on="recommendation_id",
            how="left",
        )
        .merge(
            latest[["recommendation_id", "status", "assessor"]], on="recommendation_id", how="left"
        )
        .merge(summary, on="recommendation_id", how="left")
        .merge(disagree, on="recommendation_id", how="left")
        .merge(first_implemented, on="recommendation_id", how="left")
        .merge(last_response.rename("last_response"), on="recommendation_id", how="left")
        .merge(last_milestone.rename("last_milestone"), on="cycle_id", how="left")
    )
    s["stance"] = s["stance"].fillna("pending")
    s["status"] = s["status"].fillna("unknown")
    s["has_response"] = s["responded_on"].notna()
    due = s["handed_over_on"] + pd.to_timedelta(s["response_deadline_days"], unit="D")
    s["response_due_on"] = due
    s["days_to_response"] = (s["responded_on"] - s["handed_over_on"]).dt.days
    s["answered_on_time"] = (s["responded_on"] <= due).where(s["has_response"] & due.notna())
    s["is_overdue"] = (~s["has_response"]) & (due < today)
    last_news = s[["last_event", "last_response", "last_milestone"]].max(axis=1)
    s["is_stale"] = (today - last_news.fillna(s["handed_over_on"])).dt.days > 365
    return s


def _outcome_mix(con: duckdb.DuckDBPyConnection, s: pd.DataFrame) -> pd.DataFrame:
    reports = _load(con, "outcome_reports", "cycles")
    o, cycles = reports["outcome_reports"], reports["cycles"]
    latest_day = o.groupby("cycle_id")["reported_on"].transform("max")
    o = o[o["reported_on"] == latest_day]
    with_items = set(s.loc[s["n_events"].fillna(0) > 0, "cycle_id"])
    o = o[~o["cycle_id"].isin(with_items)].merge(cycles[["cycle_id", "institution_id"]])
    return o.groupby(["institution_id", "status"], as_index=False)["count"].sum()


def _scoped(s: pd.DataFrame, institution_ids: list[str]) -> pd.DataFrame:
    return s[s["institution_id"].isin(institution_ids)] if institution_ids else s


def _indicators(s: pd.DataFrame) -> pd.DataFrame:
    return s.groupby("institution_id").agg(
        items=("recommendation_id", "size"),
        responded=("has_response", "sum"),
        on_time=("answered_on_time", lambda x: (x == True).sum()),  # noqa: E712
        overdue=("is_overdue", "sum"),
        implemented=("status", lambda x: (x == "implemented").sum()),
        stale=("is_stale", "sum"),
        disagree=("assessors_disagree", lambda x: (x == True).sum()),  # noqa: E712
        median_days=("days_to_response", "median"),
    )


def _funnel(s: pd.DataFrame) -> dict[str, int]:
    return {
        "adopted": len(s),
        "responded": int(s["has_response"].sum()),
        "accepted": int(s["stance"].isin(["accepted", "partially_accepted"]).sum()),
        "under_way": int(
            s["status"].isin(["in_progress", "partially_implemented", "implemented"]).sum()
        ),
        "implemented": int((s["status"] == "implemented").sum()),
    }


def overview(con: duckdb.DuckDBPyConnection, institution_ids: list[str]) -> object:
    s = recommendation_status(con)
    scoped = _scoped(s, institution_ids)
    mix_items = scoped.groupby("status").size()
    mix_reports = _outcome_mix(con, s)
    mix_reports = mix_reports[
        mix_reports["institution_id"].isin(institution_ids) if institution_ids else True
    ]
    return _indicators(s), _funnel(scoped), mix_items, mix_reports


def explorer(con: duckdb.DuckDBPyConnection, institution_ids: list[str]) -> object:
    s = _scoped(recommendation_status(con), institution_ids)
    columns = ["recommendation_id", "name", "cycle_id", "number", "title", "theme", "stance"]
    columns += ["status", "responded_on", "response_due_on", "is_overdue", "is_stale"]
    return s.sort_values(["name", "cycle_id", "number"])[columns].head(1000)


def timelines(con: duckdb.DuckDBPyConnection, cycle_id: str) -> object:
    s = recommendation_status(con)
    per_cycle = s.groupby("cycle_id").agg(
        items=("recommendation_id", "size"), responded=("has_response", "sum")
    )
    t = _load(con, "milestones", "responses", "status_events")
    recs = set(s.loc[s["cycle_id"] == cycle_id, "recommendation_id"])
    return (
        per_cycle,
        t["milestones"][t["milestones"]["cycle_id"] == cycle_id],
        t["responses"][t["responses"]["recommendation_id"].isin(recs)],
        t["status_events"][t["status_events"]["recommendation_id"].isin(recs)],
    )


def compare(con: duckdb.DuckDBPyConnection, institution_ids: list[str]) -> object:
    s = recommendation_status(con)
    scoped = _scoped(s, institution_ids)
    stance_mix = scoped.groupby(["institution_id", "stance"]).size()
    status_mix = scoped.groupby(["institution_id", "status"]).size()
    days = scoped[["institution_id", "days_to_response"]].dropna()
    implemented_on = scoped["first_implemented_on"]
    survival = (implemented_on.fillna(pd.Timestamp.today()) - scoped["handed_over_on"]).dt.days
    return _indicators(s), stance_mix, status_mix, days, survival.describe()


def sources(con: duckdb.DuckDBPyConnection, _choice: int) -> object:
    t = _load(con, "sources", "ingest_runs", "source_runs", "rejects", "cycles", "recommendations")
    coverage = (
        t["recommendations"]
        .groupby("cycle_id")
        .size()
        .rename("items")
        .to_frame()
        .join(t["cycles"].set_index("cycle_id")["declared_count"], how="right")
    )
    return t["sources"], t["ingest_runs"], t["source_runs"], t["rejects"], coverage


PAGES: dict[str, Callable[[duckdb.DuckDBPyConnection, object], object]] = {
    "overview": overview,
    "explorer": explorer,
    "timelines": timelines,
    "compare": compare,
    "sources": sources,
}
