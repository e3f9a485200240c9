"""The small HTTP server operators and orchestrators look at.

- ``GET /healthz`` — 200 while the process is alive and its event loop answers.
- ``GET /readyz``  — 200 when every component is ready, else 503; the JSON body names each
  component and its state, e.g.
  ``{"ready": false, "components": {"database": {"ready": false, "detail": "…"}, …}}``.
  While shutting down it answers 503 (``"stopping": true``) so a load balancer drains us.
- ``GET /metrics`` — ``bot.core.metrics.REGISTRY`` in the Prometheus text format (OpenMetrics when
  the scraper asks for it).

Components are registered as async checks; a check that raises or takes longer than
``CHECK_TIMEOUT`` counts as not ready, with the (redacted) reason in ``detail``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client.exposition import choose_encoder

from bot.core import metrics

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0
#: Readiness is computed at most this often; probes and scrapes in between reuse it.
CACHE_SECONDS = 0.5


@dataclass(frozen=True)
class ComponentState:
    """One component's readiness and a short, secret-free explanation."""

    ready: bool
    detail: str = ""


Check = Callable[[], Awaitable[ComponentState]]


def reason(exc: BaseException) -> str:
    """A one-line reason for ``exc``: its class and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


class HealthServer:
    """Serves ``/healthz``, ``/readyz`` and ``/metrics`` on ``host:port`` (port 0 = any free)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        redact: Callable[[str], str] = str,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.host = host
        self.port = port
        self._redact = redact
        self._cache_seconds = cache_seconds
        self._checks: dict[str, Check] = {}
        self._stopping = False
        self._cached: tuple[float, dict[str, ComponentState]] | None = None
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None

    def add_check(self, name: str, check: Check) -> None:
        """Make ``/readyz`` depend on ``check`` under ``name``."""
        self._checks[name] = check
        self._cached = None

    def set_stopping(self) -> None:
        """From now on ``/readyz`` says 503 so traffic drains away."""
        self._stopping = True

    async def start(self) -> None:
        """Bind and serve; raises ``OSError`` if the port is taken."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = self._runner.addresses[0][1]
        log.info("health server on http://%s:%d (/healthz /readyz /metrics)", self.host, self.port)

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def readiness(self) -> dict[str, ComponentState]:
        """Every component's state now (checks run concurrently); updates ``briefbot_ready``."""
        now = time.monotonic()
        if self._cached and now - self._cached[0] < self._cache_seconds:
            return self._cached[1]
        names = list(self._checks)
        results = await asyncio.gather(*(self._run(self._checks[n]) for n in names))
        states = dict(zip(names, results, strict=True))
        for name, state in states.items():
            metrics.READY.labels(component=name).set(1 if state.ready else 0)
        self._cached = (now, states)
        return states

    async def _run(self, check: Check) -> ComponentState:
        try:
            state = await asyncio.wait_for(check(), CHECK_TIMEOUT)
        except TimeoutError:
            return ComponentState(False, f"no answer within {CHECK_TIMEOUT:g} s")
        except Exception as exc:
            return ComponentState(False, reason(exc))
        return state

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def _readyz(self, request: web.Request) -> web.Response:
        states = await self.readiness()
        ready = not self._stopping and all(s.ready for s in states.values())
        body = {
            "ready": ready,
            "stopping": self._stopping,
            "components": {
                name: {"ready": s.ready, "detail": self._redact(s.detail)}
                for name, s in states.items()
            },
        }
        return web.Response(
            text=json.dumps(body, indent=1),
            status=200 if ready else 503,
            content_type="application/json",
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        await self.readiness()
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encode(metrics.REGISTRY), headers={"Content-Type": content_type})
