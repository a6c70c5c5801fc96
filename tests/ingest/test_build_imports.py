"""A register build imports neither pandas nor pyarrow: pyarrow's libraries are 45 MB of a
large build's resident memory and it imports pandas (0.4 s) the first time it converts Python
values. Frames reach DuckDB through Arrow's C stream interface instead (ingest.frames)."""

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
imported = sorted(name for name in ("pandas", "pyarrow") if name in sys.modules)
print("exit", result.exit_code, "imported:", imported)
"""


def test_a_register_build_with_rejects_imports_neither_pandas_nor_pyarrow(
    workspace: Workspace,
) -> None:
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
    assert "exit 0 imported: []" in result.stdout, result.stdout + result.stderr
    assert workspace.query("SELECT count(*) FROM rejects") == [(1,)]
    assert workspace.query("SELECT count(*) FROM search_postings")[0][0] > 0
