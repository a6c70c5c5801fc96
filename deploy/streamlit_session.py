"""One app session driven the way a browser drives it: Streamlit's websocket and protobufs.

A browser tab opens a websocket at /_stcore/stream and sends a `BackMsg` with `rerun_script`
(the page, the query string, the widget states); the server runs the script and streams
`ForwardMsg`s until `script_finished`. Speaking that protocol directly costs a few kilobytes
per session instead of a Chromium page, so a load test can hold dozens of sessions on a small
machine, and the replica demo can read what a visitor would see (the footer names the
snapshot) through the proxy. The message classes are the ones the streamlit package ships.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

STREAM_PATH = "/_stcore/stream"
FINISHED_EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
ALERT_ERROR = 1  # Alert.Format.ERROR in streamlit's Alert.proto


@dataclass
class Run:
    """What one script run sent back: how long it took, its text and any error shown."""

    seconds: float
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    upstream: str = ""

    def text_containing(self, fragment: str) -> str | None:
        return next((text for text in self.texts if fragment in text), None)


class SessionError(RuntimeError):
    """The connection failed or closed before the run finished."""


def _collect(msg: ForwardMsg, run: Run) -> None:
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "markdown":
        run.texts.append(element.markdown.body)
    elif kind == "exception":
        run.errors.append(f"exception: {element.exception.type}: {element.exception.message}")
    elif kind == "alert":
        run.texts.append(element.alert.body)
        if element.alert.format == ALERT_ERROR:
            run.errors.append(f"error shown: {element.alert.body}")


class Session:
    """A websocket session on one app (or on a proxy in front of replicas)."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.url = base_url.replace("http://", "ws://", 1).rstrip("/") + STREAM_PATH
        self.headers = headers or {}
        self._ws: Any = None
        self.upstream = ""

    async def open(self, timeout: float = 30) -> None:
        self._ws = await websockets.connect(
            self.url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers=self.headers,
            open_timeout=timeout,
            max_size=None,
            # A browser answers pings but sends none; a client that pings would drop its own
            # session whenever a busy server answers late, and count that as the server's error.
            ping_interval=None,
        )
        self.upstream = self._ws.response.headers.get("X-Upstream", "")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def rerun(self, page: str = "", query: str = "", timeout: float = 120) -> Run:
        """Ask for a run of `page` with `query` as the URL's query string, as a browser does
        when a permalink is opened or a page is picked; wait for the run to finish."""
        back = BackMsg()
        back.rerun_script.CopyFrom(ClientState(query_string=query, page_name=page))
        started = time.perf_counter()
        run = Run(0.0, upstream=self.upstream)
        await self._ws.send(back.SerializeToString())
        deadline = started + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise SessionError(f"no script_finished within {timeout:.0f} s")
            try:
                data = await _recv(self._ws, remaining)
            except websockets.ConnectionClosed as closed:
                raise SessionError(f"connection closed: {closed}") from None
            msg = ForwardMsg()
            msg.ParseFromString(data)
            _collect(msg, run)
            if msg.WhichOneof("type") == "script_finished":
                if msg.script_finished == FINISHED_EARLY_FOR_RERUN:
                    continue
                run.seconds = time.perf_counter() - started
                return run


async def _recv(ws: Any, timeout: float) -> bytes:
    import asyncio

    return await asyncio.wait_for(ws.recv(), timeout)
