"""Entry point for `python -m ingest`."""

from __future__ import annotations

from ingest.cli import app

if __name__ == "__main__":
    app()
