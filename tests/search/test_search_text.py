"""How search reads words: folding, Snowball stems per language, and which query forms meet
which document words. A query form meets an index term that equals it, or that starts with
it when the form has at least four letters (the rule of views.sql search_recommendations)."""

from __future__ import annotations

import pytest

from ingest.search_text import (
    document_terms,
    fold,
    query_candidates,
    query_terms,
    words,
)

MIN_PREFIX = 4


def meets(query_word: str, document_word: str, language: str) -> bool:
    terms = document_terms(document_word.lower(), (language,))
    return any(
        term == form or (len(form) >= MIN_PREFIX and term.startswith(form))
        for form in query_candidates(query_word)
        for term in terms
    )


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Grøn", "gron"),
        ("Københavnerting", "kobenhavnerting"),
        ("Ærø", "aero"),
        ("Straße", "strasse"),
        ("Œuvre", "oeuvre"),
        ("Mobilità", "mobilita"),
        ("Énergie", "energie"),
        ("Übergreifende", "ubergreifende"),
        ("ﬁnance", "finance"),
    ],
)
def test_folding(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_danish_aa_is_indexed_both_ways() -> None:
    assert {"arhus", "aarhus"} <= document_terms("århus", ("da",))
    assert meets("Aarhus", "Århus", "da")
    assert meets("Arhus", "Århus", "da")


@pytest.mark.parametrize(
    ("language", "word", "stem"),
    [
        ("da", "boliger", "bol"),
        ("de", "wohnungen", "wohnung"),
        ("en", "homelessness", "homeless"),
        ("fr", "logements", "log"),
        ("it", "trasporti", "trasport"),
        ("nl", "dakloosheid", "dakloos"),
    ],
)
def test_each_language_is_stemmed_with_its_own_stemmer(language: str, word: str, stem: str) -> None:
    assert document_terms(word, (language,)) == {stem}


def test_a_language_without_a_stemmer_is_indexed_as_written_and_folded() -> None:
    assert document_terms("vivienda", ("es",)) == {"vivienda"}
    assert document_terms("mieszkanie", ()) == {"mieszkanie"}


def test_gron_finds_grøn() -> None:
    assert meets("gron", "grønne", "da")
    assert meets("grøn", "grønne", "da")


@pytest.mark.parametrize(("query", "document"), [("cykel", "cykler"), ("cykler", "cykel")])
def test_cykel_and_cykler_meet(query: str, document: str) -> None:
    # Snowball's Danish stems differ ("cykel", "cykl") and neither is a prefix of the other:
    # the query adds the other form of a final -el/-er stem.
    assert document_terms("cykel", ("da",)) != document_terms("cykler", ("da",))
    assert meets(query, document, "da")


def test_cykel_reaches_compounds() -> None:
    assert meets("cykel", "cykelstier", "da")
    assert meets("cykler", "cykelstier", "da")


def test_sans_abri_meets_sans_abrisme() -> None:
    assert [w for w, _ in words("Sans-abrisme et mal-logement")] == [
        "sans",
        "abrisme",
        "et",
        "mal",
        "logement",
    ]
    assert all(meets(w, "abrisme", "fr") for w, _ in words("sans-abri") if w != "sans")
    assert meets("sans", "sans", "fr")


def test_the_surface_word_is_the_whole_compound() -> None:
    assert dict(words("Sans-abrisme")) == {"sans": "Sans-abrisme", "abrisme": "Sans-abrisme"}


def test_dakloos_finds_a_dutch_keyword_dakloosheid() -> None:
    assert meets("dakloos", "dakloosheid", "nl")
    assert meets("daklozen", "dakloosheid", "nl")


def test_a_query_word_is_stemmed_in_every_language() -> None:
    # "trasporti" is Italian; its Italian stem must be among the forms whatever the reader's
    # language, and the word as typed too.
    forms = query_candidates("Trasporti")
    assert {"trasporti", "trasport"} <= set(forms)
    assert meets("mobilità", "mobilità", "it")
    assert meets("mobilita", "mobilità", "it")


def test_unrelated_words_do_not_meet() -> None:
    assert not meets("bolig", "bus", "da")
    assert not meets("art", "article", "en")  # too short to match a prefix


def test_query_terms_keep_one_list_per_distinct_word() -> None:
    terms = query_terms("Cykel cykel, grøn — a")
    assert len(terms) == 2
    assert "cykl" in terms[0]
    assert "gron" in terms[1]
    assert query_terms("") == []
    assert query_terms("a ! ?") == []
