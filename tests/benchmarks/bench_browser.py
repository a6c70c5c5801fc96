"""The app as people meet it: `streamlit run` in a subprocess, driven by headless Chromium.

Measures the cold start (process spawned → first Vega chart drawn in the browser) and the
app process's peak resident memory (VmHWM) after a tour of every page with filters set
through permalinks, which is what a shared link does.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, spawn_app, wait_healthy  # noqa: E402 - after the path is set

CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
CHART_TIMEOUT_MS = 180_000
# The script run is over: no "running" indicator and the app's own state says so.
SETTLED = (
    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && document.querySelector('[data-testid=\"stApp\"]')"
    "?.getAttribute('data-test-script-state') === 'notRunning'"
)


@dataclass
class BrowserResult:
    spawn_to_healthy: float | None = None
    spawn_to_first_chart: float | None = None
    request_to_first_chart: float | None = None
    request_to_title: float | None = None
    peak_rss_mb: float | None = None
    rss_after_start_mb: float | None = None
    tour: dict[str, float] = field(default_factory=dict)
    peak_rss_after_mb: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def _memory_mb(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field_name)


def _spawn(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return spawn_app(data_dir, port, log.open("wb"))


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure_browser(
    data_dir: Path, institution_ids: list[str], cycle_ids: list[str], log: Path
) -> BrowserResult:
    from playwright.sync_api import sync_playwright

    result = BrowserResult()
    tour = [
        ("overview", "overview"),
        ("overview, one institution", f"overview?institution={institution_ids[0]}"),
        ("explorer", "explorer"),
        ("explorer, one institution", f"explorer?institution={institution_ids[1]}"),
        ("timelines", f"timelines?cycle={cycle_ids[len(cycle_ids) // 2]}"),
        ("compare", "compare"),
        (
            "compare, three institutions",
            "compare?" + "&".join(f"institution={i}" for i in institution_ids[2:5]),
        ),
        ("sources", "sources"),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        spawned = time.perf_counter()
        process = _spawn(data_dir, port, log)
        try:
            wait_healthy(url, process, poll_seconds=0.05)
            result.spawn_to_healthy = time.perf_counter() - spawned
            result.rss_after_start_mb = _memory_mb(process.pid, "VmRSS")
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            requested = time.perf_counter()
            page.goto(url, wait_until="commit")
            page.wait_for_selector("h1", timeout=CHART_TIMEOUT_MS)
            result.request_to_title = time.perf_counter() - requested
            page.wait_for_selector(CHART, timeout=CHART_TIMEOUT_MS)
            now = time.perf_counter()
            result.spawn_to_first_chart = now - spawned
            result.request_to_first_chart = now - requested
            for name, path in tour:
                start = time.perf_counter()
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                page.wait_for_selector("h1", timeout=CHART_TIMEOUT_MS)
                page.wait_for_function(SETTLED, timeout=CHART_TIMEOUT_MS)
                result.tour[name] = time.perf_counter() - start
                result.peak_rss_after_mb[name] = _memory_mb(process.pid, "VmHWM")
            result.peak_rss_mb = _memory_mb(process.pid, "VmHWM")
        except Exception as error:  # report what was measured so far
            result.error = f"{type(error).__name__}: {error}"[:300]
        finally:
            _stop(process)
            browser.close()
    return result
