"""One recommendation, one page: ?rec=ID shows that record alone, with its feed and link."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dashboard.ui import escape_markdown
from tests.dashboard.app_driver import assert_no_exception, open_page, texts

REC = "bxl-prb-2021-5g-r05"


def test_the_page_shows_the_recommendation_alone_with_feed_and_permalink(
    data_dir: Path, query: Callable[..., list[tuple]]
) -> None:
    ((title,),) = query(
        "SELECT title FROM recommendation_status WHERE recommendation_id = ?", [REC]
    )
    app = open_page("recommendation", {"rec": REC})
    assert_no_exception(app)
    # The record is the first thing on the page: no title or table of the explorer above it.
    assert not app.title
    assert escape_markdown(title) in app.subheader[0].value
    links = [button.proto.url for button in app.get("link_button")]
    assert any(url.endswith(f"/feeds/recommendation/{REC}.atom?lang=en") for url in links)
    assert any(f"/recommendation?rec={REC}" in block.value for block in app.code)


def test_an_unknown_recommendation_says_so(data_dir: Path) -> None:
    app = open_page("recommendation", {"rec": "no-such-rec"})
    assert_no_exception(app)
    assert 'No recommendation with id "no-such-rec"' in texts(app)


def test_without_an_id_the_page_says_how_to_open_one(data_dir: Path) -> None:
    app = open_page("recommendation")
    assert_no_exception(app)
    assert "?rec=ID" in texts(app)
