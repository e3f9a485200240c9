"""``briefbot run``: every configured part in one asyncio loop, with a clean life cycle.

Start-up, in order, failing fast with one clear message and a non-zero exit:

1. check the settings (exit 2 on a ``ConfigError``, e.g. Slack HTTP mode without a signing
   secret, shard ids outside the shard count);
2. load and validate content (exit 1, logging every ``file:line: field: message`` problem);
3. build the engine and a service per platform whose credentials are set (imported only then);
4. open the database and record the loaded briefing versions (exit 1 when unreachable);
5. serve ``/healthz``, ``/readyz`` and ``/metrics`` on ``HEALTH_PORT`` (and Slack's
   ``/slack/events`` too when Slack HTTP mode uses the same port); for the console only when
   ``HEALTH_PORT`` is set, and on 127.0.0.1 rather than every interface;
6. start the content watcher, answer and render every cacheable command once (the engine's
   cache then holds them) and ``gc.freeze()`` — all before connecting, so the first commands
   wait behind none of it;
7. start the platforms (Discord and Slack connect concurrently; the first failure stops
   start-up), then the digest scheduler; with no platform configured, the console.
   ``/readyz`` answers 200 only once all of this is done.

SIGTERM / SIGINT (or the console closing) stop it: ``/readyz`` turns 503, the watcher stops,
the digest service finishes or releases its in-flight deliveries while the platforms are still
connected, then the platforms finish in-flight answers and disconnect, and the database is
closed last. Each step is bounded (``SHUTDOWN_SECONDS`` in all, at least 1 s a step), and the
exit code is 0.
SIGHUP reloads content at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app.logs import Redactor, setup_logging
from bot.commands.calls import META_STORE, Context, Invocation
from bot.core import metrics
from bot.core.errors import ConfigError, ContentError

if TYPE_CHECKING:
    from bot.app.health import Check, ComponentState, HealthServer
    from bot.app.reload import ContentReloader
    from bot.app.settings import Settings
    from bot.commands.engine import Engine
    from bot.core.loader import LoadedBriefing
    from bot.digests.ports import Service
    from bot.digests.storage import Store
    from bot.platforms.console import ConsoleService
    from bot.platforms.slack.service import SlackService

log = logging.getLogger(__name__)

#: Upper bound on a graceful stop; systemd's TimeoutStopSec must be above it.
SHUTDOWN_SECONDS = 25.0
#: How long a platform may take to start (log in, open its socket) before start-up fails.
START_SECONDS = 60.0
#: How long opening the database may take before start-up fails.
DATABASE_SECONDS = 20.0
#: How long start-up waits for the content watcher to run (it is not required to).
WATCHER_SECONDS = 5.0
#: The platform label of the answers computed while warming up (not counted in the metrics).
WARM_PLATFORM = "warm-up"
#: Longest pause between two digest sweeps (they pick up claims a dead instance left).
SWEEP_SECONDS = 30.0

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
#: Hosts meaning "every interface": a console's health server binds 127.0.0.1 instead.
CONSOLE_WILDCARDS = frozenset({"0.0.0.0", "::", ""})


class StartupError(Exception):
    """Start-up cannot go on; the message says why (it is logged, never a traceback)."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


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


def _state(ready: bool, detail: str) -> ComponentState:
    """A component's state for ``/readyz`` (the health module, and aiohttp, load only if served)."""
    from bot.app.health import ComponentState

    return ComponentState(ready, detail)


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
        self.platforms: list[Service] = []
        #: Slack in HTTP mode on the health server's port: its routes are mounted there.
        self.shared_slack: SlackService | None = None
        self.digests: Service | None = None
        self.console: ConsoleService | None = None
        self.reloader: ContentReloader | None = None
        #: Stop actions, run in reverse order of start (LIFO).
        self._stops: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        self._signals: list[signal.Signals] = []
        self._started: set[str] = set()

    # -- start -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every part, in dependency order; raise ``StartupError`` on the first failure."""
        started = time.monotonic()
        self._install_signal_handlers()
        loaded = await self._load_content()
        self._build_engine(loaded)
        self._build_platforms()
        await self._open_store(loaded)
        self._build_digests()
        await self._start_health()
        await self._start_watcher()
        # Ready means ready: the first commands after connecting must not wait behind first
        # imports, first answers and first renders, so all of that happens before connecting.
        await self._warm()
        # Everything built so far (modules, content, indexes, clients, warm answers) lives as
        # long as the process: keep it out of the collector's full passes, which otherwise
        # pause the loop for tens of milliseconds under load. One collection first, so start-up's
        # garbage is freed rather than frozen.
        gc.collect()
        gc.freeze()
        gc.enable()
        await self._start_platforms()
        assert self.digests is not None
        await self._start_service(self.digests)
        if self.console is not None:
            await self._start_service(self.console)
        metrics.START_TIME.set(time.time())
        log.info(
            "briefbot started in %.2f s: %s",
            time.monotonic() - started,
            ", ".join(s.name for s in self.platforms) or "console",
        )

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._on_stop_signal, sig)
                self._signals.append(sig)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, self._on_reload_signal)
            self._signals.append(signal.SIGHUP)

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

    async def _load_content(self) -> list[LoadedBriefing]:
        from bot.core.loader import default_content_dir, load_directory

        self.content_dir = self.settings.content.content_dir or default_content_dir()
        try:
            loaded = await asyncio.to_thread(load_directory, self.content_dir)
        except ContentError as exc:
            problems = "\n".join(str(p) for p in exc.problems)
            raise StartupError(
                f"invalid content in {self.content_dir} ({len(exc.problems)} problem(s)):\n"
                + problems
            ) from None
        except OSError as exc:
            raise StartupError(f"cannot read content in {self.content_dir}: {exc}") from None
        if not loaded:
            raise StartupError(f"no briefings in {self.content_dir}")
        metrics.record_content(loaded)
        return loaded

    async def _open_store(self, loaded: list[LoadedBriefing]) -> None:
        from bot.digests.storage import Store
        from bot.digests.storage.connection import DatabaseUnavailable

        url = self.settings.ops.database_url
        try:
            self.store = await asyncio.wait_for(Store.open(url), DATABASE_SECONDS)
            self._on_stop("database", self._close_store)
            assert self.engine is not None
            self.engine.services.provide(META_STORE, self.store.meta)
            await self.record_versions(loaded)
        except TimeoutError:
            raise StartupError(
                f"database unreachable: no connection within {DATABASE_SECONDS:.0f} s"
            ) from None
        except DatabaseUnavailable as exc:
            raise StartupError(f"database unreachable: {exc.cause}") from None
        except Exception as exc:
            from bot.app.health import reason

            raise StartupError(f"database unreachable: {reason(exc)}") from None

    async def _close_store(self) -> None:
        if self.store is not None:
            await self.store.close()

    async def record_versions(self, loaded: list[LoadedBriefing]) -> None:
        """Record each loaded briefing as a version in the store (known versions are kept)."""
        from datetime import UTC, datetime

        from bot.digests.composer import record_version

        assert self.store is not None
        for item in loaded:
            await record_version(self.store.versions, item, now=datetime.now(UTC))

    def _build_engine(self, loaded: list[LoadedBriefing]) -> None:
        from bot.app.composition import build_engine
        from bot.core.library import Library, LibraryHolder

        wanted = self.settings.content.default_briefing
        library = Library.from_loaded(loaded, default_id=wanted)
        if wanted and not library.default_configured:
            raise StartupError(
                f"DEFAULT_BRIEFING: no briefing “{wanted}” is loaded "
                f"(briefings: {', '.join(library.briefings)})",
                exit_code=EXIT_CONFIG,
            )
        self.engine = build_engine(LibraryHolder(library))

    def _build_platforms(self) -> None:
        """Create (not start) a service per configured platform, or the console."""
        assert self.engine is not None
        settings = self.settings
        try:
            if settings.discord.enabled:
                from bot.platforms.discord.service import DiscordService

                self.platforms.append(DiscordService(settings, self.engine))
            if settings.slack.enabled:
                from bot.platforms.slack.service import SlackService

                self.platforms.append(slack := SlackService(settings, self.engine))
                http_mode = not settings.slack.socket_mode
                if http_mode and settings.slack.port == settings.ops.health_port:
                    self.shared_slack = slack
        except ConfigError as exc:
            raise StartupError(str(exc), exit_code=EXIT_CONFIG) from None
        if not self.platforms:
            from bot.platforms.console import ConsoleService

            self.console = ConsoleService(self.engine)

    async def _start_health(self) -> None:
        ops = self.settings.ops
        host = ops.health_host
        if self.console is not None:
            # Someone at a console needs no free port and must not serve the network.
            if "health_port" not in ops.model_fields_set:
                log.info("health server off for the console (set HEALTH_PORT to serve it)")
                return
            if host in CONSOLE_WILDCARDS:
                if "health_host" in ops.model_fields_set:
                    log.warning("HEALTH_HOST %s ignored for the console: using 127.0.0.1", host)
                host = "127.0.0.1"
        from bot.app.health import HealthServer

        self.health = health = HealthServer(
            host, ops.health_port, redact=Redactor(self.settings.secrets())
        )
        if self.shared_slack is not None:
            health.app.add_routes(self.shared_slack.routes())
        # Every part is checked from the start: /readyz says "starting" until it is up.
        health.add_check("content", self._content_state)
        health.add_check("database", self._database_state)
        for service in self.platforms:
            if service is self.shared_slack:
                health.add_check(service.name, self._shared_slack_state)
            else:
                health.add_check(service.name, self._service_check(service))
        if self.console is not None:
            health.add_check("console", self._service_check(self.console, up="open"))
        assert self.digests is not None
        health.add_check("scheduler", self._service_check(self.digests, up="running"))
        try:
            await health.start()
        except OSError as exc:
            raise StartupError(
                f"cannot serve health checks on {host}:{ops.health_port}: {exc.strerror}"
            ) from None
        self._on_stop("health server", health.stop)

    async def _start_platforms(self) -> None:
        """Connect every platform at once (each waits on its own network round trips)."""
        starting = []
        for service in self.platforms:
            if service is self.shared_slack:
                # Slack's /slack/events is served by the health server: nothing to start.
                assert self.health is not None
                self._on_stop(service.name, service.stop)
                log.info("Slack HTTP mode shares the health server's port %d", self.health.port)
                continue
            starting.append(asyncio.create_task(self._start_service(service)))
        try:
            await asyncio.gather(*starting)
        except BaseException:
            for task in starting:
                task.cancel()
            await asyncio.gather(*starting, return_exceptions=True)
            raise

    async def _start_service(self, service: Service) -> None:
        self._on_stop(service.name, service.stop)
        try:
            await asyncio.wait_for(service.start(), START_SECONDS)
        except TimeoutError:
            raise StartupError(
                f"{service.name}: did not start within {START_SECONDS:.0f} s"
            ) from None
        except ConfigError as exc:
            raise StartupError(f"{service.name}: {exc}", exit_code=EXIT_CONFIG) from None
        except Exception as exc:
            from bot.app.health import reason

            raise StartupError(f"{service.name}: cannot start: {reason(exc)}") from None
        self._started.add(service.name)
        log.info("%s started", service.name)

    def _build_digests(self) -> None:
        from bot.digests.handlers import DIGESTS
        from bot.digests.service import DigestService

        assert self.engine is not None and self.store is not None
        posters: list[Any] = [*self.platforms] if self.platforms else [self.console]
        # The sweeper takes over claims of a dead instance: look often enough that a delivery
        # waits little longer than the claim expiry (DIGEST_CLAIM_SECONDS) for it.
        sweep = min(SWEEP_SECONDS, self.settings.digest.claim_seconds / 3)
        self.digests = DigestService(
            self.settings, self.engine.library, self.store, posters, sweep_seconds=sweep
        )
        self.engine.services.provide(DIGESTS, self.digests)

    async def _start_watcher(self) -> None:
        from bot.app.reload import ContentReloader

        assert self.engine is not None and self.content_dir is not None
        self.reloader = ContentReloader(
            self.content_dir, self.engine.library, record=self.record_versions
        )
        self.reloader.start()
        self._on_stop("content watcher", self.reloader.stop)
        # Let it import watchfiles (and anyio) now rather than after connecting.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.reloader.wait_watching(), WATCHER_SECONDS)

    async def _warm(self) -> None:
        """Answer every cacheable read-only command once (with no arguments, and ``actor`` for
        each actor by name and id) so the engine's cache holds them, and render each answer for
        the configured platforms; the metrics do not count these answers."""
        assert self.engine is not None
        started = time.perf_counter()
        engine, library = self.engine, self.engine.library.current
        context = Context(platform=WARM_PLATFORM, channel_id="warm-up")
        invocations = [
            Invocation(spec.qualified_name, {}, context)
            for spec in engine.registry
            if spec.cacheable and not spec.manage
        ]
        actor = engine.registry.get("actor")
        if actor is not None and actor.cacheable:
            several = library.several and any(o.name == "briefing" for o in actor.options)
            for loaded in library.briefings.values():
                briefing = {"briefing": loaded.briefing.id} if several else {}
                for item in loaded.briefing.actors:
                    for name in dict.fromkeys((item.name, item.id)):
                        invocations.append(Invocation("actor", {"name": name, **briefing}, context))
        renderers = self._renderers()
        answers = 0
        for invocation in invocations:
            answer = await engine.execute(invocation)
            answers += 1
            for render in renderers:
                try:
                    render(answer)
                except Exception:  # warming must never stop start-up
                    log.warning("warming a render failed", exc_info=True)
                    renderers.remove(render)
                    break
        for outcome in ("ok", "user_error", "error"):
            for invocation in invocations:
                with contextlib.suppress(KeyError):
                    metrics.COMMANDS.remove(invocation.command, WARM_PLATFORM, outcome)
        with contextlib.suppress(KeyError):
            metrics.ANSWER_LATENCY.remove(WARM_PLATFORM)
        log.info("warmed %d answer(s) in %.2f s", answers, time.perf_counter() - started)

    def _renderers(self) -> list[Callable[[Any], object]]:
        """The renderers of the configured platforms (imported now, not on the first answer)."""
        renderers: list[Callable[[Any], object]] = []
        try:
            if self.settings.discord.enabled:
                from bot.render.discord import to_discord

                renderers.append(to_discord)
            if self.settings.slack.enabled:
                from bot.render.slack import to_slack

                renderers.append(to_slack)
        except Exception:  # a renderer being reworked must not stop start-up
            log.warning("cannot load a renderer to warm", exc_info=True)
        return renderers

    def _on_stop(self, name: str, action: Callable[[], Awaitable[object]]) -> None:
        self._stops.append((name, action))

    # -- readiness ---------------------------------------------------------------------------

    def _service_check(self, service: Service, *, up: str = "connected") -> Check:
        async def check() -> ComponentState:
            if service.name not in self._started:
                return _state(False, "starting")
            ready = service.is_ready()
            detail = up if ready else f"not {up}"
            # A part that works with a limitation says so (e.g. a Slack scope missing).
            note = getattr(service, "readiness_note", None)
            said = note() if callable(note) else None
            return _state(ready, f"{detail}; {said}" if said else detail)

        return check

    async def _shared_slack_state(self) -> ComponentState:
        detail = "HTTP mode on the health server's port"
        note = self.shared_slack.readiness_note() if self.shared_slack is not None else None
        return _state(True, f"{detail}; {note}" if note else detail)

    async def _content_state(self) -> ComponentState:
        assert self.engine is not None
        library = self.engine.library.current
        count = len(library.briefings)
        return _state(count > 0, f"version {library.version}, {count} briefing(s)")

    async def _database_state(self) -> ComponentState:
        from bot.digests.storage.connection import DatabaseUnavailable

        assert self.store is not None
        try:
            await self.store.ping()
        except DatabaseUnavailable as exc:
            return _state(False, exc.cause)
        if self.store.down_cause is not None:  # reachable, but writes fail (full, read-only)
            return _state(False, self.store.down_cause)
        return _state(True, "reachable")

    # -- run and stop ------------------------------------------------------------------------

    async def wait(self) -> None:
        """Serve until a stop is requested: a signal, or the console's user leaving (Ctrl-D)."""
        waits: list[asyncio.Task[Any]] = [asyncio.create_task(self.stop_requested.wait())]
        if self.console is not None:
            waits.append(asyncio.create_task(self.console.wait_closed()))
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
        if self._stops:
            log.info("stopping: %s", ", ".join(name for name, _ in reversed(self._stops)))
        deadline = time.monotonic() + SHUTDOWN_SECONDS
        while self._stops:
            name, action = self._stops.pop()
            budget = max(deadline - time.monotonic(), 1.0)
            try:
                await asyncio.wait_for(action(), budget)
            except TimeoutError:
                log.error("%s did not stop within %.1f s; moving on", name, budget)
            except Exception:
                log.exception("%s failed to stop cleanly", name)
        loop = asyncio.get_running_loop()
        while self._signals:
            loop.remove_signal_handler(self._signals.pop())
