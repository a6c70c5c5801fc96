"""The app with its stable addresses: Atom feeds and open-data files beside the pages.

Run with `streamlit run dashboard/server.py` (Streamlit finds the `App` below and serves the
pages of dashboard/app.py with these routes mounted):
  /feeds/institution/<id>.atom, /feeds/cycle/<id>.atom, /feeds/recommendation/<id>.atom
  /data/datapackage.zip, /data/<table>.<csv|xlsx|parquet|json>
An unknown id or table answers 404 with a short text; no snapshot yet answers 503.

The server answers its health check as soon as Streamlit is up; what the first page run
needs (the data libraries, the chart and page helpers, the routes' modules) is imported in the
background meanwhile, so the first visitor after a start or a deploy does not wait for those
imports while the browser is still loading Streamlit's own scripts.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

import streamlit as st  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from dashboard import language, libraries, messages, nodelay  # noqa: E402
from dashboard.messages import plain as t  # noqa: E402
from dashboard.messages import speaking, supported_languages  # noqa: E402
from dashboard.permalinks import LANGUAGE_KEY  # noqa: E402

# Before uvicorn accepts the first connection (this module is imported before it serves).
nodelay.install()

ATOM = "application/atom+xml; charset=utf-8"
# What a page run imports (dashboard/app.py and the pages' shared helpers) and what the routes
# below use; each is imported when first needed, and by the warm-up at start.
PAGE_MODULES = (
    "dashboard.snapshot",
    "dashboard.queries",
    "dashboard.charts",
    "dashboard.ui",
    "dashboard.scope",
    "dashboard.state",
)
ROUTE_MODULES = ("dashboard.feeds", "dashboard.exports", "dashboard.exports.datapackage")


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def _warm_up() -> None:
    """Do what every first page run would, while the server waits for its first visitor:
    import the libraries and pages, load the catalogue and the language menu's names, open
    the published snapshot (its connection is shared by all sessions; opening it reads the
    file's catalogue) and answer the default page's queries. libraries.load() takes the same
    lock the page run takes, so nothing is seen half-loaded."""
    libraries.load()
    for name in (*PAGE_MODULES, *ROUTE_MODULES):
        _module(name)
    messages.catalogue()
    for code in supported_languages():
        messages.native_name(code)
    found = _published()
    if found is not None:
        path = str(found.path)
        queries = _module("dashboard.queries")
        queries.snapshot_facts(path)
        if not queries.missing_views(path):  # an outdated one gets the page's notice instead
            _module("dashboard.views.overview").answer_default_queries(path)
    # Streamlit's first element in a process walks the stack with `inspect` (to tell a REPL
    # from `streamlit run`), which looks up the file of every loaded module: about a tenth of
    # a second of the first page run. Walking it here fills inspect's cache of those files.
    inspect.stack()


@contextlib.asynccontextmanager
async def _lifespan(app: st.App) -> AsyncIterator[None]:
    """Once Streamlit's runtime is up, warm up in the background and start serving at once."""
    threading.Thread(target=_warm_up, name="uptake-warm-up", daemon=True).start()
    yield


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _published() -> Any:
    """The published snapshot (dashboard.snapshot.Snapshot), or None when there is none."""
    snapshot = _module("dashboard.snapshot")
    found = snapshot.current()
    return None if isinstance(found, snapshot.Missing) else found


def _language(request: Request) -> str:
    """A feed speaks the `?lang=` its link carries (the page's language), read as the pages
    read it ("fr-BE" is French), else English."""
    return language.resolve(request.query_params.get(LANGUAGE_KEY), None, None)


def _feed_route(builder: str) -> Callable[[Request], Response]:
    """The endpoint serving the Atom feed dashboard.feeds.<builder> makes, in the language
    its link names."""

    def endpoint(request: Request) -> Response:
        with speaking(_language(request)):
            return _feed(request)

    def _feed(request: Request) -> Response:
        feeds = _module("dashboard.feeds")
        build: Callable[[str, str, str], bytes] = getattr(feeds, builder)
        found = _published()
        if found is None:
            return PlainTextResponse(t("feeds.no_snapshot"), status_code=503)
        try:
            body = build(str(found.path), request.path_params["item_id"], _root(request))
        except feeds.UnknownFeed as error:
            return PlainTextResponse(str(error), status_code=404)
        return Response(body, media_type=ATOM)

    return endpoint


def package(request: Request) -> Response:
    datapackage = _module("dashboard.exports.datapackage")
    found = _published()
    if found is None:
        return PlainTextResponse(t("feeds.no_snapshot"), status_code=503)
    return Response(
        datapackage.build_zip(str(found.path), found.id),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="datapackage.zip"'},
    )


def table(request: Request) -> Response:
    name, fmt = request.path_params["name"], request.path_params["fmt"]
    exports = _module("dashboard.exports")
    datapackage = _module("dashboard.exports.datapackage")
    queries = _module("dashboard.queries")
    found = _published()
    if found is None:
        return PlainTextResponse(t("feeds.no_snapshot"), status_code=503)
    if name not in datapackage.table_names() or fmt not in exports.FORMATS:
        return PlainTextResponse(t("feeds.unknown_table", name=name, fmt=fmt), status_code=404)
    frame = queries.published_view(str(found.path), name)
    return Response(
        exports.export(frame, fmt, name),
        media_type=exports.MIME_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


ROUTES = [
    Route("/feeds/institution/{item_id}.atom", _feed_route("institution_feed")),
    Route("/feeds/cycle/{item_id}.atom", _feed_route("cycle_feed")),
    Route("/feeds/recommendation/{item_id}.atom", _feed_route("recommendation_feed")),
    Route("/data/datapackage.zip", package),
    Route("/data/{name}.{fmt}", table),
]

app = st.App(str(Path(__file__).with_name("app.py")), routes=ROUTES, lifespan=_lifespan)
