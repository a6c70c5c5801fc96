"""Cell text as every source must hand it on: trimmed, and encodable.

Shared by the register reader and the live mapping, so a value padded with spaces (or with
the invisible characters office software and web forms leave behind) becomes the same id
whichever way it arrived, and text that cannot be stored is caught where it is read.
"""

from __future__ import annotations

import re

# Whitespace (str.isspace: spaces, tabs, no-break spaces, line breaks) plus the invisible
# characters that survive a strip(): zero-width spaces and joiners, word joiner, BOM.
_EDGE_PADDING = re.compile(
    r"^[\s\u200b\u200c\u200d\u2060\ufeff]+|[\s\u200b\u200c\u200d\u2060\ufeff]+$"
)


def clean_cell(text: str) -> str:
    """The text without padding at either end; inner spacing is the source's own."""
    return _EDGE_PADDING.sub("", text)


def invalid_text_reason(text: str) -> str | None:
    """Why the text cannot be stored as UTF-8 (an unpaired surrogate from a JSON escape such
    as "\\ud800"), or None when it can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = text[error.start : error.end].encode("utf-8", "backslashreplace").decode("ascii")
        return f"invalid text: unpaired surrogate {bad} at character {error.start + 1}"
    return None


def shown(text: str, limit: int = 200) -> str:
    """Invalid text made safe to print and store: the bad characters as escapes."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return safe if len(safe) <= limit else safe[:limit] + "…"
