"""The search index a build stores, and the BM25 ranking computed over it in SQL."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from tests.search.conftest import (
    build,
    cycle,
    institution,
    recommendation,
    searcher,
    summary,
)

K1, B = 1.2, 0.75  # data/search.toml
TITLE_WEIGHT, BODY_WEIGHT = 3.0, 1.5


def _bm25_part(tf: int, length: int, average: float) -> float:
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))


# Three English recommendations. "trees" is in r1's title (2 words) and twice in r2's body
# (7 words); "parks" in r1's body (5 words) and r2's title (1 word). Titles average 5/3
# words, bodies 14/3; the cycle and institution hold neither word.
BM25_REGISTER = {
    "institutions": [institution("city-council", "Civic Council", "Testville", "en")],
    "cycles": [cycle("c1", "city-council", "Green city", "greening", "en")],
    "recommendations": [
        recommendation("r1", "c1", "Plant trees", "More parks for the city.", "en"),
        recommendation("r2", "c1", "Parks", "Plant trees and more trees along streets", "en"),
        recommendation("r3", "c1", "Quiet streets", "Fewer cars.", "en"),
    ],
}


@pytest.fixture
def bm25_snapshot(tmp_path: Path) -> Path:
    code, output, snapshot = build(tmp_path, BM25_REGISTER)
    assert code == 0, output
    return snapshot


def test_bm25_order_and_scores_are_the_hand_computed_ones(bm25_snapshot: Path) -> None:
    search = searcher(bm25_snapshot)
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # 2 of 3 recommendations hold the word
    # trees: r1 by its short title (tf 1, 2 words), r2 by its long body (tf 2, 7 words)
    r1 = idf * TITLE_WEIGHT * _bm25_part(1, 2, 5 / 3)  # 1.303
    r2 = idf * BODY_WEIGHT * _bm25_part(2, 7, 14 / 3)  # 0.850
    found = search("trees")
    assert [row[0] for row in found] == ["r1", "r2"]
    assert found[0][1] == pytest.approx(r1, rel=1e-9)
    assert found[1][1] == pytest.approx(r2, rel=1e-9)
    assert (found[0][2], found[0][3]) == ("title", ["trees"])
    assert (found[1][2], found[1][3]) == ("body", ["trees"])
    # parks: now r2's one-word title outranks r1's body
    found = search("parks")
    assert [row[0] for row in found] == ["r2", "r1"]
    assert found[0][1] == pytest.approx(idf * TITLE_WEIGHT * _bm25_part(1, 1, 5 / 3), rel=1e-9)
    assert found[1][1] == pytest.approx(idf * BODY_WEIGHT * _bm25_part(1, 5, 14 / 3), rel=1e-9)
    # both words: each contributes once, summed
    both = {row[0]: row[1] for row in search("parks trees")}
    assert both["r1"] == pytest.approx(r1 + idf * BODY_WEIGHT * _bm25_part(1, 5, 14 / 3), rel=1e-9)
    assert search("nothing-here-zzz") == []


def test_field_weights_are_data_in_the_snapshot(bm25_snapshot: Path) -> None:
    with duckdb.connect(str(bm25_snapshot), read_only=True) as con:
        weights = dict(con.execute("SELECT field, weight FROM search_fields").fetchall())
    assert weights["title"] > weights["keywords"] > weights["summary"] > weights["body"]
    assert weights["body"] > weights["cycle_title"]
    assert weights["body"] > weights["institution"]


MULTILINGUAL_REGISTER = {
    "institutions": [
        institution("kbh", "Københavnertinget", "København", "da"),
        institution("bxl", "Parlement bruxellois", "Bruxelles", "fr nl"),
    ],
    "cycles": [
        cycle("kbh-2023", "kbh", "Trivsel og rum til alle", "well-being", "da"),
        cycle("bxl-sans-abrisme", "bxl", "Sans-abrisme et mal-logement", "homelessness", "fr"),
        cycle("bxl-bruit", "bxl", "Bruit dans l'espace public", "noise", "fr"),
    ],
    "recommendations": [
        recommendation("kbh-r1", "kbh-2023", "Den grønne by", "", "da"),
        recommendation("kbh-r2", "kbh-2023", "Mere kollektiv transport", "", "da"),
        recommendation("bxl-n01", "bxl-sans-abrisme", "Recommandation n° 1", "", "fr"),
        recommendation("bxl-r02", "bxl-bruit", "Zones calmes", "", "fr"),
    ],
    "summaries": [
        summary("kbh-r2", "da", "Flere busser og bedre forhold for cykler.", "cykelsti; bus"),
        summary("kbh-r2", "en", "More buses and better conditions for bikes.", "bike; bus"),
        summary("bxl-n01", "nl", "Daklozen sneller aan een woning helpen.", "dakloosheid"),
        summary("bxl-n01", "fr", "Aider plus vite les sans-abri à trouver un logement."),
    ],
}


@pytest.fixture
def multilingual_snapshot(tmp_path: Path) -> Path:
    code, output, snapshot = build(tmp_path, MULTILINGUAL_REGISTER)
    assert code == 0, output
    return snapshot


@pytest.mark.parametrize(
    ("query", "expected", "field", "words"),
    [
        ("gron", "kbh-r1", "title", ["grønne"]),
        ("cykel", "kbh-r2", "summary", ["cykler"]),
        ("cykler", "kbh-r2", "summary", ["cykler"]),
        ("dakloos", "bxl-n01", "keywords", ["dakloosheid"]),
        ("bike", "kbh-r2", "summary", ["bikes"]),
    ],
)
def test_words_in_other_languages_and_forms_find_the_recommendation(
    multilingual_snapshot: Path, query: str, expected: str, field: str, words: list[str]
) -> None:
    found = searcher(multilingual_snapshot)(query)
    assert found, f"{query!r} found nothing"
    assert (found[0][0], found[0][2], found[0][3]) == (expected, field, words)


def test_sans_abri_finds_the_round_through_its_title(multilingual_snapshot: Path) -> None:
    found = searcher(multilingual_snapshot)("sans-abri")
    assert [row[0] for row in found] == ["bxl-n01"]
    # its French summary names the word too, but the cycle title holds both query words...
    fields = {row[2] for row in found}
    assert fields <= {"summary", "cycle_title"}
    with duckdb.connect(str(multilingual_snapshot), read_only=True) as con:
        (matches,) = con.execute(
            "SELECT matches FROM search_recommendations(CAST(? AS VARCHAR[][]))",
            [searcher_terms("sans-abri")],
        ).fetchone()
    assert {"field": "cycle_title", "words": ["Sans-abrisme"]} in matches


def searcher_terms(text: str) -> list[list[str]]:
    from ingest.search_text import query_terms

    return query_terms(text)


def test_a_withdrawn_summary_leaves_the_index(tmp_path: Path) -> None:
    code, _, snapshot = build(tmp_path, MULTILINGUAL_REGISTER)
    assert code == 0
    assert searcher(snapshot)("dakloos")
    without = {**MULTILINGUAL_REGISTER, "summaries": MULTILINGUAL_REGISTER["summaries"][:2]}
    code, output, snapshot = build(tmp_path, without)
    assert code == 0, output
    assert searcher(snapshot)("dakloos") == []


SEARCH_TABLES = (
    "search_settings",
    "search_fields",
    "search_field_stats",
    "search_documents",
    "search_terms",
    "search_postings",
)


def _index_rows(snapshot: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in SEARCH_TABLES
        }


def test_an_unchanged_rebuild_stores_the_same_index(tmp_path: Path) -> None:
    # The same registers on two days: the second day publishes a snapshot (its figures are as of
    # that day), whose index must be the first one's, row for row.
    code, _, first = build(tmp_path, MULTILINGUAL_REGISTER, "--as-of", "2026-01-01")
    assert code == 0
    code, output, second = build(tmp_path, MULTILINGUAL_REGISTER, "--as-of", "2026-01-02")
    assert code == 0, output
    assert second != first, "the rebuild published a new snapshot"
    before, after = _index_rows(first), _index_rows(second)
    assert before["search_postings"], "the index is empty"
    assert before == after
