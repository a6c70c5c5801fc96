"""The coverage tables are rendered from the snapshot, so the coverage document cannot drift.

One test rebuilds the bundled registers and checks that the committed docs/data-coverage.md is
exactly what `python -m ingest coverage --write` makes of it: editing a register without
regenerating the document fails here. The others run the command on the small test register
and on broken inputs, as a maintainer would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.coverage import (
    CoverageError,
    Search,
    cycle_figures,
    fill_document,
    read_searches,
    searches_list,
)

from .conftest import Workspace

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = REPO_ROOT / "docs" / "data-coverage.md"

MARKED_DOC = """# Coverage

Hand-written prose stays.

<!-- coverage:institutions:start -->
stale institutions table
<!-- coverage:institutions:end -->

Between the tables.

<!-- coverage:cycles:start -->
stale cycles table
<!-- coverage:cycles:end -->

<!-- coverage:searches:start -->
stale searches
<!-- coverage:searches:end -->

Closing prose.
"""


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_committed_document_is_what_the_bundled_data_generate(tmp_path: Path) -> None:
    data_dir = tmp_path / "build"
    built = subprocess.run(
        [sys.executable, "-m", "ingest", "build", "--data-dir", str(data_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    copy = tmp_path / "data-coverage.md"
    shutil.copy(DOCUMENT, copy)

    code, output = _run("coverage", "--data-dir", str(data_dir), "--write", str(copy))

    assert code == 0, output
    assert copy.read_text(encoding="utf-8") == DOCUMENT.read_text(encoding="utf-8"), (
        "docs/data-coverage.md is out of date: run "
        "`python -m ingest build && python -m ingest coverage --write docs/data-coverage.md`"
    )
    assert "already up to date" in output


COLLECTIVE = (
    "cycle_id,responded_on,response_kind,title,recommendation_ids,covered_count,source_url\n"
    "test-2023-housing,2024-05-15,final,Rapport final,test-2023-housing-r03,,https://example.org/c\n"
    "test-2024-food,2024-04-22,interim,Rapport intermédiaire,,33,https://example.org/d\n"
)


SEARCHES = (
    "cycle_id,searched,found_nothing_because\n"
    "test-2024-food,the government's site for the list,only the count is published\n"
)


def _coverage(workspace: Workspace, *args: str) -> tuple[int, str]:
    searches = workspace.root / "searches.csv"
    if not searches.exists():
        searches.write_text(SEARCHES, encoding="utf-8")
    return _run(
        "coverage", "--data-dir", str(workspace.data_dir), "--searches", str(searches), *args
    )


def test_write_replaces_only_the_marked_blocks(workspace: Workspace, tmp_path: Path) -> None:
    workspace.file("collective_responses").write_text(COLLECTIVE, encoding="utf-8")
    code, output = workspace.build()
    assert code == 0, output
    doc = tmp_path / "doc.md"
    doc.write_text(MARKED_DOC, encoding="utf-8")

    code, output = _coverage(workspace, "--write", str(doc))

    assert code == 0, output
    text = doc.read_text(encoding="utf-8")
    for prose in ("Hand-written prose stays.", "Between the tables.", "Closing prose."):
        assert prose in text
    assert "stale" not in text
    # Housing: 10 declared, 3 listed, 2 answered one by one and the third by the collective
    # report that lists it; 2 with a status, 2 milestones.
    assert (
        "| `test-2023-housing` | 2023-06-10 | 10 | 3 | 30 % | 0 | 2 | 1 | 0 | 100 % "
        "| item answers | 2 | 0 | 2 | — |"
    ) in text
    # Food: no item, an answer to 33 of 56 known only in aggregate, a two-row outcome report.
    assert (
        "| `test-2024-food` | 2024-02-06 | 56 | 0 | 0 % | 0 | 0 | 0 | 0 | — "
        "| answer in aggregate | 0 | 2 | 0 | — |"
    ) in text
    assert "| **Total** |  | **2** | **66 (0)** | **3** | **5 %** | **0** | **2** | **1** |" in text
    assert "- `test-2024-food`\n  - Searched the government's site for the list — only" in text

    code, output = _coverage(workspace, "--write", str(doc))
    assert code == 0 and "already up to date" in output
    assert doc.read_text(encoding="utf-8") == text


def test_document_without_markers_is_refused_and_left_alone(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.build()
    doc = tmp_path / "doc.md"
    original = MARKED_DOC.replace("<!-- coverage:cycles:end -->\n", "")
    doc.write_text(original, encoding="utf-8")

    code, output = _coverage(workspace, "--write", str(doc))

    assert code == 2
    assert "coverage:cycles:start" in output
    assert doc.read_text(encoding="utf-8") == original


def test_printing_shows_every_block_without_writing(workspace: Workspace) -> None:
    workspace.build()
    code, output = _coverage(workspace)
    assert code == 0, output
    for name in ("institutions", "cycles", "searches"):
        assert f"<!-- coverage:{name} -->" in output
    assert "| `test-2023-housing` | 2023-06-10 | 10 | 3 |" in output


def test_searches_naming_an_unknown_cycle_are_refused(workspace: Workspace) -> None:
    workspace.build()
    (workspace.root / "searches.csv").write_text(
        "cycle_id,searched,found_nothing_because\ntest-2099-nothing,x,y\n", encoding="utf-8"
    )
    code, output = _coverage(workspace)
    assert code == 2
    assert "test-2099-nothing" in output


def test_no_snapshot_yet_says_what_to_run(tmp_path: Path) -> None:
    code, output = _run("coverage", "--data-dir", str(tmp_path / "empty"))
    assert code == 2
    assert "ingest build" in output


def test_searches_render_per_cycle_and_unknown_cycles_are_errors(workspace: Workspace) -> None:
    workspace.build()
    searches = [
        Search("test-2024-food", "the government's site for the answer", "only counts"),
        Search("test-2023-housing", "the minutes", "not published"),
    ]
    with workspace.snapshot() as con:
        cycles = cycle_figures(con)
    rendered = searches_list(cycles, searches)
    assert rendered.index("`test-2023-housing`") < rendered.index("`test-2024-food`")
    assert "  - Searched the minutes — not published" in rendered
    with pytest.raises(CoverageError, match="test-2099-nothing"):
        searches_list(cycles, [Search("test-2099-nothing", "x", "y")])


def test_searches_file_rows_must_be_complete(tmp_path: Path) -> None:
    path = tmp_path / "searches.csv"
    path.write_text(
        "cycle_id,searched,found_nothing_because\ntest-2023-housing,the minutes,\n",
        encoding="utf-8",
    )
    with pytest.raises(CoverageError, match=r"searches.csv:2: empty found_nothing_because"):
        read_searches(path)


def test_bundled_searches_file_reads() -> None:
    assert all(s.cycle_id and s.searched for s in read_searches())


def test_fill_document_escapes_nothing_outside_blocks() -> None:
    text = fill_document(MARKED_DOC, {"cycles": "| a \\| b |"})
    assert "stale institutions table" in text
    assert "<!-- coverage:cycles:start -->\n| a \\| b |\n<!-- coverage:cycles:end -->" in text
