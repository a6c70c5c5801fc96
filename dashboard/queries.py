"""Every SQL statement the dashboard runs, each parameterised and cached per snapshot.

The first argument of every query is the snapshot file path; its name is the snapshot id, so
a newly published snapshot gets fresh cache entries while old ones age out. Filters arrive as
bound parameters; the only identifiers ever placed in SQL text come from fixed allow-lists.
Results are Polars frames, ready for the charts and st.dataframe through Arrow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
import streamlit as st

from dashboard.snapshot import cursor
from ingest.search_text import query_terms

CACHE_TTL_SECONDS = 3600


def _frame(snapshot_path: str, sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
    return cursor(snapshot_path).sql(sql, params=params or {}).pl()


def _cached(func):  # type: ignore[no-untyped-def]
    return st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=256, show_spinner=False)(func)


def _cached_frame(func):  # type: ignore[no-untyped-def]
    """A query returning a frame is kept as the frame itself and shared (st.cache_resource),
    not pickled on the way into the cache and unpickled on every read as st.cache_data does:
    a page asks for a dozen frames per rerun, and copying them cost more than the lookups.
    Polars frames cannot be changed in place, so sharing them is safe; values that can be
    changed (dicts, lists) stay in st.cache_data, which hands out copies."""
    return st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=256, show_spinner=False)(func)


# --- snapshot-wide facts -------------------------------------------------------------------


# The views every page reads (ingest/views.sql); a snapshot without them predates them.
REQUIRED_VIEWS = (
    "current_institutions",
    "current_cycles",
    "current_recommendations",
    "current_status_events",
    "recommendation_status",
    "cycle_indicators",
    "institution_indicators",
    "implementation_mix",
    "stance_mix",
    "uptake_funnel",
    "time_to_implementation",
    "assessor_disagreements",
)


@_cached
def missing_views(snapshot_path: str) -> list[str]:
    """Indicator views the snapshot lacks, in the order the app needs them."""
    present = {
        row[0]
        for row in cursor(snapshot_path)
        .execute("SELECT view_name FROM duckdb_views() WHERE NOT internal")
        .fetchall()
    }
    return [name for name in REQUIRED_VIEWS if name not in present]


@_cached
def snapshot_facts(snapshot_path: str) -> dict[str, Any]:
    """Whether the snapshot holds synthetic rows, and when it was built."""
    row = (
        cursor(snapshot_path)
        .execute("SELECT is_synthetic, built_at, as_of FROM snapshot_info")
        .fetchone()
    )
    return {"is_synthetic": bool(row[0]), "built_at": row[1], "as_of": row[2]} if row else {}


@_cached_frame
def institutions(snapshot_path: str) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        """
        SELECT institution_id, name, city, country, kind, languages, responder,
               response_deadline_days, final_deadline_days, deadline_rule, source_url, note
        FROM current_institutions
        ORDER BY name
        """,
    )


@_cached_frame
def cycles(snapshot_path: str) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        """
        SELECT c.cycle_id, c.institution_id, i.name AS institution, c.number, c.title, c.topic,
               c.language, c.started_on, c.ended_on, c.handed_over_on, c.members,
               c.declared_count, c.follow_up_complete, c.checked_on, c.source_url, c.note
        FROM current_cycles AS c
        JOIN current_institutions AS i USING (institution_id)
        ORDER BY i.name, c.started_on NULLS LAST, c.number
        """,
    )


@_cached
def themes(snapshot_path: str) -> list[str]:
    frame = _frame(
        snapshot_path,
        """
        SELECT DISTINCT theme FROM current_recommendations
        WHERE theme IS NOT NULL ORDER BY theme
        """,
    )
    return frame["theme"].to_list()


# --- recommendation explorer -----------------------------------------------------------------


@dataclass(frozen=True)
class ExplorerFilters:
    """What the explorer's widgets and permalink can ask for; empty means "no filter"."""

    text: str = ""
    institutions: tuple[str, ...] = ()
    cycles: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    stances: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    assessors: tuple[str, ...] = ()
    overdue_only: bool = False
    stale_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def params(self) -> dict[str, Any]:
        return {
            "searching": bool(self.text.strip()),
            "terms": query_terms(self.text),
            "institutions": list(self.institutions),
            "cycles": list(self.cycles),
            "themes": list(self.themes),
            "stances": list(self.stances),
            "statuses": list(self.statuses),
            "assessors": list(self.assessors),
            "overdue_only": self.overdue_only,
            "stale_only": self.stale_only,
        }


# Each filter is a fixed clause: an empty list disables it, so no SQL is ever assembled from
# user input. The search words arrive as one list of index forms per word (ingest/search_text)
# and are ranked by BM25 in the snapshot's search_recommendations macro. A recommendation must
# match every word, as in any search box ("logement social" is not "logement" or "social");
# text with no searchable word matches nothing.
_EXPLORER_FILTERS = """
WHERE (NOT $searching OR m.words_matched = len(CAST($terms AS VARCHAR[][])))
  AND (len(CAST($institutions AS VARCHAR[])) = 0
       OR list_contains(CAST($institutions AS VARCHAR[]), s.institution_id))
  AND (len(CAST($cycles AS VARCHAR[])) = 0
       OR list_contains(CAST($cycles AS VARCHAR[]), s.cycle_id))
  AND (len(CAST($themes AS VARCHAR[])) = 0
       OR list_contains(CAST($themes AS VARCHAR[]), s.theme))
  AND (len(CAST($stances AS VARCHAR[])) = 0
       OR list_contains(CAST($stances AS VARCHAR[]), s.response_state))
  AND (len(CAST($statuses AS VARCHAR[])) = 0
       OR list_contains(CAST($statuses AS VARCHAR[]), s.implementation_state))
  AND (len(CAST($assessors AS VARCHAR[])) = 0
       OR EXISTS (SELECT 1 FROM current_status_events AS e
                  WHERE e.recommendation_id = s.recommendation_id
                    AND list_contains(CAST($assessors AS VARCHAR[]), e.assessor))
       OR EXISTS (SELECT 1 FROM current_congruence AS g
                  WHERE g.recommendation_id = s.recommendation_id
                    AND list_contains(CAST($assessors AS VARCHAR[]), g.assessor)))
  AND (NOT $overdue_only OR coalesce(s.is_overdue, FALSE))
  AND (NOT $stale_only OR coalesce(s.is_stale, FALSE))
"""

EXPLORER_SQL = (
    """
SELECT s.recommendation_id, s.cycle_id, s.institution_id,
       s.institution_name AS institution, s.cycle_title AS cycle, s.number, s.title,
       s.theme, s.granularity, s.response_basis, s.response_state, s.implementation_basis,
       s.implementation_state, s.responded_on, s.response_due_on,
       s.response_timeliness, s.is_overdue, s.is_stale, s.days_since_last_event,
       s.assessors_disagree, m.score AS relevance
FROM recommendation_status AS s
LEFT JOIN search_scores(CAST($terms AS VARCHAR[][])) AS m
       ON m.recommendation_id = s.recommendation_id
"""
    + _EXPLORER_FILTERS
    + """
ORDER BY m.score DESC NULLS LAST,
         s.institution_name, s.cycle_number NULLS LAST, s.cycle_title,
         try_cast(s.number AS DOUBLE) NULLS LAST, s.number, s.title, s.recommendation_id
"""
)

# Why the recommendations of one page matched: the field and words, for those ids only.
SEARCH_EXPLANATION_SQL = """
SELECT recommendation_id, matched_field, matched_words
FROM search_recommendations(CAST($terms AS VARCHAR[][]), explain_ids := CAST($ids AS VARCHAR[]))
"""

EXPLORER_COUNT_SQL = (
    """
SELECT count(*)
FROM recommendation_status AS s
LEFT JOIN search_scores(CAST($terms AS VARCHAR[][])) AS m
       ON m.recommendation_id = s.recommendation_id
"""
    + _EXPLORER_FILTERS
)


@_cached
def recommendation(snapshot_path: str, recommendation_id: str) -> dict[str, Any] | None:
    """One recommendation with its cycle and institution, or None for an unknown id."""
    frame = _frame(
        snapshot_path,
        """
        SELECT s.*, s.cycle_title AS cycle, i.deadline_rule,
               s.institution_name AS institution
        FROM recommendation_status AS s
        JOIN current_institutions AS i ON i.institution_id = s.institution_id
        WHERE s.recommendation_id = $id
        """,
        {"id": recommendation_id},
    )
    return frame.row(0, named=True) if frame.height else None


@_cached_frame
def responses(snapshot_path: str, recommendation_id: str) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        """
        SELECT basis, response_kind, title, responded_on, responded_on_precision, responder,
               stance, stance_label, body, source_url, locator, note, covered_count,
               declared_count
        FROM recommendation_responses
        WHERE recommendation_id = $id
        ORDER BY responded_on NULLS LAST, response_kind
        """,
        {"id": recommendation_id},
    )


@_cached_frame
def timeline(snapshot_path: str, recommendation_id: str) -> pl.DataFrame:
    """Every dated thing that happened to one recommendation, oldest first, with its source.

    Superseded and withdrawn status rows stay in: the history is the point of this view, and
    the `state` column says which rows are no longer current.
    """
    return _frame(
        snapshot_path,
        """
        SELECT on_date, precision, kind, value, label, assessor, progress, note, source_url,
               state
        FROM recommendation_timeline
        WHERE recommendation_id = $id
        ORDER BY on_date NULLS LAST, kind
        """,
        {"id": recommendation_id},
    )


@_cached_frame
def congruence(snapshot_path: str, recommendation_id: str) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        """
        SELECT level, adopted_measure, legal_reference, assessor, assessed_on, source_url, note
        FROM current_congruence
        WHERE recommendation_id = $id
        ORDER BY assessor
        """,
        {"id": recommendation_id},
    )


@_cached_frame
def disagreement(snapshot_path: str, recommendation_id: str) -> pl.DataFrame:
    """Each assessor's latest verdict when they disagree (no rows when they agree)."""
    return _frame(
        snapshot_path,
        """
        SELECT assessor, status, status_label, status_on, status_on_precision, progress,
               source_url
        FROM assessor_disagreements
        WHERE recommendation_id = $id
        ORDER BY assessor
        """,
        {"id": recommendation_id},
    )


# --- timelines -------------------------------------------------------------------------------


@_cached_frame
def cycle_milestones(snapshot_path: str, cycle_id: str) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        """
        SELECT occurred_on, occurred_on_precision, kind, label, source_url, note
        FROM current_milestones
        WHERE cycle_id = $cycle AND occurred_on IS NOT NULL
        ORDER BY occurred_on, kind
        """,
        {"cycle": cycle_id},
    )


@_cached
def busiest_cycle(snapshot_path: str) -> str | None:
    """The cycle with the most dated milestones, events and responses: the most telling
    timeline to open first."""
    row = (
        cursor(snapshot_path)
        .execute(
            """
            SELECT cycle_id FROM cycle_activity ORDER BY n_dated DESC, cycle_id LIMIT 1
            """
        )
        .fetchone()
    )
    return None if row is None else str(row[0])


# --- sources & methodology -------------------------------------------------------------------


@_cached_frame
def sources(snapshot_path: str) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        """
        SELECT source_id, kind, title, licence, attribution, last_status, last_success_at,
               days_since_success, latest_fact_on, days_since_fact
        FROM source_freshness
        ORDER BY source_id
        """,
    )


@_cached_frame
def ingest_runs(snapshot_path: str) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        """
        SELECT * FROM ingest_run_summary
        ORDER BY run_id DESC
        """,
    )


@_cached_frame
def source_runs(snapshot_path: str) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        """
        SELECT run_id, source_id, status, rows_read, rows_new, rows_changed, rows_unchanged,
               rows_withdrawn, rows_rejected, error
        FROM source_run_history
        ORDER BY run_id DESC, source_id
        """,
    )


@_cached_frame
def rejects(snapshot_path: str) -> pl.DataFrame:
    """Rejected rows of the latest run: earlier runs' rejects were either fixed or repeat."""
    return _frame(
        snapshot_path,
        """
        SELECT source_id, file, "row", "column", value, reason, raw, run_id
        FROM latest_rejects
        ORDER BY source_id, file, "row"
        """,
    )


# --- indicators (views from ingest/views.sql) ------------------------------------------------

# An empty list means "every institution"; the same clause serves every indicator query.
_SCOPE = (
    "(len(CAST($institutions AS VARCHAR[])) = 0 "
    "OR list_contains(CAST($institutions AS VARCHAR[]), institution_id))"
)


def _scope(institution_ids: tuple[str, ...]) -> dict[str, Any]:
    return {"institutions": list(institution_ids)}


@_cached_frame
def institution_indicators(snapshot_path: str) -> pl.DataFrame:
    return _frame(snapshot_path, "SELECT * FROM institution_indicators ORDER BY institution_name")


@_cached_frame
def cycle_indicators(snapshot_path: str, institution_ids: tuple[str, ...] = ()) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        f"""
        SELECT * FROM cycle_indicators
        WHERE {_SCOPE}
        ORDER BY institution_name, started_on NULLS LAST, number
        """,  # noqa: S608 - _SCOPE is a constant clause; values are bound
        _scope(institution_ids),
    )


@_cached
def median_days_to_response(
    snapshot_path: str, institution_ids: tuple[str, ...]
) -> tuple[float | None, int]:
    """Median over the pooled items of the scope (a median of medians would be wrong), and
    how many items it rests on."""
    row = (
        cursor(snapshot_path)
        .execute(
            f"""
            SELECT median(days_to_response), count(days_to_response) FROM recommendation_status
            WHERE granularity = 'item' AND {_SCOPE}
            """,  # noqa: S608 - constant clause
            _scope(institution_ids),
        )
        .fetchone()
    )
    if row is None:
        return None, 0
    return (None if row[0] is None else float(row[0])), int(row[1] or 0)


@_cached_frame
def implementation_mix(snapshot_path: str, institution_ids: tuple[str, ...]) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        f"""
        SELECT m.institution_id, i.name AS institution, m.cycle_id, m.basis, m.status,
               m.status_order, m.count
        FROM implementation_mix AS m
        JOIN current_institutions AS i USING (institution_id)
        WHERE {_SCOPE}
        """,  # noqa: S608 - constant clause
        _scope(institution_ids),
    )


@_cached_frame
def stance_mix(snapshot_path: str, institution_ids: tuple[str, ...]) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        f"""
        SELECT m.institution_id, i.name AS institution, m.cycle_id, m.response_state,
               m.state_order, m.count
        FROM stance_mix AS m
        JOIN current_institutions AS i USING (institution_id)
        WHERE {_SCOPE}
        """,  # noqa: S608 - constant clause
        _scope(institution_ids),
    )


@_cached_frame
def uptake_funnel(snapshot_path: str, institution_ids: tuple[str, ...]) -> pl.DataFrame:
    return _frame(
        snapshot_path,
        f"""
        SELECT stage, stage_order, CAST(sum(count) AS BIGINT) AS count,
               CAST(sum(count_after_acceptance) AS BIGINT) AS count_after_acceptance
        FROM uptake_funnel
        WHERE {_SCOPE}
        GROUP BY stage, stage_order
        ORDER BY stage_order
        """,  # noqa: S608 - constant clause
        _scope(institution_ids),
    )


@_cached_frame
def response_timeliness(snapshot_path: str, institution_id: str) -> pl.DataFrame:
    """Per cycle of one institution: how many items fall in each response-timeliness class."""
    return _frame(
        snapshot_path,
        """
        SELECT cycle_id, cycle_title AS cycle, response_timeliness, count(*) AS count,
               any_value(response_due_on) AS due_on,
               any_value(response_due_on_precision) AS due_on_precision
        FROM recommendation_status
        WHERE granularity = 'item' AND institution_id = $institution
        GROUP BY cycle_id, cycle_title, response_timeliness
        ORDER BY cycle_id
        """,
        {"institution": institution_id},
    )


@_cached_frame
def final_deadlines(snapshot_path: str, institution_id: str) -> pl.DataFrame:
    """Per cycle of one institution: when its final report (or final response) was due under
    the institution's final_deadline_days rule, when one was received, and the verdict.

    The clock starts at the handover unless the institution's rule names another step
    (final_deadline_from, a milestone kind such as committee_opinion); the first dated milestone
    of kind final_report or final_response counts as received. final_timeliness uses the
    response_timeliness words (on_time, late, answered, overdue, awaiting) plus 'no_date'
    for a rule without a handover date to count from, and 'no_deadline' without a rule.
    """
    return _frame(
        snapshot_path,
        """
        SELECT cycle_id, cycle, follow_up_complete, final_deadline_days, final_deadline_from,
               final_due_on, final_due_on_precision, final_due_latest_on, received_on,
               received_on_precision, received_kind, final_timeliness
        FROM cycle_final_deadline
        WHERE institution_id = $institution
        ORDER BY started_on NULLS LAST, number, cycle_id
        """,
        {"institution": institution_id},
    )


# --- bounded payloads for large snapshots ----------------------------------------------------
# A page sends the browser what it draws; at Europe scale (hundreds of institutions, 100 000
# recommendations) "every row" would be megabytes of Vega spec and Arrow, so these queries
# aggregate or page in DuckDB and the browser gets a bounded payload whatever the data size.

# Filter-dependent results: enough entries for a session's back-and-forth, few enough that a
# busy server does not keep hundreds of frames alive.
_FILTER_CACHE_ENTRIES = 32


def _cached_bounded(func):  # type: ignore[no-untyped-def]
    return st.cache_data(
        ttl=CACHE_TTL_SECONDS, max_entries=_FILTER_CACHE_ENTRIES, show_spinner=False
    )(func)


def _cached_bounded_frame(func):  # type: ignore[no-untyped-def]
    """_cached_frame with the bound of _cached_bounded."""
    return st.cache_resource(
        ttl=CACHE_TTL_SECONDS, max_entries=_FILTER_CACHE_ENTRIES, show_spinner=False
    )(func)


@_cached_bounded
def explorer_count(snapshot_path: str, filters: ExplorerFilters) -> int:
    """How many recommendations match, exactly, however many rows are sent to the table."""
    row = (
        cursor(snapshot_path)
        .execute(
            EXPLORER_COUNT_SQL,
            filters.params(),
        )
        .fetchone()
    )
    return int(row[0]) if row else 0


@_cached_bounded_frame
def explorer_page(snapshot_path: str, filters: ExplorerFilters, limit: int) -> pl.DataFrame:
    """The first `limit` matching recommendations in the explorer's reading order; with a
    search, each with the field and words it matched in (matched_field, matched_words)."""
    params = filters.params()
    rows = _frame(snapshot_path, f"{EXPLORER_SQL}\nLIMIT $limit", {**params, "limit": limit})
    if not params["searching"] or rows.height == 0:
        return rows.with_columns(
            pl.lit(None, dtype=pl.String).alias("matched_field"),
            pl.lit(None, dtype=pl.List(pl.String)).alias("matched_words"),
        )
    explained = _frame(
        snapshot_path,
        SEARCH_EXPLANATION_SQL,
        {"terms": params["terms"], "ids": rows["recommendation_id"].to_list()},
    )
    return rows.join(explained, on="recommendation_id", how="left", maintain_order="left")


@_cached
def recommendation_count(snapshot_path: str) -> int:
    row = cursor(snapshot_path).execute("SELECT count(*) FROM recommendation_status").fetchone()
    return int(row[0]) if row else 0


@_cached
def recommendation_exists(snapshot_path: str, recommendation_id: str) -> bool:
    """Whether a permalink's recommendation id is in the snapshot, without loading every id."""
    row = (
        cursor(snapshot_path)
        .execute(
            "SELECT EXISTS (SELECT 1 FROM current_recommendations WHERE recommendation_id = $id)",
            {"id": recommendation_id},
        )
        .fetchone()
    )
    return bool(row and row[0])


@_cached
def largest_institutions(snapshot_path: str, limit: int) -> tuple[str, ...]:
    """The institutions with the most declared (else listed) recommendations: the ones a
    reader most likely looks for first when not all of them fit on a page."""
    frame = _frame(
        snapshot_path,
        """
        SELECT institution_id FROM institution_indicators
        ORDER BY coalesce(declared_count, 0) DESC, coalesce(items_known, 0) DESC,
                 institution_name, institution_id
        LIMIT $limit
        """,
        {"limit": limit},
    )
    return tuple(frame["institution_id"].to_list())


@_cached_bounded_frame
def response_days_summary(snapshot_path: str, institution_ids: tuple[str, ...]) -> pl.DataFrame:
    """Days from handover to formal response per institution as a five-number summary:
    one row per institution instead of one per recommendation."""
    return _frame(
        snapshot_path,
        f"""
        SELECT institution_name AS institution, count(*) AS n,
               min(days_to_response) AS min_days,
               quantile_cont(days_to_response, 0.25) AS q1_days,
               median(days_to_response) AS median_days,
               quantile_cont(days_to_response, 0.75) AS q3_days,
               max(days_to_response) AS max_days
        FROM recommendation_status
        WHERE granularity = 'item' AND days_to_response IS NOT NULL AND {_SCOPE}
        GROUP BY institution_name
        ORDER BY institution_name
        """,  # noqa: S608 - constant clause
        _scope(institution_ids),
    )


@_cached_bounded_frame
def implementation_cases(snapshot_path: str, institution_ids: tuple[str, ...]) -> pl.DataFrame:
    """time_to_implementation counted per institution and day (n cases, n implemented): the
    Kaplan–Meier estimate needs no more, and the frame stays small at any scale."""
    return _frame(
        snapshot_path,
        f"""
        SELECT i.name AS institution, t.days, count(*) AS n,
               CAST(count(*) FILTER (WHERE t.implemented) AS BIGINT) AS n_implemented
        FROM time_to_implementation AS t
        JOIN current_institutions AS i USING (institution_id)
        WHERE {_SCOPE}
        GROUP BY i.name, t.days
        """,  # noqa: S608 - constant clause
        _scope(institution_ids),
    )


@_cached_bounded_frame
def cycle_status_event_days(snapshot_path: str, cycle_id: str) -> pl.DataFrame:
    """A cycle's current status events counted per day and status; a day with one event keeps
    its recommendation's number, title and source, so small cycles read as before."""
    return _frame(
        snapshot_path,
        """
        SELECT occurred_on, status, n, number, title, source_url
        FROM cycle_status_event_days
        WHERE cycle_id = $cycle
        ORDER BY occurred_on, status
        """,
        {"cycle": cycle_id},
    )


@_cached_bounded_frame
def cycle_response_days(snapshot_path: str, cycle_id: str) -> pl.DataFrame:
    """A cycle's formal responses counted per day and stance (see cycle_status_event_days)."""
    return _frame(
        snapshot_path,
        """
        SELECT responded_on, state, n, number, title, source_url
        FROM cycle_response_days
        WHERE cycle_id = $cycle
        ORDER BY responded_on, state
        """,
        {"cycle": cycle_id},
    )


# --- scales and vocabularies (stored in the snapshot) ----------------------------------------


@_cached_frame
def scale(snapshot_path: str, vocabulary: str) -> pl.DataFrame:
    """One canonical scale in display order, with what each value means."""
    return _frame(
        snapshot_path,
        """
        SELECT value, value_order, meaning FROM scale_values
        WHERE vocabulary = $vocabulary ORDER BY value_order
        """,
        {"vocabulary": vocabulary},
    )


@_cached_frame
def crosswalk(snapshot_path: str) -> pl.DataFrame:
    """Every source label with the canonical value it maps to."""
    return _frame(
        snapshot_path,
        """
        SELECT vocabulary, label, language, value, note FROM vocabulary_crosswalk
        ORDER BY vocabulary, value, label
        """,
    )


@_cached
def overdue_decidable(snapshot_path: str) -> int:
    """How many recommendations can be judged overdue or not at all: those of cycles with a
    deadline rule and sources known complete. With none, "only overdue" means nothing."""
    row = (
        cursor(snapshot_path)
        .execute("SELECT coalesce(sum(overdue_decidable), 0) FROM institution_indicators")
        .fetchone()
    )
    return int(row[0]) if row else 0


@_cached
def scope_indicators(snapshot_path: str, institution_ids: tuple[str, ...]) -> dict[str, Any]:
    """The headline figures of a scope, pooled in the snapshot (views.sql scope_indicators)."""
    frame = _frame(
        snapshot_path,
        "SELECT * FROM scope_indicators(CAST($institutions AS VARCHAR[]))",
        _scope(institution_ids),
    )
    return frame.row(0, named=True)


@_cached_frame
def scale_values(snapshot_path: str) -> pl.DataFrame:
    """Every scale with its values in order and their meaning, as the snapshot stores them."""
    return _frame(
        snapshot_path,
        "SELECT vocabulary, value, value_order, meaning FROM scale_values "
        "ORDER BY vocabulary, value_order",
    )


# --- briefings, meeting lists and exports (issue 11) -----------------------------------------
# Figures come from the indicator views as they are: a briefing or an export carries them,
# with their numerators, denominators and basis, and never recomputes them.

# The columns of recommendation_status a briefing, a meeting list or an export shows, in order.
BRIEFING_RECOMMENDATION_SQL = """
SELECT s.recommendation_id, s.institution_id, s.institution_name, s.cycle_id, s.cycle_title,
       s.number, s.title, s.addressee, s.granularity, s.adopted_on, s.adopted_on_precision,
       s.handed_over_on, s.handed_over_on_precision,
       s.response_basis, s.response_state, s.stance_label, s.responded_on,
       s.responded_on_precision, s.responder, s.response_title, s.response_body,
       s.response_source_url, s.response_due_on, s.response_due_on_precision,
       s.response_timeliness, s.is_overdue,
       s.implementation_basis, s.implementation_state, s.status_label, s.status_on,
       s.status_on_precision, s.status_assessor, s.status_source_url,
       s.last_event_on, s.last_event_on_precision, s.days_since_last_event, s.is_stale,
       s.source_url
FROM recommendation_status AS s
WHERE s.institution_id = $institution
  AND ($cycle IS NULL OR s.cycle_id = $cycle)
  AND ($addressee IS NULL OR s.addressee = $addressee)
ORDER BY s.cycle_number NULLS LAST, s.cycle_title, try_cast(s.number AS DOUBLE) NULLS LAST,
         s.number, s.title, s.recommendation_id
"""


def briefing_recommendations(
    snapshot_path: str,
    institution_id: str,
    cycle_id: str | None = None,
    addressee: str | None = None,
) -> pl.DataFrame:
    """Every current recommendation of a scope with its response, status, dates and sources."""
    return _frame(
        snapshot_path,
        BRIEFING_RECOMMENDATION_SQL,
        {"institution": institution_id, "cycle": cycle_id, "addressee": addressee},
    )


def institution_row(snapshot_path: str, institution_id: str) -> dict[str, Any] | None:
    """One institution's pooled indicators (institution_indicators), None for an unknown id."""
    frame = _frame(
        snapshot_path,
        "SELECT * FROM institution_indicators WHERE institution_id = $id",
        {"id": institution_id},
    )
    return frame.row(0, named=True) if frame.height else None


def cycle_row(snapshot_path: str, cycle_id: str) -> dict[str, Any] | None:
    """One cycle's indicators (cycle_indicators), None for an unknown id."""
    frame = _frame(
        snapshot_path,
        "SELECT * FROM cycle_indicators WHERE cycle_id = $id",
        {"id": cycle_id},
    )
    return frame.row(0, named=True) if frame.height else None


def addressees(snapshot_path: str, institution_id: str) -> list[str]:
    """The committees and other addressees an institution's recommendations name."""
    frame = _frame(
        snapshot_path,
        """
        SELECT DISTINCT addressee FROM recommendation_status
        WHERE institution_id = $institution AND addressee IS NOT NULL
        ORDER BY addressee
        """,
        {"institution": institution_id},
    )
    return frame["addressee"].to_list()


def scope_mix(
    snapshot_path: str, institution_id: str, cycle_id: str | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The response-state and implementation mixes of an institution (or one of its cycles),
    summed over cycles: the counts the briefing's charts draw."""
    params = {"institution": institution_id, "cycle": cycle_id}
    stances = _frame(
        snapshot_path,
        """
        SELECT response_state AS state, min(state_order) AS state_order,
               CAST(sum(count) AS BIGINT) AS count
        FROM stance_mix
        WHERE institution_id = $institution AND ($cycle IS NULL OR cycle_id = $cycle)
        GROUP BY response_state ORDER BY state_order
        """,
        params,
    )
    statuses = _frame(
        snapshot_path,
        """
        SELECT status AS state, basis, min(status_order) AS state_order,
               CAST(sum(count) AS BIGINT) AS count
        FROM implementation_mix
        WHERE institution_id = $institution AND ($cycle IS NULL OR cycle_id = $cycle)
        GROUP BY status, basis ORDER BY state_order, basis
        """,
        params,
    )
    return stances, statuses


def dated_changes(
    snapshot_path: str, institution_id: str, cycle_id: str | None, since: Any
) -> pl.DataFrame:
    """Everything dated on or after `since` in a scope, dated by the event (not the build):
    responses, status updates and the cycles' milestones, with their sources."""
    return _frame(
        snapshot_path,
        """
        SELECT on_date, on_date_precision, kind, recommendation_id, number, title, cycle_id,
               cycle_title, before_value, before_on, value, label, assessor, count, state,
               source_url
        FROM scope_changes
        WHERE institution_id = $institution AND ($cycle IS NULL OR cycle_id = $cycle)
          AND on_date >= $since
        ORDER BY on_date DESC, kind, cycle_id, number NULLS LAST, recommendation_id
        """,
        {"institution": institution_id, "cycle": cycle_id, "since": since},
    )


def last_follow_up_meeting(snapshot_path: str, institution_id: str) -> Any:
    """The date of the institution's last follow-up meeting up to today, or None."""
    row = (
        cursor(snapshot_path)
        .execute(
            """
            SELECT max(on_date) FROM scope_dated_events
            WHERE institution_id = $institution AND kind = 'milestone'
              AND value = 'follow_up_meeting'
            """,
            {"institution": institution_id},
        )
        .fetchone()
    )
    return row[0] if row else None


def published_view(snapshot_path: str, name: str) -> pl.DataFrame:
    """Every row of one of the snapshot's views, in a stable order, for downloads.

    The name is checked against the snapshot's own catalogue of views before it is placed in
    the statement, so neither a base table nor anything else can be named through it.
    """
    views = {
        row[0]
        for row in cursor(snapshot_path)
        .execute("SELECT view_name FROM duckdb_views() WHERE NOT internal")
        .fetchall()
    }
    if name not in views:
        raise KeyError(name)
    return _frame(snapshot_path, f'SELECT * FROM "{name}" ORDER BY ALL')  # noqa: S608 - checked


def recommendation_changes(snapshot_path: str, recommendation_id: str) -> pl.DataFrame:
    """Every dated record of one recommendation (scope_changes), newest first."""
    return _frame(
        snapshot_path,
        """
        SELECT on_date, on_date_precision, kind, recommendation_id, number, title, cycle_id,
               cycle_title, before_value, before_on, value, label, assessor, count, state,
               source_url
        FROM scope_changes
        WHERE recommendation_id = $id
        ORDER BY on_date DESC, kind, value
        """,
        {"id": recommendation_id},
    )
