"""A register build never imports pandas: pyarrow imports it the first time it converts
Python values, which cost every build 0.4 s of a 14 s budget; small tables handed to DuckDB
are built with Polars instead (ingest.staging.id_frame)."""

from __future__ import annotations

import subprocess
import sys

from tests.app_server import REPO_ROOT
from tests.ingest.conftest import Workspace

PROBE = """
import sys
from typer.testing import CliRunner
from ingest.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
print(result.output)
print("exit", result.exit_code, "pandas imported:", "pandas" in sys.modules)
"""


def test_a_register_build_with_rejects_does_not_import_pandas(workspace: Workspace) -> None:
    # A row that references an unknown recommendation: rejects are recorded too.
    workspace.replace_in("congruence", "test-2023-housing-r02", "test-2023-housing-r99")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            "build",
            "--allow-rejects",
            "--sources",
            str(workspace.sources),
            "--data-dir",
            str(workspace.data_dir),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "exit 0 pandas imported: False" in result.stdout, result.stdout + result.stderr
    assert workspace.query("SELECT count(*) FROM rejects") == [(1,)]
    assert workspace.query("SELECT count(*) FROM search_postings")[0][0] > 0
