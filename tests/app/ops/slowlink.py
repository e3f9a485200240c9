"""A proxy in front of the Slack stand-in's Web API that can hold ``chat.postMessage`` calls.

It plays a slow network between one bot process and Slack: a digest post reaches it (so the
delivery is in flight) and stays there until the test releases it — forwarded to Slack, or
dropped as if the connection had died.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

_FORWARDED_HEADERS = ("Authorization", "Content-Type")


class HeldSlackApi:
    """``api_url`` forwards every Web API call to ``upstream``; posts wait for ``release``."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.arrived = asyncio.Event()  # a chat.postMessage is being held
        self._released = asyncio.Event()
        self._forward = True
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def release(self, *, forward: bool = True) -> None:
        """Let held posts go on to Slack (``forward``) or fail them without reaching it."""
        self._forward = forward
        self._released.set()

    async def __aenter__(self) -> HeldSlackApi:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release(forward=False)
        assert self._runner is not None and self._session is not None
        await self._runner.cleanup()
        await self._session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        body = await request.read()
        if method == "chat.postMessage":
            self.arrived.set()
            await self._released.wait()
            if not self._forward:
                return web.Response(status=503, text="held post dropped")
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k in _FORWARDED_HEADERS}
        async with self._session.request(
            request.method,
            self.upstream + method,
            params=request.query,
            data=body,
            headers=headers,
        ) as upstream:
            return web.Response(
                body=await upstream.read(),
                status=upstream.status,
                content_type=upstream.content_type,
            )
