"""What both local stand-ins share: an aiohttp app on 127.0.0.1, a change signal, lost answers.

``LoopbackServer`` serves ``_build_app()`` on a free loopback port with ``start()``/``stop()`` or
``async with``; ``_notify()`` wakes whatever waits on ``_changed`` for something to be recorded;
``_lose_answer(request, then)`` is the "accepted, then the answer never arrives" fault both
platforms inject (``drop`` closes the connection, ``hang`` waits until ``stop()``).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, ClassVar, Self

from aiohttp import web

HOST = "127.0.0.1"


class LoopbackServer:
    """An aiohttp application runner bound to ``127.0.0.1`` on an ephemeral port."""

    #: Keyword arguments for ``web.AppRunner`` (a stand-in may silence the access log).
    _runner_options: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        self.port = 0
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._hung = asyncio.Event()  # set by stop(): releases every "hang" fault
        self._runner: web.AppRunner | None = None

    def _build_app(self) -> web.Application:
        """The routes this stand-in serves."""
        raise NotImplementedError

    async def _prepare(self) -> None:
        """Work to do before listening (override)."""

    async def _close_connections(self) -> None:
        """Close websockets, pending waits and client sessions before stopping (override)."""

    async def start(self) -> Self:
        """Listen on an ephemeral loopback port."""
        await self._prepare()
        self._runner = web.AppRunner(self._build_app(), **self._runner_options)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Release hung answers, close open connections and stop serving."""
        self._hung.set()
        await self._close_connections()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def _notify(self) -> None:
        """Wake every waiter on ``_changed`` (something was recorded)."""
        async with self._changed:
            self._changed.notify_all()

    async def _lose_answer(self, request: web.Request, then: str) -> None:
        """The request was carried out; now lose its answer: ``drop`` closes the connection
        without answering, ``hang`` waits until ``stop()`` first."""
        if then == "hang":
            await self._hung.wait()
        if request.transport is not None:
            request.transport.close()  # the answer is lost on the way back
