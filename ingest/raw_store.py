"""Keeps every raw response of a live fetch, and serves them back for an offline replay.

Layout: <data_dir>/raw/<run-stamp>/<source_id>/NNNN.json (what was asked, status, the headers
that matter, when, sha256) next to NNNN.body (the bytes exactly as received). The recording
is the evidence behind every row a live source produced: a surprising status can be traced
to the very response that carried it, and a mapping fix can be tried on the same bytes.

Replay mounts a transport adapter that answers from the recording, so the adapters run their
normal code path — paging, decoding, mapping — and yield the same SourceRows without network.
Secrets never reach this store: URLs are redacted and request headers are not kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import deque
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ingest.http import Exchange, ExchangeRecorder, redact_url

RAW_DIR_NAME = "raw"
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-disposition",
    "etag",
    "last-modified",
    "date",
    "retry-after",
    "location",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
)


def run_stamp(now: dt.datetime | None = None) -> str:
    """A sortable, filesystem-safe name for one fetch run."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def run_dir(data_dir: Path, stamp: str) -> Path:
    return Path(data_dir) / RAW_DIR_NAME / stamp


def _sha256(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()


class RawRecorder(ExchangeRecorder):
    """Writes each exchange of one source as it happens (a later failure keeps what came before)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = len(list(self.directory.glob("*.json")))

    def record(self, exchange: Exchange) -> None:
        self.count += 1
        stem = f"{self.count:04d}"
        body_file = f"{stem}.body"
        (self.directory / body_file).write_bytes(exchange.body)
        meta: dict[str, Any] = {
            "method": exchange.method,
            "request_url": redact_url(exchange.request_url),
            "url": redact_url(exchange.url),
            "request_body_sha256": _sha256(exchange.request_body),
            # Request bodies are GraphQL queries and their variables: no secrets travel there.
            "request_body": (exchange.request_body or b"").decode("utf-8", "replace") or None,
            "status": exchange.status,
            "headers": {k: v for k, v in exchange.headers.items() if k in KEPT_HEADERS},
            "fetched_at": exchange.fetched_at.isoformat(),
            "sha256": _sha256(exchange.body),
            "body_file": body_file,
        }
        (self.directory / f"{stem}.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
        )


class ReplayAdapter(BaseAdapter):
    """A transport that answers requests from one source's recording, in recorded order."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = Path(directory)
        self._answers: dict[tuple[str, str, str], deque[dict[str, Any]]] = {}
        for meta_file in sorted(self.directory.glob("*.json")):
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            key = (meta["method"], meta["request_url"], meta["request_body_sha256"])
            self._answers.setdefault(key, deque()).append(meta)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
        url = redact_url(request.url or "")
        key = (request.method or "GET", url, _sha256(body))
        answers = self._answers.get(key)
        if not answers:
            raise requests.exceptions.ConnectionError(
                f"no recorded response for {request.method} {url} in {self.directory}",
                request=request,
            )
        meta = answers.popleft() if len(answers) > 1 else answers[0]
        content = (self.directory / meta["body_file"]).read_bytes()
        if _sha256(content) != meta["sha256"]:
            raise requests.exceptions.ConnectionError(
                f"recorded body {meta['body_file']} in {self.directory} does not match its "
                "sha256: the recording was altered",
                request=request,
            )
        response = requests.Response()
        response.status_code = meta["status"]
        response.headers = CaseInsensitiveDict(meta["headers"])
        response._content = content
        response.url = meta["url"]
        response.request = request
        response.reason = "Replayed"
        response.uptake_fetched_at = dt.datetime.fromisoformat(meta["fetched_at"])  # type: ignore[attr-defined]
        return response

    def close(self) -> None:
        return None


def replay_session(source_dir: Path, user_agent: str) -> requests.Session:
    """A Session whose every request is answered from `source_dir`; nothing leaves the machine."""
    if not Path(source_dir).is_dir():
        raise FileNotFoundError(f"no recording for this source at {source_dir}")
    session = requests.Session()
    adapter = ReplayAdapter(source_dir)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session
