"""Field-mapping templates: how payload values become register text."""

from __future__ import annotations

import pytest

from ingest.adapters.mapping import FieldMissing, Template, TemplateError, map_records
from ingest.records import Problem, SourceError
from ingest.sources_config import TableMap


def render(text: str, record: dict, context: dict | None = None) -> str | None:
    return Template.parse(text).render(record, context or {})


def test_nested_paths_and_flat_csv_columns_read_alike() -> None:
    assert render(
        "{status/name/translation}", {"status": {"name": {"translation": "En cours"}}}
    ) == ("En cours")
    assert render("{status/name/fr}", {"status/name/fr": "En cours"}) == "En cours"


def test_null_parent_gives_no_value_but_absent_key_is_drift() -> None:
    assert render("{parent/id}", {"parent": None}) is None
    with pytest.raises(FieldMissing) as missing:
        render("{parent/id}", {"title": "x"})
    assert missing.value.field == "parent/id"


def test_an_id_is_never_half_built() -> None:
    assert render("paris-bp-{edition}", {"edition": None}) is None
    assert render("paris-bp-{edition}", {"edition": ""}) is None
    assert render("paris-bp-{edition}", {"edition": 2019}) == "paris-bp-2019"


def test_numbers_are_written_as_a_clerk_would() -> None:
    assert render("{progress}", {"progress": 40.0}) == "40"
    assert render("{progress}", {"progress": 12.5}) == "12.5"
    assert render("{progress|int}", {"progress": "100.0"}) == "100"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-11-02T09:30:00+00:00", "2023-11-02"),
        ("2023-07-14 10:22:31 +0200", "2023-07-14"),
        ("2024-01-18T00:00:00", "2024-01-18"),
        ("2024-06", "2024-06"),
        ("18/06/2022", "18/06/2022"),  # unreadable: passed on for validation to reject
    ],
)
def test_date_filter(value: str, expected: str) -> None:
    assert render("{d|date}", {"d": value}) == expected


def test_html_becomes_plain_text() -> None:
    html = "<p>Uno &amp; due</p><ul><li>tre</li><li>quattro <b>cinque</b></li></ul>"
    assert render("{body|text}", {"body": html}) == "Uno & due\ntre\nquattro cinque"


def test_lists_are_joined() -> None:
    assert render("{proposals/id}", {"proposals": [{"id": "1"}, {"id": "2"}]}) == "1, 2"


def test_context_values_come_from_the_fetch() -> None:
    assert render("{@fetched_on}", {}, {"@fetched_on": "2026-11-26"}) == "2026-11-26"


def test_unbalanced_braces_are_refused() -> None:
    with pytest.raises(TemplateError):
        Template.parse("id-{id")


def test_each_makes_one_row_per_list_element() -> None:
    table_map = TableMap(
        table="milestones",
        columns={
            "occurred_on": Template.parse("{timelineEntries/entryDate}"),
            "label": Template.parse("{timelineEntries/title}"),
            "cycle_id": Template.parse("c-{id}"),
        },
        each="timelineEntries",
        skip_unless=("timelineEntries/entryDate",),
    )
    record = {
        "id": "7",
        "timelineEntries": [
            {"entryDate": "2022-06-18", "title": "Suivi"},
            {"entryDate": None, "title": "Undated"},
            {"entryDate": "2023-01-10", "title": "Vote"},
        ],
    }

    rows = map_records("s", [(record, "https://x/api", 1, {})], [table_map], [])["milestones"]

    assert [r.values for r in rows] == [
        {"occurred_on": "2022-06-18", "label": "Suivi", "cycle_id": "c-7"},
        {"occurred_on": "2023-01-10", "label": "Vote", "cycle_id": "c-7"},
    ]


def test_drift_names_source_field_and_record() -> None:
    table_map = TableMap(table="recommendations", columns={"title": Template.parse("{titre}")})

    with pytest.raises(SourceError) as failure:
        map_records("paris-bp", [({"title": "x"}, "https://x/records", 4, {})], [table_map], [])

    message = str(failure.value)
    assert message.startswith("paris-bp (https://x/records)")
    assert "'titre'" in message
    assert "record 4" in message


def test_object_where_text_was_expected_is_explained() -> None:
    table_map = TableMap(table="recommendations", columns={"title": Template.parse("{title}")})

    with pytest.raises(SourceError, match="holds an object"):
        map_records("s", [({"title": {"translation": "x"}}, "u", 1, {})], [table_map], [])


def test_script_and_style_contents_are_not_text() -> None:
    html = (
        "<style>p { color: red }</style><p>Visible</p>"
        "<script>alert('x')</script><noscript><p>also hidden</p></noscript><p>end</p>"
    )
    assert render("{body|text}", {"body": html}) == "Visible\nend"


def test_entities_are_decoded_once() -> None:
    assert render("{body|text}", {"body": "<p>a &amp;lt;b&amp;gt; c</p>"}) == "a &lt;b&gt; c"
    assert render("{body|text}", {"body": "x &lt;script&gt; y"}) == "x <script> y"


def test_padded_values_make_the_same_id_as_unpadded_ones() -> None:
    assert render("esempio-{Numero}", {"Numero": "  R1\u00a0\u200b"}) == "esempio-R1"
    assert render("{Numero}", {"Numero": " \t "}) is None  # blank is missing, not an id


def test_a_value_that_cannot_be_stored_rejects_its_row_only() -> None:
    table_map = TableMap(
        table="recommendations",
        columns={
            "recommendation_id": Template.parse("r-{id}"),
            "title": Template.parse("{title}"),
        },
    )
    records = [
        ({"id": "1", "title": "fine"}, "https://x/records", 1, {}),
        ({"id": "2", "title": "broken \ud800 text"}, "https://x/records", 2, {}),
        ({"id": "3", "title": "also fine"}, "https://x/records", 3, {}),
    ]
    rejected: list[Problem] = []

    rows = map_records("s", records, [table_map], rejected)["recommendations"]

    assert [r.values["recommendation_id"] for r in rows] == ["r-1", "r-3"]
    [problem] = rejected
    assert (problem.file, problem.row, problem.column) == ("https://x/records", 2, "title")
    assert "unpaired surrogate \\ud800 at character 8 in field 'title'" in problem.message
    assert problem.value == "broken \\ud800 text"
    problem.value.encode("utf-8")  # the report itself can be stored
