"""Drive the real app script with AppTest the way a visitor's browser would."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from dashboard.messages import catalogue, current_language
from tests.dashboard.snapshot_build import REPO_ROOT

APP = str(REPO_ROOT / "dashboard" / "app.py")
PAGES = ("overview", "explorer", "timelines", "compare", "sources")
TIMEOUT_SECONDS = 60


def copy_snapshot(source: Path, folder: Path, name: str) -> Path:
    """A writable copy of a snapshot published under `name` in `folder` (CURRENT updated)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(source, target)
    (folder / "CURRENT").write_text(name + "\n", encoding="utf-8")
    return target


def open_page(page: str, params: dict[str, str | list[str]] | None = None) -> AppTest:
    """Run the app, switch to `page` and run it with `params` as the URL query."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT_SECONDS)
    app.run()
    if page != "overview":
        app.switch_page(f"views/{page}.py")
    app.query_params = dict(params or {})
    app.run()
    return app


# A backslash before ASCII punctuation, as Markdown escapes it; and the invisible word joiner
# the app slips into untrusted text so that no address or shortcode turns into a link or icon.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_WORD_JOINER = "\u2060"


def as_shown(markdown: str) -> str:
    """Markdown source as a reader sees its text: escapes resolved, word joiners dropped."""
    return _ESCAPED.sub(r"\1", markdown).replace(_WORD_JOINER, "")


def texts(app: AppTest) -> str:
    """Everything the page says, as a visitor reads it, for assertions on wording."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
    ):
        parts.extend(as_shown(str(element.value)) for element in getattr(app, kind))
    for kind in ("text", "code"):
        parts.extend(str(element.value) for element in getattr(app, kind))
    parts.extend(f"{metric.label}: {metric.value}" for metric in app.metric)
    return "\n".join(parts)


def assert_no_exception(app: AppTest) -> None:
    assert not app.exception, [exception.value for exception in app.exception]


def frame_with(app: AppTest, *columns: str) -> object:
    """The first data table on the page that has all `columns` (tables carry no key)."""
    for element in app.dataframe:
        frame = element.value
        if set(columns) <= set(frame.columns):
            return frame
    raise AssertionError(f"no table with columns {columns}")


def open_table_tab(app: AppTest, block: str) -> None:
    """Click the Table tab of the chart block `block` (its key): the page runs again and
    draws that block's table and downloads instead of its chart."""
    app.session_state[f"{block}_tabs"] = catalogue(current_language())["common.table_tab"]
    app.run()


def charts(app: AppTest) -> list[tuple[dict, dict[str, list[dict]]]]:
    """Every Vega-Lite chart on the page as (Vega-Lite spec, its datasets as rows by name): what
    the browser is sent to draw."""
    found = []
    for element in app.get("vega_lite_chart"):
        datasets = {
            dataset.name: pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
            for dataset in element.proto.datasets
        }
        found.append((json.loads(element.proto.spec), datasets))
    return found
