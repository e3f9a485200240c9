"""``briefbot run``: every configured part in one asyncio loop, with a clean life cycle.

Start-up, in order, failing fast with one clear message and a non-zero exit
(``bot.app.startup``, ``bot.app.readiness``, ``bot.app.warmup``, ``bot.app.launch``):

1. check the settings (exit 2 on a ``ConfigError``, e.g. Slack HTTP mode without a signing
   secret, shard ids outside the shard count);
2. load and validate content (exit 1, logging every ``file:line: field: message`` problem);
3. build the engine and a service per platform whose credentials are set (imported only then);
4. open the database and record the loaded briefing versions (exit 1 when unreachable);
5. serve ``/healthz``, ``/readyz`` and ``/metrics`` on ``HEALTH_PORT`` (and Slack's
   ``/slack/events`` too when Slack HTTP mode uses the same port); for the console only when
   ``HEALTH_PORT`` is set, and on 127.0.0.1 rather than every interface;
6. start the content watcher, answer and render every cacheable command once (the engine's
   cache then holds them), start the digest service (its scheduler running, its posts held
   until their platform has connected) and ``gc.freeze()`` — all before connecting, so the
   first commands wait behind none of it;
7. connect the platforms (Discord and Slack concurrently; the first failure stops start-up);
   with no platform configured, open the console. ``/readyz`` answers 200 only once all of
   this is done.

SIGTERM / SIGINT (or the console closing) stop it (``bot.app.shutdown``): ``/readyz`` turns
503, the digest service finishes or releases its in-flight deliveries while the platforms are
still connected, then the platforms finish in-flight answers and disconnect, the watcher stops,
and the database is closed last. Each step is bounded (``SHUTDOWN_SECONDS`` in all, at least
1 s a step), and the exit code is 0. SIGHUP reloads content at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app import launch, readiness, startup, warmup
from bot.app.logs import setup_logging
from bot.app.shutdown import SHUTDOWN_SECONDS, Signals, StopAction, Stops
from bot.app.startup import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, StartupError
from bot.commands.calls import META_STORE
from bot.core import metrics
from bot.core.errors import ConfigError

if TYPE_CHECKING:
    from bot.app.health import HealthServer
    from bot.app.reload import ContentReloader
    from bot.app.settings import Settings
    from bot.commands.engine import Engine
    from bot.core.loader import LoadedBriefing
    from bot.digests.ports import Service
    from bot.digests.storage import Store

log = logging.getLogger(__name__)

#: How long start-up waits for the content watcher to run (it is not required to).
WATCHER_SECONDS = 5.0

__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "EXIT_OK", "Runtime", "StartupError", "main", "run"]


def main(settings: Settings) -> int:
    """Run until stopped; return the process exit code (0 after a graceful stop)."""
    no_platform = not (settings.discord.enabled or settings.slack.enabled)
    if no_platform and sys.stdin.isatty() and "log_level" not in settings.ops.model_fields_set:
        # Someone trying the console at a terminal: keep start-up chatter off their screen.
        settings.ops.log_level = "WARNING"
    setup_logging(settings)
    try:
        settings.check()
    except ConfigError as exc:
        log.critical("configuration error: %s", exc)
        return EXIT_CONFIG
    try:
        return asyncio.run(run(settings))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        log.warning("interrupted during start-up")
        return 130
    except Exception:  # a bug: log it (redacted) rather than let Python print it raw
        log.critical("briefbot crashed", exc_info=True)
        return EXIT_FAILED


async def run(settings: Settings, *, stop: asyncio.Event | None = None) -> int:
    """Start everything, serve until ``stop`` is set (or a signal arrives), stop gracefully."""
    runtime = Runtime(settings, stop=stop)
    try:
        await runtime.start()
    except StartupError as exc:
        log.critical("cannot start: %s", exc)
        await runtime.shutdown()
        return exc.exit_code
    except BaseException:
        await runtime.shutdown()
        raise
    try:
        await runtime.wait()
    finally:
        await runtime.shutdown()
    log.info("stopped")
    return EXIT_OK


class Runtime:
    """The parts of one running Briefbot process and their start/stop order."""

    def __init__(self, settings: Settings, *, stop: asyncio.Event | None = None) -> None:
        self.settings = settings
        self.stop_requested = stop or asyncio.Event()
        self.content_dir: Path | None = None
        self.engine: Engine | None = None
        self.store: Store | None = None
        self.health: HealthServer | None = None
        self.platforms = startup.Platforms()
        self.digests: Service | None = None
        self.reloader: ContentReloader | None = None
        #: The digest service's posters, one per platform, open once that platform started.
        self.held: dict[str, launch.HeldPoster] = {}
        #: Names of the services that have started (``/readyz`` says "starting" until then).
        self.started: set[str] = set()
        #: Names of the services asked to start (only those are asked to stop).
        self._attempted: set[str] = set()
        self.stops = Stops()
        self.signals = Signals(self._on_stop_signal, self._on_reload_signal)

    # -- start -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every part, in dependency order; raise ``StartupError`` on the first failure."""
        began = time.monotonic()
        self.signals.install()
        self.content_dir, loaded = await startup.load_content(self.settings)
        self.engine = engine = startup.build_engine(self.settings, loaded)
        self.platforms = startup.build_platforms(self.settings, engine)
        await self._open_store(loaded)
        self._build_digests()
        self.health = await readiness.start_health(self)
        if self.health is not None:
            self.stops.add("health server", self.health.stop)
        await self._start_watcher()
        # Ready means ready: the first commands after connecting must not wait behind first
        # imports, first answers, first renders or the scheduler's start, so all of that
        # happens before connecting.
        await warmup.warm(engine, self.settings)
        # Stopped after the digest service (added before it), which drains through them.
        for service in self._services():
            self.stops.add(service.name, self._stopper(service))
        assert self.digests is not None
        self.stops.add(self.digests.name, self._stopper(self.digests))
        await self._start(self.digests)
        warmup.freeze()
        await self._connect_platforms()
        if self.platforms.console is not None:
            await self._start(self.platforms.console)
        metrics.START_TIME.set(time.time())
        log.info(
            "briefbot started in %.2f s: %s",
            time.monotonic() - began,
            ", ".join(s.name for s in self.platforms.services) or "console",
        )

    def _services(self) -> list[Service]:
        """The platform services and the console, in start order."""
        console = self.platforms.console
        return [*self.platforms.services, *([console] if console is not None else [])]

    async def _open_store(self, loaded: list[LoadedBriefing]) -> None:
        self.store = store = await startup.open_store(self.settings.ops.database_url)
        self.stops.add("database", store.close)
        assert self.engine is not None
        self.engine.services.provide(META_STORE, store.meta)
        with startup.database_errors():
            await self.record_versions(loaded)

    async def record_versions(self, loaded: list[LoadedBriefing]) -> None:
        """Record each loaded briefing as a version in the store (known versions are kept)."""
        assert self.store is not None
        await startup.record_versions(self.store, loaded)

    def _build_digests(self) -> None:
        assert self.engine is not None and self.store is not None
        posters: list[Any] = []
        for service in self._services():
            held = self.held[service.name] = launch.HeldPoster(service)  # type: ignore[arg-type]
            posters.append(held)
        self.digests = startup.build_digests(self.settings, self.engine, self.store, posters)

    async def _start_watcher(self) -> None:
        from bot.app.reload import ContentReloader

        assert self.engine is not None and self.content_dir is not None
        self.reloader = ContentReloader(
            self.content_dir, self.engine.library, record=self.record_versions
        )
        self.reloader.start()
        self.stops.add("content watcher", self.reloader.stop)
        # Let it import watchfiles (and anyio) now rather than after connecting.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.reloader.wait_watching(), WATCHER_SECONDS)

    async def _connect_platforms(self) -> None:
        """Connect every platform at once (each waits on its own network round trips)."""
        starting = []
        for service in self.platforms.services:
            if service is self.platforms.shared_slack:
                # Slack's /slack/events is served by the health server: nothing to start.
                assert self.health is not None
                self._attempted.add(service.name)
                self._opened(service)
                log.info("Slack HTTP mode shares the health server's port %d", self.health.port)
                continue
            starting.append(asyncio.create_task(self._start(service)))
        await launch.all_at_once(*starting)

    async def _start(self, service: Service) -> None:
        self._attempted.add(service.name)
        await launch.start_service(service)
        self._opened(service)

    def _opened(self, service: Service) -> None:
        self.started.add(service.name)
        if (held := self.held.get(service.name)) is not None:
            held.open()

    def _stopper(self, service: Service) -> StopAction:
        async def stop() -> None:
            if service.name in self._attempted:
                await service.stop()

        return stop

    # -- signals -----------------------------------------------------------------------------

    def _on_stop_signal(self, sig: signal.Signals) -> None:
        if self.stop_requested.is_set():
            log.warning("%s again: already stopping (at most %.0f s)", sig.name, SHUTDOWN_SECONDS)
            return
        log.info("%s received: stopping", sig.name)
        self.stop_requested.set()

    def _on_reload_signal(self) -> None:
        if self.reloader is not None:
            log.info("SIGHUP received: reloading content")
            self.reloader.reload_soon()

    # -- run and stop ------------------------------------------------------------------------

    async def wait(self) -> None:
        """Serve until a stop is requested: a signal, or the console's user leaving (Ctrl-D)."""
        waits: list[asyncio.Task[Any]] = [asyncio.create_task(self.stop_requested.wait())]
        if self.platforms.console is not None:
            waits.append(asyncio.create_task(self.platforms.console.wait_closed()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def shutdown(self) -> None:
        """Stop what was started, newest first, within ``SHUTDOWN_SECONDS`` in all (a step
        left with less than 1 s still gets 1 s)."""
        if self.health is not None:
            self.health.set_stopping()
        for held in self.held.values():
            held.refuse()  # a post still waiting for its platform is handed back
        if self.stops:
            log.info("stopping: %s", ", ".join(self.stops.names))
        await self.stops.run()
        self.signals.remove()
