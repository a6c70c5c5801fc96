"""Script time of each dashboard page under streamlit.testing's AppTest, and its query floor.

A page's floor is the time its own queries need when run directly, without Streamlit: every
call a rerun makes into dashboard.queries is recorded (by wrapping the module's functions),
and the calls that missed the cache in that rerun are replayed through the undecorated
functions afterwards. Script time ÷ floor then says how much the page adds on top of the
database work (widget handling, shaping, chart specs, serialising elements).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

from dashboard import queries
from dashboard.messages import catalogue

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
RUN_TIMEOUT_SECONDS = 600


def _share_script_cache() -> None:
    """Compile each page script once per process, as the server's runtime does. AppTest makes
    a new script cache for every run, so each of its runs compiled app.py and the page again:
    about 5 ms of every measured rerun at Europe scale that no visitor's rerun pays."""
    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared
    local_script_runner.ScriptCache = lambda: shared


_share_script_cache()


@dataclass
class QueryCall:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    seconds: float

    def key(self) -> str:
        return f"{self.name}{self.args!r}{sorted(self.kwargs.items())!r}"


class QueryRecorder:
    """Wraps every cached function of dashboard.queries to record what a rerun asks for.
    A call whose arguments were not seen since the caches were last cleared was a cache miss:
    those are the calls whose database time the rerun really paid."""

    def __init__(self) -> None:
        self.calls: list[QueryCall] = []
        self.seen: set[str] = set()
        self._originals: dict[str, Any] = {}

    def install(self) -> None:
        for name in dir(queries):
            func = getattr(queries, name)
            if callable(func) and hasattr(func, "__wrapped__") and hasattr(func, "clear"):
                self._originals[name] = func
                setattr(queries, name, self._wrap(name, func))

    def _wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.calls.append(QueryCall(name, args, kwargs, time.perf_counter() - start))

        return recorded

    def forget(self) -> None:
        """After the caches are cleared nothing is cached any more."""
        self.seen.clear()

    def take_misses(self) -> list[QueryCall]:
        misses: list[QueryCall] = []
        for call in self.calls:
            if call.key() not in self.seen:
                self.seen.add(call.key())
                misses.append(call)
        self.calls = []
        return misses

    def floor_seconds(self, misses: list[QueryCall]) -> float:
        """Replay the missed calls on the undecorated functions, timed."""
        total = 0.0
        for call in misses:
            raw = self._originals[call.name].__wrapped__
            start = time.perf_counter()
            raw(*call.args, **call.kwargs)
            total += time.perf_counter() - start
        return total


@dataclass
class PageSpec:
    """A page and the filter change a user makes on it (run i picks a different value)."""

    name: str
    path: str
    change: Callable[[AppTest, int], None]
    change_label: str


@dataclass
class Samples:
    script: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    error: str | None = None

    def p(self, which: str, quantile: float) -> float | None:
        values = sorted(getattr(self, which))
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[int(quantile * 100) - 1]


@dataclass
class PageResult:
    spec: PageSpec
    cold_first: Samples = field(default_factory=Samples)
    warm_first: Samples = field(default_factory=Samples)
    rerun: Samples = field(default_factory=Samples)
    floor_queries: dict[str, float] = field(default_factory=dict)


def _clear_caches(recorder: QueryRecorder) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    recorder.forget()


def _check(at: AppTest) -> None:
    if at.exception:
        error = at.exception[0]
        raise RuntimeError(
            f"page raised: {error.message[:300]} ({(error.stack_trace or [''])[-1]})"
        )


def _timed_run(at: AppTest) -> float:
    start = time.perf_counter()
    at.run(timeout=RUN_TIMEOUT_SECONDS)
    elapsed = time.perf_counter() - start
    _check(at)
    return elapsed


def _open(spec: PageSpec) -> AppTest:
    # The app hides error details from visitors; the benchmark needs them to report a
    # broken page precisely.
    st.set_option("client.showErrorDetails", "full")
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_SECONDS)
    at.run()
    _check(at)
    at.switch_page(spec.path)
    return at


def measure_page(
    spec: PageSpec, recorder: QueryRecorder, runs: int, budget_seconds: float, cold_runs: int
) -> PageResult:
    """Cold first render (caches cleared), warm first render (a new session, caches full),
    and `runs` filter-change reruns, each with a value not chosen before (a cache miss)."""
    result = PageResult(spec)
    try:
        for _ in range(cold_runs):
            at = _open(spec)
            _clear_caches(recorder)
            recorder.calls = []
            result.cold_first.script.append(_timed_run(at))
            misses = recorder.take_misses()
            result.cold_first.floor.append(recorder.floor_seconds(misses))
            for call in misses:
                result.floor_queries[call.name] = result.floor_queries.get(call.name, 0.0)
            for call in misses:
                result.floor_queries[call.name] += call.seconds / cold_runs

        started = time.perf_counter()
        for _ in range(runs):
            at = _open(spec)
            recorder.calls = []
            result.warm_first.script.append(_timed_run(at))
            result.warm_first.floor.append(recorder.floor_seconds(recorder.take_misses()))
            if time.perf_counter() - started > budget_seconds / 4 and len(
                result.warm_first.script
            ) >= min(runs, 5):
                break

        at = _open(spec)
        at.run(timeout=RUN_TIMEOUT_SECONDS)
        _check(at)
        recorder.take_misses()
        started = time.perf_counter()
        for i in range(runs):
            spec.change(at, i)
            result.rerun.script.append(_timed_run(at))
            result.rerun.floor.append(recorder.floor_seconds(recorder.take_misses()))
            if time.perf_counter() - started > budget_seconds and len(result.rerun.script) >= min(
                runs, 5
            ):
                break
    except Exception as error:  # a broken page is a finding, not a reason to stop the run
        result.rerun.error = f"{type(error).__name__}: {error}"[:300]
    return result


def snapshot_ids(snapshot: str) -> tuple[list[str], list[str]]:
    """Institution ids, and ids of cycles with item recommendations: the filter values."""
    with duckdb.connect(snapshot, read_only=True) as con:
        institutions = con.execute("SELECT institution_id FROM institutions ORDER BY 1")
        institution_ids = [r[0] for r in institutions.fetchall()]
        cycles = con.execute("SELECT DISTINCT cycle_id FROM recommendations ORDER BY 1")
        cycle_ids = [r[0] for r in cycles.fetchall()]
    return institution_ids, cycle_ids


def _widget(at: AppTest, kind: str, key: str) -> Any:
    widget = getattr(at, kind)(key=key)
    if widget is None:
        raise LookupError(f"no {kind} with key {key!r} on the page")
    return widget


def page_specs(institution_ids: list[str], cycle_ids: list[str]) -> list[PageSpec]:
    """The pages of dashboard/app.py and the filter each benchmark rerun changes."""

    def scope(key: str, width: int) -> Callable[[AppTest, int], None]:
        def change(at: AppTest, i: int) -> None:
            start = (i * width) % len(institution_ids)
            chosen = [institution_ids[(start + k) % len(institution_ids)] for k in range(width)]
            _widget(at, "multiselect", key).set_value(chosen)

        return change

    def cycle(at: AppTest, i: int) -> None:
        _widget(at, "selectbox", "timelines_cycle").set_value(
            cycle_ids[(i * 37 + 1) % len(cycle_ids)]
        )

    # The picker shows each vocabulary by its name in the catalogue; AppTest lists those names
    # and sets a value by the vocabulary itself.
    by_name = {
        text: key.removeprefix("vocabulary.")
        for key, text in catalogue().items()
        if key.startswith("vocabulary.")
    }

    def vocabulary(at: AppTest, i: int) -> None:
        box = _widget(at, "selectbox", "sources_vocabulary")
        box.set_value(by_name[box.options[(i + 1) % len(box.options)]])

    return [
        PageSpec("overview", "views/overview.py", scope("overview_scope", 1), "one institution"),
        PageSpec(
            "explorer", "views/explorer.py", scope("explorer_institution", 1), "institution filter"
        ),
        PageSpec("timelines", "views/timelines.py", cycle, "another cycle"),
        PageSpec("compare", "views/compare.py", scope("compare_scope", 3), "three institutions"),
        PageSpec("sources", "views/sources.py", vocabulary, "vocabulary picker"),
    ]
