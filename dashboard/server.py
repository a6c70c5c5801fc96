"""The app with its stable addresses: Atom feeds and open-data files beside the pages.

Run with `streamlit run dashboard/server.py` (Streamlit finds the `App` below and serves the
pages of dashboard/app.py with these routes mounted):
  /feeds/institution/<id>.atom, /feeds/cycle/<id>.atom, /feeds/recommendation/<id>.atom
  /data/datapackage.zip, /data/<table>.<csv|xlsx|parquet|json>
An unknown id or table answers 404 with a short text; no snapshot yet answers 503.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

import streamlit as st  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from dashboard import exports, feeds, queries, snapshot  # noqa: E402
from dashboard.exports import datapackage  # noqa: E402
from dashboard.messages import plain as t  # noqa: E402
from dashboard.messages import speaking, supported_languages  # noqa: E402

ATOM = "application/atom+xml; charset=utf-8"


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _published() -> snapshot.Snapshot | None:
    found = snapshot.current()
    return None if isinstance(found, snapshot.Missing) else found


def _language(request: Request) -> str:
    """A feed speaks the `?lang=` its link carries (the page's language), else English."""
    wanted = request.query_params.get("lang", "")
    return wanted if wanted in supported_languages() else "en"


def _feed_route(build: Callable[[str, str, str], bytes]) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        with speaking(_language(request)):
            return _feed(request)

    def _feed(request: Request) -> Response:
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
    Route("/feeds/institution/{item_id}.atom", _feed_route(feeds.institution_feed)),
    Route("/feeds/cycle/{item_id}.atom", _feed_route(feeds.cycle_feed)),
    Route("/feeds/recommendation/{item_id}.atom", _feed_route(feeds.recommendation_feed)),
    Route("/data/datapackage.zip", package),
    Route("/data/{name}.{fmt}", table),
]

app = st.App(str(Path(__file__).with_name("app.py")), routes=ROUTES)
