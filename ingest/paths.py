"""Where things live, relative to the repository, so every command agrees."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DATA_DIR = REPO_ROOT / "data"
DEFAULT_BUILD_DIR = DATA_DIR / "build"
VOCABULARY_DIR = DATA_DIR / "vocabularies"
SOURCES_FILE = DATA_DIR / "sources.toml"
SCHEMA_FILE = PACKAGE_DIR / "schema.sql"
VIEWS_FILE = PACKAGE_DIR / "views.sql"
REGISTER_COLUMNS_FILE = PACKAGE_DIR / "register_columns.csv"


def build_dir_from_env() -> Path:
    """The snapshot folder readers use: $UPTAKE_DATA_DIR, else data/build."""
    value = os.environ.get("UPTAKE_DATA_DIR")
    return Path(value) if value else DEFAULT_BUILD_DIR
