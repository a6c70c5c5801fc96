"""Module preloads for the code the first page needs, added to the page's HTML as it is served.

Streamlit's frontend loads the code for each kind of element (a chart, a data table, a metric)
only when the first such element arrives over the websocket. On a first visit that puts the
fetching and compiling of about 2.8 MB of chart and table code after the server's first page
run, on the path to the first chart. Named as `<link rel="modulepreload">` in the HTML, the
same files are fetched and compiled while the page run is still under way. The files and
their names come from the installed Streamlit, so an upgrade needs no change here; the kinds
of element are listed in dashboard/preload.toml.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Awaitable, Callable, MutableMapping
from functools import cache
from pathlib import Path
from typing import Any

import streamlit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ELEMENTS_FILE = Path(__file__).with_name("preload.toml")
STATIC_DIR = Path(streamlit.__file__).parent / "static"
# A chunk's imports, static (`from"./x.js"`, `import"./x.js"`) or dynamic (`import("./x.js")`).
_IMPORT = re.compile(r'(?:\bfrom|\bimport)\s*\(?\s*"\./([^"/]+\.js)"')
_HEAD_END = b"</head>"


def chunks_to_preload(static_dir: Path = STATIC_DIR, elements: tuple[str, ...] = ()) -> list[str]:
    """The chunk files the listed elements need and the page does not already preload, in a
    stable order."""
    js = static_dir / "static" / "js"
    index = (static_dir / "index.html").read_text(encoding="utf-8")
    already = set(re.findall(r"static/js/([^\"/]+\.js)", index))
    wanted = elements or _elements()
    pending = [
        path.name
        for element in wanted
        for path in js.glob(f"{element}.*.js")
        if re.fullmatch(re.escape(element) + r"\.[^.]+\.js", path.name)
    ]
    found: set[str] = set()
    while pending:
        name = pending.pop()
        if name in found or name in already or not (js / name).is_file():
            continue
        found.add(name)
        pending.extend(_IMPORT.findall((js / name).read_text(encoding="utf-8")))
    return sorted(found)


def _elements() -> tuple[str, ...]:
    with ELEMENTS_FILE.open("rb") as handle:
        return tuple(tomllib.load(handle)["elements"])


@cache
def preload_links() -> bytes:
    """The `<link>` tags, written like the ones Streamlit's own index.html carries, but at low
    priority: the browser has six connections to the server, and these must not hold up the
    health check and the websocket that start the first page run."""
    tag = '<link rel="modulepreload" fetchpriority="low" crossorigin href="./static/js/{}">'
    return "".join(tag.format(name) for name in chunks_to_preload()).encode()


def _is_page_request(scope: Scope) -> bool:
    """A GET for a page (`/`, `/explorer`), which Streamlit answers with its index.html;
    not a file, a feed, or Streamlit's own endpoints."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    path: str = scope["path"]
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return "." not in last and not path.startswith(("/_stcore/", "/static/", "/media/"))


class PreloadFirstPageCode:
    """ASGI middleware adding preload_links() to every HTML page Streamlit serves."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_page_request(scope):
            await self.app(scope, receive, send)
            return
        # The page is a few kilobytes: ask the inner app for it uncompressed, so it can be edited.
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        start: Message | None = None
        body: list[bytes] = []

        async def edit(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if b"text/html" in headers.get(b"content-type", b"") and (
                    b"content-encoding" not in headers
                ):
                    start = message
                    return
            elif start is not None and message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                html = b"".join(body).replace(_HEAD_END, preload_links() + _HEAD_END, 1)
                headers = [
                    (k, str(len(html)).encode() if k.lower() == b"content-length" else v)
                    for k, v in start.get("headers", [])
                ]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": html})
                return
            await send(message)

        await self.app(scope, receive, edit)
