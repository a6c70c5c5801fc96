"""Where things live, relative to the repository, so every command agrees."""

from __future__ import annotations

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
SEARCH_CONFIG_FILE = DATA_DIR / "search.toml"
