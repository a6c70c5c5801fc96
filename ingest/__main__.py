"""Entry point for `python -m ingest`."""

from __future__ import annotations

import os

# Polars' allocator (jemalloc) keeps the pages a frame freed for ten seconds by default. A
# build validates a register block by block, freeing each block's frames as it goes, so
# without this the freed pages of every block pile up in the process's memory.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

from ingest.cli import app  # imported after the setting: Polars reads it when it loads

if __name__ == "__main__":
    app()
