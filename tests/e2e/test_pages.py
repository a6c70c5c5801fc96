"""Every page in a real browser at desktop and phone width: no exception block, no console
error, and the explorer's row selection and permalinks work as a visitor would use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.snapshot_build import snapshot_file

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
RENDER_TIMEOUT_MS = 30_000


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
        """Wait until Streamlit has finished the script run (no "running" indicator)."""
        page = self.page
        page.wait_for_selector("h1", timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelector('[data-testid=\"stApp\"]')"
            "?.getAttribute('data-test-script-state') === 'notRunning'",
            timeout=RENDER_TIMEOUT_MS,
        )
        page.wait_for_timeout(800)  # type: ignore[attr-defined]

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
        page.wait_for_timeout(600)  # type: ignore[attr-defined]
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
    assert visit.page.locator("h1").count() >= 1  # type: ignore[attr-defined]


def _first_recommendation(data_dir: Path) -> tuple[str, str]:
    import duckdb

    with duckdb.connect(str(snapshot_file(data_dir)), read_only=True) as con:
        row = con.execute(
            """
            SELECT recommendation_id, title FROM recommendation_status
            ORDER BY institution_name, cycle_number NULLS LAST, cycle_title,
                     try_cast(number AS DOUBLE) NULLS LAST, number, title
            LIMIT 1
            """
        ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def test_selecting_a_row_opens_its_detail(
    visit: Visit, app_url: str, e2e_data_dir: Path, screenshot_dir: Path
) -> None:
    recommendation_id, title = _first_recommendation(e2e_data_dir)
    visit.open(f"{app_url}/explorer")
    grid = visit.page.locator('[data-testid="stDataFrame"]').first  # type: ignore[attr-defined]
    grid.wait_for()
    box = grid.bounding_box()
    assert box is not None
    # The first column of the grid is the row-selection marker; the header is ~35 px high.
    visit.page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # type: ignore[attr-defined]
    visit.page.wait_for_selector(  # type: ignore[attr-defined]
        ".st-key-recommendation_detail", timeout=RENDER_TIMEOUT_MS
    )
    visit.settle()
    detail = visit.page.locator(".st-key-recommendation_detail")  # type: ignore[attr-defined]
    assert title[:30] in detail.inner_text()
    assert f"rec={recommendation_id}" in visit.page.url  # type: ignore[attr-defined]
    visit.screenshot(screenshot_dir / "explorer-selected-desktop.png")
    visit.assert_clean()


def test_permalink_restores_recommendation_and_filters(
    visit: Visit, app_url: str, e2e_data_dir: Path
) -> None:
    recommendation_id, title = _first_recommendation(e2e_data_dir)
    visit.open(f"{app_url}/explorer?rec={recommendation_id}&stance=not_recorded")
    detail = visit.page.locator(".st-key-recommendation_detail")  # type: ignore[attr-defined]
    detail.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert title[:30] in detail.inner_text()
    # The filter comes back from the link: wait for its chip rather than reading the page at
    # one instant, when a rerun may still be replacing the widgets.
    chip = visit.page.locator('[data-testid="stMultiSelect"]', has_text="Not recorded")  # type: ignore[attr-defined]
    chip.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    visit.assert_clean()


def test_hostile_permalink_shows_notice(visit: Visit, app_url: str) -> None:
    visit.open(f"{app_url}/explorer?rec=%3Cscript%3Ealert(1)%3C/script%3E&q=%27%20OR%201%3D1%20--")
    alerts = visit.page.locator('[data-testid="stAlert"]').all_inner_texts()  # type: ignore[attr-defined]
    assert any("<script>alert(1)</script>" in text and "ignored" in text for text in alerts)
    assert visit.page.locator("script:text('alert(1)')").count() == 0  # type: ignore[attr-defined]
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
    visit.page.wait_for_url(f"**/explorer?institution={institution_id}", timeout=RENDER_TIMEOUT_MS)  # type: ignore[attr-defined]
    visit.settle()
    chosen = visit.page.locator('[data-testid="stMultiSelect"]').all_inner_texts()  # type: ignore[attr-defined]
    assert any(name[:20] in text for text in chosen)
    visit.assert_clean()
