"""What ``/readyz`` says about each part of ``briefbot run``, and the health server serving it.

Every part is checked from the start: a service says "starting" until it has started, so
``/readyz`` answers 200 only once all of start-up is done.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.app.logs import Redactor

if TYPE_CHECKING:
    from bot.app.health import Check, ComponentState, HealthServer
    from bot.app.runtime import Runtime
    from bot.digests.ports import Service

log = logging.getLogger(__name__)

#: Hosts meaning "every interface": a console's health server binds 127.0.0.1 instead.
CONSOLE_WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def _state(ready: bool, detail: str) -> ComponentState:
    """A component's state (the health module, and aiohttp, load only if served)."""
    from bot.app.health import ComponentState

    return ComponentState(ready, detail)


async def start_health(runtime: Runtime) -> HealthServer | None:
    """Serve ``/healthz``, ``/readyz`` and ``/metrics`` with a check per part of ``runtime``
    (and Slack's ``/slack/events`` when it shares the port); None for a console without
    ``HEALTH_PORT``."""
    from bot.app.startup import StartupError

    ops = runtime.settings.ops
    host = ops.health_host
    platforms = runtime.platforms
    if platforms.console is not None:
        # Someone at a console needs no free port and must not serve the network.
        if "health_port" not in ops.model_fields_set:
            log.info("health server off for the console (set HEALTH_PORT to serve it)")
            return None
        if host in CONSOLE_WILDCARDS:
            if "health_host" in ops.model_fields_set:
                log.warning("HEALTH_HOST %s ignored for the console: using 127.0.0.1", host)
            host = "127.0.0.1"
    from bot.app.health import HealthServer

    health = HealthServer(host, ops.health_port, redact=Redactor(runtime.settings.secrets()))
    if platforms.shared_slack is not None:
        health.app.add_routes(platforms.shared_slack.routes())
    health.add_check("content", lambda: content_state(runtime))
    health.add_check("database", lambda: database_state(runtime))
    for service in platforms.services:
        if service is platforms.shared_slack:
            health.add_check(service.name, lambda: shared_slack_state(runtime))
        else:
            health.add_check(service.name, service_check(runtime, service))
    if platforms.console is not None:
        health.add_check("console", service_check(runtime, platforms.console, up="open"))
    assert runtime.digests is not None
    health.add_check("scheduler", service_check(runtime, runtime.digests, up="running"))
    try:
        await health.start()
    except OSError as exc:
        raise StartupError(
            f"cannot serve health checks on {host}:{ops.health_port}: {exc.strerror}"
        ) from None
    return health


def service_check(runtime: Runtime, service: Service, *, up: str = "connected") -> Check:
    """ "starting" until ``service`` has started, then whether it is ``up``."""

    async def check() -> ComponentState:
        if service.name not in runtime.started:
            return _state(False, "starting")
        ready = service.is_ready()
        detail = up if ready else f"not {up}"
        # A part that works with a limitation says so (e.g. a Slack scope missing).
        note = getattr(service, "readiness_note", None)
        said = note() if callable(note) else None
        return _state(ready, f"{detail}; {said}" if said else detail)

    return check


async def shared_slack_state(runtime: Runtime) -> ComponentState:
    detail = "HTTP mode on the health server's port"
    slack = runtime.platforms.shared_slack
    note = slack.readiness_note() if slack is not None else None
    return _state(True, f"{detail}; {note}" if note else detail)


async def content_state(runtime: Runtime) -> ComponentState:
    assert runtime.engine is not None
    library = runtime.engine.library.current
    count = len(library.briefings)
    return _state(count > 0, f"version {library.version}, {count} briefing(s)")


async def database_state(runtime: Runtime) -> ComponentState:
    from bot.digests.storage.connection import DatabaseUnavailable

    store = runtime.store
    assert store is not None
    try:
        await store.ping()
    except DatabaseUnavailable as exc:
        return _state(False, exc.cause)
    if store.down_cause is not None:  # reachable, but writes fail (full, read-only)
        return _state(False, store.down_cause)
    return _state(True, "reachable")
