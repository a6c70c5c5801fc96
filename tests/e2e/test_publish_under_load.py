"""Twenty visitors browse every page while builds publish new snapshots and prune old ones.

A visitor must never see an error or a page mixing two snapshots, and one who was reading a
snapshot that has since been pruned must land on the current one with a notice. The sessions
are real browser pages (headless Chromium, one context each, so each is its own Streamlit
session over its own websocket) driven concurrently with Playwright's async API: what is
exercised is the served app — its threads, its shared connection and query caches — exactly as
visitors meet it. Every wait is on the page's state; the only other wait is for a build
process to end.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dashboard.snapshot import REPO_ROOT
from ingest.snapshot import KEEP_SNAPSHOTS
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, running_app
from tests.dashboard.snapshot_build import build_snapshot, snapshot_file
from tests.e2e.recommendations import first_recommendation

# Twenty browser sessions and six builds need minutes of both cores: the test runs when
# UPTAKE_LOAD_TEST=1 is set, on a machine not already busy with other suites.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        os.environ.get("UPTAKE_LOAD_TEST") != "1",
        reason="load test: set UPTAKE_LOAD_TEST=1 to run it",
    ),
]

SESSIONS = 20
# Enough builds after the first that the first snapshot falls out of the newest KEEP_SNAPSHOTS.
BUILDS = KEEP_SNAPSHOTS + 1
# Generous: twenty sessions and a build share two cores.
WAIT_MS = 180_000
BUILD_TIMEOUT_SECONDS = 300

CATALOGUE = tomllib.loads((REPO_ROOT / "dashboard/locales/en.toml").read_text(encoding="utf-8"))
TITLES = {name: CATALOGUE[name]["title"] for name in ("explorer", "timelines", "compare")} | {
    "overview": CATALOGUE["overview"]["title"],
    "sources": CATALOGUE["sources"]["title"],
}
NAV = CATALOGUE["nav"]
FOOTER = re.compile(r"^Snapshot (?P<id>uptake-\S+-run(?P<run>\d+)\.duckdb), built ")
# The same footer for the browser to find (JavaScript has no named groups).
FOOTER_TEXT = re.compile(r"^Snapshot uptake-\S+\.duckdb, built ")
RUN_LOG_HEADING = CATALOGUE["sources"]["runs_heading"]
NEW_SNAPSHOT_NOTICE = CATALOGUE["app"]["new_snapshot"].split("{")[0]
# The app's own error notices, by their fixed opening words.
ERROR_NOTICES = tuple(
    CATALOGUE["app"][key].split("{")[0].strip()
    for key in ("query_failed", "unreadable_snapshot", "outdated_snapshot")
)
# A toast disappears after a few seconds; the page keeps every one it showed, so reading the
# notices cannot race the timer that removes them.
TOAST_RECORDER = """() => {
  window.uptakeToasts = [];
  new MutationObserver(() => {
    for (const toast of document.querySelectorAll('[data-testid="stToast"]')) {
      if (!window.uptakeToasts.includes(toast.innerText)) window.uptakeToasts.push(toast.innerText);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""
SCRIPT_DONE = (
    "() => document.querySelector('[data-testid=\"stApp\"]')"
    "?.getAttribute('data-test-script-state') === 'notRunning'"
)


@dataclass
class Observations:
    """What every session saw, and what went wrong, for one assertion at the end."""

    renders: list[tuple[int, str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    _reading: asyncio.Event = field(default_factory=asyncio.Event)

    def rendered(self, session: int, page: str, snapshot_id: str) -> None:
        self.renders.append((session, page, snapshot_id))
        if len({session for session, _, _ in self.renders if session >= 0}) == SESSIONS:
            self._reading.set()

    def all_reading(self) -> asyncio.Task[bool]:
        """Done once every browsing session has rendered a page."""
        return asyncio.ensure_future(self._reading.wait())


@pytest.fixture(scope="module")
def load_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_snapshot(tmp_path_factory.mktemp("load-build"))


@pytest.fixture(scope="module")
def load_app_url(load_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_app(load_data_dir, tmp_path_factory.mktemp("load-log") / "streamlit.log") as url:
        yield url


def _build(data_dir: Path) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "ingest", "build", "--data-dir", str(data_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return snapshot_file(data_dir).name


async def _settled(page: object, name: str) -> str:
    """Wait until `name`'s page has finished its run; return its footer (the snapshot id)."""
    heading = page.locator("h1", has_text=TITLES[name]).first  # type: ignore[attr-defined]
    await heading.wait_for(timeout=WAIT_MS)
    await page.wait_for_function(SCRIPT_DONE, timeout=WAIT_MS)  # type: ignore[attr-defined]
    footer = page.get_by_text(FOOTER_TEXT).last  # type: ignore[attr-defined]
    await footer.wait_for(timeout=WAIT_MS)
    return await footer.inner_text()


async def _check(page: object, session: int, name: str, seen: Observations) -> str:
    """Record one rendered page: its snapshot, and anything on it that a visitor would call
    an error or a page reading two snapshots. Returns the snapshot id."""
    footer = FOOTER.match(await _settled(page, name))
    assert footer is not None
    snapshot_id = footer["id"]
    seen.rendered(session, name, snapshot_id)
    where = f"session {session}, {name}, {snapshot_id}"
    exceptions = page.locator('[data-testid="stException"]')  # type: ignore[attr-defined]
    if await exceptions.count():
        seen.failures.append(f"{where}: exception {await exceptions.first.inner_text()}")
    for text in await page.locator('[data-testid="stAlert"]').all_inner_texts():  # type: ignore[attr-defined]
        if text.strip().startswith(ERROR_NOTICES):
            seen.failures.append(f"{where}: error notice {text!r}")
    if name == "sources":
        # The run log lists every build the snapshot holds; the snapshot named `runN` holds
        # runs 1..N. A page whose body read another snapshot than its footer shows it here.
        # The grid draws its accessible table only once scrolled into view.
        grid = page.locator(  # type: ignore[attr-defined]
            f"xpath=//h3[contains(., {RUN_LOG_HEADING!r})]"
            "/following::*[@data-testid='stDataFrame'][1]"
        )
        await grid.scroll_into_view_if_needed()
        log = grid.locator("table")
        await log.wait_for(state="attached")
        runs = int(await log.get_attribute("aria-rowcount")) - 1
        if runs != int(footer["run"]):
            seen.failures.append(f"{where}: run log holds {runs} runs")
    return snapshot_id


async def _open_explorer(page: object, url: str, recommendation: tuple[str, str]) -> None:
    recommendation_id, title = recommendation
    await page.goto(f"{url}/explorer?rec={recommendation_id}", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    detail = page.locator(".st-key-recommendation_detail", has_text=title[:30])  # type: ignore[attr-defined]
    await detail.wait_for(timeout=WAIT_MS)


async def _go(page: object, name: str) -> None:
    link = page.locator('[data-testid="stTopNavLink"]', has_text=NAV[name]).first  # type: ignore[attr-defined]
    await link.click(timeout=WAIT_MS)


async def _browse(
    browser: object,
    session: int,
    url: str,
    recommendation: tuple[str, str],
    builds_done: asyncio.Event,
    seen: Observations,
) -> None:
    """Every page in a loop until the builds are over, then one more round on the final
    snapshot. A new visit opens the explorer on a recommendation; the other pages are reached
    through the navigation, within the same session."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    try:
        last_round = False
        while not last_round:
            last_round = builds_done.is_set()
            await _open_explorer(page, url, recommendation)
            await _check(page, session, "explorer", seen)
            for name in ("overview", "timelines", "compare", "sources"):
                await _go(page, name)
                await _check(page, session, name, seen)
    except Exception as error:  # every session's failure is reported at the end
        seen.failures.append(f"session {session}: {type(error).__name__}: {error}")
    finally:
        await context.close()


async def _hold_then_return(
    browser: object, url: str, recommendation: tuple[str, str], builds_done: asyncio.Event
) -> tuple[str, str, list[str], Observations]:
    """A visitor who opened the first snapshot, left the tab while every build ran, and then
    clicks on: returns the snapshot seen before, after, the notices shown, and the checks."""
    seen = Observations()
    context = await browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    try:
        await _open_explorer(page, url, recommendation)
        before = await _check(page, -1, "explorer", seen)
        await builds_done.wait()
        await page.evaluate(TOAST_RECORDER)
        await _go(page, "sources")
        after = await _check(page, -1, "sources", seen)
        notices = await page.evaluate("() => window.uptakeToasts")
        return before, after, notices, seen
    finally:
        await context.close()


async def _run(
    url: str, data_dir: Path, recommendation: tuple[str, str], seen: Observations
) -> tuple[str, str, list[str], Observations]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        builds_done = asyncio.Event()
        holder = asyncio.create_task(_hold_then_return(browser, url, recommendation, builds_done))
        sessions = [
            asyncio.create_task(_browse(browser, i, url, recommendation, builds_done, seen))
            for i in range(SESSIONS)
        ]
        try:
            # Publish only once every session is reading, so the builds land mid-browse.
            reading = seen.all_reading()
            await asyncio.wait([reading, *sessions], return_when=asyncio.FIRST_COMPLETED)
            reading.cancel()
            for _ in range(BUILDS):
                seen.published.append(await asyncio.to_thread(_build, data_dir))
        finally:
            builds_done.set()
            await asyncio.gather(*sessions)
            try:
                held = await holder
            except Exception as error:
                seen.failures.append(f"returning session: {type(error).__name__}: {error}")
                raise AssertionError("\n".join(seen.failures)) from error
            await browser.close()
    return held


def test_sessions_stay_on_one_snapshot_while_builds_publish_and_prune(
    load_app_url: str, load_data_dir: Path
) -> None:
    first = snapshot_file(load_data_dir).name
    seen = Observations(published=[first])
    before, after, notices, held = asyncio.run(
        _run(load_app_url, load_data_dir, first_recommendation(load_data_dir), seen)
    )

    assert seen.failures == [] and held.failures == [], "\n".join(seen.failures + held.failures)
    # The builds really published and pruned: the first snapshot is gone from the folder.
    assert len(set(seen.published)) == BUILDS + 1
    assert not (load_data_dir / first).exists()
    # Every page every session rendered named a published snapshot; the sessions saw several.
    assert {snapshot for _, _, snapshot in seen.renders} <= set(seen.published)
    assert len({snapshot for _, _, snapshot in seen.renders}) > 1
    # Each session's last round read the final snapshot.
    final = seen.published[-1]
    last_seen = {session: snapshot for session, _, snapshot in seen.renders}
    assert last_seen == dict.fromkeys(range(SESSIONS), final)
    # The visitor who held the pruned first snapshot moved to the current one, with a notice.
    assert before == first
    assert after == final
    assert any(NEW_SNAPSHOT_NOTICE in notice and final in notice for notice in notices), notices
