"""Building the parts of ``briefbot run`` before anything connects: the content, the engine, a
service per configured platform (or the console), the database and the digest service.

Each step fails with a ``StartupError`` whose message says why (file, line and field for bad
content; the cause, never the password, for an unreachable database).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core import metrics
from bot.core.errors import ConfigError, ContentError

if TYPE_CHECKING:
    from bot.app.settings import Settings
    from bot.commands.engine import Engine
    from bot.core.loader import LoadedBriefing
    from bot.digests.ports import Service
    from bot.digests.service import DigestService
    from bot.digests.storage import Store
    from bot.platforms.console import ConsoleService
    from bot.platforms.slack.service import SlackService

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
#: How long opening the database may take before start-up fails.
DATABASE_SECONDS = 20.0
#: Longest pause between two digest sweeps (they pick up claims a dead instance left).
SWEEP_SECONDS = 30.0


class StartupError(Exception):
    """Start-up cannot go on; the message says why (it is logged, never a traceback)."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


async def load_content(settings: Settings) -> tuple[Path, list[LoadedBriefing]]:
    """The content directory and every briefing in it, validated."""
    from bot.core.loader import default_content_dir, load_directory

    content_dir = settings.content.content_dir or default_content_dir()
    try:
        loaded = await asyncio.to_thread(load_directory, content_dir)
    except ContentError as exc:
        problems = "\n".join(str(p) for p in exc.problems)
        raise StartupError(
            f"invalid content in {content_dir} ({len(exc.problems)} problem(s)):\n" + problems
        ) from None
    except OSError as exc:
        raise StartupError(f"cannot read content in {content_dir}: {exc}") from None
    if not loaded:
        raise StartupError(f"no briefings in {content_dir}")
    metrics.record_content(loaded)
    return content_dir, loaded


def build_engine(settings: Settings, loaded: list[LoadedBriefing]) -> Engine:
    """The engine over the loaded briefings, with ``DEFAULT_BRIEFING`` checked."""
    from bot.app.composition import build_engine as compose
    from bot.core.library import Library, LibraryHolder

    wanted = settings.content.default_briefing
    library = Library.from_loaded(loaded, default_id=wanted)
    if wanted and not library.default_configured:
        raise StartupError(
            f"DEFAULT_BRIEFING: no briefing “{wanted}” is loaded "
            f"(briefings: {', '.join(library.briefings)})",
            exit_code=EXIT_CONFIG,
        )
    return compose(LibraryHolder(library))


@dataclass
class Platforms:
    """The services to connect, or the console when no platform is configured."""

    services: list[Service] = field(default_factory=list)
    #: Slack in HTTP mode on the health server's port: its routes are mounted there.
    shared_slack: SlackService | None = None
    console: ConsoleService | None = None


def build_platforms(settings: Settings, engine: Engine) -> Platforms:
    """Create (not start) a service per configured platform, or the console; a platform
    library is imported only when its platform is configured."""
    platforms = Platforms()
    try:
        if settings.discord.enabled:
            from bot.platforms.discord.service import DiscordService

            platforms.services.append(DiscordService(settings, engine))
        if settings.slack.enabled:
            from bot.platforms.slack.service import SlackService

            platforms.services.append(slack := SlackService(settings, engine))
            http_mode = not settings.slack.socket_mode
            if http_mode and settings.slack.port == settings.ops.health_port:
                platforms.shared_slack = slack
    except ConfigError as exc:
        raise StartupError(str(exc), exit_code=EXIT_CONFIG) from None
    if not platforms.services:
        from bot.platforms.console import ConsoleService

        platforms.console = ConsoleService(engine)
    return platforms


async def open_store(url: str) -> Store:
    """The digest store at ``url``, migrated, within ``DATABASE_SECONDS``."""
    from bot.digests.storage import Store

    with database_errors():
        return await asyncio.wait_for(Store.open(url), DATABASE_SECONDS)


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database failure inside the block into a ``StartupError`` saying why."""
    from bot.digests.storage.connection import DatabaseUnavailable

    try:
        yield
    except TimeoutError:
        raise StartupError(
            f"database unreachable: no connection within {DATABASE_SECONDS:.0f} s"
        ) from None
    except DatabaseUnavailable as exc:
        raise StartupError(f"database unreachable: {exc.cause}") from None
    except StartupError:
        raise
    except Exception as exc:
        from bot.app.health import reason

        raise StartupError(f"database unreachable: {reason(exc)}") from None


async def record_versions(store: Store, loaded: Iterable[LoadedBriefing]) -> None:
    """Record each loaded briefing as a version in the store (known versions are kept)."""
    from datetime import UTC, datetime

    from bot.digests.composer import record_version

    for item in loaded:
        await record_version(store.versions, item, now=datetime.now(UTC))


def build_digests(
    settings: Settings, engine: Engine, store: Store, posters: list[Any]
) -> DigestService:
    """The digest service (not started), posting through ``posters``, provided to the
    digest commands."""
    from bot.digests.handlers import DIGESTS
    from bot.digests.service import DigestService

    # The sweeper takes over claims of a dead instance: look often enough that a delivery
    # waits little longer than the claim expiry (DIGEST_CLAIM_SECONDS) for it.
    sweep = min(SWEEP_SECONDS, settings.digest.claim_seconds / 3)
    digests = DigestService(settings, engine.library, store, posters, sweep_seconds=sweep)
    engine.services.provide(DIGESTS, digests)
    return digests
