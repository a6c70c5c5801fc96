"""Import the data and chart libraries once, under a lock, before any page runs.

Streamlit runs every session's script in its own thread. When a freshly started server gets
several visitors at once (a replica joining a busy pool, a load test), those threads import
pandas, pyarrow and Altair for the first time together; Altair and narwhals look pandas up in
`sys.modules`, where another thread may have put it half-initialised, and the page fails with
"partially initialized module 'pandas' has no attribute 'Timestamp'". Importing everything
here, one thread at a time, means no page ever sees a library that is still loading.
"""

from __future__ import annotations

import importlib
import threading

LIBRARIES = ("numpy", "pandas", "pyarrow", "polars", "duckdb", "narwhals", "altair")

_lock = threading.Lock()
_loaded = False


def load() -> None:
    """Return once every library is fully imported; only the first caller does the work."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            for name in LIBRARIES:
                importlib.import_module(name)
            _loaded = True
