"""The recommendation explorer: search, filters, the detail view and its permalinks."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.dashboard.app_driver import (
    as_shown,
    assert_no_exception,
    frame_with,
    open_page,
    texts,
)

Query = Callable[..., list[tuple]]


def _count_line(app: object) -> str:
    return next(m.value for m in app.markdown if "recommendations match" in m.value)  # type: ignore[attr-defined]


def _strip_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
    )


def test_unfiltered_list_counts_every_current_recommendation(data_dir: Path, query: Query) -> None:
    (total,) = query("SELECT count(*) FROM recommendation_status")[0]
    app = open_page("explorer")
    assert_no_exception(app)
    assert _count_line(app) == f"**{total}** of {total} recommendations match."


def test_institution_filter_changes_the_count(data_dir: Path, query: Query) -> None:
    (institution_id, expected), (total,) = (
        query(
            """
            SELECT institution_id, count(*) FROM recommendation_status
            GROUP BY institution_id ORDER BY count(*) DESC, institution_id LIMIT 1
            """
        )[0],
        query("SELECT count(*) FROM recommendation_status")[0],
    )
    app = open_page("explorer")
    app.multiselect(key="explorer_institution").select(institution_id).run()
    assert_no_exception(app)
    assert _count_line(app) == f"**{expected}** of {total} recommendations match."
    assert app.query_params == {"institution": institution_id}


def test_stance_and_overdue_filters_agree_with_the_views(data_dir: Path, query: Query) -> None:
    (pending,) = query("SELECT count(*) FROM recommendation_status WHERE stance = 'pending'")[0]
    (overdue,) = query("SELECT count(*) FROM recommendation_status WHERE is_overdue")[0]
    app = open_page("explorer", {"stance": "pending"})
    assert _count_line(app).startswith(f"**{pending}** of")
    app = open_page("explorer", {"overdue": "1"})
    assert _count_line(app).startswith(f"**{overdue}** of")


def test_search_ignores_accents_and_case(data_dir: Path, query: Query) -> None:
    rows = query(
        """
        SELECT recommendation_id, title FROM recommendation_status
        WHERE title <> strip_accents(title) ORDER BY recommendation_id
        """
    )
    if not rows:
        pytest.skip("the bundled data has no accented title")
    _recommendation_id, title = rows[0]
    word = max((w for w in title.split() if _strip_accents(w) != w), key=len).strip("«»“”\"'(),.:;")
    plain = _strip_accents(word).upper()
    app = open_page("explorer")
    app.text_input(key="explorer_q").input(plain).run()
    assert_no_exception(app)
    shown = frame_with(app, "title", "matched")
    assert title in list(shown["title"]), f"{plain!r} did not find {title!r}"
    assert _count_line(app).startswith("**") and not _count_line(app).startswith("**0**")
    assert app.query_params == {"q": plain}


def test_search_results_say_where_the_words_were_found(data_dir: Path, query: Query) -> None:
    """'sans-abri' finds the untitled items of the Brussels round on homelessness through the
    everyday keywords of their summaries, and each says so, with the words as written there
    (keywords weigh more than the cycle's title, which also holds the word)."""
    rows = query(
        """
        SELECT recommendation_id, cycle_title FROM recommendation_status
        WHERE cycle_title ILIKE 'Sans-abrisme%' AND title LIKE 'Recommandation n°%'
        ORDER BY recommendation_id LIMIT 1
        """
    )
    if not rows:
        pytest.skip("the bundled data has no untitled item of the homelessness round")
    app = open_page("explorer", {"q": "sans-abri"})
    assert_no_exception(app)
    shown = frame_with(app, "title", "matched")
    untitled = shown[shown["title"].str.startswith("Recommandation n°")]
    assert len(untitled) > 0
    assert set(untitled["matched"]) == {"keywords — sans-abri, sans-abrisme"}


def test_a_search_that_matches_nothing_says_what_to_change(data_dir: Path) -> None:
    app = open_page("explorer", {"q": "zzzz-no-such-word"})
    assert_no_exception(app)
    assert "**0** of" in _count_line(app)
    assert any("Remove a filter" in info.value for info in app.info)


def test_permalink_opens_the_recommendation_in_full(data_dir: Path, query: Query) -> None:
    ((recommendation_id, title, body, n_events),) = query(
        """
        SELECT recommendation_id, title, body, n_events FROM recommendation_status
        WHERE body IS NOT NULL ORDER BY n_events DESC, has_response DESC, recommendation_id
        LIMIT 1
        """
    )
    app = open_page("explorer", {"rec": recommendation_id})
    assert_no_exception(app)
    assert any(title in as_shown(header.value) for header in app.subheader)
    # Source text is shown as text (st.text), never interpreted as markdown or HTML.
    assert body in [element.value for element in app.text]
    assert f"?rec={recommendation_id}" in texts(app)
    assert app.query_params == {"rec": recommendation_id}
    history = frame_with(app, "date", "what", "source_url")
    assert (history["what"] == "Implementation status").sum() >= n_events


def test_filter_permalink_round_trips(data_dir: Path, query: Query) -> None:
    institution_id, cycle_id = query(
        "SELECT institution_id, cycle_id FROM recommendation_status ORDER BY 1, 2 LIMIT 1"
    )[0]
    params = {
        "q": "a",
        "institution": institution_id,
        "cycle": cycle_id,
        "stance": ["accepted", "pending"],
        "stale": "1",
    }
    app = open_page("explorer", params)
    assert_no_exception(app)
    assert app.text_input(key="explorer_q").value == "a"
    assert app.multiselect(key="explorer_institution").value == [institution_id]
    assert app.multiselect(key="explorer_cycle").value == [cycle_id]
    assert app.multiselect(key="explorer_stance").value == ["accepted", "pending"]
    assert app.toggle(key="explorer_stale").value is True
    assert app.query_params == params
    # A rerun keeps the same address: the view is stable, not drifting.
    app.run()
    assert app.query_params == params


def test_closing_the_detail_removes_it_from_the_address(data_dir: Path, query: Query) -> None:
    (recommendation_id,) = query("SELECT min(recommendation_id) FROM recommendation_status")[0]
    app = open_page("explorer", {"rec": recommendation_id})
    app.button(key="detail_close").click().run()
    assert_no_exception(app)
    assert "rec" not in app.query_params
    assert not [b for b in app.button if b.key == "detail_close"]


HOSTILE = [
    {"rec": "<script>alert(1)</script>"},
    {"institution": "' OR 1=1 --"},
    {"cycle": "x'; DROP TABLE recommendations; --"},
    {"stance": "accepted' OR '1'='1"},
    {"q": "x" * 5000},
    {"q": "bad\x00byte"},
    {"overdue": "maybe"},
    {"rec": "no-such-recommendation"},
    {"institution": [f"id-{n}" for n in range(200)]},
    {"unknown_param": "1"},
]


@pytest.mark.parametrize("params", HOSTILE, ids=lambda p: next(iter(p)))
def test_hostile_parameters_give_a_notice_not_an_error(
    params: dict[str, str | list[str]], data_dir: Path, query: Query
) -> None:
    (total,) = query("SELECT count(*) FROM recommendation_status")[0]
    app = open_page("explorer", params)
    assert_no_exception(app)
    assert any(
        "ignored" in warning.value or "only the first" in warning.value for warning in app.warning
    )
    # Nothing hostile narrows or widens the list: every recommendation is still offered.
    if "q" not in params or len(params["q"]) > 200 or "\x00" in params["q"]:
        assert _count_line(app) == f"**{total}** of {total} recommendations match."
    assert not app.error


@pytest.mark.parametrize("page", ["overview", "timelines", "compare"])
def test_hostile_parameters_on_other_pages(page: str, data_dir: Path) -> None:
    key = "cycle" if page == "timelines" else "institution"
    app = open_page(page, {key: "<img src=x onerror=alert(1)>", "zzz": "' OR 1=1 --"})
    assert_no_exception(app)
    notices = " ".join(as_shown(warning.value) for warning in app.warning)
    assert "<img src=x onerror=alert(1)>" in notices and "zzz" in notices
