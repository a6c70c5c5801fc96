"""The one HTTP layer every live source goes through: polite, patient, and clear when it fails.

Polite: a descriptive User-Agent, an optional pause between requests (Decidim allows about
100 requests a minute per address), and conditional requests (ETag / Last-Modified) through a
persistent requests-cache store, so an unchanged dataset costs the portal a 304.
Patient: timeouts on connect and read, and retries with exponential backoff on 429 and 5xx
that honour the server's Retry-After. Patience has a limit: a whole body must arrive within a
wall-clock budget, so a server trickling one byte at a time (which never trips the read
timeout) cannot hold a run for hours.
Complete: a body shorter than its Content-Length, or a gzip/deflate stream that stops before
its end marker, is a failure, never a shorter dataset that looks whole.
Clear: anything that still fails becomes a SourceError naming the source and the URL, with the
portal's own error message when its body carries one.

Secrets (API keys) travel only in request headers; they are never part of a recorded URL,
never logged and never written to the raw store.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util.retry import Retry

from ingest.records import SourceError

USER_AGENT = "Uptake/0.1 (open-source follow-up monitor for citizens' assemblies; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Query parameters that may carry a secret; stripped from every URL that is stored or shown.
SECRET_PARAMS = frozenset({"apikey", "api_key", "key", "token", "access_token"})
# Only encodings whose completeness this module can check are asked for.
ACCEPT_ENCODING = "gzip, deflate"
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts, retry and pacing. Tests shrink the waits; production keeps the defaults."""

    connect_timeout: float = 10.0
    # Longest silence between two packets.
    read_timeout: float = 60.0
    # Wall-clock budget for receiving one whole response body, however it trickles in.
    body_timeout: float = 600.0
    retries: int = 4
    backoff_factor: float = 1.0
    backoff_max: float = 60.0
    # A Retry-After longer than this (an Opendatasoft daily quota says "tomorrow") is cut
    # short; the retry then fails with the portal's quota message instead of hanging the run.
    retry_after_max: int = 120
    min_interval: float = 0.0
    user_agent: str = USER_AGENT
    cache_path: Path | None = None


@dataclass(frozen=True)
class Exchange:
    """One request and the final response the adapter saw (after retries)."""

    method: str
    request_url: str  # as asked, without secrets (replay looks responses up by it)
    url: str  # where the body finally came from, after redirects, without secrets
    request_body: bytes | None
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: dt.datetime

    @property
    def fetched_on(self) -> str:
        return self.fetched_at.date().isoformat()


class ExchangeRecorder(Protocol):
    """Receives every exchange of a source (the raw store implements it)."""

    def record(self, exchange: Exchange) -> None: ...


def is_html(exchange: Exchange) -> bool:
    """A web page where data were expected: a login, maintenance or "not ready" page."""
    content_type = exchange.headers.get("content-type", "")
    return "html" in content_type or looks_like_html(exchange.body)


def looks_like_html(body: bytes) -> bool:
    """The body itself is a web page, whatever its Content-Type claims."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:100].lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


class IncompleteBody(requests.exceptions.RequestException):
    """The body ended before its Content-Length or before its compressed stream's end."""


class BodyDeadlineExceeded(requests.exceptions.Timeout):
    """The body kept arriving, slowly, past the wall-clock budget for one response."""


def api_key_from_env(env_var: str | None) -> str | None:
    """The API key named in the configuration: an environment variable, else Streamlit secrets.

    Only the variable's name is configured, so the key itself never enters a file in the
    repository.
    """
    if not env_var:
        return None
    value = os.environ.get(env_var)
    if value:
        return value
    return _streamlit_secret(env_var)


def _streamlit_secret(name: str) -> str | None:
    try:
        import streamlit as st  # imported here: only deployments with secrets.toml need it

        value = st.secrets.get(name)
    except Exception:  # no secrets file or no Streamlit context: simply no key
        return None
    return str(value) if value else None


def redact_url(url: str) -> str:
    """The URL with secret-looking query parameters removed, safe to store and print."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in kept if k.lower() not in SECRET_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class _CappedRetry(Retry):
    """urllib3 Retry whose Retry-After wait is bounded by `retry_after_max`."""

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), float(self.retry_after_max))


class _CheckedBodyAdapter(HTTPAdapter):
    """Applies the default (connect, read) timeout to every request that sets none, and reads
    each body itself: within the wall-clock budget, checked against its Content-Length and
    decompressed only when the compressed stream is complete.

    Reading here, below the session, means the check also covers what the HTTP cache stores.
    """

    def __init__(self, timeout: tuple[float, float], body_timeout: float, **kwargs: Any) -> None:
        self._timeout = timeout
        self._body_timeout = body_timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        response = super().send(request, **kwargs)
        if not kwargs.get("stream"):
            try:
                response._content = _checked_body(response, request, self._body_timeout)
            except BaseException:
                response.close()
                raise
            response._content_consumed = True
            response.raw.release_conn()
        return response


def _checked_body(
    response: requests.Response, request: requests.PreparedRequest, budget: float
) -> bytes:
    raw_body = _read_within(response, budget)
    if request.method == "HEAD" or response.status_code in (204, 304):
        return raw_body
    promised = response.headers.get("Content-Length", "").strip()
    chunked = "chunked" in response.headers.get("Transfer-Encoding", "").lower()
    if promised.isdigit() and not chunked and len(raw_body) != int(promised):
        raise IncompleteBody(
            f"received {len(raw_body)} of the {int(promised)} bytes announced by "
            "Content-Length; the transfer was cut short",
            request=request,
            response=response,
        )
    return _decompressed(raw_body, response.headers.get("Content-Encoding", ""), request)


def _read_within(response: requests.Response, budget: float) -> bytes:
    """The raw (still compressed) body, read as it arrives so the deadline is checked often."""
    deadline = time.monotonic() + budget
    chunks: list[bytes] = []
    try:
        while True:
            if time.monotonic() > deadline:
                received = sum(map(len, chunks))
                raise BodyDeadlineExceeded(
                    f"the body was still arriving after {budget:g}s ({received} bytes so far); "
                    "raise HttpSettings.body_timeout if this source is just slow",
                    request=response.request,
                )
            chunk = response.raw.read1(READ_CHUNK, decode_content=False)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc, request=response.request) from exc
    except Urllib3SSLError as exc:
        raise requests.exceptions.SSLError(exc, request=response.request) from exc
    except (ProtocolError, DecodeError) as exc:
        raise requests.exceptions.ChunkedEncodingError(exc, request=response.request) from exc


def _decompressed(body: bytes, content_encoding: str, request: requests.PreparedRequest) -> bytes:
    """The body with its Content-Encoding(s) undone; a stream that stops early is an error."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if not body or coding == "identity":
            continue
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, 16 + zlib.MAX_WBITS, coding, request)
        elif coding == "deflate":
            # "deflate" is meant to be zlib-wrapped, but some servers send it bare.
            wrapped = body[:1] == b"\x78"
            body = _inflate(body, zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS, coding, request)
        else:
            raise requests.exceptions.ContentDecodingError(
                f"unsupported Content-Encoding {coding!r} (asked for {ACCEPT_ENCODING})",
                request=request,
            )
    return body


def _inflate(data: bytes, wbits: int, coding: str, request: requests.PreparedRequest) -> bytes:
    """Decompress every member of the stream; require each to reach its end marker."""
    out: list[bytes] = []
    while data:
        inflater = zlib.decompressobj(wbits)
        try:
            out.append(inflater.decompress(data))
            out.append(inflater.flush())
        except zlib.error as exc:
            raise IncompleteBody(f"the {coding} body is corrupt: {exc}", request=request) from exc
        if not inflater.eof:
            raise IncompleteBody(
                f"the {coding} body stops before the end of its compressed stream "
                f"({len(data)} compressed bytes received); the transfer was cut short",
                request=request,
            )
        data = inflater.unused_data if wbits > 0 and wbits & 16 else b""
        if data.strip(b"\x00") == b"":  # some servers pad a gzip file with zeros
            break
    return b"".join(out)


def make_session(settings: HttpSettings) -> requests.Session:
    """A Session with retries, timeouts, User-Agent and (when a path is given) an HTTP cache.

    The cache is "store, but revalidate every time": each use sends If-None-Match /
    If-Modified-Since when the portal gave a validator, so data are always current and an
    unchanged page costs a 304. Only GET is cached (GraphQL POSTs never are).
    """
    if settings.cache_path is not None:
        settings.cache_path.parent.mkdir(parents=True, exist_ok=True)
        session: requests.Session = requests_cache.CachedSession(
            cache_name=str(settings.cache_path),
            backend="sqlite",
            expire_after=0,
            allowable_methods=("GET",),
            allowable_codes=(200,),
            cache_control=False,
            stale_if_error=False,
            # Never written to the cache file, and not part of its keys.
            ignored_parameters=("Authorization", *SECRET_PARAMS),
        )
    else:
        session = requests.Session()
    retry = _CappedRetry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        # GraphQL reads are POSTs; they change nothing, so retrying them is safe.
        allowed_methods=frozenset({"GET", "HEAD", "POST"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        respect_retry_after_header=True,
        retry_after_max=settings.retry_after_max,
        raise_on_status=False,
    )
    adapter = _CheckedBodyAdapter(
        (settings.connect_timeout, settings.read_timeout),
        settings.body_timeout,
        max_retries=retry,
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.user_agent
    session.headers["Accept-Encoding"] = ACCEPT_ENCODING
    return session


@dataclass
class SourceClient:
    """HTTP for one source: paces requests, records exchanges, turns failures into SourceError."""

    source_id: str
    session: requests.Session
    settings: HttpSettings = field(default_factory=HttpSettings)
    recorder: ExchangeRecorder | None = None
    secret_headers: Mapping[str, str] = field(default_factory=dict)
    _last_request: float = field(default=0.0, init=False, repr=False)
    # When this read first reached the source: the moment its states were observed.
    first_fetched_at: dt.datetime | None = field(default=None, init=False)

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Exchange:
        return self._send("GET", url, params=params)

    def post_json(self, url: str, payload: Mapping[str, Any]) -> Exchange:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return self._send("POST", url, data=body, headers={"Content-Type": "application/json"})

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> tuple[Any, Exchange]:
        exchange = self.get(url, params)
        return self.decode_json(exchange), exchange

    def post_graphql(self, url: str, payload: Mapping[str, Any]) -> tuple[Any, Exchange]:
        exchange = self.post_json(url, payload)
        return self.decode_json(exchange), exchange

    def decode_json(self, exchange: Exchange) -> Any:
        """The parsed body; HTML or broken JSON becomes a SourceError that says which."""
        if is_html(exchange):
            raise SourceError(
                self.source_id,
                f"expected JSON but the server sent an HTML page (HTTP {exchange.status}); "
                "the URL may be wrong, or a login or maintenance page was served",
                url=exchange.url,
            )
        try:
            return json.loads(exchange.body.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise SourceError(
                self.source_id, f"response is not UTF-8 text: {exc}", url=exchange.url
            ) from exc
        except json.JSONDecodeError as exc:
            size = len(exchange.body)
            raise SourceError(
                self.source_id,
                f"invalid or truncated JSON ({size} bytes received): {exc.msg} at "
                f"line {exc.lineno} column {exc.colno}",
                url=exchange.url,
            ) from exc

    def _send(self, method: str, url: str, **kwargs: Any) -> Exchange:
        self._pace()
        headers = {**kwargs.pop("headers", {}), **self.secret_headers}
        request = requests.Request(method, url, headers=headers, **kwargs)
        prepared = self.session.prepare_request(request)
        shown_url = redact_url(prepared.url or url)
        try:
            response = self.session.send(prepared, allow_redirects=True)
            body = response.content  # read fully here so a dropped connection is caught
        except requests.exceptions.RequestException as exc:
            raise self._failure(exc, shown_url) from exc
        exchange = Exchange(
            method=method,
            request_url=shown_url,
            url=redact_url(response.url or shown_url),
            request_body=prepared.body if isinstance(prepared.body, bytes) else None,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
            fetched_at=_fetched_at(response),
        )
        if self.first_fetched_at is None:
            self.first_fetched_at = exchange.fetched_at
        if self.recorder is not None:
            self.recorder.record(exchange)
        if response.status_code >= 400:
            raise SourceError(
                self.source_id,
                f"HTTP {response.status_code}: {describe_error_body(body)}",
                url=exchange.url,
            )
        return exchange

    def _failure(self, exc: requests.exceptions.RequestException, url: str) -> SourceError:
        """A SourceError that says in plain words which of the usual failures happened."""
        reason = (
            str(exc) if isinstance(exc, IncompleteBody | BodyDeadlineExceeded) else _reason(exc)
        )
        if isinstance(exc, IncompleteBody):
            what = "incomplete response"
        elif isinstance(exc, BodyDeadlineExceeded):
            what = "gave up waiting for the whole response body"
        elif isinstance(exc, requests.exceptions.ContentDecodingError):
            what = "the response could not be decoded"
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            what = "the connection dropped while the response was being received"
        elif isinstance(exc, requests.exceptions.Timeout) or "Timeout" in reason:
            what = (
                f"timed out (connect {self.settings.connect_timeout}s, "
                f"read {self.settings.read_timeout}s, {self.settings.retries} retries)"
            )
        elif isinstance(exc, requests.exceptions.RetryError):
            what = "gave up after retries"
        elif isinstance(exc, requests.exceptions.ConnectionError):
            what = "connection failed"
        else:
            what = "request failed"
        return SourceError(self.source_id, f"{what}: {reason}", url=url)

    def _pace(self) -> None:
        if self.settings.min_interval <= 0:
            return
        wait = self._last_request + self.settings.min_interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_request = time.monotonic()


def _fetched_at(response: requests.Response) -> dt.datetime:
    """When the body was fetched; a replayed response carries its original time."""
    recorded = getattr(response, "uptake_fetched_at", None)
    if isinstance(recorded, dt.datetime):
        return recorded
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _reason(exc: BaseException) -> str:
    """The innermost cause, which names what actually went wrong."""
    reason: BaseException = exc
    for _ in range(10):
        inner = getattr(reason, "reason", None)
        if not isinstance(inner, BaseException):
            inner = reason.args[0] if reason.args else None
        if not isinstance(inner, BaseException) or inner is reason:
            break
        reason = inner
    return f"{type(reason).__name__}: {reason}"


def describe_error_body(body: bytes) -> str:
    """The portal's own words for an error, whichever of the known shapes its body has.

    Opendatasoft: {"error_code", "message"}; its quota answers (429) use the older
    {"errorcode", "error"}; CKAN: {"success": false, "error": {"__type", "message" | fields}};
    GraphQL: {"errors": [{"message"}]}. Anything else: the start of the body.
    """
    try:
        payload = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        text = " ".join(body[:300].decode("utf-8", "replace").split())
        return text or "(empty body)"
    if isinstance(payload, dict):
        if "error_code" in payload:
            return f"{payload['error_code']}: {payload.get('message', '')}".strip()
        if "errorcode" in payload:
            detail = payload.get("error", "")
            reset = f" (quota resets {payload['reset_time']})" if "reset_time" in payload else ""
            return f"error {payload['errorcode']}: {detail}{reset}"
        if isinstance(payload.get("error"), dict):
            return describe_ckan_error(payload["error"])
        if isinstance(payload.get("errors"), list):
            return "; ".join(str(e.get("message", e)) for e in payload["errors"] if e)
    return " ".join(json.dumps(payload, ensure_ascii=False)[:300].split())


def describe_ckan_error(error: Mapping[str, Any]) -> str:
    """CKAN errors carry a message, or (validation errors) lists of problems per field."""
    kind = error.get("__type", "Error")
    if "message" in error:
        return f"{kind}: {error['message']}"
    fields = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in error.items() if k != "__type")
    return f"{kind}: {fields}"
