"""Untrusted text in messages: escaped once, shown literally, never turned into markup.

CommonMark (markdown-it) stands in for the browser's parser; the patterns Streamlit's renderer
applies to text *after* parsing (GitHub-flavoured autolinks, emoji and icon shortcodes) are
checked against the text a reader would get.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from markdown_it import MarkdownIt

from dashboard.messages import Markdown, escape_markdown, label, t
from tests.e2e.hostile_register import PAYLOAD

# mdast-util-gfm-autolink-literal's find patterns (remark-gfm), remark-emoji's shortcode and
# the `:material/...:` icon syntax: all matched on text nodes, after escapes are resolved.
AUTOLINK_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE)
AUTOLINK_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")
SHORTCODE = re.compile(r":[\w+-][\w_+-]*:|:material/\w+:")
MARKUP = re.compile(r"<(?!/?p>)[a-z/]")

PAYLOADS = [
    PAYLOAD,
    "[Log in here](https://evil.example/x)",
    "![x](https://evil.example/i.png)",
    "<img src=x onerror=alert(1)>",
    '<a href="https://evil.example">a</a>',
    "**bold** _it_ :red[red] $x^2$ ~~gone~~ `code`",
    "https://evil.example/bare www.evil.example bad@evil.example",
    ":material/warning: :smile:",
    "Title\n===\n# heading\n- item\n1. first\n> quote\n    indented",
    "&lt;b&gt; &amp; &#x3C;",
    "a | b |\n|---|---|",
]

md = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _rendered(markdown: str) -> tuple[str, str]:
    """The HTML a CommonMark renderer makes, and the text a reader sees in it."""
    html = md.render(markdown)
    text = unescape(re.sub(r"<[^>]+>", "", html)).strip()
    return html, text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaped_text_renders_as_itself(payload: str) -> None:
    html, text = _rendered(escape_markdown(payload))
    assert not MARKUP.search(html), html
    shown = text.replace("\u2060", "")
    assert shown == " ".join(payload.split()), "the reader must see the text as written"
    assert not AUTOLINK_URL.search(text) and not AUTOLINK_EMAIL.search(text)
    assert not SHORTCODE.search(text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_message_values_are_escaped_and_the_catalogue_markdown_kept(payload: str) -> None:
    message = t("detail.response_line", kind="Final", date="2024-01-01", stance=payload)
    html, text = _rendered(message)
    assert html.count("<strong>") == 2, "the catalogue's own bold stays"
    assert not MARKUP.search(html.replace("<strong>", "").replace("</strong>", ""))
    assert " ".join(payload.split()) in text.replace("\u2060", "")


def test_a_message_inside_a_message_is_not_escaped_twice() -> None:
    inner = t("detail.theme", theme="a_b")
    outer = t("common.empty", what=inner, change=t("explorer.empty_change"))
    assert _rendered(outer)[1] == "No theme: a_b. Remove a filter or shorten the search words."
    assert isinstance(outer, Markdown)


def test_numbers_keep_their_form_and_dates_read_as_dates() -> None:
    assert t("timelines.n_recommendations", n=3) == "3 recommendations on this day"
    said = t("detail.adopted_on", date=date(2023, 6, 10))
    assert _rendered(said)[1] == "adopted 2023-06-10"


def test_a_markdown_join_escapes_only_what_is_not_markdown_yet() -> None:
    joined = Markdown(" · ").join(["**x**", t("detail.theme", theme="*y*"), escape_markdown("_z_")])
    assert _rendered(joined)[1] == "**x** · theme: *y* · _z_"


def test_an_unknown_canonical_value_is_escaped_in_a_message() -> None:
    value = "[x](https://evil.example)"
    assert label("stance", value) == value
    html, _ = _rendered(t("detail.badge.stance", stance=label("stance", value)))
    assert "<a" not in html
