-- Uptake indicators: the one definition of every figure the app, exports and tests show.
--
-- Run once per snapshot, after the data are loaded; it creates views and macros only, so it
-- can be re-run on any snapshot. docs/methodology.md explains each indicator in plain words;
-- the two must say the same thing.
--
-- Rules that hold everywhere below
--   * Only current rows count: a row whose withdrawn_run_id is set is no longer listed by its
--     source, and a status event with superseded_by set was replaced by a newer row. A
--     recommendation counts only while its cycle and institution are current too.
--   * "Today" is uptake_today(): the snapshot's `as_of` date when snapshot_meta has one, so a
--     snapshot (and a test) gives the same figures whatever day it is read.
--   * Partial dates are stored as the first day of their month or year. Day counts use only
--     day-precision dates; comparisons with a deadline use the whole period the date may
--     fall in and stay undecided (NULL) when the period straddles the deadline.
--   * Item-level figures count recommendations with granularity 'item'. Chapter rows (one row
--     standing for several recommendations) are listed but never counted as items.
--   * Shares are NULL, never 0 or infinite, when their denominator is 0.

-- The reference date of every "as of today" figure.
CREATE OR REPLACE MACRO uptake_today() AS (
    coalesce(
        (SELECT max(TRY_CAST(value AS DATE)) FROM snapshot_meta WHERE key = 'as_of'),
        current_date
    )
);

-- Last day a partial date may stand for: a month-precision date may be any day of its month.
CREATE OR REPLACE MACRO uptake_period_end(d, date_precision) AS (
    CASE coalesce(date_precision, 'day')
        WHEN 'year' THEN make_date(year(d), 12, 31)
        WHEN 'month' THEN last_day(d)
        ELSE d
    END
);

-- Share with an empty denominator as NULL (DuckDB would give inf for x / 0).
CREATE OR REPLACE MACRO uptake_share(numerator, denominator) AS (
    numerator / nullif(denominator, 0)
);

-- The canonical scales in their display order (data/vocabularies/scales.csv; a test keeps
-- them equal), so charts and long views can sort without repeating the order.
CREATE OR REPLACE VIEW stance_scale AS
SELECT * FROM (VALUES
    ('accepted', 1),
    ('partially_accepted', 2),
    ('noted', 3),
    ('rejected', 4),
    ('pending', 5)
) AS t(stance, stance_order);

CREATE OR REPLACE VIEW implementation_scale AS
SELECT * FROM (VALUES
    ('not_started', 1),
    ('in_progress', 2),
    ('partially_implemented', 3),
    ('implemented', 4),
    ('abandoned', 5),
    ('unknown', 6)
) AS t(status, status_order);

-- Current rows only (see the rules above).
CREATE OR REPLACE VIEW current_institutions AS
SELECT * FROM institutions WHERE withdrawn_run_id IS NULL;

CREATE OR REPLACE VIEW current_cycles AS
SELECT c.*
FROM cycles AS c
JOIN current_institutions AS i ON i.institution_id = c.institution_id
WHERE c.withdrawn_run_id IS NULL;

CREATE OR REPLACE VIEW current_recommendations AS
SELECT r.*
FROM recommendations AS r
JOIN current_cycles AS c ON c.cycle_id = r.cycle_id
WHERE r.withdrawn_run_id IS NULL;

CREATE OR REPLACE VIEW current_responses AS
SELECT s.*
FROM responses AS s
JOIN current_recommendations AS r ON r.recommendation_id = s.recommendation_id
WHERE s.withdrawn_run_id IS NULL;

CREATE OR REPLACE VIEW current_status_events AS
SELECT e.*
FROM status_events AS e
JOIN current_recommendations AS r ON r.recommendation_id = e.recommendation_id
WHERE e.withdrawn_run_id IS NULL AND e.superseded_by IS NULL;

CREATE OR REPLACE VIEW current_milestones AS
SELECT m.*
FROM milestones AS m
JOIN current_cycles AS c ON c.cycle_id = m.cycle_id
WHERE m.withdrawn_run_id IS NULL;

CREATE OR REPLACE VIEW current_outcome_reports AS
SELECT o.*
FROM outcome_reports AS o
JOIN current_cycles AS c ON c.cycle_id = o.cycle_id
WHERE o.withdrawn_run_id IS NULL;

-- The formal response shown for a recommendation: a final answer before an interim one, then
-- the latest. A row whose stance is 'pending' records that no answer exists yet, so it is never
-- chosen as the response.
CREATE OR REPLACE VIEW recommendation_response AS
SELECT *
FROM current_responses
WHERE stance <> 'pending'
QUALIFY row_number() OVER (
    PARTITION BY recommendation_id
    ORDER BY (response_kind = 'final') DESC, responded_on DESC NULLS LAST, response_id DESC
) = 1;

-- The latest status event of each assessor for each recommendation. Events are ordered by the
-- date they occurred, then by when they were observed; an undated event is placed on the day it
-- was observed (a live source's state is known to hold at least then).
CREATE OR REPLACE VIEW assessor_latest_status AS
SELECT
    e.*,
    coalesce(e.occurred_on, CAST(e.observed_at AS DATE)) AS ordered_on
FROM current_status_events AS e
QUALIFY row_number() OVER (
    PARTITION BY e.recommendation_id, e.assessor
    ORDER BY
        coalesce(e.occurred_on, CAST(e.observed_at AS DATE)) DESC,
        e.observed_at DESC,
        e.event_id DESC
) = 1;

-- The current implementation status: the latest event across all assessors, same ordering.
CREATE OR REPLACE VIEW recommendation_latest_status AS
SELECT *
FROM assessor_latest_status
QUALIFY row_number() OVER (
    PARTITION BY recommendation_id
    ORDER BY ordered_on DESC, observed_at DESC, event_id DESC
) = 1;

-- Per recommendation: how many current events, how many assessors, whether their latest
-- verdicts differ ('unknown' is no verdict and never counts as disagreeing), and the first
-- date any assessor recorded it as implemented.
CREATE OR REPLACE VIEW recommendation_event_summary AS
SELECT
    e.recommendation_id,
    count(*) AS n_events,
    count(DISTINCT e.assessor) AS n_assessors,
    min(coalesce(e.occurred_on, CAST(e.observed_at AS DATE)))
        FILTER (WHERE e.status = 'implemented') AS first_implemented_on,
    (
        SELECT count(DISTINCT a.status)
        FROM assessor_latest_status AS a
        WHERE a.recommendation_id = e.recommendation_id AND a.status <> 'unknown'
    ) > 1 AS assessors_disagree
FROM current_status_events AS e
GROUP BY e.recommendation_id;

-- Every dated record that is news about a recommendation: its status events, its responses
-- (a 'pending' notice included) and the milestones of its cycle. Undated records and records
-- dated after today (planned steps) are not news yet. `news_until` is the last day the record
-- may stand for, capped at today, so a month-precision record is never taken as older than it
-- may be.
CREATE OR REPLACE VIEW recommendation_news AS
WITH dated AS (
    SELECT recommendation_id, occurred_on AS news_on, occurred_on_precision AS news_precision
    FROM current_status_events
    UNION ALL
    SELECT recommendation_id, responded_on, responded_on_precision
    FROM current_responses
    UNION ALL
    SELECT r.recommendation_id, m.occurred_on, m.occurred_on_precision
    FROM current_recommendations AS r
    JOIN current_milestones AS m ON m.cycle_id = r.cycle_id
)
SELECT
    recommendation_id,
    news_on,
    news_precision,
    least(uptake_period_end(news_on, news_precision), uptake_today()) AS news_until
FROM dated
WHERE news_on IS NOT NULL AND news_on <= uptake_today();

CREATE OR REPLACE VIEW recommendation_last_news AS
SELECT
    recommendation_id,
    arg_max(news_on, news_until) AS last_event_on,
    arg_max(coalesce(news_precision, 'day'), news_until) AS last_event_on_precision,
    max(news_until) AS last_event_until
FROM recommendation_news
GROUP BY recommendation_id;

-- One row per current recommendation (items and chapters) with its response, its deadline,
-- its current implementation status and its freshness.
--   recommendation_id, cycle_id, institution_id   keys
--   institution_name, cycle_title, cycle_number   names for display
--   number, title, body, body_kind (full_text | summary), body_language, language, theme,
--   addressee, adopted_on(_precision), support,
--   granularity ('item' | 'chapter'), source_url, is_synthetic     as in recommendations
--   has_response        TRUE when a formal response (stance other than 'pending') exists
--   response_id, response_kind ('final' | 'interim')               the response shown
--   stance              canonical stance of that response; 'pending' when there is none
--   stance_label        the stance in the source's own words; NULL when there is none
--   responded_on(_precision), responder, response_body, response_source_url
--   handed_over_on(_precision)   the cycle's handover, which starts the response clock
--   response_deadline_days       the institution's rule
--   response_due_on     handed_over_on + response_deadline_days (with the handover's precision
--                       in response_due_on_precision); NULL without a rule or a handover date
--   response_due_latest_on  the latest day the deadline may fall on, given a partial handover
--   days_to_response    responded_on - handed_over_on, only when both are exact days
--   answered_on_time    TRUE answered by the deadline, FALSE after it, NULL when undecidable
--                       (no response, no deadline, no dates, or a partial date straddling it)
--   is_overdue          TRUE no formal response and the deadline has certainly passed as of
--                       uptake_today(); FALSE answered or not (certainly) due yet; NULL when no
--                       deadline can be computed
--   response_timeliness 'on_time' | 'late' | 'answered' (timeliness undecidable) | 'overdue'
--                       | 'awaiting' (no answer, not certainly overdue) | 'no_deadline'
--   status              current implementation status (latest event across assessors by
--                       occurred_on then observed_at); 'unknown' when no event
--   status_label, status_on(_precision), status_assessor, progress, status_source_url,
--   status_observed_at  of that latest event
--   n_events            current status events; n_assessors: distinct assessors among them
--   assessors_disagree  the latest statuses of two assessors differ
--   first_implemented_on  first date any assessor recorded 'implemented'
--   last_event_on(_precision)  latest dated event, response or cycle milestone up to today
--   days_since_last_event  uptake_today() - the last day that record may stand for
--   is_stale            nothing recorded for more than 365 days; with nothing recorded at
--                       all, counted from the handover (else adoption); NULL without any date
--   start_on(_precision)  handed_over_on, else adopted_on: where time to implementation starts
CREATE OR REPLACE VIEW recommendation_status AS
WITH joined AS (
    SELECT
        r.recommendation_id,
        r.cycle_id,
        c.institution_id,
        i.name AS institution_name,
        c.title AS cycle_title,
        c.number AS cycle_number,
        r.number,
        r.title,
        r.body,
        r.body_kind,
        r.body_language,
        r.language,
        r.theme,
        r.addressee,
        r.adopted_on,
        r.adopted_on_precision,
        r.support,
        r.granularity,
        r.source_url,
        r.is_synthetic,
        resp.response_id IS NOT NULL AS has_response,
        resp.response_id,
        resp.response_kind,
        coalesce(resp.stance, 'pending') AS stance,
        resp.stance_label,
        resp.responded_on,
        resp.responded_on_precision,
        resp.responder,
        resp.body AS response_body,
        resp.source_url AS response_source_url,
        c.handed_over_on,
        c.handed_over_on_precision,
        i.response_deadline_days,
        c.handed_over_on + i.response_deadline_days AS response_due_on,
        CASE WHEN i.response_deadline_days IS NOT NULL AND c.handed_over_on IS NOT NULL
            THEN coalesce(c.handed_over_on_precision, 'day')
        END AS response_due_on_precision,
        uptake_period_end(c.handed_over_on, c.handed_over_on_precision)
            + i.response_deadline_days AS response_due_latest_on,
        CASE
            WHEN coalesce(resp.responded_on_precision, 'day') = 'day'
                AND coalesce(c.handed_over_on_precision, 'day') = 'day'
            THEN resp.responded_on - c.handed_over_on
        END AS days_to_response,
        coalesce(latest.status, 'unknown') AS status,
        latest.status_label,
        latest.occurred_on AS status_on,
        latest.occurred_on_precision AS status_on_precision,
        latest.assessor AS status_assessor,
        latest.progress,
        latest.source_url AS status_source_url,
        latest.observed_at AS status_observed_at,
        coalesce(summary.n_events, 0) AS n_events,
        coalesce(summary.n_assessors, 0) AS n_assessors,
        coalesce(summary.assessors_disagree, FALSE) AS assessors_disagree,
        summary.first_implemented_on,
        news.last_event_on,
        news.last_event_on_precision,
        news.last_event_until,
        coalesce(c.handed_over_on, r.adopted_on) AS start_on,
        CASE
            WHEN c.handed_over_on IS NOT NULL THEN coalesce(c.handed_over_on_precision, 'day')
            WHEN r.adopted_on IS NOT NULL THEN coalesce(r.adopted_on_precision, 'day')
        END AS start_on_precision
    FROM current_recommendations AS r
    JOIN current_cycles AS c ON c.cycle_id = r.cycle_id
    JOIN current_institutions AS i ON i.institution_id = c.institution_id
    LEFT JOIN recommendation_response AS resp ON resp.recommendation_id = r.recommendation_id
    LEFT JOIN recommendation_latest_status AS latest
        ON latest.recommendation_id = r.recommendation_id
    LEFT JOIN recommendation_event_summary AS summary
        ON summary.recommendation_id = r.recommendation_id
    LEFT JOIN recommendation_last_news AS news ON news.recommendation_id = r.recommendation_id
),
judged AS (
    SELECT
        *,
        CASE
            WHEN responded_on IS NULL OR response_due_on IS NULL THEN NULL
            WHEN uptake_period_end(responded_on, responded_on_precision) <= response_due_on
                THEN TRUE
            WHEN responded_on > response_due_latest_on THEN FALSE
        END AS answered_on_time,
        CASE
            WHEN has_response THEN FALSE
            WHEN response_due_latest_on IS NULL THEN NULL
            ELSE response_due_latest_on < uptake_today()
        END AS is_overdue,
        uptake_today() - last_event_until AS days_since_last_event,
        -- least() skips NULLs, so the start date is capped only when there is one.
        uptake_today() - coalesce(
            last_event_until,
            CASE WHEN start_on IS NOT NULL
                THEN least(uptake_period_end(start_on, start_on_precision), uptake_today())
            END
        ) AS days_without_news
    FROM joined
)
SELECT
    recommendation_id,
    cycle_id,
    institution_id,
    institution_name,
    cycle_title,
    cycle_number,
    number,
    title,
    body,
    body_kind,
    body_language,
    language,
    theme,
    addressee,
    adopted_on,
    adopted_on_precision,
    support,
    granularity,
    source_url,
    is_synthetic,
    has_response,
    response_id,
    response_kind,
    stance,
    stance_label,
    responded_on,
    responded_on_precision,
    responder,
    response_body,
    response_source_url,
    handed_over_on,
    handed_over_on_precision,
    response_deadline_days,
    response_due_on,
    response_due_on_precision,
    response_due_latest_on,
    days_to_response,
    answered_on_time,
    is_overdue,
    CASE
        WHEN answered_on_time THEN 'on_time'
        WHEN NOT answered_on_time THEN 'late'
        WHEN has_response THEN 'answered'
        WHEN is_overdue THEN 'overdue'
        WHEN is_overdue IS NOT NULL THEN 'awaiting'
        ELSE 'no_deadline'
    END AS response_timeliness,
    status,
    status_label,
    status_on,
    status_on_precision,
    status_assessor,
    progress,
    status_source_url,
    status_observed_at,
    n_events,
    n_assessors,
    assessors_disagree,
    first_implemented_on,
    last_event_on,
    last_event_on_precision,
    days_since_last_event,
    days_without_news > 365 AS is_stale,
    start_on,
    start_on_precision
FROM judged;

-- The latest outcome report of each cycle: the report (reported_on, reported_by, assessor) with
-- the latest date; ties broken by reporter then assessor so the choice is stable.
CREATE OR REPLACE VIEW latest_outcome_report_key AS
SELECT cycle_id, reported_on, reported_on_precision, reported_by, assessor
FROM (
    SELECT
        cycle_id,
        reported_on,
        any_value(reported_on_precision) AS reported_on_precision,
        reported_by,
        assessor
    FROM current_outcome_reports
    GROUP BY cycle_id, reported_on, reported_by, assessor
)
QUALIFY row_number() OVER (
    PARTITION BY cycle_id
    ORDER BY reported_on DESC NULLS LAST, reported_by NULLS LAST, assessor
) = 1;

-- Long form of each cycle's latest report: one row per canonical status, counts summed over
-- the source labels that map to it ("under study" and "not started" are both not_started).
CREATE OR REPLACE VIEW latest_outcome_report_counts AS
SELECT
    k.cycle_id,
    k.reported_on,
    o.status,
    sum(o.count) AS count,
    min(o.source_url) AS source_url
FROM latest_outcome_report_key AS k
JOIN current_outcome_reports AS o
    ON o.cycle_id = k.cycle_id
    AND o.reported_on IS NOT DISTINCT FROM k.reported_on
    AND o.reported_by IS NOT DISTINCT FROM k.reported_by
    AND o.assessor = k.assessor
GROUP BY k.cycle_id, k.reported_on, o.status;

-- Wide form of the same report, one row per cycle that has one.
--   report_reported_on(_precision), report_reported_by, report_assessor, report_source_url
--   report_<status>     count the report gives for that status (0 when not mentioned)
--   report_total        sum of all its counts (the report's own denominator)
CREATE OR REPLACE VIEW latest_outcome_report AS
SELECT
    k.cycle_id,
    k.reported_on AS report_reported_on,
    k.reported_on_precision AS report_reported_on_precision,
    k.reported_by AS report_reported_by,
    k.assessor AS report_assessor,
    min(c.source_url) AS report_source_url,
    coalesce(sum(c.count) FILTER (WHERE c.status = 'not_started'), 0) AS report_not_started,
    coalesce(sum(c.count) FILTER (WHERE c.status = 'in_progress'), 0) AS report_in_progress,
    coalesce(sum(c.count) FILTER (WHERE c.status = 'partially_implemented'), 0)
        AS report_partially_implemented,
    coalesce(sum(c.count) FILTER (WHERE c.status = 'implemented'), 0) AS report_implemented,
    coalesce(sum(c.count) FILTER (WHERE c.status = 'abandoned'), 0) AS report_abandoned,
    coalesce(sum(c.count) FILTER (WHERE c.status = 'unknown'), 0) AS report_unknown,
    coalesce(sum(c.count), 0) AS report_total
FROM latest_outcome_report_key AS k
JOIN latest_outcome_report_counts AS c ON c.cycle_id = k.cycle_id
GROUP BY ALL;

-- Which source the implementation figures of a cycle come from: 'items' when at least one of
-- its item recommendations carries a status event, else 'outcome_report' when a report
-- exists, else 'none'. The two are never added together.
CREATE OR REPLACE VIEW cycle_implementation_basis AS
SELECT
    c.cycle_id,
    c.institution_id,
    CASE
        WHEN EXISTS (
            SELECT 1 FROM recommendation_status AS s
            WHERE s.cycle_id = c.cycle_id AND s.granularity = 'item' AND s.n_events > 0
        ) THEN 'items'
        WHEN EXISTS (SELECT 1 FROM latest_outcome_report AS o WHERE o.cycle_id = c.cycle_id)
            THEN 'outcome_report'
        ELSE 'none'
    END AS implementation_basis
FROM current_cycles AS c;

-- Every dated record that is news about a cycle: anything about its recommendations (items
-- and chapters), its milestones and its outcome reports; same capping as recommendation_news.
CREATE OR REPLACE VIEW cycle_last_news AS
WITH dated AS (
    SELECT r.cycle_id, n.news_until
    FROM recommendation_news AS n
    JOIN current_recommendations AS r ON r.recommendation_id = n.recommendation_id
    UNION ALL
    SELECT cycle_id, least(uptake_period_end(occurred_on, occurred_on_precision), uptake_today())
    FROM current_milestones
    WHERE occurred_on <= uptake_today()
    UNION ALL
    SELECT cycle_id, least(uptake_period_end(reported_on, reported_on_precision), uptake_today())
    FROM current_outcome_reports
    WHERE reported_on <= uptake_today()
)
SELECT cycle_id, max(news_until) AS last_update_on
FROM dated
GROUP BY cycle_id;

-- Item-level figures of each cycle, counted from recommendation_status.
CREATE OR REPLACE VIEW cycle_item_figures AS
SELECT
    cycle_id,
    count(*) AS items_known,
    count(*) FILTER (WHERE has_response) AS responses_known,
    median(days_to_response) AS median_days_to_response,
    count(*) FILTER (WHERE answered_on_time) AS responses_on_time,
    count(answered_on_time) AS responses_timeliness_known,
    count(*) FILTER (WHERE is_overdue) AS responses_overdue,
    count(*) FILTER (WHERE stance = 'accepted') AS n_accepted,
    count(*) FILTER (WHERE stance = 'partially_accepted') AS n_partially_accepted,
    count(*) FILTER (WHERE stance = 'noted') AS n_noted,
    count(*) FILTER (WHERE stance = 'rejected') AS n_rejected,
    count(*) FILTER (WHERE stance = 'pending') AS n_pending,
    count(*) FILTER (WHERE n_events > 0) AS items_with_status,
    count(*) FILTER (WHERE status = 'not_started') AS n_not_started,
    count(*) FILTER (WHERE status = 'in_progress') AS n_in_progress,
    count(*) FILTER (WHERE status = 'partially_implemented') AS n_partially_implemented,
    count(*) FILTER (WHERE status = 'implemented') AS n_implemented,
    count(*) FILTER (WHERE status = 'abandoned') AS n_abandoned,
    count(*) FILTER (WHERE status = 'unknown') AS n_unknown,
    count(*) FILTER (WHERE stance IN ('accepted', 'partially_accepted')) AS items_accepted,
    count(*) FILTER (
        WHERE stance IN ('accepted', 'partially_accepted') AND status = 'implemented'
    ) AS items_accepted_implemented,
    count(*) FILTER (WHERE assessors_disagree) AS items_assessors_disagree
FROM recommendation_status
WHERE granularity = 'item'
GROUP BY cycle_id;

-- One row per current cycle.
--   cycle_id, institution_id, institution_name, number, title, topic, language,
--   started_on / ended_on / handed_over_on (each with _precision), members, declared_count,
--   source_url, is_synthetic       as in cycles / institutions
--   items_known         item recommendations known (chapters excluded)
--   chapters_known      chapter rows known
--   coverage            items_known / declared_count; NULL when declared_count is unknown
--   responses_known     items with a formal response
--   response_rate       responses_known / items_known
--   median_days_to_response  median over items with day-precision handover and response
--   responses_on_time, responses_timeliness_known  items answered on time / items whose
--                       timeliness is decidable
--   share_on_time       responses_on_time / responses_timeliness_known
--   responses_overdue   items with no response whose deadline has certainly passed
--   response_deadline_days, response_due_on(_precision), response_due_latest_on
--   n_accepted, n_partially_accepted, n_noted, n_rejected, n_pending   stance counts (items)
--   items_with_status   items with at least one status event
--   n_not_started … n_unknown   current implementation status counts (items)
--   items_accepted      items accepted or partially accepted
--   items_assessors_disagree  items whose assessors' latest verdicts differ
--   item_implementation_rate              n_implemented / items_known      (basis 'items' only)
--   item_implementation_rate_incl_partial (n_implemented + n_partially_implemented) / items_known
--   item_implementation_rate_of_accepted  accepted-or-partially items implemented / such items
--   report_* columns    the latest outcome report (see latest_outcome_report)
--   report_coverage     report_total / declared_count: how much of the cycle the report counts
--   report_implementation_rate(_incl_partial)  report_implemented (+ partially) / report_total
--   implementation_basis  'items' | 'outcome_report' | 'none'
--   implementation_rate(_incl_partial)  the item or the report rate, following the basis
--   last_update_on      latest day any event, response, milestone or outcome report of the
--                       cycle may stand for, up to today
--   staleness_days      uptake_today() - last_update_on; is_stale: staleness_days > 365
CREATE OR REPLACE VIEW cycle_indicators AS
SELECT
    c.cycle_id,
    c.institution_id,
    i.name AS institution_name,
    c.number,
    c.title,
    c.topic,
    c.language,
    c.started_on,
    c.started_on_precision,
    c.ended_on,
    c.ended_on_precision,
    c.handed_over_on,
    c.handed_over_on_precision,
    c.members,
    c.declared_count,
    c.source_url,
    c.is_synthetic,
    coalesce(f.items_known, 0) AS items_known,
    (
        SELECT count(*) FROM current_recommendations AS r
        WHERE r.cycle_id = c.cycle_id AND r.granularity = 'chapter'
    ) AS chapters_known,
    uptake_share(coalesce(f.items_known, 0), c.declared_count) AS coverage,
    coalesce(f.responses_known, 0) AS responses_known,
    uptake_share(f.responses_known, f.items_known) AS response_rate,
    f.median_days_to_response,
    coalesce(f.responses_on_time, 0) AS responses_on_time,
    coalesce(f.responses_timeliness_known, 0) AS responses_timeliness_known,
    uptake_share(f.responses_on_time, f.responses_timeliness_known) AS share_on_time,
    coalesce(f.responses_overdue, 0) AS responses_overdue,
    i.response_deadline_days,
    c.handed_over_on + i.response_deadline_days AS response_due_on,
    CASE WHEN i.response_deadline_days IS NOT NULL AND c.handed_over_on IS NOT NULL
        THEN coalesce(c.handed_over_on_precision, 'day')
    END AS response_due_on_precision,
    uptake_period_end(c.handed_over_on, c.handed_over_on_precision)
        + i.response_deadline_days AS response_due_latest_on,
    coalesce(f.n_accepted, 0) AS n_accepted,
    coalesce(f.n_partially_accepted, 0) AS n_partially_accepted,
    coalesce(f.n_noted, 0) AS n_noted,
    coalesce(f.n_rejected, 0) AS n_rejected,
    coalesce(f.n_pending, 0) AS n_pending,
    coalesce(f.items_with_status, 0) AS items_with_status,
    coalesce(f.n_not_started, 0) AS n_not_started,
    coalesce(f.n_in_progress, 0) AS n_in_progress,
    coalesce(f.n_partially_implemented, 0) AS n_partially_implemented,
    coalesce(f.n_implemented, 0) AS n_implemented,
    coalesce(f.n_abandoned, 0) AS n_abandoned,
    coalesce(f.n_unknown, 0) AS n_unknown,
    coalesce(f.items_accepted, 0) AS items_accepted,
    coalesce(f.items_assessors_disagree, 0) AS items_assessors_disagree,
    CASE WHEN b.implementation_basis = 'items'
        THEN uptake_share(f.n_implemented, f.items_known)
    END AS item_implementation_rate,
    CASE WHEN b.implementation_basis = 'items'
        THEN uptake_share(f.n_implemented + f.n_partially_implemented, f.items_known)
    END AS item_implementation_rate_incl_partial,
    CASE WHEN b.implementation_basis = 'items'
        THEN uptake_share(f.items_accepted_implemented, f.items_accepted)
    END AS item_implementation_rate_of_accepted,
    o.report_reported_on,
    o.report_reported_on_precision,
    o.report_reported_by,
    o.report_assessor,
    o.report_source_url,
    o.report_not_started,
    o.report_in_progress,
    o.report_partially_implemented,
    o.report_implemented,
    o.report_abandoned,
    o.report_unknown,
    o.report_total,
    uptake_share(o.report_total, c.declared_count) AS report_coverage,
    uptake_share(o.report_implemented, o.report_total) AS report_implementation_rate,
    uptake_share(o.report_implemented + o.report_partially_implemented, o.report_total)
        AS report_implementation_rate_incl_partial,
    b.implementation_basis,
    CASE b.implementation_basis
        WHEN 'items' THEN uptake_share(f.n_implemented, f.items_known)
        WHEN 'outcome_report' THEN uptake_share(o.report_implemented, o.report_total)
    END AS implementation_rate,
    CASE b.implementation_basis
        WHEN 'items'
            THEN uptake_share(f.n_implemented + f.n_partially_implemented, f.items_known)
        WHEN 'outcome_report'
            THEN uptake_share(o.report_implemented + o.report_partially_implemented,
                              o.report_total)
    END AS implementation_rate_incl_partial,
    n.last_update_on,
    uptake_today() - n.last_update_on AS staleness_days,
    uptake_today() - n.last_update_on > 365 AS is_stale
FROM current_cycles AS c
JOIN current_institutions AS i ON i.institution_id = c.institution_id
JOIN cycle_implementation_basis AS b ON b.cycle_id = c.cycle_id
LEFT JOIN cycle_item_figures AS f ON f.cycle_id = c.cycle_id
LEFT JOIN latest_outcome_report AS o ON o.cycle_id = c.cycle_id
LEFT JOIN cycle_last_news AS n ON n.cycle_id = c.cycle_id;

-- One row per current institution: the cycle figures pooled over all its cycles. Shares and
-- medians are computed over the pooled recommendations, never as averages of cycle figures.
--   institution_id, institution_name, city, country, kind, responder, response_deadline_days,
--   final_deadline_days, final_deadline_from, deadline_rule, source_url, is_synthetic
--                                                    as in institutions
--   n_cycles            current cycles
--   cycles_with_declared  cycles whose declared_count is known
--   declared_count      sum of the known declared counts
--   items_known         all item recommendations known
--   items_in_declared_cycles  items of the cycles whose declared_count is known
--   coverage            items_in_declared_cycles / declared_count (cycles without a declared
--                       count are left out of both sides)
--   responses_known, response_rate, median_days_to_response, responses_on_time,
--   responses_timeliness_known, share_on_time, responses_overdue, n_<stance>,
--   items_with_status, n_<status>, items_accepted, items_assessors_disagree   as in
--                       cycle_indicators, pooled over every item of the institution
--   items_in_item_basis_cycles  items of cycles whose implementation basis is 'items'
--   item_implementation_rate(_incl_partial, _of_accepted)  over those items only
--   report_cycles       cycles whose basis is 'outcome_report'
--   report_<status>, report_total  their latest reports' counts, summed
--   report_implementation_rate(_incl_partial)  pooled over those reports
--   implementation_basis  'items' | 'outcome_report' | 'mixed' (some cycles each) | 'none'
--   last_update_on, staleness_days, is_stale   over all its cycles
CREATE OR REPLACE VIEW institution_indicators AS
WITH items AS (
    SELECT
        s.institution_id,
        count(*) AS items_known,
        count(*) FILTER (WHERE c.declared_count IS NOT NULL) AS items_in_declared_cycles,
        count(*) FILTER (WHERE s.has_response) AS responses_known,
        median(s.days_to_response) AS median_days_to_response,
        count(*) FILTER (WHERE s.answered_on_time) AS responses_on_time,
        count(s.answered_on_time) AS responses_timeliness_known,
        count(*) FILTER (WHERE s.is_overdue) AS responses_overdue,
        count(*) FILTER (WHERE s.stance = 'accepted') AS n_accepted,
        count(*) FILTER (WHERE s.stance = 'partially_accepted') AS n_partially_accepted,
        count(*) FILTER (WHERE s.stance = 'noted') AS n_noted,
        count(*) FILTER (WHERE s.stance = 'rejected') AS n_rejected,
        count(*) FILTER (WHERE s.stance = 'pending') AS n_pending,
        count(*) FILTER (WHERE s.n_events > 0) AS items_with_status,
        count(*) FILTER (WHERE s.status = 'not_started') AS n_not_started,
        count(*) FILTER (WHERE s.status = 'in_progress') AS n_in_progress,
        count(*) FILTER (WHERE s.status = 'partially_implemented') AS n_partially_implemented,
        count(*) FILTER (WHERE s.status = 'implemented') AS n_implemented,
        count(*) FILTER (WHERE s.status = 'abandoned') AS n_abandoned,
        count(*) FILTER (WHERE s.status = 'unknown') AS n_unknown,
        count(*) FILTER (WHERE s.stance IN ('accepted', 'partially_accepted')) AS items_accepted,
        count(*) FILTER (WHERE s.assessors_disagree) AS items_assessors_disagree,
        count(*) FILTER (WHERE b.implementation_basis = 'items') AS items_in_item_basis_cycles,
        count(*) FILTER (WHERE b.implementation_basis = 'items' AND s.status = 'implemented')
            AS basis_implemented,
        count(*) FILTER (
            WHERE b.implementation_basis = 'items'
            AND s.status IN ('implemented', 'partially_implemented')
        ) AS basis_implemented_incl_partial,
        count(*) FILTER (
            WHERE b.implementation_basis = 'items'
            AND s.stance IN ('accepted', 'partially_accepted')
        ) AS basis_accepted,
        count(*) FILTER (
            WHERE b.implementation_basis = 'items'
            AND s.stance IN ('accepted', 'partially_accepted')
            AND s.status = 'implemented'
        ) AS basis_accepted_implemented
    FROM recommendation_status AS s
    JOIN current_cycles AS c ON c.cycle_id = s.cycle_id
    JOIN cycle_implementation_basis AS b ON b.cycle_id = s.cycle_id
    WHERE s.granularity = 'item'
    GROUP BY s.institution_id
),
cycle_totals AS (
    SELECT
        institution_id,
        count(*) AS n_cycles,
        count(declared_count) AS cycles_with_declared,
        sum(declared_count) AS declared_count,
        count(*) FILTER (WHERE implementation_basis = 'items') AS item_basis_cycles,
        count(*) FILTER (WHERE implementation_basis = 'outcome_report') AS report_cycles,
        coalesce(sum(report_not_started)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0) AS report_not_started,
        coalesce(sum(report_in_progress)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0) AS report_in_progress,
        coalesce(sum(report_partially_implemented)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0)
            AS report_partially_implemented,
        coalesce(sum(report_implemented)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0) AS report_implemented,
        coalesce(sum(report_abandoned)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0) AS report_abandoned,
        coalesce(sum(report_unknown)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0) AS report_unknown,
        coalesce(sum(report_total)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0) AS report_total,
        max(last_update_on) AS last_update_on
    FROM cycle_indicators
    GROUP BY institution_id
)
SELECT
    i.institution_id,
    i.name AS institution_name,
    i.city,
    i.country,
    i.kind,
    i.responder,
    i.response_deadline_days,
    i.final_deadline_days,
    i.final_deadline_from,
    i.deadline_rule,
    i.source_url,
    i.is_synthetic,
    coalesce(c.n_cycles, 0) AS n_cycles,
    coalesce(c.cycles_with_declared, 0) AS cycles_with_declared,
    c.declared_count,
    coalesce(t.items_known, 0) AS items_known,
    coalesce(t.items_in_declared_cycles, 0) AS items_in_declared_cycles,
    uptake_share(coalesce(t.items_in_declared_cycles, 0), c.declared_count) AS coverage,
    coalesce(t.responses_known, 0) AS responses_known,
    uptake_share(t.responses_known, t.items_known) AS response_rate,
    t.median_days_to_response,
    coalesce(t.responses_on_time, 0) AS responses_on_time,
    coalesce(t.responses_timeliness_known, 0) AS responses_timeliness_known,
    uptake_share(t.responses_on_time, t.responses_timeliness_known) AS share_on_time,
    coalesce(t.responses_overdue, 0) AS responses_overdue,
    coalesce(t.n_accepted, 0) AS n_accepted,
    coalesce(t.n_partially_accepted, 0) AS n_partially_accepted,
    coalesce(t.n_noted, 0) AS n_noted,
    coalesce(t.n_rejected, 0) AS n_rejected,
    coalesce(t.n_pending, 0) AS n_pending,
    coalesce(t.items_with_status, 0) AS items_with_status,
    coalesce(t.n_not_started, 0) AS n_not_started,
    coalesce(t.n_in_progress, 0) AS n_in_progress,
    coalesce(t.n_partially_implemented, 0) AS n_partially_implemented,
    coalesce(t.n_implemented, 0) AS n_implemented,
    coalesce(t.n_abandoned, 0) AS n_abandoned,
    coalesce(t.n_unknown, 0) AS n_unknown,
    coalesce(t.items_accepted, 0) AS items_accepted,
    coalesce(t.items_assessors_disagree, 0) AS items_assessors_disagree,
    coalesce(t.items_in_item_basis_cycles, 0) AS items_in_item_basis_cycles,
    uptake_share(t.basis_implemented, t.items_in_item_basis_cycles) AS item_implementation_rate,
    uptake_share(t.basis_implemented_incl_partial, t.items_in_item_basis_cycles)
        AS item_implementation_rate_incl_partial,
    uptake_share(t.basis_accepted_implemented, t.basis_accepted)
        AS item_implementation_rate_of_accepted,
    coalesce(c.report_cycles, 0) AS report_cycles,
    coalesce(c.report_not_started, 0) AS report_not_started,
    coalesce(c.report_in_progress, 0) AS report_in_progress,
    coalesce(c.report_partially_implemented, 0) AS report_partially_implemented,
    coalesce(c.report_implemented, 0) AS report_implemented,
    coalesce(c.report_abandoned, 0) AS report_abandoned,
    coalesce(c.report_unknown, 0) AS report_unknown,
    coalesce(c.report_total, 0) AS report_total,
    uptake_share(c.report_implemented, c.report_total) AS report_implementation_rate,
    uptake_share(c.report_implemented + c.report_partially_implemented, c.report_total)
        AS report_implementation_rate_incl_partial,
    CASE
        WHEN c.item_basis_cycles > 0 AND c.report_cycles > 0 THEN 'mixed'
        WHEN c.item_basis_cycles > 0 THEN 'items'
        WHEN c.report_cycles > 0 THEN 'outcome_report'
        ELSE 'none'
    END AS implementation_basis,
    c.last_update_on,
    uptake_today() - c.last_update_on AS staleness_days,
    uptake_today() - c.last_update_on > 365 AS is_stale
FROM current_institutions AS i
LEFT JOIN cycle_totals AS c ON c.institution_id = i.institution_id
LEFT JOIN items AS t ON t.institution_id = i.institution_id;

-- Long: how many recommendations stand at each implementation status, per cycle.
--   basis 'items': current status of the cycle's item recommendations ('unknown' included),
--                  only for cycles whose implementation basis is 'items';
--   basis 'outcome_report': the counts of the cycle's latest outcome report, only for cycles
--                  whose items carry no status.
--   Zero counts are left out. status_order follows the implementation scale.
CREATE OR REPLACE VIEW implementation_mix AS
WITH mix AS (
    SELECT s.institution_id, s.cycle_id, 'items' AS basis, s.status, count(*) AS count
    FROM recommendation_status AS s
    JOIN cycle_implementation_basis AS b ON b.cycle_id = s.cycle_id
    WHERE s.granularity = 'item' AND b.implementation_basis = 'items'
    GROUP BY ALL
    UNION ALL
    SELECT b.institution_id, o.cycle_id, 'outcome_report', o.status, o.count
    FROM latest_outcome_report_counts AS o
    JOIN cycle_implementation_basis AS b ON b.cycle_id = o.cycle_id
    WHERE b.implementation_basis = 'outcome_report' AND o.count > 0
)
SELECT m.institution_id, m.cycle_id, m.basis, m.status, sc.status_order, m.count
FROM mix AS m
LEFT JOIN implementation_scale AS sc ON sc.status = m.status;

-- Long: how many item recommendations have each response stance, per cycle ('pending' = no
-- formal response). Zero counts are left out. stance_order follows the stance scale.
CREATE OR REPLACE VIEW stance_mix AS
SELECT s.institution_id, s.cycle_id, s.stance, sc.stance_order, count(*) AS count
FROM recommendation_status AS s
LEFT JOIN stance_scale AS sc ON sc.stance = s.stance
WHERE s.granularity = 'item'
GROUP BY ALL;

-- Long: the uptake funnel of each cycle with at least one item recommendation, all five
-- stages even when 0.
--   stage, stage_order   1 adopted (items known), 2 responded (formal response),
--                        3 accepted (accepted or partially accepted),
--                        4 in_progress_or_better (current status in_progress,
--                        partially_implemented or implemented), 5 implemented
--   count                items at that stage, whatever their response: implementation
--                        without a recorded response is not hidden
--   count_after_acceptance  the same, counting only accepted or partially accepted items
--                        from stage 3 on (a strictly narrowing funnel)
CREATE OR REPLACE VIEW uptake_funnel AS
WITH flags AS (
    SELECT
        institution_id,
        cycle_id,
        has_response,
        stance IN ('accepted', 'partially_accepted') AS accepted,
        status IN ('in_progress', 'partially_implemented', 'implemented') AS under_way,
        status = 'implemented' AS implemented
    FROM recommendation_status
    WHERE granularity = 'item'
),
per_cycle AS (
    SELECT
        institution_id,
        cycle_id,
        count(*) AS adopted,
        count(*) FILTER (WHERE has_response) AS responded,
        count(*) FILTER (WHERE accepted) AS accepted,
        count(*) FILTER (WHERE under_way) AS under_way,
        count(*) FILTER (WHERE under_way AND accepted) AS under_way_accepted,
        count(*) FILTER (WHERE implemented) AS implemented,
        count(*) FILTER (WHERE implemented AND accepted) AS implemented_accepted
    FROM flags
    GROUP BY institution_id, cycle_id
)
SELECT institution_id, cycle_id, 'adopted' AS stage, 1 AS stage_order,
    adopted AS count, adopted AS count_after_acceptance
FROM per_cycle
UNION ALL
SELECT institution_id, cycle_id, 'responded', 2, responded, responded FROM per_cycle
UNION ALL
SELECT institution_id, cycle_id, 'accepted', 3, accepted, accepted FROM per_cycle
UNION ALL
SELECT institution_id, cycle_id, 'in_progress_or_better', 4, under_way, under_way_accepted
FROM per_cycle
UNION ALL
SELECT institution_id, cycle_id, 'implemented', 5, implemented, implemented_accepted
FROM per_cycle;

-- One row per item recommendation with a start date, for Kaplan–Meier curves.
--   start_on(_precision)  handed_over_on of its cycle, else adopted_on
--   implemented_on       first date any assessor recorded 'implemented' (NULL when none)
--   days                 implemented_on - start_on when implemented, else uptake_today() -
--                        start_on (a censored case: still open when last seen); never negative
--   implemented          TRUE the event was observed; FALSE censored
--   status               current status, so abandoned cases can be told apart
CREATE OR REPLACE VIEW time_to_implementation AS
SELECT
    recommendation_id,
    institution_id,
    cycle_id,
    start_on,
    start_on_precision,
    first_implemented_on AS implemented_on,
    greatest(0, coalesce(first_implemented_on, uptake_today()) - start_on) AS days,
    first_implemented_on IS NOT NULL AS implemented,
    status
FROM recommendation_status
WHERE granularity = 'item' AND start_on IS NOT NULL;

-- The latest verdict of every assessor on each recommendation whose assessors disagree: one
-- row per recommendation and assessor, so the app can show them side by side.
CREATE OR REPLACE VIEW assessor_disagreements AS
SELECT
    a.recommendation_id,
    s.cycle_id,
    s.institution_id,
    a.assessor,
    a.status,
    a.status_label,
    a.occurred_on AS status_on,
    a.occurred_on_precision AS status_on_precision,
    a.progress,
    a.source_url,
    a.observed_at
FROM assessor_latest_status AS a
JOIN recommendation_status AS s ON s.recommendation_id = a.recommendation_id
WHERE s.assessors_disagree;
