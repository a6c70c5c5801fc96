"""Labels as sources write them reach the vocabulary entries written for people."""

from __future__ import annotations

from ingest.vocab import load_vocabularies, normalise_label


def test_an_api_state_key_with_underscores_matches_the_label_with_spaces() -> None:
    stance = load_vocabularies().get("stance")

    # Decidim answers "not_answered"; the shipped vocabulary lists the label "not answered".
    assert stance.lookup("not_answered") == "pending"
    assert stance.lookup(" Not_Answered ") == "pending"
    assert stance.lookup("not answered") == "pending"


def test_underscores_spaces_case_and_accents_all_normalise_alike() -> None:
    assert normalise_label("Mis_en_Œuvre") == normalise_label("mis en  oeuvre") == "mis en oeuvre"
