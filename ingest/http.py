"""The one HTTP layer every live source goes through: polite, patient, and clear when it fails.

Polite: a descriptive User-Agent, an optional pause between requests (Decidim allows about
100 requests a minute per address), and conditional requests (ETag / Last-Modified) through a
persistent requests-cache store, so an unchanged dataset costs the portal a 304.
Patient: timeouts on connect and read, and retries with exponential backoff on 429 and 5xx
that honour the server's Retry-After.
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ingest.records import SourceError

USER_AGENT = "Uptake/0.1 (open-source follow-up monitor for citizens' assemblies; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Query parameters that may carry a secret; stripped from every URL that is stored or shown.
SECRET_PARAMS = frozenset({"apikey", "api_key", "key", "token", "access_token"})


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts, retry and pacing. Tests shrink the waits; production keeps the defaults."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
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
    head = exchange.body.lstrip()[:100].lower()
    content_type = exchange.headers.get("content-type", "")
    return "html" in content_type or head.startswith((b"<!doctype", b"<html"))


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


class _TimeoutAdapter(HTTPAdapter):
    """Applies the default (connect, read) timeout to every request that sets none."""

    def __init__(self, timeout: tuple[float, float], **kwargs: Any) -> None:
        self._timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


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
    adapter = _TimeoutAdapter((settings.connect_timeout, settings.read_timeout), max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.user_agent
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
        reason = _reason(exc)
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
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
