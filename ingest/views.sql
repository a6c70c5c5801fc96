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

-- Every canonical scale in its display order, with what each value means: the `scales` table
-- is copied into the snapshot from data/vocabularies/scales.csv when it is built, so adding a
-- value means editing that one file. The views below name the scales the app sorts by.
CREATE OR REPLACE VIEW scale_values AS
SELECT vocabulary, value, value_order, meaning FROM scales;

CREATE OR REPLACE VIEW stance_scale AS
SELECT value AS stance, value_order AS stance_order FROM scales WHERE vocabulary = 'stance';

CREATE OR REPLACE VIEW implementation_scale AS
SELECT value AS status, value_order AS status_order
FROM scales WHERE vocabulary = 'implementation';

-- Every source label with the canonical value it maps to (the crosswalk the app shows).
CREATE OR REPLACE VIEW vocabulary_crosswalk AS
SELECT vocabulary, label, language, value, note FROM vocabulary_labels;

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

CREATE OR REPLACE VIEW current_collective_responses AS
SELECT p.*
FROM collective_responses AS p
JOIN current_cycles AS c ON c.cycle_id = p.cycle_id
WHERE p.withdrawn_run_id IS NULL;

CREATE OR REPLACE VIEW current_congruence AS
SELECT g.*
FROM congruence AS g
JOIN current_recommendations AS r ON r.recommendation_id = g.recommendation_id
WHERE g.withdrawn_run_id IS NULL;

CREATE OR REPLACE VIEW current_summaries AS
SELECT m.*
FROM summaries AS m
JOIN current_recommendations AS r ON r.recommendation_id = m.recommendation_id
WHERE m.withdrawn_run_id IS NULL;

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

-- The item record shown for a recommendation: its formal response (a final answer before an
-- interim one, then the latest) or, when it has none, its latest 'pending' notice.
CREATE OR REPLACE VIEW recommendation_item_record AS
WITH chosen AS (
    SELECT arg_max(
        response_id,
        (stance <> 'pending', response_kind = 'final',
         coalesce(responded_on, DATE '-infinity'), response_id)
    ) AS response_id
    FROM current_responses
    GROUP BY recommendation_id
)
SELECT *
FROM current_responses
WHERE response_id IN (SELECT response_id FROM chosen);

-- What each collective response covers.
--   scope   'listed': the recommendations it names; 'round': every recommendation of its
--           cycle (no list, and no covered_count below the declared count); 'aggregate': a
--           count below the declared count with no list, so which items it answers is unknown
CREATE OR REPLACE VIEW collective_response_scope AS
SELECT
    p.*,
    CASE
        WHEN p.recommendation_ids IS NOT NULL AND len(p.recommendation_ids) > 0 THEN 'listed'
        WHEN p.covered_count IS NULL OR c.declared_count IS NULL
            OR p.covered_count >= c.declared_count THEN 'round'
        ELSE 'aggregate'
    END AS scope,
    c.declared_count
FROM current_collective_responses AS p
JOIN current_cycles AS c ON c.cycle_id = p.cycle_id;

-- Every (recommendation, collective response) pair where the response answers the item
-- ('listed' or 'round') or may answer it ('aggregate').
CREATE OR REPLACE VIEW recommendation_collective_responses AS
SELECT r.recommendation_id, p.*
FROM current_recommendations AS r
JOIN collective_response_scope AS p
    ON p.cycle_id = r.cycle_id
    AND (p.scope IN ('round', 'aggregate')
         OR list_contains(p.recommendation_ids, r.recommendation_id));

-- The collective response shown for a recommendation: one that certainly covers it, a final
-- answer before an interim one, then the latest; an aggregate one only when none covers it.
CREATE OR REPLACE VIEW recommendation_collective_response AS
SELECT *
FROM recommendation_collective_responses
QUALIFY row_number() OVER (
    PARTITION BY recommendation_id
    ORDER BY (scope <> 'aggregate') DESC, (response_kind = 'final') DESC,
             responded_on DESC NULLS LAST, collective_response_id DESC
) = 1;

-- Which evidence speaks for each recommendation's answer: its own answer, else a collective
-- answer that covers it, else its own 'pending' notice, else an aggregate answer.
CREATE OR REPLACE VIEW recommendation_response_choice AS
SELECT
    r.recommendation_id,
    CASE
        WHEN item.stance <> 'pending' THEN 'item'
        WHEN coll.scope IN ('listed', 'round') THEN 'collective'
        WHEN item.response_id IS NOT NULL THEN 'item'
        WHEN coll.scope = 'aggregate' THEN 'aggregate'
        ELSE 'not_recorded'
    END AS response_basis
FROM current_recommendations AS r
LEFT JOIN recommendation_item_record AS item ON item.recommendation_id = r.recommendation_id
LEFT JOIN recommendation_collective_response AS coll
    ON coll.recommendation_id = r.recommendation_id;

-- The first formal answer to each recommendation, item or collective (not an aggregate one,
-- which may not cover it): the response deadline and the days to response count to it.
CREATE OR REPLACE VIEW recommendation_first_answer AS
WITH answers AS (
    SELECT recommendation_id, responded_on, responded_on_precision
    FROM current_responses
    WHERE stance <> 'pending' AND responded_on IS NOT NULL
    UNION ALL
    SELECT recommendation_id, responded_on, responded_on_precision
    FROM recommendation_collective_responses
    WHERE scope <> 'aggregate' AND coalesce(stance, '') <> 'pending' AND responded_on IS NOT NULL
)
SELECT
    recommendation_id,
    min(responded_on) AS first_responded_on,
    arg_min(coalesce(responded_on_precision, 'day'), responded_on) AS first_responded_on_precision
FROM answers
GROUP BY recommendation_id;

-- The latest status event of each assessor for each recommendation. Events are ordered by the
-- date they occurred, then by when they were observed, then by id; an undated event is placed
-- on the day it was observed (a live source's state is known to hold at least then). The
-- winner of each group is found by its row number alone and its row fetched once: ranking
-- whole rows (every text column carried through a sort) made this the build's slowest step.
CREATE OR REPLACE VIEW assessor_latest_status AS
WITH latest AS (
    SELECT arg_max(
        e.rowid, (coalesce(e.occurred_on, CAST(e.observed_at AS DATE)), e.observed_at, e.event_id)
    ) AS event_row
    FROM status_events AS e
    JOIN current_recommendations AS r ON r.recommendation_id = e.recommendation_id
    WHERE e.withdrawn_run_id IS NULL AND e.superseded_by IS NULL
    GROUP BY e.recommendation_id, e.assessor
)
SELECT
    e.*,
    coalesce(e.occurred_on, CAST(e.observed_at AS DATE)) AS ordered_on
FROM status_events AS e
WHERE e.rowid IN (SELECT event_row FROM latest);

-- The current implementation status: the latest event across all assessors, same ordering.
CREATE OR REPLACE VIEW recommendation_latest_status AS
WITH latest AS (
    SELECT arg_max(event_id, (ordered_on, observed_at, event_id)) AS event_id
    FROM assessor_latest_status
    GROUP BY recommendation_id
)
SELECT *
FROM assessor_latest_status
WHERE event_id IN (SELECT event_id FROM latest);

-- Per recommendation: how many current events, how many assessors, whether their latest
-- verdicts differ ('unknown' is no verdict and never counts as disagreeing), and the first
-- date any assessor recorded it as implemented.
CREATE OR REPLACE VIEW recommendation_event_summary AS
WITH verdicts AS (
    SELECT recommendation_id, count(DISTINCT status) FILTER (WHERE status <> 'unknown') > 1
        AS assessors_disagree
    FROM assessor_latest_status
    GROUP BY recommendation_id
)
SELECT
    e.recommendation_id,
    count(*) AS n_events,
    count(DISTINCT e.assessor) AS n_assessors,
    min(coalesce(e.occurred_on, CAST(e.observed_at AS DATE)))
        FILTER (WHERE e.status = 'implemented') AS first_implemented_on,
    any_value(v.assessors_disagree) AS assessors_disagree
FROM current_status_events AS e
JOIN verdicts AS v ON v.recommendation_id = e.recommendation_id
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
    SELECT recommendation_id, responded_on, responded_on_precision
    FROM recommendation_collective_responses
    WHERE scope <> 'aggregate'
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

-- One row per current recommendation (items and chapters): its response and implementation,
-- each with the evidence it rests on, its deadline and its freshness.
--   recommendation_id, cycle_id, institution_id   keys
--   institution_name, cycle_title, cycle_number   names for display
--   number, title, body, body_kind (full_text | summary), body_language, language, theme,
--   addressee, adopted_on(_precision), support, granularity ('item' | 'chapter'), source_url,
--   locator, note, is_synthetic                    as in recommendations
--   follow_up_complete  the cycle's sources are known to hold every answer and update
--   checked_on(_precision)  when the cycle's sources were last checked
--
--   Response (evidence scale: item | collective | aggregate | not_recorded)
--   response_basis      'item': a response row of its own (a 'pending' notice included);
--                       'collective': a collective response that covers it; 'aggregate': a
--                       collective response answers part of the round, which part unknown;
--                       'not_recorded': nothing found in the sources checked
--   response_state      the stance for an item record, or a collective one that gives one;
--                       'answered_collectively' (no stance per item), 'pending' (the source
--                       says no answer yet), 'in_aggregate', 'not_recorded'
--   has_response        TRUE answered (item or collective); FALSE an item record says no
--                       answer yet, or nothing is recorded in sources known complete; NULL
--                       not known (aggregate, or not recorded in sources not known complete)
--   stance, stance_label  canonical stance and the source's words; NULL when none is given
--   response_id         the item response or the collective response shown
--   response_kind, responded_on(_precision), responder, response_body, response_source_url,
--   response_locator    of that response
--   response_title      the collective document's name (NULL for an item response)
--   response_covered_count, response_declared_count  for an aggregate response: how many it
--                       answers, of how many declared
--   handed_over_on(_precision), response_deadline_days, response_due_on(_precision),
--   response_due_latest_on   the cycle's handover and the institution's rule
--   first_responded_on(_precision)  the first formal answer, item or collective (the
--                       response deadline is for the first answer)
--   days_to_response    first_responded_on - handed_over_on, only when both are exact days
--   answered_on_time    first answer by the deadline TRUE, after it FALSE, NULL undecidable
--   is_overdue          TRUE only when nothing answers it, the deadline has certainly passed
--                       AND the cycle's sources are known complete; FALSE answered or not
--                       certainly due; NULL when it cannot be known
--   response_timeliness timeliness scale: on_time | late | answered | overdue | awaiting |
--                       not_itemised | not_recorded
--
--   Implementation (same evidence scale)
--   implementation_basis  'item': status events of its own; 'aggregate': only the cycle's
--                       outcome report counts; 'not_recorded'
--   implementation_state  the current status, else 'in_aggregate' or 'not_recorded'
--   status              current status of its own events (latest across assessors by
--                       occurred_on then observed_at); NULL when it has none
--   status_label, status_on(_precision), status_assessor, progress, status_source_url,
--   status_observed_at  of that latest event
--   report_reported_on, report_source_url   the aggregate report, for 'aggregate'
--   n_events, n_assessors, assessors_disagree, first_implemented_on
--   last_event_on(_precision), days_since_last_event, is_stale, start_on(_precision)
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
        r.locator,
        r.note,
        r.is_synthetic,
        coalesce(c.follow_up_complete, FALSE) AS follow_up_complete,
        c.checked_on,
        c.checked_on_precision,
        item.response_id AS item_response_id,
        item.stance AS item_stance,
        coll.collective_response_id,
        coll.scope AS collective_scope,
        CASE
            WHEN item.response_id IS NOT NULL THEN 'item'
            WHEN coll.scope IN ('listed', 'round') THEN 'collective'
            WHEN coll.scope = 'aggregate' THEN 'aggregate'
            ELSE 'not_recorded'
        END AS response_basis,
        coalesce(item.response_id, coll.collective_response_id) AS response_id,
        coalesce(item.response_kind, coll.response_kind) AS response_kind,
        CASE WHEN item.response_id IS NOT NULL THEN item.stance ELSE coll.stance END AS stance,
        CASE WHEN item.response_id IS NOT NULL THEN item.stance_label ELSE coll.stance_label END
            AS stance_label,
        CASE WHEN item.response_id IS NOT NULL THEN item.responded_on ELSE coll.responded_on END
            AS responded_on,
        CASE WHEN item.response_id IS NOT NULL THEN item.responded_on_precision
            ELSE coll.responded_on_precision END AS responded_on_precision,
        CASE WHEN item.response_id IS NOT NULL THEN item.responder ELSE coll.responder END
            AS responder,
        CASE WHEN item.response_id IS NOT NULL THEN item.body ELSE coll.body END
            AS response_body,
        CASE WHEN item.response_id IS NOT NULL THEN item.source_url ELSE coll.source_url END
            AS response_source_url,
        CASE WHEN item.response_id IS NOT NULL THEN item.locator ELSE coll.locator END
            AS response_locator,
        CASE WHEN item.response_id IS NULL THEN coll.title END AS response_title,
        CASE WHEN coll.scope = 'aggregate' AND item.response_id IS NULL
            THEN coll.covered_count END AS response_covered_count,
        CASE WHEN coll.scope = 'aggregate' AND item.response_id IS NULL
            THEN coll.declared_count END AS response_declared_count,
        c.handed_over_on,
        c.handed_over_on_precision,
        i.response_deadline_days,
        c.handed_over_on + i.response_deadline_days AS response_due_on,
        CASE WHEN i.response_deadline_days IS NOT NULL AND c.handed_over_on IS NOT NULL
            THEN coalesce(c.handed_over_on_precision, 'day')
        END AS response_due_on_precision,
        uptake_period_end(c.handed_over_on, c.handed_over_on_precision)
            + i.response_deadline_days AS response_due_latest_on,
        latest.status,
        latest.status_label,
        latest.occurred_on AS status_on,
        latest.occurred_on_precision AS status_on_precision,
        latest.assessor AS status_assessor,
        latest.progress,
        latest.source_url AS status_source_url,
        latest.observed_at AS status_observed_at,
        report.report_reported_on,
        report.report_source_url,
        first.first_responded_on,
        first.first_responded_on_precision,
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
    JOIN recommendation_response_choice AS choice
        ON choice.recommendation_id = r.recommendation_id
    LEFT JOIN recommendation_item_record AS item
        ON item.recommendation_id = r.recommendation_id AND choice.response_basis = 'item'
    LEFT JOIN recommendation_collective_response AS coll
        ON coll.recommendation_id = r.recommendation_id
        AND choice.response_basis IN ('collective', 'aggregate')
    LEFT JOIN recommendation_latest_status AS latest
        ON latest.recommendation_id = r.recommendation_id
    LEFT JOIN latest_outcome_report AS report ON report.cycle_id = r.cycle_id
    LEFT JOIN recommendation_first_answer AS first
        ON first.recommendation_id = r.recommendation_id
    LEFT JOIN recommendation_event_summary AS summary
        ON summary.recommendation_id = r.recommendation_id
    LEFT JOIN recommendation_last_news AS news ON news.recommendation_id = r.recommendation_id
),
judged AS (
    SELECT
        *,
        CASE
            WHEN response_basis IN ('item', 'collective') AND coalesce(stance, '') <> 'pending'
                THEN TRUE
            WHEN response_basis = 'item' THEN FALSE
            -- Sources known complete hold every answer: nothing found there means none.
            WHEN response_basis = 'not_recorded' AND follow_up_complete THEN FALSE
        END AS has_response,
        CASE
            WHEN response_basis = 'item' AND stance <> 'pending' THEN stance
            WHEN response_basis = 'item' THEN 'pending'
            WHEN response_basis = 'collective' THEN coalesce(stance, 'answered_collectively')
            WHEN response_basis = 'aggregate' THEN 'in_aggregate'
            ELSE 'not_recorded'
        END AS response_state,
        CASE
            WHEN first_responded_on IS NULL OR response_due_on IS NULL THEN NULL
            WHEN uptake_period_end(first_responded_on, first_responded_on_precision)
                <= response_due_on THEN TRUE
            WHEN first_responded_on > response_due_latest_on THEN FALSE
        END AS answered_on_time,
        CASE
            WHEN coalesce(first_responded_on_precision, 'day') = 'day'
                AND coalesce(handed_over_on_precision, 'day') = 'day'
            THEN first_responded_on - handed_over_on
        END AS days_to_response,
        CASE
            WHEN n_events > 0 THEN 'item'
            WHEN report_reported_on IS NOT NULL OR report_source_url IS NOT NULL
                THEN 'aggregate'
            ELSE 'not_recorded'
        END AS implementation_basis,
        uptake_today() - last_event_until AS days_since_last_event,
        -- least() skips NULLs, so the start date is capped only when there is one.
        uptake_today() - coalesce(
            last_event_until,
            CASE WHEN start_on IS NOT NULL
                THEN least(uptake_period_end(start_on, start_on_precision), uptake_today())
            END
        ) AS days_without_news
    FROM joined
),
verdicts AS (
    SELECT
        *,
        CASE
            WHEN has_response THEN FALSE
            WHEN response_basis = 'aggregate' THEN NULL
            WHEN response_due_latest_on IS NULL OR NOT follow_up_complete THEN NULL
            WHEN response_due_latest_on < uptake_today() THEN TRUE
            ELSE FALSE
        END AS is_overdue
    FROM judged
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
    locator,
    note,
    is_synthetic,
    follow_up_complete,
    checked_on,
    checked_on_precision,
    response_basis,
    response_state,
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
    response_locator,
    response_title,
    response_covered_count,
    response_declared_count,
    first_responded_on,
    first_responded_on_precision,
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
        WHEN response_basis = 'aggregate' THEN 'not_itemised'
        ELSE 'not_recorded'
    END AS response_timeliness,
    implementation_basis,
    CASE implementation_basis
        WHEN 'item' THEN status
        WHEN 'aggregate' THEN 'in_aggregate'
        ELSE 'not_recorded'
    END AS implementation_state,
    status,
    status_label,
    status_on,
    status_on_precision,
    status_assessor,
    progress,
    status_source_url,
    status_observed_at,
    CASE WHEN implementation_basis = 'aggregate' THEN report_reported_on END
        AS report_reported_on,
    CASE WHEN implementation_basis = 'aggregate' THEN report_source_url END
        AS report_source_url,
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
FROM verdicts;

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
    count(has_response) AS responses_decidable,
    count(*) FILTER (WHERE has_response AND response_basis = 'item') AS responses_item,
    count(*) FILTER (WHERE has_response AND response_basis = 'collective')
        AS responses_collective,
    count(*) FILTER (WHERE response_basis = 'aggregate') AS responses_in_aggregate,
    count(*) FILTER (WHERE response_basis = 'not_recorded') AS responses_not_recorded,
    median(days_to_response) AS median_days_to_response,
    count(days_to_response) AS n_days_to_response,
    count(*) FILTER (WHERE answered_on_time) AS responses_on_time,
    count(answered_on_time) AS responses_timeliness_known,
    count(*) FILTER (WHERE is_overdue) AS responses_overdue,
    count(*) FILTER (
        WHERE follow_up_complete AND response_due_latest_on IS NOT NULL
        AND is_overdue IS NOT NULL
    ) AS overdue_decidable,
    count(*) FILTER (WHERE response_state = 'accepted') AS n_accepted,
    count(*) FILTER (WHERE response_state = 'partially_accepted') AS n_partially_accepted,
    count(*) FILTER (WHERE response_state = 'noted') AS n_noted,
    count(*) FILTER (WHERE response_state = 'rejected') AS n_rejected,
    count(*) FILTER (WHERE response_state = 'answered_collectively') AS n_answered_collectively,
    count(*) FILTER (WHERE response_state = 'pending') AS n_pending,
    count(*) FILTER (WHERE response_state = 'in_aggregate') AS n_response_in_aggregate,
    count(*) FILTER (WHERE response_state = 'not_recorded') AS n_response_not_recorded,
    count(*) FILTER (WHERE n_events > 0) AS items_with_status,
    count(*) FILTER (WHERE status = 'not_started') AS n_not_started,
    count(*) FILTER (WHERE status = 'in_progress') AS n_in_progress,
    count(*) FILTER (WHERE status = 'partially_implemented') AS n_partially_implemented,
    count(*) FILTER (WHERE status = 'implemented') AS n_implemented,
    count(*) FILTER (WHERE status = 'abandoned') AS n_abandoned,
    count(*) FILTER (WHERE status = 'unknown') AS n_unknown,
    count(*) FILTER (WHERE implementation_state = 'in_aggregate') AS n_status_in_aggregate,
    count(*) FILTER (WHERE implementation_state = 'not_recorded') AS n_status_not_recorded,
    count(*) FILTER (WHERE stance IN ('accepted', 'partially_accepted')) AS items_accepted,
    count(*) FILTER (
        WHERE stance IN ('accepted', 'partially_accepted') AND status = 'implemented'
    ) AS items_accepted_implemented,
    count(*) FILTER (
        WHERE stance IN ('accepted', 'partially_accepted') AND n_events > 0
    ) AS items_accepted_with_status,
    count(*) FILTER (WHERE assessors_disagree) AS items_assessors_disagree
FROM recommendation_status
WHERE granularity = 'item'
GROUP BY cycle_id;

-- The collective response that speaks for a whole cycle: one for the whole round before a
-- listed or aggregate one, a final answer before an interim one, then the latest.
CREATE OR REPLACE VIEW cycle_collective_response AS
SELECT *
FROM collective_response_scope
QUALIFY row_number() OVER (
    PARTITION BY cycle_id
    ORDER BY CASE scope WHEN 'round' THEN 1 WHEN 'listed' THEN 2 ELSE 3 END,
             (response_kind = 'final') DESC, responded_on DESC NULLS LAST,
             collective_response_id DESC
) = 1;

-- One row per current cycle.
--   cycle_id, institution_id, institution_name, number, title, topic, language,
--   started_on / ended_on / handed_over_on (each with _precision), members, declared_count,
--   source_url, is_synthetic       as in cycles / institutions
--   items_known         item recommendations known (chapters excluded)
--   chapters_known      chapter rows known
--   coverage            items_known / declared_count; NULL when declared_count is unknown
--   follow_up_complete, checked_on(_precision)   as in cycles
--   responses_known     items answered (item record or a collective response covering them)
--   responses_item, responses_collective   the same split by evidence
--   responses_in_aggregate, responses_not_recorded   items whose answer is known only in
--                       aggregate, or not recorded at all
--   responses_decidable items whose answer is known either way: answered, a source saying
--                       no answer yet, or nothing found in sources known complete
--   response_rate       responses_known / responses_decidable: items answered among those
--                       whose answer is known; n/a when none is (an item not recorded is left
--                       out of both sides, and counted in responses_not_recorded)
--   round_response_basis  the cycle's own answer: 'item' (any item response), 'collective'
--                       (a collective response for the round or a listed part), 'aggregate'
--                       (a collective response for part of the round), 'not_recorded'
--   round_response_*    that collective response: id, title, scope, kind, date, responder,
--                       source; round_answered_count how many it answers (declared count for
--                       the whole round), round_not_answered_count for an aggregate one
--   n_days_to_response  items the median rests on
--   median_days_to_response  median over items with day-precision handover and response
--   responses_on_time, responses_timeliness_known  items answered on time / items whose
--                       timeliness is decidable
--   share_on_time       responses_on_time / responses_timeliness_known
--   responses_overdue   items with no answer whose deadline has certainly passed in a cycle
--                       whose sources are known complete; NULL (n/a) when the institution
--                       has no deadline rule or no item can be decided
--   overdue_decidable   items that can be judged: a deadline, sources known complete, and an
--                       answer of their own or none (not aggregate)
--   response_deadline_days, response_due_on(_precision), response_due_latest_on
--   n_accepted, n_partially_accepted, n_noted, n_rejected, n_pending   stance counts (items)
--   items_with_status   items with at least one status event
--   n_not_started … n_unknown   current implementation status counts (items)
--   items_accepted      items accepted or partially accepted
--   items_assessors_disagree  items whose assessors' latest verdicts differ
--   item_implementation_rate              n_implemented / items_with_status (basis 'items'
--                       only): an item with no update of its own is not recorded, never "not
--                       implemented", so it is left out of both sides
--   item_implementation_rate_incl_partial (n_implemented + n_partially_implemented) /
--                       items_with_status
--   item_implementation_rate_of_accepted  accepted-or-partially items implemented / such
--                       items with a status (items_accepted_with_status)
--   report_* columns    the latest outcome report (see latest_outcome_report)
--   report_coverage     report_total / declared_count: how much of the cycle the report counts
--   report_denominator  the declared count (the report's own total when larger or unknown)
--   report_unaccounted  declared recommendations the report does not account for
--   report_implementation_rate(_incl_partial)  report_implemented (+ partially) /
--                       report_denominator
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
    coalesce(c.follow_up_complete, FALSE) AS follow_up_complete,
    c.checked_on,
    c.checked_on_precision,
    c.source_url,
    c.is_synthetic,
    coalesce(f.items_known, 0) AS items_known,
    (
        SELECT count(*) FROM current_recommendations AS r
        WHERE r.cycle_id = c.cycle_id AND r.granularity = 'chapter'
    ) AS chapters_known,
    uptake_share(coalesce(f.items_known, 0), c.declared_count) AS coverage,
    coalesce(f.responses_known, 0) AS responses_known,
    coalesce(f.responses_item, 0) AS responses_item,
    coalesce(f.responses_collective, 0) AS responses_collective,
    coalesce(f.responses_in_aggregate, 0) AS responses_in_aggregate,
    coalesce(f.responses_not_recorded, 0) AS responses_not_recorded,
    coalesce(f.responses_decidable, 0) AS responses_decidable,
    uptake_share(f.responses_known, f.responses_decidable) AS response_rate,
    CASE
        WHEN coalesce(f.responses_item, 0) > 0 THEN 'item'
        WHEN cr.scope IN ('round', 'listed') THEN 'collective'
        WHEN cr.scope = 'aggregate' THEN 'aggregate'
        ELSE 'not_recorded'
    END AS round_response_basis,
    cr.collective_response_id AS round_response_id,
    cr.title AS round_response_title,
    cr.scope AS round_response_scope,
    cr.response_kind AS round_response_kind,
    cr.responded_on AS round_responded_on,
    cr.responded_on_precision AS round_responded_on_precision,
    cr.responder AS round_responder,
    cr.source_url AS round_response_source_url,
    CASE cr.scope
        WHEN 'round' THEN c.declared_count
        WHEN 'listed' THEN len(cr.recommendation_ids)
        WHEN 'aggregate' THEN cr.covered_count
    END AS round_answered_count,
    CASE WHEN cr.scope = 'aggregate' THEN c.declared_count - cr.covered_count END
        AS round_not_answered_count,
    f.median_days_to_response,
    coalesce(f.n_days_to_response, 0) AS n_days_to_response,
    coalesce(f.responses_on_time, 0) AS responses_on_time,
    coalesce(f.responses_timeliness_known, 0) AS responses_timeliness_known,
    uptake_share(f.responses_on_time, f.responses_timeliness_known) AS share_on_time,
    CASE WHEN i.response_deadline_days IS NOT NULL AND coalesce(f.overdue_decidable, 0) > 0
        THEN coalesce(f.responses_overdue, 0) END AS responses_overdue,
    coalesce(f.overdue_decidable, 0) AS overdue_decidable,
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
    coalesce(f.n_answered_collectively, 0) AS n_answered_collectively,
    coalesce(f.n_pending, 0) AS n_pending,
    coalesce(f.n_response_in_aggregate, 0) AS n_response_in_aggregate,
    coalesce(f.n_response_not_recorded, 0) AS n_response_not_recorded,
    coalesce(f.items_with_status, 0) AS items_with_status,
    coalesce(f.n_not_started, 0) AS n_not_started,
    coalesce(f.n_in_progress, 0) AS n_in_progress,
    coalesce(f.n_partially_implemented, 0) AS n_partially_implemented,
    coalesce(f.n_implemented, 0) AS n_implemented,
    coalesce(f.n_abandoned, 0) AS n_abandoned,
    coalesce(f.n_unknown, 0) AS n_unknown,
    coalesce(f.n_status_in_aggregate, 0) AS n_status_in_aggregate,
    coalesce(f.n_status_not_recorded, 0) AS n_status_not_recorded,
    coalesce(f.items_accepted, 0) AS items_accepted,
    coalesce(f.items_assessors_disagree, 0) AS items_assessors_disagree,
    CASE WHEN b.implementation_basis = 'items'
        THEN uptake_share(f.n_implemented, f.items_with_status)
    END AS item_implementation_rate,
    CASE WHEN b.implementation_basis = 'items'
        THEN uptake_share(f.n_implemented + f.n_partially_implemented, f.items_with_status)
    END AS item_implementation_rate_incl_partial,
    CASE WHEN b.implementation_basis = 'items'
        THEN uptake_share(f.items_accepted_implemented, f.items_accepted_with_status)
    END AS item_implementation_rate_of_accepted,
    coalesce(f.items_accepted_with_status, 0) AS items_accepted_with_status,
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
    greatest(o.report_total, c.declared_count) AS report_denominator,
    CASE
        WHEN c.declared_count > o.report_total THEN c.declared_count - o.report_total
        WHEN c.declared_count IS NOT NULL AND o.report_total IS NOT NULL THEN 0
    END AS report_unaccounted,
    uptake_share(o.report_total, c.declared_count) AS report_coverage,
    uptake_share(o.report_implemented, greatest(o.report_total, c.declared_count))
        AS report_implementation_rate,
    uptake_share(o.report_implemented + o.report_partially_implemented,
                 greatest(o.report_total, c.declared_count))
        AS report_implementation_rate_incl_partial,
    b.implementation_basis,
    CASE b.implementation_basis
        WHEN 'items' THEN uptake_share(f.n_implemented, f.items_with_status)
        WHEN 'outcome_report' THEN uptake_share(o.report_implemented,
                                                greatest(o.report_total, c.declared_count))
    END AS implementation_rate,
    CASE b.implementation_basis
        WHEN 'items'
            THEN uptake_share(f.n_implemented + f.n_partially_implemented, f.items_with_status)
        WHEN 'outcome_report'
            THEN uptake_share(o.report_implemented + o.report_partially_implemented,
                              greatest(o.report_total, c.declared_count))
    END AS implementation_rate_incl_partial,
    CASE b.implementation_basis
        WHEN 'items' THEN coalesce(f.items_with_status, 0)
        WHEN 'outcome_report' THEN greatest(o.report_total, c.declared_count)
    END AS implementation_denominator,
    n.last_update_on,
    uptake_today() - n.last_update_on AS staleness_days,
    uptake_today() - n.last_update_on > 365 AS is_stale
FROM current_cycles AS c
JOIN current_institutions AS i ON i.institution_id = c.institution_id
JOIN cycle_implementation_basis AS b ON b.cycle_id = c.cycle_id
LEFT JOIN cycle_item_figures AS f ON f.cycle_id = c.cycle_id
LEFT JOIN latest_outcome_report AS o ON o.cycle_id = c.cycle_id
LEFT JOIN cycle_collective_response AS cr ON cr.cycle_id = c.cycle_id
LEFT JOIN cycle_last_news AS n ON n.cycle_id = c.cycle_id;

-- One row per current institution: the cycle figures pooled over all its cycles. Shares and
-- medians are computed over the pooled recommendations, never as averages of cycle figures.
--   institution_id, institution_name, city, country, kind, responder, response_deadline_days,
--   final_deadline_days, final_deadline_from, deadline_rule, source_url, is_synthetic
--                                                    as in institutions
--   n_cycles            current cycles
--   cycles_with_declared  cycles whose declared_count is known
--   cycles_with_response  cycles with any answer recorded (item, collective or aggregate)
--   cycles_complete     cycles whose sources are known complete
--   declared_count      sum of the known declared counts
--   items_known         all item recommendations known
--   items_in_declared_cycles  items of the cycles whose declared_count is known
--   coverage            items_in_declared_cycles / declared_count (cycles without a declared
--                       count are left out of both sides)
--   responses_known, response_rate, median_days_to_response, responses_on_time,
--   responses_timeliness_known, share_on_time, responses_overdue, n_<stance>,
--   items_with_status, n_<status>, items_accepted, items_assessors_disagree   as in
--                       cycle_indicators, pooled over every item of the institution
--   items_in_item_basis_cycles  items with a status of their own, in cycles whose
--                       implementation basis is 'items'
--   item_implementation_rate(_incl_partial, _of_accepted)  over those items only
--   report_cycles       cycles whose basis is 'outcome_report'
--   report_<status>, report_total, report_denominator, report_unaccounted  their latest
--                       reports' counts, declared counts and unaccounted counts, summed
--   report_implementation_rate(_incl_partial)  pooled over those reports, of the declared
--   implementation_basis  'items' | 'outcome_report' | 'mixed' (some cycles each) | 'none'
--   last_update_on, staleness_days, is_stale   over all its cycles
CREATE OR REPLACE VIEW institution_indicators AS
WITH items AS (
    SELECT
        s.institution_id,
        count(*) AS items_known,
        count(*) FILTER (WHERE c.declared_count IS NOT NULL) AS items_in_declared_cycles,
        count(*) FILTER (WHERE s.has_response) AS responses_known,
        count(s.has_response) AS responses_decidable,
        count(*) FILTER (WHERE s.has_response AND s.response_basis = 'item') AS responses_item,
        count(*) FILTER (WHERE s.has_response AND s.response_basis = 'collective')
            AS responses_collective,
        count(*) FILTER (WHERE s.response_basis = 'aggregate') AS responses_in_aggregate,
        count(*) FILTER (WHERE s.response_basis = 'not_recorded') AS responses_not_recorded,
        median(s.days_to_response) AS median_days_to_response,
        count(s.days_to_response) AS n_days_to_response,
        count(*) FILTER (WHERE s.answered_on_time) AS responses_on_time,
        count(s.answered_on_time) AS responses_timeliness_known,
        count(*) FILTER (WHERE s.is_overdue) AS responses_overdue,
        count(*) FILTER (
            WHERE s.follow_up_complete AND s.response_due_latest_on IS NOT NULL
            AND s.is_overdue IS NOT NULL
        ) AS overdue_decidable,
        count(*) FILTER (WHERE s.response_state = 'accepted') AS n_accepted,
        count(*) FILTER (WHERE s.response_state = 'partially_accepted') AS n_partially_accepted,
        count(*) FILTER (WHERE s.response_state = 'noted') AS n_noted,
        count(*) FILTER (WHERE s.response_state = 'rejected') AS n_rejected,
        count(*) FILTER (WHERE s.response_state = 'answered_collectively')
            AS n_answered_collectively,
        count(*) FILTER (WHERE s.response_state = 'pending') AS n_pending,
        count(*) FILTER (WHERE s.response_state = 'in_aggregate') AS n_response_in_aggregate,
        count(*) FILTER (WHERE s.response_state = 'not_recorded') AS n_response_not_recorded,
        count(*) FILTER (WHERE s.n_events > 0) AS items_with_status,
        count(*) FILTER (WHERE s.status = 'not_started') AS n_not_started,
        count(*) FILTER (WHERE s.status = 'in_progress') AS n_in_progress,
        count(*) FILTER (WHERE s.status = 'partially_implemented') AS n_partially_implemented,
        count(*) FILTER (WHERE s.status = 'implemented') AS n_implemented,
        count(*) FILTER (WHERE s.status = 'abandoned') AS n_abandoned,
        count(*) FILTER (WHERE s.status = 'unknown') AS n_unknown,
        count(*) FILTER (WHERE s.implementation_state = 'in_aggregate') AS n_status_in_aggregate,
        count(*) FILTER (WHERE s.implementation_state = 'not_recorded') AS n_status_not_recorded,
        count(*) FILTER (WHERE s.stance IN ('accepted', 'partially_accepted')) AS items_accepted,
        count(*) FILTER (WHERE s.assessors_disagree) AS items_assessors_disagree,
        count(*) FILTER (WHERE b.implementation_basis = 'items' AND s.n_events > 0)
            AS items_in_item_basis_cycles,
        count(*) FILTER (WHERE b.implementation_basis = 'items' AND s.status = 'implemented')
            AS basis_implemented,
        count(*) FILTER (
            WHERE b.implementation_basis = 'items'
            AND s.status IN ('implemented', 'partially_implemented')
        ) AS basis_implemented_incl_partial,
        count(*) FILTER (
            WHERE b.implementation_basis = 'items' AND s.n_events > 0
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
        count(*) FILTER (WHERE round_response_basis <> 'not_recorded') AS cycles_with_response,
        count(*) FILTER (WHERE follow_up_complete) AS cycles_complete,
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
        coalesce(sum(report_denominator)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0) AS report_denominator,
        coalesce(sum(report_unaccounted)
            FILTER (WHERE implementation_basis = 'outcome_report'), 0) AS report_unaccounted,
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
    coalesce(c.cycles_with_response, 0) AS cycles_with_response,
    coalesce(c.cycles_complete, 0) AS cycles_complete,
    c.declared_count,
    coalesce(t.items_known, 0) AS items_known,
    coalesce(t.items_in_declared_cycles, 0) AS items_in_declared_cycles,
    uptake_share(coalesce(t.items_in_declared_cycles, 0), c.declared_count) AS coverage,
    coalesce(t.responses_known, 0) AS responses_known,
    coalesce(t.responses_item, 0) AS responses_item,
    coalesce(t.responses_collective, 0) AS responses_collective,
    coalesce(t.responses_in_aggregate, 0) AS responses_in_aggregate,
    coalesce(t.responses_not_recorded, 0) AS responses_not_recorded,
    coalesce(t.responses_decidable, 0) AS responses_decidable,
    uptake_share(t.responses_known, t.responses_decidable) AS response_rate,
    t.median_days_to_response,
    coalesce(t.n_days_to_response, 0) AS n_days_to_response,
    coalesce(t.responses_on_time, 0) AS responses_on_time,
    coalesce(t.responses_timeliness_known, 0) AS responses_timeliness_known,
    uptake_share(t.responses_on_time, t.responses_timeliness_known) AS share_on_time,
    CASE WHEN i.response_deadline_days IS NOT NULL AND coalesce(t.overdue_decidable, 0) > 0
        THEN coalesce(t.responses_overdue, 0) END AS responses_overdue,
    coalesce(t.overdue_decidable, 0) AS overdue_decidable,
    coalesce(t.n_accepted, 0) AS n_accepted,
    coalesce(t.n_partially_accepted, 0) AS n_partially_accepted,
    coalesce(t.n_noted, 0) AS n_noted,
    coalesce(t.n_rejected, 0) AS n_rejected,
    coalesce(t.n_answered_collectively, 0) AS n_answered_collectively,
    coalesce(t.n_pending, 0) AS n_pending,
    coalesce(t.n_response_in_aggregate, 0) AS n_response_in_aggregate,
    coalesce(t.n_response_not_recorded, 0) AS n_response_not_recorded,
    coalesce(t.items_with_status, 0) AS items_with_status,
    coalesce(t.n_not_started, 0) AS n_not_started,
    coalesce(t.n_in_progress, 0) AS n_in_progress,
    coalesce(t.n_partially_implemented, 0) AS n_partially_implemented,
    coalesce(t.n_implemented, 0) AS n_implemented,
    coalesce(t.n_abandoned, 0) AS n_abandoned,
    coalesce(t.n_unknown, 0) AS n_unknown,
    coalesce(t.n_status_in_aggregate, 0) AS n_status_in_aggregate,
    coalesce(t.n_status_not_recorded, 0) AS n_status_not_recorded,
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
    coalesce(c.report_denominator, 0) AS report_denominator,
    coalesce(c.report_unaccounted, 0) AS report_unaccounted,
    uptake_share(c.report_implemented, c.report_denominator) AS report_implementation_rate,
    uptake_share(c.report_implemented + c.report_partially_implemented, c.report_denominator)
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
--                  whose items carry no status, plus the declared recommendations the report
--                  does not account for as 'not_recorded'.
--   status follows the implementation_state scale ('not_recorded': no update of its own).
--   Zero counts are left out. status_order follows the implementation scale.
CREATE OR REPLACE VIEW implementation_mix AS
WITH mix AS (
    SELECT
        s.institution_id, s.cycle_id, 'items' AS basis, s.implementation_state AS status,
        count(*) AS count
    FROM recommendation_status AS s
    JOIN cycle_implementation_basis AS b ON b.cycle_id = s.cycle_id
    WHERE s.granularity = 'item' AND b.implementation_basis = 'items'
    GROUP BY ALL
    UNION ALL
    SELECT b.institution_id, o.cycle_id, 'outcome_report', o.status, o.count
    FROM latest_outcome_report_counts AS o
    JOIN cycle_implementation_basis AS b ON b.cycle_id = o.cycle_id
    WHERE b.implementation_basis = 'outcome_report' AND o.count > 0
    UNION ALL
    SELECT c.institution_id, c.cycle_id, 'outcome_report', 'not_recorded', c.report_unaccounted
    FROM cycle_indicators AS c
    WHERE c.implementation_basis = 'outcome_report' AND c.report_unaccounted > 0
)
SELECT m.institution_id, m.cycle_id, m.basis, m.status, sc.value_order AS status_order, m.count
FROM mix AS m
LEFT JOIN scale_values AS sc ON sc.vocabulary = 'implementation_state' AND sc.value = m.status;

-- Long: how many item recommendations stand in each response state, per cycle (a stance,
-- 'answered_collectively', 'pending', 'in_aggregate' or 'not_recorded'). Zero counts are left
-- out. state_order follows the response_state scale.
CREATE OR REPLACE VIEW stance_mix AS
SELECT s.institution_id, s.cycle_id, s.response_state, sc.value_order AS state_order,
    count(*) AS count
FROM recommendation_status AS s
LEFT JOIN scale_values AS sc ON sc.vocabulary = 'response_state' AND sc.value = s.response_state
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

-- The final deadline of each cycle under its institution's final_deadline_days rule, and the
-- verdict. The clock starts at the handover unless the rule names another step
-- (final_deadline_from, a milestone kind such as committee_opinion); the first dated
-- milestone of kind final_report or final_response counts as received.
--   final_timeliness   timeliness scale: on_time | late | answered (undecidable) | overdue |
--                      awaiting (both only when the cycle's sources are known complete) |
--                      not_recorded (nothing received, sources not known complete, or no
--                      rule) | no_date (a rule, but no date to count from)
CREATE OR REPLACE VIEW cycle_final_deadline AS
WITH received AS (
    SELECT cycle_id,
           min(occurred_on) AS received_on,
           arg_min(coalesce(occurred_on_precision, 'day'), occurred_on) AS received_on_precision,
           arg_min(kind, occurred_on) AS received_kind
    FROM current_milestones
    WHERE kind IN ('final_report', 'final_response') AND occurred_on <= uptake_today()
    GROUP BY cycle_id
),
steps AS (
    SELECT cycle_id, kind,
           min(occurred_on) AS step_on,
           arg_min(coalesce(occurred_on_precision, 'day'), occurred_on) AS step_precision
    FROM current_milestones
    WHERE occurred_on IS NOT NULL
    GROUP BY cycle_id, kind
),
clock AS (
    SELECT c.*, i.final_deadline_days,
           coalesce(i.final_deadline_from, 'handover') AS final_deadline_from,
           CASE WHEN coalesce(i.final_deadline_from, 'handover') = 'handover'
               THEN c.handed_over_on ELSE s.step_on END AS clock_on,
           CASE WHEN coalesce(i.final_deadline_from, 'handover') = 'handover'
               THEN c.handed_over_on_precision ELSE s.step_precision END AS clock_precision
    FROM current_cycles AS c
    JOIN current_institutions AS i USING (institution_id)
    LEFT JOIN steps AS s ON s.cycle_id = c.cycle_id AND s.kind = i.final_deadline_from
),
due AS (
    SELECT c.cycle_id, c.institution_id, c.title AS cycle, c.started_on, c.number,
           coalesce(c.follow_up_complete, FALSE) AS follow_up_complete,
           c.final_deadline_days, c.final_deadline_from,
           c.clock_on + c.final_deadline_days AS final_due_on,
           CASE WHEN c.final_deadline_days IS NOT NULL AND c.clock_on IS NOT NULL
               THEN coalesce(c.clock_precision, 'day')
           END AS final_due_on_precision,
           uptake_period_end(c.clock_on, c.clock_precision)
               + c.final_deadline_days AS final_due_latest_on,
           r.received_on, r.received_on_precision, r.received_kind
    FROM clock AS c
    LEFT JOIN received AS r USING (cycle_id)
)
SELECT cycle_id, institution_id, cycle, started_on, number, follow_up_complete,
       final_deadline_days, final_deadline_from,
       final_due_on, final_due_on_precision,
       final_due_latest_on, received_on, received_on_precision, received_kind,
       CASE
           WHEN final_deadline_days IS NULL AND received_on IS NOT NULL THEN 'answered'
           WHEN final_deadline_days IS NULL THEN 'not_recorded'
           WHEN final_due_on IS NULL THEN 'no_date'
           WHEN uptake_period_end(received_on, received_on_precision) <= final_due_on
               THEN 'on_time'
           WHEN received_on > final_due_latest_on THEN 'late'
           WHEN received_on IS NOT NULL THEN 'answered'
           WHEN NOT follow_up_complete THEN 'not_recorded'
           WHEN final_due_latest_on < uptake_today() THEN 'overdue'
           ELSE 'awaiting'
       END AS final_timeliness
FROM due;

-- What the snapshot is: whether it holds synthetic rows, when it was built, its reference day.
CREATE OR REPLACE VIEW snapshot_info AS
SELECT
    coalesce((SELECT bool_or(is_synthetic) FROM ingest_runs), FALSE)
        OR EXISTS (SELECT 1 FROM recommendations WHERE is_synthetic)
        OR EXISTS (SELECT 1 FROM cycles WHERE is_synthetic)
        OR EXISTS (SELECT 1 FROM institutions WHERE is_synthetic)
        OR EXISTS (SELECT 1 FROM sources WHERE kind = 'synthetic') AS is_synthetic,
    (SELECT max(finished_at) FROM ingest_runs WHERE status <> 'failed') AS built_at,
    uptake_today() AS as_of;

-- Per source: when it was last read successfully, and how recent the facts it holds are. The
-- two differ: a register read yesterday may hold nothing newer than 2022.
--   latest_fact_on     latest dated fact (milestone, response, status event, report) up to
--                      today among its current rows
--   days_since_fact    uptake_today() - latest_fact_on
CREATE OR REPLACE VIEW source_freshness AS
WITH facts AS (
    SELECT source_id, occurred_on AS fact_on FROM current_milestones
    UNION ALL SELECT source_id, responded_on FROM current_responses
    UNION ALL SELECT source_id, responded_on FROM current_collective_responses
    UNION ALL SELECT source_id, occurred_on FROM current_status_events
    UNION ALL SELECT source_id, reported_on FROM current_outcome_reports
),
latest AS (
    SELECT source_id, max(fact_on) AS latest_fact_on
    FROM facts
    WHERE fact_on <= uptake_today()
    GROUP BY source_id
)
SELECT
    s.source_id, s.kind, s.title, s.location, s.licence, s.attribution, s.last_status,
    s.last_success_at,
    uptake_today() - CAST(s.last_success_at AS DATE) AS days_since_success,
    l.latest_fact_on,
    uptake_today() - l.latest_fact_on AS days_since_fact
FROM sources AS s
LEFT JOIN latest AS l USING (source_id);

-- Every ingest run with its per-source counts summed.
CREATE OR REPLACE VIEW ingest_run_summary AS
SELECT r.run_id, r.command, r.started_at, r.finished_at, r.status, r.tool_version,
       r.is_synthetic,
       CAST(coalesce(sum(sr.rows_read), 0) AS BIGINT) AS rows_read,
       CAST(coalesce(sum(sr.rows_new), 0) AS BIGINT) AS rows_new,
       CAST(coalesce(sum(sr.rows_changed), 0) AS BIGINT) AS rows_changed,
       CAST(coalesce(sum(sr.rows_withdrawn), 0) AS BIGINT) AS rows_withdrawn,
       CAST(coalesce(sum(sr.rows_rejected), 0) AS BIGINT) AS rows_rejected,
       count(*) FILTER (WHERE sr.status = 'failed') AS sources_failed
FROM ingest_runs AS r
LEFT JOIN source_runs AS sr USING (run_id)
GROUP BY ALL;

CREATE OR REPLACE VIEW source_run_history AS
SELECT run_id, source_id, status, rows_read, rows_new, rows_changed, rows_unchanged,
       rows_withdrawn, rows_rejected, error
FROM source_runs;

-- Rejected rows of the latest run: earlier runs' rejects were either fixed or repeat.
CREATE OR REPLACE VIEW latest_rejects AS
SELECT source_id, file, "row", "column", value, reason, raw, run_id
FROM rejects
WHERE run_id = (SELECT max(run_id) FROM ingest_runs);

-- Every answer that concerns a recommendation: its own responses and the collective responses
-- that cover it (or, for 'aggregate', may cover it), each with its evidence basis.
CREATE OR REPLACE VIEW recommendation_responses AS
SELECT recommendation_id, 'item' AS basis, response_kind, NULL AS title, responded_on,
       responded_on_precision, responder, stance, stance_label, body, source_url, locator, note,
       NULL::INTEGER AS covered_count, NULL::INTEGER AS declared_count
FROM current_responses
UNION ALL
SELECT recommendation_id,
       CASE WHEN scope = 'aggregate' THEN 'aggregate' ELSE 'collective' END,
       response_kind, title, responded_on, responded_on_precision, responder, stance,
       stance_label, body, source_url, locator, note,
       CASE WHEN scope = 'aggregate' THEN covered_count END,
       CASE WHEN scope = 'aggregate' THEN declared_count END
FROM recommendation_collective_responses;

-- Everything dated that happened to one recommendation, oldest first, with its source.
-- Superseded and withdrawn rows stay in: the history is the point, and `state` says which rows
-- are no longer current.
CREATE OR REPLACE VIEW recommendation_timeline AS
SELECT r.recommendation_id, r.adopted_on AS on_date, r.adopted_on_precision AS precision,
       'adopted' AS kind, NULL AS value, NULL AS label, NULL AS assessor,
       NULL AS progress, NULL AS note, r.source_url, 'current' AS state
FROM recommendations AS r
WHERE r.adopted_on IS NOT NULL
UNION ALL
SELECT p.recommendation_id, p.responded_on, p.responded_on_precision, 'response', p.stance,
       p.stance_label, 'administration', NULL, p.note, p.source_url,
       CASE WHEN p.withdrawn_run_id IS NULL THEN 'current' ELSE 'withdrawn' END
FROM responses AS p
UNION ALL
SELECT c.recommendation_id, c.responded_on, c.responded_on_precision,
       CASE WHEN c.scope = 'aggregate' THEN 'aggregate_response' ELSE 'collective_response' END,
       CASE WHEN c.scope = 'aggregate' THEN 'in_aggregate'
            ELSE coalesce(c.stance, 'answered_collectively') END,
       c.title, 'administration', NULL, c.note,
       c.source_url, 'current'
FROM recommendation_collective_responses AS c
UNION ALL
SELECT e.recommendation_id, e.occurred_on, e.occurred_on_precision, 'status', e.status,
       e.status_label, e.assessor, e.progress, e.note, e.source_url,
       CASE WHEN e.withdrawn_run_id IS NOT NULL THEN 'withdrawn'
            WHEN e.superseded_by IS NOT NULL THEN 'superseded'
            ELSE 'current' END
FROM status_events AS e
UNION ALL
SELECT g.recommendation_id, g.assessed_on, g.assessed_on_precision, 'congruence', g.level,
       g.level, g.assessor, NULL, g.note, g.source_url,
       CASE WHEN g.withdrawn_run_id IS NULL THEN 'current' ELSE 'withdrawn' END
FROM congruence AS g;

-- How much dated activity each cycle has (milestones, events, answers): the most telling
-- timeline to open first is the busiest.
CREATE OR REPLACE VIEW cycle_activity AS
WITH dated AS (
    SELECT cycle_id FROM current_milestones WHERE occurred_on IS NOT NULL
    UNION ALL
    SELECT r.cycle_id FROM current_status_events AS e
    JOIN current_recommendations AS r USING (recommendation_id)
    WHERE e.occurred_on IS NOT NULL
    UNION ALL
    SELECT r.cycle_id FROM current_responses AS p
    JOIN current_recommendations AS r USING (recommendation_id)
    WHERE p.responded_on IS NOT NULL
    UNION ALL
    SELECT cycle_id FROM current_collective_responses WHERE responded_on IS NOT NULL
)
SELECT cycle_id, count(*) AS n_dated FROM dated GROUP BY cycle_id;

-- A cycle's current status events counted per day and status; a day with one event keeps its
-- recommendation's number, title and source, so small cycles read as before.
CREATE OR REPLACE VIEW cycle_status_event_days AS
SELECT r.cycle_id, e.occurred_on, e.status, count(*) AS n,
       min(r.number) AS number, min(r.title) AS title, min(e.source_url) AS source_url
FROM current_status_events AS e
JOIN current_recommendations AS r USING (recommendation_id)
WHERE e.occurred_on IS NOT NULL
GROUP BY r.cycle_id, e.occurred_on, e.status;

-- A cycle's item responses counted per day and stance, and its collective responses (n = the
-- items they answer, NULL for an aggregate one whose items are unknown).
CREATE OR REPLACE VIEW cycle_response_days AS
SELECT r.cycle_id, p.responded_on, p.stance AS state, count(*) AS n,
       min(r.number) AS number, min(r.title) AS title, min(p.source_url) AS source_url
FROM current_responses AS p
JOIN current_recommendations AS r USING (recommendation_id)
WHERE p.responded_on IS NOT NULL
GROUP BY r.cycle_id, p.responded_on, p.stance
UNION ALL
SELECT cycle_id, responded_on,
       CASE WHEN scope = 'aggregate' THEN 'in_aggregate'
            ELSE coalesce(stance, 'answered_collectively') END,
       CASE scope WHEN 'listed' THEN len(recommendation_ids)
                  WHEN 'round' THEN declared_count
                  ELSE covered_count END,
       NULL, title, source_url
FROM collective_response_scope
WHERE responded_on IS NOT NULL;

-- The headline figures of a scope (a list of institution ids; an empty list is every
-- institution), pooled over its recommendations and reports: counts are summed and shares
-- recomputed from the sums, never averaged. Each share comes with its numerator and
-- denominator; a share whose denominator is 0 is NULL (n/a), and so is the overdue count when
-- no institution in scope has a deadline rule and sources known complete.
CREATE OR REPLACE MACRO scope_indicators(institution_ids) AS TABLE
WITH chosen AS (
    SELECT * FROM institution_indicators
    WHERE len(institution_ids) = 0 OR list_contains(institution_ids, institution_id)
),
pooled AS (
    SELECT
        count(*) AS n_institutions,
        coalesce(sum(n_cycles), 0) AS n_cycles,
        coalesce(sum(cycles_with_declared), 0) AS cycles_with_declared,
        coalesce(sum(cycles_with_response), 0) AS cycles_with_response,
        sum(declared_count) AS declared_count,
        coalesce(sum(items_known), 0) AS items_known,
        coalesce(sum(items_in_declared_cycles), 0) AS items_in_declared_cycles,
        coalesce(sum(responses_known), 0) AS responses_known,
        coalesce(sum(responses_decidable), 0) AS responses_decidable,
        coalesce(sum(responses_item), 0) AS responses_item,
        coalesce(sum(responses_collective), 0) AS responses_collective,
        coalesce(sum(responses_in_aggregate), 0) AS responses_in_aggregate,
        coalesce(sum(responses_not_recorded), 0) AS responses_not_recorded,
        coalesce(sum(responses_on_time), 0) AS responses_on_time,
        coalesce(sum(responses_timeliness_known), 0) AS responses_timeliness_known,
        sum(responses_overdue) AS responses_overdue,
        coalesce(sum(overdue_decidable), 0) AS overdue_decidable,
        coalesce(sum(items_in_item_basis_cycles), 0) AS items_in_item_basis_cycles,
        coalesce(sum(report_implemented), 0) AS report_implemented,
        coalesce(sum(report_denominator), 0) AS report_denominator,
        coalesce(sum(report_unaccounted), 0) AS report_unaccounted
    FROM chosen
),
medians AS (
    SELECT median(days_to_response) AS median_days_to_response,
           count(days_to_response) AS n_days_to_response
    FROM recommendation_status
    WHERE granularity = 'item'
      AND (len(institution_ids) = 0 OR list_contains(institution_ids, institution_id))
)
SELECT
    p.*,
    uptake_share(p.items_in_declared_cycles, p.declared_count) AS coverage,
    uptake_share(p.responses_known, p.responses_decidable) AS response_rate,
    uptake_share(p.responses_on_time, p.responses_timeliness_known) AS share_on_time,
    m.median_days_to_response,
    m.n_days_to_response
FROM pooled AS p, medians AS m;

-- =============================================================================================
-- Briefings, meeting lists, change lists and exports (issue 11). Views below read the views
-- above only; they add no figure of their own.
-- =============================================================================================

-- Every dated record of a scope, dated by the event it records (never by the build that
-- loaded it), up to today: the "what changed" list of briefings and of the changes page.
--   institution_id, cycle_id, cycle_title   where it belongs
--   recommendation_id, number, title        the recommendation it concerns; NULL for a
--                       cycle's milestone or outcome report
--   on_date, on_date_precision   the day (or month, year) the event happened
--   kind                'response' | 'collective_response' | 'aggregate_response' | 'status' |
--                       'congruence' (from recommendation_timeline), 'milestone' or
--                       'outcome_report'
--   value               the canonical value: the stance, response state, status, congruence
--                       level, milestone kind, or a report's status
--   label               the source's own words (a milestone's label, a report's status label)
--   assessor            who assessed it (status, congruence, outcome report)
--   count               for an outcome report: how many recommendations it puts at `value`
--   state               'current', 'superseded' (a newer status row replaced it) or
--                       'withdrawn' (no longer listed by its source)
--   source_url          where the record is published
CREATE OR REPLACE VIEW scope_dated_events AS
SELECT s.institution_id, s.cycle_id, s.cycle_title, t.recommendation_id, s.number, s.title,
       t.on_date, t.precision AS on_date_precision, t.kind, t.value, t.label, t.assessor,
       NULL::BIGINT AS count, t.state, t.source_url
FROM recommendation_timeline AS t
JOIN recommendation_status AS s USING (recommendation_id)
WHERE t.kind <> 'adopted' AND t.on_date IS NOT NULL AND t.on_date <= uptake_today()
UNION ALL
SELECT c.institution_id, m.cycle_id, c.title, NULL, NULL, NULL, m.occurred_on,
       m.occurred_on_precision, 'milestone', m.kind, m.label, NULL, NULL, 'current',
       m.source_url
FROM current_milestones AS m
JOIN current_cycles AS c USING (cycle_id)
WHERE m.occurred_on IS NOT NULL AND m.occurred_on <= uptake_today()
UNION ALL
SELECT c.institution_id, o.cycle_id, c.title, NULL, NULL, NULL, o.reported_on,
       o.reported_on_precision, 'outcome_report', o.status, o.status_label, o.assessor,
       CAST(o.count AS BIGINT), 'current', o.source_url
FROM current_outcome_reports AS o
JOIN current_cycles AS c USING (cycle_id)
WHERE o.reported_on IS NOT NULL AND o.reported_on <= uptake_today();

-- The dated events of scope_dated_events with what each replaced: for a response or a status
-- update, the value the previous record of the same kind held for the same recommendation (and,
-- for a status, the same assessor), by event date. The "what changed" page and briefings list
-- these.
--   (all columns of scope_dated_events)
--   before_value        the previous value; NULL for the first such record (nothing before
--                       it, never "no" or "0") and for milestones, collective responses and
--                       reports, which replace nothing
--   before_on           the date of that previous record
CREATE OR REPLACE VIEW scope_changes AS
SELECT e.*,
       CASE WHEN e.kind IN ('response', 'status') THEN lag(e.value) OVER w END AS before_value,
       CASE WHEN e.kind IN ('response', 'status') THEN lag(e.on_date) OVER w END AS before_on
FROM scope_dated_events AS e
WINDOW w AS (
    PARTITION BY e.recommendation_id, e.kind, coalesce(e.assessor, '')
    ORDER BY e.on_date, e.state, e.value
);

-- Recommendation search: BM25 over the index built when the snapshot was sealed
-- (ingest/search_index.py), with the field weights and parameters stored beside it.
--   query_terms         one list per query word: the forms that word may take in the index
--                       (as typed and stemmed in every language, folded; search_text.py)
-- A form matches a term equal to it, or, when it is at least min_prefix_length long, a term
-- starting with it (counted prefix_factor of an exact match). For each query word and
-- recommendation the best-matching term counts once:
--   score = Σ_words max_terms factor · idf(term) · Σ_fields weight · tf·(k1+1)
--                                      / (tf + k1·(1 − b + b·field_length/avg_length))
--   idf(term) = ln(1 + (n_documents − df + 0.5) / (df + 0.5))
-- search_term_matches: one row per document, query word, its best term and each field it
-- was found in, with that field's share of the score.
CREATE OR REPLACE MACRO search_term_matches(query_terms) AS TABLE
WITH candidates AS (
    SELECT DISTINCT i AS word_no, unnest(query_terms[i]) AS candidate
    FROM range(1, len(query_terms) + 1) AS q(i)
),
exact AS (
    SELECT c.word_no, t.term_id, t.df, 1.0 AS factor
    FROM candidates AS c JOIN search_terms AS t ON t.term = c.candidate
),
prefixed AS (
    SELECT c.word_no, t.term_id, t.df, s.prefix_factor AS factor
    FROM candidates AS c
    CROSS JOIN search_settings AS s
    JOIN search_terms AS t
      ON t.term > c.candidate AND t.term < c.candidate || chr(1114111)
    WHERE length(c.candidate) >= s.min_prefix_length AND starts_with(t.term, c.candidate)
),
matched_terms AS (
    SELECT word_no, term_id, any_value(df) AS df, max(factor) AS factor
    FROM (SELECT * FROM exact UNION ALL SELECT * FROM prefixed)
    GROUP BY word_no, term_id
),
postings AS (
    -- A field written in several languages (summaries) has one row per text: summed here.
    SELECT p.term_id, p.doc_no, p.field_no, sum(p.tf) AS tf,
           any_value(p.field_length) AS field_length, min(p.word) AS word
    FROM (SELECT DISTINCT term_id FROM matched_terms) AS m
    JOIN search_postings AS p ON p.term_id = m.term_id
    GROUP BY p.term_id, p.doc_no, p.field_no
),
scored AS (
    SELECT p.doc_no, m.word_no, m.term_id, p.field_no, p.word,
           m.factor * ln(1 + (st.n_documents - m.df + 0.5) / (m.df + 0.5)) * f.weight
           * p.tf * (s.k1 + 1)
           / (p.tf + s.k1 * (1 - s.b + s.b * p.field_length / st.avg_length)) AS contribution
    FROM matched_terms AS m
    JOIN postings AS p ON p.term_id = m.term_id
    JOIN search_fields AS f ON f.field_no = p.field_no
    JOIN search_field_stats AS st ON st.field_no = p.field_no
    CROSS JOIN search_settings AS s
),
best_term AS (
    SELECT doc_no, word_no, term_id
    FROM scored
    GROUP BY doc_no, word_no, term_id
    QUALIFY row_number() OVER (
        PARTITION BY doc_no, word_no ORDER BY sum(contribution) DESC, term_id
    ) = 1
)
SELECT s.doc_no, s.word_no, s.term_id, s.field_no, s.word, s.contribution
FROM scored AS s
JOIN best_term AS b USING (doc_no, word_no, term_id);

-- The recommendations a query finds, with their BM25 score (higher is better) and how many
-- of the query's words each matched: what ranking and counting need.
CREATE OR REPLACE MACRO search_scores(query_terms) AS TABLE
SELECT d.recommendation_id, m.score, m.words_matched
FROM (
    SELECT doc_no, sum(contribution) AS score, count(DISTINCT word_no) AS words_matched
    FROM search_term_matches(query_terms) GROUP BY doc_no
) AS m
JOIN search_documents AS d USING (doc_no);

-- search_scores with why each recommendation matched:
--   matched_field       the field that contributed most
--   matched_words       the words of that field that matched, as written there
--   matches             every matching field with its words, best first
-- Given `explain_ids` (a list of recommendation ids), only those are explained: a page of results
-- needs no explanation of the thousands it does not show.
CREATE OR REPLACE MACRO search_recommendations(query_terms, explain_ids := NULL) AS TABLE
WITH field_matches AS (
    SELECT m.doc_no, m.field_no, any_value(f.field) AS field,
           sum(m.contribution) AS contribution, list(DISTINCT m.word_no) AS word_nos,
           list_sort(list(DISTINCT m.word)) AS words
    FROM search_term_matches(query_terms) AS m
    JOIN search_fields AS f ON f.field_no = m.field_no
    WHERE explain_ids IS NULL
       OR m.doc_no IN (SELECT doc_no FROM search_documents
                       WHERE list_contains(CAST(explain_ids AS VARCHAR[]), recommendation_id))
    GROUP BY m.doc_no, m.field_no
),
per_document AS (
    SELECT doc_no, sum(contribution) AS score,
           len(list_distinct(flatten(list(word_nos)))) AS words_matched,
           arg_max(field, [contribution, -field_no]) AS matched_field,
           arg_max(words, [contribution, -field_no]) AS matched_words,
           list(struct_pack(field := field, words := words)
                ORDER BY contribution DESC, field_no) AS matches
    FROM field_matches GROUP BY doc_no
)
SELECT d.recommendation_id, p.score, p.words_matched, p.matched_field, p.matched_words,
       p.matches
FROM per_document AS p
JOIN search_documents AS d USING (doc_no);
