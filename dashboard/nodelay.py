"""Nagle's algorithm off on every connection the app accepts, as asyncio means it to be.

asyncio turns Nagle off (TCP_NODELAY) on each accepted socket, but only when the socket's
protocol number reads IPPROTO_TCP. Streamlit binds its listening socket itself, as
`socket.socket(family)`, whose protocol number is 0, so the connections accepted from it
keep Nagle on. A reply is written in pieces (headers, then body; one WebSocket message after
another), and with Nagle on each piece after the first waits for the browser's delayed
acknowledgement: 40 ms on Linux. A browser loads the first page's sixty-odd script files over
six kept-alive connections, and every file after the first on a connection waited that long
(a WebSocket message written right after another can be held the same way). Measured: a
kept-alive request took 44 ms instead of 1 ms (BENCHMARKS.md, "Fourth pass").

`install()` replaces asyncio's check with one that treats protocol 0 on an Internet stream
socket as what it is, TCP. It must run before the server accepts its first connection:
dashboard/server.py calls it when it is imported, before uvicorn starts serving.
"""

from __future__ import annotations

import socket
from asyncio import base_events

_INTERNET = (socket.AF_INET, socket.AF_INET6)


def set_nodelay(sock: socket.socket) -> None:
    """asyncio's _set_nodelay, also for a TCP socket made without naming its protocol."""
    stream = sock.family in _INTERNET and sock.type == socket.SOCK_STREAM
    if stream and sock.proto in (0, socket.IPPROTO_TCP):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def install() -> None:
    """Make every transport asyncio creates from now on use set_nodelay."""
    base_events._set_nodelay = set_nodelay  # type: ignore[attr-defined]
