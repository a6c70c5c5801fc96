"""Uptake ingest: the only writer of Uptake's DuckDB snapshots.

Adapters and registers produce raw rows; validation maps them to the canonical model;
loading merges them with history into a new immutable snapshot that is then published.
"""

from __future__ import annotations

__version__ = "0.1.0"
