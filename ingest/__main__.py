"""Entry point for `python -m ingest`."""

from __future__ import annotations

import contextlib
import ctypes
import os

# Polars' allocator (jemalloc) keeps the pages a frame freed for ten seconds by default. A
# build validates a register block by block, freeing each block's frames as it goes, so
# with that the freed pages of every block pile up in the process's memory. Kept for a
# fifth of a second, about the time three blocks take, they are reused by the next blocks
# instead of being returned and faulted in again: on the Europe-scale registers, 1.6 s
# less system time and builds 0.5–1.7 s faster than returning them at once, at the same
# peak (the search index's, 450–464 MB).
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:200,muzzy_decay_ms:0")

# glibc's malloc gives each thread that allocates an arena of its own, and keeps what is
# freed in one for that arena. A build validates its next block in a second thread while
# DuckDB stores the one before (ingest.staging.prefetched); with two arenas the memory of the
# blocks freed there stayed with the process, and the peak rose from 465 MB to 507 MB.
M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
with contextlib.suppress(OSError, AttributeError):  # not glibc: its own allocator, its rules
    ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 1)

from ingest.cli import app  # noqa: E402 - after the settings: Polars reads its own on loading

if __name__ == "__main__":
    app()
