"""Composition: which features make up the bot, and the engine that runs them.

Each feature package declares its commands and exposes ``register(registry)``; this is the one
place that lists them. Adding a feature is one line here.
"""

from __future__ import annotations

from bot.commands import ask, briefing_queries, briefings
from bot.commands import map as stance_map
from bot.commands.calls import Services
from bot.commands.engine import Engine
from bot.commands.registry import CommandRegistry
from bot.core.library import LibraryHolder
from bot.digests import handlers as digest_handlers


def build_registry() -> CommandRegistry:
    """The built-in command set: the briefing commands, briefing choice, the stance map, then
    digests."""
    registry = CommandRegistry()
    briefing_queries.register(registry)
    ask.register(registry)
    briefings.register(registry)
    stance_map.register(registry)
    digest_handlers.register(registry)
    return registry


def build_engine(
    library: LibraryHolder,
    *,
    services: Services | None = None,
    registry: CommandRegistry | None = None,
) -> Engine:
    """An engine over ``library`` with the built-in commands (or ``registry``) and the
    services the commands layer provides itself (channel default briefings)."""
    services = services or Services()
    if services.get(briefings.CHANNEL_BRIEFINGS) is None:
        services.provide(briefings.CHANNEL_BRIEFINGS, briefings.ChannelBriefings(services))
    return Engine(library, registry=registry or build_registry(), services=services)
