"""Build the recommendation search index into a snapshot: terms, postings and BM25 statistics.

A snapshot is immutable, so its index is built once when it is sealed and every reader
shares it; the ranking itself (BM25 with field weights, `search_recommendations` in
views.sql) runs in DuckDB over these tables with the query's terms as a bound parameter.
Nothing here depends on DuckDB's full-text extension, which is downloaded at run time and so
unavailable offline.

Each recommendation is one document whose fields are its title, text, theme, summaries and
keywords (each in its own language), and the title and topic of its cycle and the name and
city of its institution. The field weights and BM25 parameters come from data/search.toml and
are stored in the snapshot with the index, so a snapshot ranks the same wherever it is read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from ingest.frames import query_frame, registered
from ingest.paths import SEARCH_CONFIG_FILE
from ingest.search_text import document_terms, words


@dataclass(frozen=True)
class SearchConfig:
    """BM25 parameters, prefix matching and the weight of each field, as data/search.toml says."""

    k1: float
    b: float
    min_prefix_length: int
    prefix_factor: float
    field_weights: dict[str, float]


def load_search_config(path: Path = SEARCH_CONFIG_FILE) -> SearchConfig:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return SearchConfig(
        k1=float(data["bm25"]["k1"]),
        b=float(data["bm25"]["b"]),
        min_prefix_length=int(data["matching"]["min_prefix_length"]),
        prefix_factor=float(data["matching"]["prefix_factor"]),
        field_weights={name: float(spec["weight"]) for name, spec in data["fields"].items()},
    )


# The text of every field of every current recommendation, with the language(s) it is
# written in. A cycle's topic is written in English (register_columns.csv says so); an
# institution's name is in any of its working languages.
DOCUMENT_TEXTS_SQL = """
WITH r AS (
    SELECT r.recommendation_id, r.title, r.body, r.theme,
           coalesce(r.language, c.language, i.languages[1]) AS language,
           coalesce(r.body_language, r.language, c.language, i.languages[1]) AS body_language,
           c.title AS cycle_title, c.topic,
           coalesce(c.language, r.language, i.languages[1]) AS cycle_language,
           concat_ws(' ', i.name, i.city) AS institution, i.languages
    FROM current_recommendations AS r
    JOIN current_cycles AS c ON c.cycle_id = r.cycle_id
    JOIN current_institutions AS i ON i.institution_id = c.institution_id
)
SELECT recommendation_id, 'title' AS field, [language] AS languages, title AS text FROM r
UNION ALL
SELECT recommendation_id, 'body', [body_language], body FROM r WHERE body IS NOT NULL
UNION ALL
SELECT recommendation_id, 'theme', [language], theme FROM r WHERE theme IS NOT NULL
UNION ALL
SELECT recommendation_id, 'cycle_title', [cycle_language], cycle_title FROM r
UNION ALL
SELECT recommendation_id, 'cycle_topic', ['en'], topic FROM r WHERE topic IS NOT NULL
UNION ALL
SELECT recommendation_id, 'institution', languages, institution FROM r
UNION ALL
SELECT s.recommendation_id, 'summary', [s.language], s.summary FROM current_summaries AS s
UNION ALL
SELECT s.recommendation_id, 'keywords', [s.language], s.keywords FROM current_summaries AS s
WHERE s.keywords IS NOT NULL
"""

# Created empty before views.sql, whose search macro names them, and filled after. Postings
# name documents and fields by number: a query joins and groups integers, and only the
# recommendations it finds are looked up by id.
SEARCH_TABLES_SQL = """
CREATE OR REPLACE TABLE search_settings (
    k1 DOUBLE, b DOUBLE, min_prefix_length INTEGER, prefix_factor DOUBLE
);
CREATE OR REPLACE TABLE search_fields (
    field_no INTEGER PRIMARY KEY, field VARCHAR, weight DOUBLE
);
CREATE OR REPLACE TABLE search_field_stats (
    field_no INTEGER PRIMARY KEY, avg_length DOUBLE, n_documents BIGINT
);
CREATE OR REPLACE TABLE search_documents (doc_no INTEGER PRIMARY KEY, recommendation_id VARCHAR);
CREATE OR REPLACE TABLE search_terms (term_id INTEGER PRIMARY KEY, term VARCHAR, df INTEGER);
CREATE OR REPLACE TABLE search_postings (
    term_id INTEGER, doc_no INTEGER, field_no INTEGER, tf INTEGER, field_length INTEGER,
    word VARCHAR
);
"""


# Distinct texts analysed (and their terms inserted) at a time.
ANALYSE_BATCH_TEXTS = 20_000


@dataclass(frozen=True)
class IndexStats:
    documents: int
    terms: int
    postings: int


def create_search_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SEARCH_TABLES_SQL)


def _analyse(
    texts: list[tuple[str, tuple[str, ...]]], first_number: int = 0
) -> tuple[pl.DataFrame, pl.Series]:
    """The terms of each distinct (text, languages), numbered from `first_number`: rows of
    (text_no, term, tf, word), and each text's length in words."""
    text_no: list[int] = []
    terms: list[str] = []
    tfs: list[int] = []
    surfaces: list[str] = []
    lengths: list[int] = []
    for number, (text, languages) in enumerate(texts, start=first_number):
        found: dict[str, list] = {}
        pairs = words(text)
        lengths.append(len(pairs))
        for word, surface in pairs:
            for term in document_terms(word, languages):
                entry = found.get(term)
                if entry is None:
                    found[term] = [1, surface]
                else:
                    entry[0] += 1
        for term in sorted(found):
            count, surface = found[term]
            text_no.append(number)
            terms.append(term)
            tfs.append(count)
            surfaces.append(surface)
    analysed = pl.DataFrame(
        {"text_no": text_no, "term": terms, "tf": tfs, "word": surfaces},
        schema={"text_no": pl.Int32, "term": pl.String, "tf": pl.Int32, "word": pl.String},
    )
    return analysed, pl.Series("length", lengths, dtype=pl.Int32)


def build_search_index(
    con: duckdb.DuckDBPyConnection, config: SearchConfig | None = None
) -> IndexStats:
    """Fill the search tables from the snapshot's current rows (replacing what they held)."""
    config = config or load_search_config()
    for table in (
        "search_settings",
        "search_fields",
        "search_field_stats",
        "search_documents",
        "search_terms",
        "search_postings",
    ):
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - names from the tuple above
    con.execute(
        "INSERT INTO search_settings VALUES (?, ?, ?, ?)",
        [config.k1, config.b, config.min_prefix_length, config.prefix_factor],
    )
    con.executemany(
        "INSERT INTO search_fields VALUES (?, ?, ?)",
        [
            [number, name, weight]
            for number, (name, weight) in enumerate(config.field_weights.items())
        ],
    )
    con.execute(
        """
        INSERT INTO search_documents
        SELECT CAST(row_number() OVER (ORDER BY recommendation_id) AS INTEGER), recommendation_id
        FROM current_recommendations
        """
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE search_texts AS {DOCUMENT_TEXTS_SQL}")
    distinct = query_frame(
        con.sql(
            """
            SELECT text, list_sort(list_filter(languages, lambda x: x IS NOT NULL)) AS languages
            FROM search_texts WHERE text IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """
        )
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE search_text_keys "
        "(text_no INTEGER, text VARCHAR, languages VARCHAR[], length INTEGER)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE search_analysed "
        "(text_no INTEGER, term VARCHAR, tf INTEGER, word VARCHAR)"
    )
    # A batch of texts at a time: the terms of every text as Python objects at once were
    # the largest thing a build held.
    for start in range(0, distinct.height, ANALYSE_BATCH_TEXTS):
        part = distinct.slice(start, ANALYSE_BATCH_TEXTS)
        texts = part["text"].to_list()
        languages = part["languages"].to_list()
        analysed, lengths = _analyse(
            [(text, tuple(langs)) for text, langs in zip(texts, languages, strict=True)], start
        )
        keys = part.select(
            pl.int_range(start, start + part.height, dtype=pl.Int32).alias("text_no"),
            "text",
            "languages",
            lengths,
        )
        with registered(con, "search_keys_arrow", keys):
            con.execute("INSERT INTO search_text_keys SELECT * FROM search_keys_arrow")
        with registered(con, "search_analysed_arrow", analysed):
            con.execute("INSERT INTO search_analysed SELECT * FROM search_analysed_arrow")
    del distinct
    try:
        con.execute(
            """
            INSERT INTO search_terms
            SELECT CAST(row_number() OVER (ORDER BY term) AS INTEGER), term, 0
            FROM (SELECT DISTINCT term FROM search_analysed)
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE search_doc_texts AS
            SELECT d.doc_no, f.field_no, k.text_no, k.length,
                   CAST(sum(k.length) OVER (PARTITION BY d.doc_no, f.field_no) AS INTEGER)
                       AS field_length
            FROM search_texts AS t
            JOIN search_documents AS d USING (recommendation_id)
            JOIN search_fields AS f USING (field)
            JOIN search_text_keys AS k
              ON k.text = t.text
             AND k.languages = list_sort(list_filter(t.languages, lambda x: x IS NOT NULL))
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE search_term_rows AS
            SELECT a.text_no, t.term_id, a.tf, a.word
            FROM search_analysed AS a JOIN search_terms AS t USING (term)
            """
        )
    finally:
        con.execute("DROP TABLE search_text_keys")
        con.execute("DROP TABLE search_analysed")
    # One row per term and text: a field written in several languages (summaries) has several
    # rows, summed by the query. Ordered by term, so a query reads only the row groups that
    # hold its terms.
    con.execute(
        """
        INSERT INTO search_postings
        SELECT a.term_id, d.doc_no, d.field_no, a.tf, d.field_length, a.word
        FROM search_doc_texts AS d
        JOIN search_term_rows AS a USING (text_no)
        ORDER BY a.term_id, d.doc_no
        """
    )
    con.execute(
        """
        UPDATE search_terms AS t SET df = c.df
        FROM (SELECT term_id, CAST(count(DISTINCT doc_no) AS INTEGER) AS df
              FROM search_postings GROUP BY term_id) AS c
        WHERE c.term_id = t.term_id
        """
    )
    con.execute(
        """
        INSERT INTO search_field_stats
        SELECT f.field_no, coalesce(avg(l.field_length), 0),
               (SELECT count(*) FROM search_documents)
        FROM search_fields AS f
        LEFT JOIN (SELECT DISTINCT doc_no, field_no, field_length FROM search_doc_texts) AS l
          USING (field_no)
        GROUP BY f.field_no ORDER BY f.field_no
        """
    )
    for table in ("search_texts", "search_doc_texts", "search_term_rows"):
        con.execute(f"DROP TABLE {table}")
    documents, terms, postings = con.execute(
        """
        SELECT (SELECT count(*) FROM search_documents), (SELECT count(*) FROM search_terms),
               (SELECT count(*) FROM search_postings)
        """
    ).fetchone()
    return IndexStats(documents=documents, terms=terms, postings=postings)
