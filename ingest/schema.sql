-- Uptake canonical schema: the one definition of every table a snapshot holds.
-- ingest/ is the only writer; dashboard/ opens snapshots read-only.
--
-- Conventions
--   * Every canonical table has one text key column (`<table>_id`), stable across builds.
--   * Partial dates (a month, a year) are stored as the first day with a `*_precision`
--     column ('day' | 'month' | 'year'), so day-based indicators can exclude them.
--   * Provenance on every canonical row: source_id, source_ref (file:row or URL),
--     first_run_id (run that first saw it), changed_run_id (run that last changed it),
--     withdrawn_run_id (run in which it disappeared from its source; NULL while present).
--     Re-running a build on the same inputs therefore leaves every canonical row untouched.
--   * is_synthetic marks generated demo/benchmark rows; real data always has FALSE.
--   * The key column of a canonical table is unique. A build checks it once, after every
--     source is merged (ingest/load.py, check_unique_keys), rather than keeping a primary-key
--     index up to date row by row: the same guarantee, without an index over a million rows.

CREATE TABLE institutions (
    institution_id          VARCHAR NOT NULL   ,
    name                    VARCHAR NOT NULL,
    city                    VARCHAR,
    country                 VARCHAR NOT NULL,          -- ISO 3166-1 alpha-2
    kind                    VARCHAR NOT NULL,          -- vocabulary institution_kinds
    languages               VARCHAR[] NOT NULL,        -- ISO 639-1 codes
    responder               VARCHAR,                   -- who must answer the recommendations
    response_deadline_days  INTEGER,                   -- body's own rule for the (first) answer
    final_deadline_days     INTEGER,                   -- body's rule for the final report, if any
    final_deadline_from     VARCHAR,                   -- milestone kind the final clock starts at; NULL = handover
    deadline_rule           VARCHAR,                   -- the rule in words, as the source states it
    source_url              VARCHAR NOT NULL,
    locator                 VARCHAR,                   -- where on the source page the fact stands
    note                    VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

CREATE TABLE cycles (
    cycle_id                VARCHAR NOT NULL   ,
    institution_id          VARCHAR NOT NULL,
    number                  INTEGER,
    title                   VARCHAR NOT NULL,
    topic                   VARCHAR,
    language                VARCHAR,
    started_on              DATE,
    started_on_precision    VARCHAR,
    ended_on                DATE,
    ended_on_precision      VARCHAR,
    handed_over_on          DATE,
    handed_over_on_precision VARCHAR,
    members                 INTEGER,
    declared_count          INTEGER,                   -- recommendations the sources say were adopted
    follow_up_complete      BOOLEAN,                   -- the listed sources are known to hold every answer and update
    checked_on              DATE,                      -- day the sources were last checked
    checked_on_precision    VARCHAR,
    source_url              VARCHAR NOT NULL,
    locator                 VARCHAR,                   -- where on the source page the fact stands
    note                    VARCHAR,                   -- conflicting figures and their sources
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

-- Dated steps of a cycle: sessions, handover, committee opinions, government answers,
-- follow-up meetings, final reports. What the timeline page draws.
CREATE TABLE milestones (
    milestone_id            VARCHAR NOT NULL   ,       -- cycle_id/occurred_on/kind
    cycle_id                VARCHAR NOT NULL,
    occurred_on             DATE,
    occurred_on_precision   VARCHAR,
    kind                    VARCHAR NOT NULL,          -- vocabulary milestone_kinds
    label                   VARCHAR,                   -- as the source says it
    source_url              VARCHAR NOT NULL,
    locator                 VARCHAR,                   -- where on the source page the fact stands
    note                    VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

CREATE TABLE recommendations (
    recommendation_id       VARCHAR NOT NULL   ,
    cycle_id                VARCHAR NOT NULL,
    number                  VARCHAR,                   -- as numbered in its cycle ("12", "3.2")
    title                   VARCHAR NOT NULL,
    body                    VARCHAR,                   -- full text, or a summary (body_kind)
    body_kind               VARCHAR NOT NULL DEFAULT 'full_text', -- full_text | summary
    body_language           VARCHAR,                   -- when the body's language differs from the title's
    language                VARCHAR,
    theme                   VARCHAR,
    addressee               VARCHAR,
    adopted_on              DATE,
    adopted_on_precision    VARCHAR,
    support                 DOUBLE,                    -- vote share 0..1 where known
    granularity             VARCHAR NOT NULL DEFAULT 'item', -- item | chapter (a block of items)
    source_url              VARCHAR NOT NULL,
    locator                 VARCHAR,                   -- where on the source page the fact stands
    note                    VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

-- A formal answer to a whole round, or to a listed part of it, given in one document (a
-- government's report, a committee's opinion). Most real answers come this way: they answer
-- every recommendation they cover without a stance per item. Without recommendation_ids and
-- with covered_count below the round's declared count, which items it answers is unknown.
CREATE TABLE collective_responses (
    collective_response_id  VARCHAR NOT NULL   ,       -- cycle_id/responded_on/response_kind
    cycle_id                VARCHAR NOT NULL,
    responded_on            DATE,
    responded_on_precision  VARCHAR,
    response_kind           VARCHAR NOT NULL,          -- interim | final
    title                   VARCHAR NOT NULL,          -- the document as the source names it
    responder               VARCHAR,
    recommendation_ids      VARCHAR[],                 -- the items it answers; NULL = the round
    covered_count           INTEGER,                   -- how many it says it answers
    stance                  VARCHAR,                   -- one stance for all it covers, when given
    stance_label            VARCHAR,
    body                    VARCHAR,
    source_url              VARCHAR NOT NULL,
    locator                 VARCHAR,
    note                    VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

CREATE TABLE responses (
    response_id             VARCHAR NOT NULL   ,       -- recommendation_id/response_kind
    recommendation_id       VARCHAR NOT NULL,
    response_kind           VARCHAR NOT NULL,          -- interim | final
    responded_on            DATE,
    responded_on_precision  VARCHAR,
    responder               VARCHAR,
    stance                  VARCHAR NOT NULL,          -- canonical stance scale
    stance_label            VARCHAR NOT NULL,          -- as in the source
    body                    VARCHAR,
    source_url              VARCHAR NOT NULL,
    locator                 VARCHAR,                   -- where on the source page the fact stands
    note                    VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

-- The full implementation history. Rows are never updated in place: a status that changes
-- in a source becomes a new row (observed_at = the run that saw it). A row a source no longer
-- lists keeps its place with withdrawn_run_id set; a listed row whose content changed is
-- kept with superseded_by naming its successor.
CREATE TABLE status_events (
    event_id                VARCHAR NOT NULL   ,       -- hash of the observation
    recommendation_id       VARCHAR NOT NULL,
    occurred_on             DATE,
    occurred_on_precision   VARCHAR,
    observed_at             TIMESTAMP NOT NULL,
    status                  VARCHAR NOT NULL,          -- canonical implementation scale
    status_label            VARCHAR NOT NULL,          -- as in the source
    progress                DOUBLE,                    -- 0..100 where the source gives it
    assessor                VARCHAR NOT NULL,          -- administration | citizens_body | independent | press
    note                    VARCHAR,
    locator                 VARCHAR,                   -- where on the source page the fact stands
    source_url              VARCHAR NOT NULL,
    origin                  VARCHAR NOT NULL,          -- listed (an explicit dated row) | observed (a state read from a live source)
    slot_key                VARCHAR NOT NULL,          -- what identifies "the same" listed row across builds
    superseded_by           VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

-- Cycle-level reported counts: how most real follow-up is published.
CREATE TABLE outcome_reports (
    outcome_report_id       VARCHAR NOT NULL   ,       -- cycle_id/reported_on/reported_by/status_label
    cycle_id                VARCHAR NOT NULL,
    reported_on             DATE,
    reported_on_precision   VARCHAR,
    reported_by             VARCHAR,
    assessor                VARCHAR NOT NULL,
    status                  VARCHAR NOT NULL,          -- canonical implementation scale
    status_label            VARCHAR NOT NULL,
    count                   INTEGER NOT NULL,
    source_url              VARCHAR NOT NULL,
    locator                 VARCHAR,                   -- where on the source page the fact stands
    note                    VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

CREATE TABLE congruence (
    congruence_id           VARCHAR NOT NULL   ,       -- recommendation_id/assessor
    recommendation_id       VARCHAR NOT NULL,
    level                   VARCHAR NOT NULL,          -- unchanged | modified | watered_down | not_adopted
    adopted_measure         VARCHAR,
    legal_reference         VARCHAR,
    assessor                VARCHAR NOT NULL,
    assessed_on             DATE,
    assessed_on_precision   VARCHAR,
    source_url              VARCHAR NOT NULL,
    locator                 VARCHAR,                   -- where on the source page the fact stands
    note                    VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

-- Short summaries of a recommendation in several languages, with the everyday words a reader
-- might search for: what lets a citizen find a recommendation in their own language.
CREATE TABLE summaries (
    summary_id              VARCHAR NOT NULL,          -- recommendation_id/language (unique: checked after the merge)
    recommendation_id       VARCHAR NOT NULL,
    language                VARCHAR NOT NULL,          -- ISO 639-1
    summary                 VARCHAR NOT NULL,
    keywords                VARCHAR,                   -- everyday words, separated by ';'
    source_url              VARCHAR NOT NULL,
    note                    VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE,
    source_id               VARCHAR NOT NULL,
    source_ref              VARCHAR,
    first_run_id            INTEGER NOT NULL,
    changed_run_id          INTEGER NOT NULL,
    withdrawn_run_id        INTEGER
);

-- Bookkeeping: what was read, when, and what went wrong.
CREATE TABLE sources (
    source_id               VARCHAR PRIMARY KEY,
    kind                    VARCHAR NOT NULL,          -- register | decidim | opendatasoft | ckan | synthetic
    title                   VARCHAR,
    location                VARCHAR,                   -- file path relative to the data dir, or endpoint URL
    licence                 VARCHAR,
    attribution             VARCHAR,
    last_run_id             INTEGER,
    last_status             VARCHAR,                   -- ok | failed
    last_success_run_id     INTEGER,
    last_success_at         TIMESTAMP
);

CREATE TABLE ingest_runs (
    run_id                  INTEGER PRIMARY KEY,
    command                 VARCHAR NOT NULL,          -- build | fetch | synth
    started_at              TIMESTAMP NOT NULL,
    finished_at             TIMESTAMP,
    status                  VARCHAR NOT NULL,          -- ok | partial | failed
    snapshot_file           VARCHAR,
    tool_version            VARCHAR,
    is_synthetic            BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE source_runs (
    run_id                  INTEGER NOT NULL,
    source_id               VARCHAR NOT NULL,
    status                  VARCHAR NOT NULL,          -- ok | failed
    rows_read               INTEGER NOT NULL DEFAULT 0,
    rows_new                INTEGER NOT NULL DEFAULT 0,
    rows_changed            INTEGER NOT NULL DEFAULT 0,
    rows_unchanged          INTEGER NOT NULL DEFAULT 0,
    rows_withdrawn          INTEGER NOT NULL DEFAULT 0,
    rows_rejected           INTEGER NOT NULL DEFAULT 0,
    error                   VARCHAR,
    PRIMARY KEY (run_id, source_id)
);

CREATE TABLE rejects (
    run_id                  INTEGER NOT NULL,
    source_id               VARCHAR NOT NULL,
    file                    VARCHAR NOT NULL,
    "row"                   INTEGER,
    "column"                VARCHAR,
    value                   VARCHAR,
    reason                  VARCHAR NOT NULL,
    raw                     VARCHAR                    -- the whole row as read, so nothing is lost
);

-- Every change to a canonical row, with its before and after values (JSON), so the full
-- history of an edited register is kept even though canonical tables hold the latest state.
-- Read it through the `changes` view (ingest/load.py, create_changes_view). A new row's
-- `after` is not written out here (after = NULL): its first content is the `before` of its
-- next change, or the row itself while it has none, and the view fills it in from there.
-- A million new rows thus cost no million JSON documents.
CREATE TABLE change_log (
    run_id                  INTEGER NOT NULL,
    table_name              VARCHAR NOT NULL,
    row_id                  VARCHAR NOT NULL,
    change                  VARCHAR NOT NULL,          -- new | changed | withdrawn | restored | superseded | moved
    before                  JSON,
    after                   JSON
);

CREATE TABLE snapshot_meta (
    key                     VARCHAR PRIMARY KEY,
    value                   VARCHAR
);

-- What each register's files were when its rows were last read and merged: the SHA-256 of
-- its file names and bytes (with the vocabularies and the ingest version). A register whose
-- files are byte-identical at the next build is not read again; its rows stay as they are.
CREATE TABLE register_contents (
    source_id               VARCHAR PRIMARY KEY,
    content_hash            VARCHAR NOT NULL,
    run_id                  INTEGER NOT NULL
);
