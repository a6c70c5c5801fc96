"""Rerun time per page on the bundled data: a visitor waits this long after each click."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from tests.dashboard.app_driver import PAGES, assert_no_exception, open_page

RUNS = 10
BUDGET_SECONDS = 2.0


@pytest.mark.parametrize("page", PAGES)
def test_rerun_is_quick(page: str, data_dir: Path, record_property: object) -> None:
    app = open_page(page)
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        app.run()
        timings.append(time.perf_counter() - started)
        assert_no_exception(app)
    median = statistics.median(timings)
    record_property("median_rerun_seconds", round(median, 3))  # type: ignore[operator]
    print(f"\n{page}: median rerun {median * 1000:.0f} ms over {RUNS} runs")
    assert median < BUDGET_SECONDS
