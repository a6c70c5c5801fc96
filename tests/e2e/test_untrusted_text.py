"""Untrusted text stays text: a register whose every text column is a Markdown/HTML attack,
and links whose every parameter is one, rendered in Chromium on every page.

No link, image, HTML element, formatting, colour, formula or icon may come out of that text,
and the text itself must be readable on the page (so showing nothing cannot pass).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from dashboard.messages import WORD_JOINER
from tests.app_server import running_app
from tests.e2e import hostile_register
from tests.e2e.hostile_register import EVIL_HOST, FORMATTED_WORDS, PAYLOAD

pytestmark = pytest.mark.e2e

RENDER_TIMEOUT_MS = 30_000
LINK = f"[Log in here](https://{EVIL_HOST}/x)"
# The app slips this invisible character into shown text to stop renderers from acting on it;
# a reader neither sees nor needs it, so the literal checks ignore it.
INVISIBLE = {ord(WORD_JOINER): None}

# Everything a renderer could have made from the payload, found in the live DOM.
PRODUCED_FROM_PAYLOAD = """
([host, words]) => {
  const found = [];
  const describe = (el) => el.outerHTML.slice(0, 160);
  for (const el of document.querySelectorAll(
      `a[href*="${host}"], img[src*="${host}"], img[src="x"], [onerror], .katex, math`)) {
    found.push(describe(el));
  }
  for (const el of document.querySelectorAll("body *")) {
    if (el.children.length) continue;
    const text = el.textContent.trim();
    if (words.includes(text) || text === "skull") found.push(describe(el));
  }
  if (document.body.innerText.includes("\\u{1F480}")) found.push("the :skull: emoji");
  return found;
}
"""


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("hostile")
    data_dir = hostile_register.build(root)
    with running_app(data_dir, root / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert dialogs == [], f"script ran from the data: {dialogs}"


def _open(page: object, url: str, ready: str) -> None:
    """Load `url` and wait until the script run is over and `ready` is on the page."""
    page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    page.locator(ready).first.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=RENDER_TIMEOUT_MS,
    )
    exceptions = page.locator('[data-testid="stException"]')  # type: ignore[attr-defined]
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _shown_text(page: object) -> str:
    text = page.locator("body").inner_text()  # type: ignore[attr-defined]
    return text.translate(INVISIBLE)


def _assert_inert(page: object, where: str) -> None:
    produced = page.evaluate(PRODUCED_FROM_PAYLOAD, [EVIL_HOST, list(FORMATTED_WORDS)])  # type: ignore[attr-defined]
    assert produced == [], f"{where}: elements made from untrusted text: {produced}"


# Hostile values for every query parameter a page reads, plus one it does not know; next to
# them the ids a page needs to draw its data. Each page must quote a rejected value, as text.
HOSTILE_PARAMS = {
    LINK: "1",
    "q": PAYLOAD[:200],
    "status": LINK,
    "stance": "**bold** _it_",
    "theme": ":red[redtext] :skull:",
    "overdue": "<img src=x onerror=alert(1)>",
}
# (path, its parameters, an element that is there once the page has drawn its data)
PAGES = {
    "overview": ("", {"institution": [LINK, "inst-a", "inst-b"]}, "[data-testid='stPageLink']"),
    "explorer-item": ("explorer", {"rec": ["rec-a1"]}, ".st-key-recommendation_detail"),
    "explorer-collective": ("explorer", {"rec": ["rec-b1"]}, ".st-key-recommendation_detail"),
    "timelines": ("timelines", {"cycle": [LINK, "cycle-a"]}, "[data-testid='stVegaLiteChart']"),
    "compare": (
        "compare",
        {"institution": ["<img src=x onerror=alert(1)>", "inst-a", "inst-b"]},
        "[data-testid='stVegaLiteChart']",
    ),
    "sources": ("sources", {}, "[data-testid='stDataFrame']"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_untrusted_text_is_shown_as_text(page: object, hostile_url: str, name: str) -> None:
    path, wanted, ready = PAGES[name]
    params = {**{key: [value] for key, value in HOSTILE_PARAMS.items()}, **wanted}
    _open(page, f"{hostile_url}/{path}?{urlencode(params, doseq=True)}", ready)
    _assert_inert(page, name)
    if name == "sources":
        # This page reads no parameter, and shows register text only in data grids, which
        # draw on a canvas: there is nothing to find as text, only nothing to find as markup.
        return
    notices = "\n".join(page.locator("[data-testid='stAlert']").all_inner_texts())  # type: ignore[attr-defined]
    assert LINK in notices.translate(INVISIBLE), (
        f"{name}: the link's ignored parameter is not quoted as text: {notices}"
    )
    assert PAYLOAD in _shown_text(page), f"{name}: the register's text is not shown as text"


def test_widget_options_from_the_register_are_text(page: object, hostile_url: str) -> None:
    """The explorer's filter lists name institutions and cycles from the register."""
    _open(page, f"{hostile_url}/explorer?institution=inst-a", "[data-testid='stMultiSelect']")
    page.locator("[data-testid='stMultiSelect'] input").first.click()  # type: ignore[attr-defined]
    options = page.locator("[role='option']")  # type: ignore[attr-defined]
    options.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    _assert_inert(page, "explorer filter options")
    assert LINK in _shown_text(page)


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        # st.table renders Markdown in its cells; the briefing's heading names the scope.
        ("meeting-list?lang=en", "[data-testid='stTable']"),
        ("briefing?institution=inst-a", "[data-testid='stDownloadButton']"),
    ],
)
def test_register_text_in_tables_and_headings_is_text(
    page: object, hostile_url: str, path: str, ready: str
) -> None:
    _open(page, f"{hostile_url}/{path}", ready)
    _assert_inert(page, path)
    assert PAYLOAD in _shown_text(page), f"{path}: the register's text is not shown as text"
