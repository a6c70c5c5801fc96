"""A server just started, and visitors arriving together on every kind of page, as after a
deploy. pandas is not imported at start (dashboard/libraries.py): the briefing and the meeting
list, the only pages that need it, import it in their own page run while other visitors wait
their turn, and each visitor gets a page without an error."""

from __future__ import annotations

import asyncio
from pathlib import Path

from deploy.streamlit_session import Run, Session
from tests.app_server import run_in_own_loop, running_app

# Pages that import pandas first, between pages that do not, all asked for at once.
PAGES = (
    "briefing",
    "meeting-list",
    "overview",
    "briefing",
    "explorer",
    "meeting-list",
    "compare",
    "timelines",
)


async def _first_runs(url: str) -> list[Run]:
    async def visit(page: str) -> Run:
        session = Session(url)
        await session.open()
        try:
            return await session.rerun(page=page)
        finally:
            await session.close()

    return await asyncio.gather(*(visit(page) for page in PAGES))


def test_visitors_arriving_together_after_a_start_all_get_their_page(
    e2e_data_dir: Path, tmp_path: Path
) -> None:
    with running_app(e2e_data_dir, tmp_path / "server.log", script="dashboard/server.py") as url:
        runs = run_in_own_loop(lambda: _first_runs(url))
    for page, run in zip(PAGES, runs, strict=True):
        assert run.errors == [], page
        assert run.texts, f"{page} showed nothing"
