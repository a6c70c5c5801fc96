"""Every page in a real browser at desktop and phone width: no exception block, no console
error, and the explorer's row selection and permalinks work as a visitor would use them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.dashboard.snapshot_build import snapshot_file
from tests.e2e.recommendations import first_recommendation

pytestmark = pytest.mark.e2e

# The default page (overview) lives at the root URL.
PAGES = {
    "overview": "",
    "explorer": "explorer",
    "timelines": "timelines",
    "compare": "compare",
    "sources": "sources",
}
# Opening a deep link, Streamlit's frontend first probes its endpoints under the page path
# and then at the root; those probe 404s are the framework's, not the app's.
FRAMEWORK_PROBES = ("/_stcore/health", "/_stcore/host-config")
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
# Every wait is on the page's state; the bound only decides when a stuck page fails, and is
# generous because the suite must pass on a machine whose cores are busy with other work.
RENDER_TIMEOUT_MS = 90_000
# The app's footer, the last element of every run (dashboard/app.py).
FOOTER = re.compile(r"^Snapshot uptake-\S+\.duckdb, built ")
SCRIPT_DONE = (
    "() => document.querySelector('[data-testid=\"stApp\"]')"
    "?.getAttribute('data-test-script-state') === 'notRunning'"
)
# Two animation frames: the browser has laid out and painted what the last change caused.
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


class Visit:
    """One browser page plus the console errors it logged."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.console_errors: list[str] = []
        page.on("console", self._on_console)  # type: ignore[attr-defined]
        page.on(  # type: ignore[attr-defined]
            "pageerror", lambda error: self.console_errors.append(str(error))
        )

    def _on_console(self, message: object) -> None:
        if message.type != "error":  # type: ignore[attr-defined]
            return
        source = message.location.get("url", "")  # type: ignore[attr-defined]
        if source.endswith(FRAMEWORK_PROBES):
            return
        self.console_errors.append(f"{message.text} ({source})")  # type: ignore[attr-defined]

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
        self.settle()

    def settle(self) -> None:
        """Wait until Streamlit has finished the script run: the page's heading is drawn, the
        footer (written last) is there and the "running" state is over. Call it once the
        change that starts a run is visible (a new page, an opened detail), never before."""
        page = self.page
        page.locator("h1").first.wait_for(timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
        page.get_by_text(FOOTER).last.wait_for(timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
        page.wait_for_function(SCRIPT_DONE, timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
        page.evaluate(PAINTED)  # type: ignore[attr-defined]

    def screenshot(self, path: Path) -> None:
        """The whole page: Streamlit scrolls inside its main container, so the viewport is
        stretched to the content's height for the shot and then restored."""
        page = self.page
        size = page.viewport_size  # type: ignore[attr-defined]
        height = page.evaluate(  # type: ignore[attr-defined]
            '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
            '[data-testid="stAppScrollToBottomContainer"]\')].map(e => e.scrollHeight), 0)'
        )
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})  # type: ignore[attr-defined]
        page.wait_for_function(SCRIPT_DONE, timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
        page.evaluate(PAINTED)  # type: ignore[attr-defined]
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        page.set_viewport_size(size)  # type: ignore[attr-defined]

    def assert_clean(self) -> None:
        exceptions = self.page.locator('[data-testid="stException"]')  # type: ignore[attr-defined]
        assert exceptions.count() == 0, exceptions.first.inner_text()
        assert self.console_errors == []


@pytest.fixture
def visit(browser: object, request: pytest.FixtureRequest) -> Iterator[Visit]:
    width, height = VIEWPORTS[getattr(request, "param", "desktop")]
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    # Navigation and clicks get the same bound as every other wait.
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    page = context.new_page()
    yield Visit(page)
    context.close()


@pytest.mark.parametrize("visit", list(VIEWPORTS), indirect=True)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_renders_cleanly(
    visit: Visit, page_name: str, app_url: str, screenshot_dir: Path, request: pytest.FixtureRequest
) -> None:
    viewport = request.node.callspec.params["visit"]
    visit.open(f"{app_url}/{PAGES[page_name]}")
    visit.screenshot(screenshot_dir / f"{page_name}-{viewport}.png")
    visit.assert_clean()


def test_selecting_a_row_opens_its_detail(
    visit: Visit, app_url: str, e2e_data_dir: Path, screenshot_dir: Path
) -> None:
    recommendation_id, title = first_recommendation(e2e_data_dir)
    visit.open(f"{app_url}/explorer")
    grid = visit.page.locator('[data-testid="stDataFrame"]').first  # type: ignore[attr-defined]
    # Click only once the grid has drawn its rows: its accessible table holds the first title.
    grid.locator("td", has_text=title[:30]).first.wait_for(state="attached")
    box = grid.bounding_box()
    assert box is not None
    # The first column of the grid is the row-selection marker; the header is ~35 px high.
    visit.page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # type: ignore[attr-defined]
    detail = visit.page.locator(".st-key-recommendation_detail")  # type: ignore[attr-defined]
    expect(detail).to_contain_text(title[:30], timeout=RENDER_TIMEOUT_MS)
    visit.settle()
    expect(visit.page).to_have_url(  # type: ignore[arg-type]
        re.compile(f"rec={re.escape(recommendation_id)}"), timeout=RENDER_TIMEOUT_MS
    )
    visit.screenshot(screenshot_dir / "explorer-selected-desktop.png")
    visit.assert_clean()


def test_permalink_restores_recommendation_and_filters(
    visit: Visit, app_url: str, e2e_data_dir: Path
) -> None:
    recommendation_id, title = first_recommendation(e2e_data_dir)
    visit.open(f"{app_url}/explorer?rec={recommendation_id}&stance=not_recorded")
    detail = visit.page.locator(".st-key-recommendation_detail")  # type: ignore[attr-defined]
    expect(detail).to_contain_text(title[:30], timeout=RENDER_TIMEOUT_MS)
    # The filter comes back from the link: wait for its chip rather than reading the page at
    # one instant, when a rerun may still be replacing the widgets.
    chip = visit.page.locator('[data-testid="stMultiSelect"]', has_text="Not recorded")  # type: ignore[attr-defined]
    chip.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    visit.assert_clean()


def test_hostile_permalink_shows_notice(visit: Visit, app_url: str) -> None:
    visit.open(f"{app_url}/explorer?rec=%3Cscript%3Ealert(1)%3C/script%3E&q=%27%20OR%201%3D1%20--")
    notice = visit.page.locator('[data-testid="stAlert"]', has_text="<script>alert(1)</script>")  # type: ignore[attr-defined]
    expect(notice.first).to_contain_text("ignored", timeout=RENDER_TIMEOUT_MS)
    expect(visit.page.locator("script:text('alert(1)')")).to_have_count(0)  # type: ignore[attr-defined]
    visit.assert_clean()


def test_institution_card_link_opens_the_filtered_explorer(
    visit: Visit, app_url: str, e2e_data_dir: Path
) -> None:
    import duckdb

    with duckdb.connect(str(snapshot_file(e2e_data_dir)), read_only=True) as con:
        institution_id, name = con.execute(
            "SELECT institution_id, name FROM current_institutions ORDER BY name LIMIT 1"
        ).fetchone()
    visit.open(app_url)
    link = visit.page.locator(f'a[href*="institution={institution_id}"]')  # type: ignore[attr-defined]
    # The cards come after the charts; on a busy machine the run may still be streaming them.
    link.first.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    link.first.click()
    # The link keeps the page's language.
    visit.page.wait_for_url(  # type: ignore[attr-defined]
        f"**/explorer?institution={institution_id}&lang=en", timeout=RENDER_TIMEOUT_MS
    )
    chosen = visit.page.locator('[data-testid="stMultiSelect"]', has_text=name[:20])  # type: ignore[attr-defined]
    chosen.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    visit.settle()
    visit.assert_clean()


def test_table_tab_shows_the_table_and_its_downloads(visit: Visit, app_url: str) -> None:
    """A chart block sends its table and downloads when a reader opens its Table tab."""
    visit.open(f"{app_url}/compare")
    downloads = visit.page.locator('[data-testid="stDownloadButton"]')  # type: ignore[attr-defined]
    # The side-by-side table's four downloads; the charts' tables wait for their tab.
    expect(downloads).to_have_count(4, timeout=RENDER_TIMEOUT_MS)
    grids = visit.page.locator('[data-testid="stDataFrame"]')  # type: ignore[attr-defined]
    before = grids.count()
    visit.page.get_by_role("tab", name="Table").first.click()  # type: ignore[attr-defined]
    expect(downloads).to_have_count(8, timeout=RENDER_TIMEOUT_MS)
    expect(grids).to_have_count(before + 1, timeout=RENDER_TIMEOUT_MS)
    visit.settle()
    expect(visit.page.get_by_role("tab", name="Table").first).to_have_attribute(  # type: ignore[attr-defined]
        "aria-selected", "true"
    )
    visit.assert_clean()


# True once the headline row holds seven boxes, each nearly as wide as the row.
HEADLINES_FULL_WIDTH = """() => {
  const row = document.querySelector('.st-key-headline_metrics');
  if (!row) return false;
  const boxes = [...row.querySelectorAll('[data-testid="stMetric"]')];
  const width = row.getBoundingClientRect().width;
  return boxes.length === 7 && boxes.every(b => b.getBoundingClientRect().width > 0.85 * width);
}"""


@pytest.mark.parametrize("visit", ["phone"], indirect=True)
def test_headline_figures_take_a_phones_width(visit: Visit, app_url: str) -> None:
    """On a phone each headline box spans the screen instead of a narrow fixed column."""
    visit.open(f"{app_url}/")
    visit.page.wait_for_function(HEADLINES_FULL_WIDTH, timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
    visit.assert_clean()
