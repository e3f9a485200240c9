"""The Slack stand-in's Socket Mode websocket (``GET /socket``): ``hello`` on connect,
envelopes sent with ``socket_send`` and their acks collected (and checked), ``disconnect``
requests and abrupt drops."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.slack.models import APP_ID, SocketAck


@dataclass
class Socket:
    ws: web.WebSocketResponse
    number: int
    closed: asyncio.Event = field(default_factory=asyncio.Event)


class SocketModeMixin:
    """The Socket Mode server, mixed into ``SlackFake`` (whose ``__init__`` holds the state
    these methods read and write)."""

    async def wait_socket_connected(self, *, count: int = 1, timeout: float = 15.0) -> None:
        """Wait until the client has opened its ``count``-th websocket (and got ``hello``)."""
        await self.wait_for(lambda: self.socket_connections >= count, timeout=timeout)

    async def socket_send(
        self, kind: str, payload: Mapping[str, Any], *, timeout: float = 15.0
    ) -> SocketAck:
        """Send an envelope (``slash_commands``, ``interactive``, ``events_api``) on the newest
        open socket and wait for its ack."""
        live = [s for s in self._sockets if not s.ws.closed]
        if not live:
            raise AssertionError("no Socket Mode client is connected")
        envelope_id = f"env-{next(self._ids)}"
        future: asyncio.Future[SocketAck] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": dict(payload),
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope["retry_attempt"] = 0
            envelope["retry_reason"] = ""
        await live[-1].ws.send_str(json.dumps(envelope))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(envelope_id, None)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect (it calls ``apps.connections.open``, opens a new socket)."""
        live = [s for s in self._sockets if not s.ws.closed]
        if live:
            await live[-1].ws.send_str(
                json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})
            )

    async def drop_socket(self) -> None:
        """Close the newest socket abruptly (a network drop)."""
        live = [s for s in self._sockets if not s.ws.closed]
        if live:
            await live[-1].ws.close(code=1011, message=b"dropped")

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.socket_connections += 1
        sock = Socket(ws=ws, number=self.socket_connections)
        self._sockets.append(sock)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len([s for s in self._sockets if not s.ws.closed]),
                    "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": APP_ID},
                }
            )
        )
        async with self._changed:
            self._changed.notify_all()
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                ack = SocketAck(
                    envelope_id=data.get("envelope_id", ""), payload=data.get("payload")
                )
                if ack.payload is not None:
                    self._check_message(f"socket ack {ack.envelope_id}", ack.payload, ack=True)
                future = self._acks.get(ack.envelope_id)
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            sock.closed.set()
        return ws
