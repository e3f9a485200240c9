"""Warming ``briefbot run`` up before it connects: every cacheable answer computed, its first
view built and rendered once, then everything built so far frozen out of the collector.

The first commands after "ready" then wait behind no first imports, first answers, first views
(measuring a view's pages renders each candidate page on every platform: 1-9 ms an answer) or
first renders, and no full collection pass walks the long-lived heap under load.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.commands.calls import Context, Invocation
from bot.core import metrics

if TYPE_CHECKING:
    from bot.app.settings import Settings
    from bot.commands.engine import Engine

log = logging.getLogger(__name__)

#: The platform label of the answers computed while warming up (not counted in the metrics).
WARM_PLATFORM = "warm-up"


def invocations(engine: Engine) -> list[Invocation]:
    """Every cacheable read-only command with no arguments, and ``actor`` for each actor by
    name and by id (per briefing when there are several)."""
    library = engine.library.current
    context = Context(platform=WARM_PLATFORM, channel_id="warm-up")
    calls = [
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
                    calls.append(Invocation("actor", {"name": name, **briefing}, context))
    return calls


async def warm(engine: Engine, settings: Settings) -> int:
    """Answer every one of ``invocations(engine)`` so the engine's cache holds them, build the
    first view each adapter shows of it (remembered by ``bot.render.views``) and render that
    view for the configured platforms (remembered by their adapters); the metrics do not count
    these answers. Returns how many answers were computed."""
    from bot.platforms.views import first  # the views the adapters show

    started = time.perf_counter()
    calls = invocations(engine)
    render_with = renderers(settings)
    for invocation in calls:
        answer = await engine.execute(invocation)
        for render in render_with:
            try:
                render(first(answer, invocation))
            except Exception:  # warming must never stop start-up
                log.warning("warming a render failed", exc_info=True)
                render_with.remove(render)
                break
    for outcome in ("ok", "user_error", "error"):
        for invocation in calls:
            with contextlib.suppress(KeyError):
                metrics.COMMANDS.remove(invocation.command, WARM_PLATFORM, outcome)
    with contextlib.suppress(KeyError):
        metrics.ANSWER_LATENCY.remove(WARM_PLATFORM)
    log.info("warmed %d answer(s) in %.2f s", len(calls), time.perf_counter() - started)
    return len(calls)


def renderers(settings: Settings) -> list[Callable[[Any], object]]:
    """The (remembering) renderers of the configured platforms' adapters, imported now rather
    than on the first answer (none for the console: one person, nothing to wait behind)."""
    found: list[Callable[[Any], object]] = []
    try:
        if settings.discord.enabled:
            from bot.platforms.discord.messages import render as discord_pages

            found.append(discord_pages)
        if settings.slack.enabled:
            from bot.platforms.slack.messages import render as slack_pages

            found.append(slack_pages)
    except Exception:  # a renderer being reworked must not stop start-up
        log.warning("cannot load a renderer to warm", exc_info=True)
    return found


def freeze() -> None:
    """Keep everything built so far (modules, content, indexes, clients, warm answers) out of
    the collector's full passes, which otherwise pause the loop for tens of milliseconds under
    load, and turn the collector back on (``briefbot run`` starts with it off).

    No collection first: start-up leaves ~3,000 unreachable objects among ~100,000, and
    collecting them took 80-200 ms of start-up for no measurable change in resident memory."""
    gc.freeze()
    gc.enable()
