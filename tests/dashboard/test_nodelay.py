"""Connections the app accepts have Nagle's algorithm off, though Streamlit binds its
listening socket without naming the TCP protocol (dashboard/nodelay.py says what that cost)."""

from __future__ import annotations

import asyncio
import importlib
import socket
from asyncio import base_events

# Streamlit's own binding function: should it change or go, this import says so first.
from streamlit.web.server.starlette.starlette_server import _bind_socket

from dashboard import nodelay
from tests.app_server import run_in_own_loop


async def _nodelay_of_accepted_connection(listener: socket.socket) -> int:
    """TCP_NODELAY of the server side of one connection asyncio accepts from `listener`."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    async with server:
        _reader, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        value = await asyncio.wait_for(accepted, timeout=10)
        writer.close()
    return value


def test_a_connection_to_streamlits_listening_socket_has_nagle_off() -> None:
    nodelay.install()
    listener = _bind_socket("127.0.0.1", 0, 8)  # exactly as `streamlit run` binds it
    assert listener.proto == 0  # the cause: asyncio's own check skips this socket
    assert run_in_own_loop(lambda: _nodelay_of_accepted_connection(listener)) != 0


def test_a_unix_or_udp_socket_is_left_alone() -> None:
    nodelay.install()
    unix_a, unix_b = socket.socketpair()
    with unix_a, unix_b:
        nodelay.set_nodelay(unix_a)  # no TCP option on a Unix socket: no error either
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with udp:
        nodelay.set_nodelay(udp)


def test_the_served_app_installs_it_before_serving() -> None:
    importlib.import_module("dashboard.server")
    assert base_events._set_nodelay is nodelay.set_nodelay  # type: ignore[attr-defined]
