"""The data and chart libraries: imported once under a lock, used by one page run at a time.

Streamlit runs every session's script in its own thread of one process. Two failures follow
when sessions run together, both found by the concurrent-session benchmark
(tests/benchmarks/bench_sessions.py):

- A freshly started server that gets several visitors at once imports pandas, pyarrow and
  Altair in several threads together; Altair and narwhals look pandas up in `sys.modules`,
  where another thread may have left it half-initialised, and the page fails with
  "partially initialized module 'pandas' has no attribute 'Timestamp'". `load()` imports
  the data libraries first, one thread at a time. The charts no longer use Altair, so it is
  not imported at all. pandas is left out too: only the briefing and the meeting list need
  it (Streamlit's tables convert through it there), and they import it inside their own page
  run, which `exclusive()` keeps to one at a time, so no other page run can see it
  half-loaded; the routes and the warm-up never import it. Importing it at start took
  0.2–0.4 s from the first chart of a cold start (BENCHMARKS.md, fourth pass) and kept
  40 MB in every server that never shows those two pages.
- Polars hands work to its own thread pool, whose threads sometimes need the GIL (to
  release buffers that came from DuckDB through pyarrow); Streamlit converts Polars frames
  to pandas and Arrow in each script thread. With a few dozen sessions converting at once
  the process froze: every thread waiting for the GIL or for the pool, CPU idle, no new
  connection accepted. `exclusive()` lets one page run use them at a time.

Serialising page runs costs little: the GIL already lets only one thread run Python at a
time, and a page run is Python (shaping, Streamlit's element protos) more than DuckDB.
More throughput comes from more processes (docs/deploy.md), not more threads.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Iterator

# What the first pages use, and only that: each costs start-up time on the first visit.
LIBRARIES = ("numpy", "pyarrow", "polars", "duckdb")

_import_lock = threading.Lock()
_loaded = False
_run_lock = threading.Lock()


def load() -> None:
    """Return once every library is fully imported; only the first caller does the work."""
    global _loaded
    if _loaded:
        return
    with _import_lock:
        if not _loaded:
            for name in LIBRARIES:
                importlib.import_module(name)
            _loaded = True


@contextlib.contextmanager
def exclusive() -> Iterator[None]:
    """Hold while a page runs: no two script threads convert frames at the same time."""
    with _run_lock:
        yield
