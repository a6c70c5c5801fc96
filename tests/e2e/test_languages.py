"""Every page in each of the assemblies' languages, in a real browser: no English left on
screen, and the language menu puts the language in the address, where a reload finds it.

The test reads the language's catalogue (dashboard/locales/<lang>.toml).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from dashboard import messages
from tests.e2e.test_pages import RENDER_TIMEOUT_MS, SCRIPT_DONE, Visit

pytestmark = pytest.mark.e2e

# Every page of the menu (dashboard/app.py); the overview lives at the root address.
PAGES = (
    "",
    "explorer",
    "timelines",
    "compare",
    "sources",
    "briefing",
    "meeting-list",
    "open-data",
    "changes",
)
# The menu as dashboard/app.py lays it out: links in the top bar, then one section.
NAV_IN_BAR = ("overview", "explorer", "timelines", "compare", "sources")
NAV_UNDER_SECTION = (
    "briefing.page_title",
    "meeting.page_title",
    "open_data.page_title",
    "changes.page_title",
)
# English shorter than this may be a word both languages share ("Total", "n/a", a name).
MIN_LEAK_LENGTH = 13
# The footer names the snapshot file in every language: written last, it marks a finished run.
FOOTER = re.compile(r"uptake-\S+\.duckdb")
_MARKUP = re.compile(r"[*`_]|:material/[a-z_]+:")


class LocalVisit(Visit):
    """A visit whose "page finished" signal does not depend on the page's language."""

    def settle(self) -> None:
        page = self.page
        page.locator("h1").first.wait_for(timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
        page.get_by_text(FOOTER).last.wait_for(timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
        page.wait_for_function(SCRIPT_DONE, timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]


@pytest.fixture
def local_visit(browser: object) -> Iterator[LocalVisit]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    yield LocalVisit(context.new_page())
    context.close()


def _english_fragments(language: str) -> set[str]:
    """Stretches of English text that must not show on a page in `language`: each message's
    text between its placeholders, markup removed, when long enough to be unmistakable and
    when the translation does not contain it (names and commands stay as they are)."""
    english = messages.catalogue("en")
    translated = messages.catalogue(language)
    fragments = set()
    for key, text in english.items():
        own = translated.get(key, "")
        if own == text:
            continue
        for literal, *_ in string.Formatter().parse(text):
            fragment = _MARKUP.sub("", literal or "").strip(" .,:;—–-()“”\"'")
            if len(fragment) >= MIN_LEAK_LENGTH and fragment not in _MARKUP.sub("", own):
                fragments.add(fragment)
    return fragments


@pytest.mark.parametrize("language", ["fr", "nl", "de", "da", "it"])
@pytest.mark.parametrize("page_name", PAGES, ids=lambda name: name or "overview")
def test_a_page_in_another_language_shows_no_english(
    local_visit: LocalVisit, app_url: str, page_name: str, language: str
) -> None:
    local_visit.open(f"{app_url}/{page_name}?lang={language}")
    shown = local_visit.page.locator("body").inner_text()  # type: ignore[attr-defined]
    leaks = sorted(
        fragment
        for fragment in _english_fragments(language)
        # Whole words only: "recommendation" inside the table name recommendation_status is
        # an identifier, not English prose.
        if re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", shown)
    )
    assert leaks == [], leaks
    local_visit.assert_clean()


def test_the_language_menu_sets_the_address_and_a_reload_keeps_it(
    local_visit: LocalVisit, app_url: str
) -> None:
    with messages.speaking("fr"):
        french_title = messages.plain("overview.title")
    page = local_visit.page
    local_visit.open(f"{app_url}/?lang=en")
    sidebar = page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    sidebar.locator('[data-testid="stSelectbox"] input').first.click()
    page.locator("[role='option']", has_text="Français").first.click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"[?&]lang=fr\b"))  # type: ignore[attr-defined]
    expect(page.locator("h1").first).to_have_text(french_title)  # type: ignore[attr-defined]
    page.reload(wait_until="domcontentloaded")  # type: ignore[attr-defined]
    local_visit.settle()
    expect(page.locator("h1").first).to_have_text(french_title)  # type: ignore[attr-defined]
    assert re.search(r"[?&]lang=fr\b", page.url)  # type: ignore[attr-defined]
    local_visit.assert_clean()


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de", "da", "it"])
def test_the_menu_fits_the_top_bar_with_every_page_in_the_language(
    local_visit: LocalVisit, app_url: str, language: str
) -> None:
    """At desktop width every follow-up page is a link in the bar and the take-away pages sit
    under one named section, so Streamlit never folds pages into its English "N more" menu."""
    with messages.speaking(language):
        in_bar = [messages.plain(f"nav.{name}") for name in NAV_IN_BAR]
        section = messages.plain("nav.take_away")
        under_section = [messages.plain(key) for key in NAV_UNDER_SECTION]
    page = local_visit.page
    local_visit.open(f"{app_url}/?lang={language}")
    bar = page.locator('[data-testid="stTopNav"]')  # type: ignore[attr-defined]
    expect(bar.locator('[data-testid="stTopNavLink"]')).to_have_text(in_bar)
    expect(bar).not_to_contain_text(re.compile(r"\d+ more"))
    bar.locator('[data-testid="stTopNavSection"]', has_text=section).click()
    dropdown = page.locator('[data-testid="stTopNavDropdownLink"]')  # type: ignore[attr-defined]
    expect(dropdown).to_have_text(under_section)
    dropdown.first.click()
    local_visit.settle()
    expect(page.locator("h1").first).to_have_text(under_section[0])  # type: ignore[attr-defined]
    local_visit.assert_clean()
