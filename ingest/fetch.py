"""Runs the live sources: fetch (or replay) each one, independently, into SourceRows.

One source failing — unreachable, rate-limited, changed schema — yields a SourceError in its
place and never stops or taints the others. Every live response is kept in the raw store of
this run, so `replay_dir` can later rebuild exactly the same rows offline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import requests

from ingest.adapters import adapter_for, auth_headers
from ingest.http import HttpSettings, SourceClient, api_key_from_env, make_session
from ingest.raw_store import RawRecorder, replay_session, run_dir, run_stamp
from ingest.records import Problem, SourceError, SourceRows
from ingest.sources_config import LiveSource, select_live_sources

HTTP_CACHE_FILE = Path("http_cache") / "responses.sqlite"
# Decidim's default Rack::Attack limit is about 100 requests a minute per address.
DEFAULT_REQUESTS_PER_MINUTE = {"decidim": 90.0}


@dataclass(frozen=True)
class FetchUpdate:
    """What the progress display is told: a source started, fetched a page, ended."""

    source_id: str
    stage: Literal["start", "page", "done", "failed"]
    pages: int = 0
    records: int = 0
    message: str = ""


FetchProgress = Callable[[FetchUpdate], None]


def fetch_sources(
    config_path: Path,
    data_dir: Path,
    source_ids: Sequence[str] | None = None,
    replay_dir: Path | None = None,
    progress: FetchProgress | None = None,
    *,
    settings: HttpSettings | None = None,
    stamp: str | None = None,
) -> list[SourceRows | SourceError]:
    """Read every live source (or those named), one result per source, in configuration order.

    `replay_dir` is a recorded run (<data_dir>/raw/<stamp>): nothing goes to the network and
    nothing new is recorded. Otherwise responses are recorded under <data_dir>/raw/<stamp>.
    Raises ValueError for an id that is not a live source (a usage error, caught before any
    request is made).
    """
    live = select_live_sources(Path(config_path), source_ids)
    settings = settings or HttpSettings()
    stamp = stamp or run_stamp()
    notify = progress or (lambda update: None)
    return [
        fetch_source(source, Path(data_dir), settings, stamp, replay_dir, notify) for source in live
    ]


def fetch_source(
    source: LiveSource,
    data_dir: Path,
    settings: HttpSettings,
    stamp: str,
    replay_dir: Path | None,
    notify: FetchProgress,
) -> SourceRows | SourceError:
    """One source, start to end; every failure comes back as a SourceError value."""
    notify(FetchUpdate(source.id, "start"))
    notices: list[Problem] = []
    session: requests.Session | None = None

    def on_page(pages: int, records: int) -> None:
        notify(FetchUpdate(source.id, "page", pages, records))

    try:
        if replay_dir is not None:
            session = replay_session(Path(replay_dir) / source.id, settings.user_agent)
            client = SourceClient(source.id, session, dataclasses.replace(settings, min_interval=0))
        else:
            source_settings = _settings_for(source, settings, data_dir)
            session = make_session(source_settings)
            client = SourceClient(
                source.id,
                session,
                source_settings,
                recorder=RawRecorder(run_dir(data_dir, stamp) / source.id),
                secret_headers=_secret_headers(source, notices),
            )
        rows = adapter_for(source.kind)(source, client, on_page)
    except SourceError as exc:
        notify(FetchUpdate(source.id, "failed", message=str(exc)))
        return exc
    except FileNotFoundError as exc:
        error = SourceError(source.id, f"cannot replay: {exc}")
        notify(FetchUpdate(source.id, "failed", message=str(error)))
        return error
    except Exception as exc:  # a defect in one adapter must not stop the other sources
        error = SourceError(source.id, f"unexpected {type(exc).__name__}: {exc}")
        notify(FetchUpdate(source.id, "failed", message=str(error)))
        return error
    finally:
        if session is not None:
            session.close()
    rows.notices.extend(notices)
    rows.observed_at = client.first_fetched_at
    records = sum(len(r) for r in rows.tables.values())
    notify(FetchUpdate(source.id, "done", records=records))
    return rows


def _settings_for(source: LiveSource, settings: HttpSettings, data_dir: Path) -> HttpSettings:
    """The shared settings, with this source's pace and the run's HTTP cache file."""
    per_minute = source.requests_per_minute or DEFAULT_REQUESTS_PER_MINUTE.get(source.kind)
    interval = 60.0 / per_minute if per_minute else 0.0
    cache_path = settings.cache_path or data_dir / HTTP_CACHE_FILE
    return dataclasses.replace(
        settings, min_interval=max(settings.min_interval, interval), cache_path=cache_path
    )


def _secret_headers(source: LiveSource, notices: list[Problem]) -> dict[str, str]:
    if not source.api_key_env:
        return {}
    key = api_key_from_env(source.api_key_env)
    if key is None:
        notices.append(
            Problem(
                source_id=source.id,
                file="sources.toml",
                row=None,
                column="api_key_env",
                message=f"no API key in {source.api_key_env}; fetched without one",
                severity="warning",
            )
        )
        return {}
    return dict(auth_headers(source.kind, key))
