"""A real app in a real browser: the bundled data built once, `streamlit run` on a free port,
and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, running_app
from tests.dashboard.snapshot_build import build_snapshot

SCREENSHOT_DIR = Path(
    os.environ.get("UPTAKE_SHOTS_DIR", Path(tempfile.gettempdir()) / "uptake-shots")
)
STARTUP_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="session")
def e2e_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_snapshot(tmp_path_factory.mktemp("e2e-build"))


@pytest.fixture(scope="session")
def app_url(e2e_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_app(e2e_data_dir, tmp_path_factory.mktemp("e2e-log") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
