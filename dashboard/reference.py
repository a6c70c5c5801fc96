"""The project's own reference text the app shows: the methodology sections.

docs/methodology.md is documentation, not data, so the page and the documentation can never
say different things. Each language's translation is docs/methodology.<lang>.md, shown when
present (English otherwise). Scales and vocabularies are data and are read from the snapshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard.messages import current_language
from dashboard.snapshot import REPO_ROOT

METHODOLOGY_FILE = REPO_ROOT / "docs" / "methodology.md"
_HEADING = re.compile(r"^## +(?P<title>.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Section:
    title: str
    body: str


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@st.cache_data(show_spinner=False)
def _methodology(path: str, mtime: float) -> tuple[str, list[Section]]:
    del mtime  # part of the cache key only: an edited file is re-read
    text = Path(path).read_text(encoding="utf-8")
    matches = list(_HEADING.finditer(text))
    preamble = text[: matches[0].start()] if matches else text
    # The page has its own title; the document's "# Methodology" line would repeat it.
    preamble = re.sub(r"^# .*$", "", preamble, count=1, flags=re.MULTILINE)
    sections = [
        Section(
            match.group("title"),
            text[match.end() : matches[index + 1].start() if index + 1 < len(matches) else None],
        )
        for index, match in enumerate(matches)
    ]
    return preamble.strip(), [Section(s.title, s.body.strip()) for s in sections]


def methodology_file(language: str) -> Path:
    """The methodology in `language` (docs/methodology.<lang>.md), else the English one."""
    translated = METHODOLOGY_FILE.with_suffix(f".{language}.md")
    return translated if translated.is_file() else METHODOLOGY_FILE


def methodology() -> tuple[str, list[Section]] | None:
    """The methodology's preamble and its `## Indicator` sections in the current language,
    or None if missing."""
    path = methodology_file(current_language())
    if not path.is_file():
        return None
    return _methodology(str(path), _mtime(path))
