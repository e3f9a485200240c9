"""Discord as a ``Service`` (slash commands, autocomplete, buttons) and a ``Poster`` (digests).

``DiscordService(settings, engine)`` runs a discord.py client in the current event loop
(``client.start(token)`` in a task, never ``client.run``). On start it logs in, syncs the slash
commands built from the engine's command registry (only when they changed: a hash is kept in
the runtime's store, else in memory), connects to the gateway and returns once READY arrived.

Endpoints: ``DISCORD_API_BASE`` sets ``discord.http.Route.BASE`` (read on every request,
interaction callbacks and follow-ups included) and ``DISCORD_GATEWAY_URL`` sets the gateway of
the first connection (``DiscordWebSocket.DEFAULT_GATEWAY``; afterwards discord.py resumes at
READY's ``resume_gateway_url``). Both are process-wide in discord.py; ``stop()`` restores them.

Sharding: ``DISCORD_SHARD_COUNT`` (and optionally ``DISCORD_SHARD_IDS``) makes the client an
``AutoShardedClient`` running those shards in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from bot.commands.engine import Engine
from bot.core import metrics
from bot.core.answers import Answer
from bot.core.errors import ConfigError
from bot.digests.ports import (
    ChannelGone,
    ChannelRef,
    DeliveryError,
    NoAccess,
    OutcomeUnknown,
    PostKey,
    PostResult,
    RateLimited,
    RateLimits,
    Refused,
    ThreadPlan,
    TransientError,
    Unavailable,
    channel_mention,
)
from bot.platforms.discord import images, messages, threads
from bot.platforms.discord.handlers import Interactions
from bot.platforms.discord.settings import DiscordSettings, HasDiscordSettings
from bot.platforms.discord.slash import SyncHashes, build_commands, sync_if_changed
from bot.platforms.http_errors import maybe_delivered

log = logging.getLogger(__name__)

#: How long ``stop()`` lets answers in flight finish.
DRAIN_SECONDS = 5.0
#: Rate-limit waits up to this long happen inside discord.py; longer ones raise (and a digest
#: post becomes a transient ``DeliveryError`` with ``retry_after``).
MAX_RATELIMIT_WAIT = 30.0
#: Discord's limits for a bot posting to channels: 5 messages per 5 s in a channel, and about
#: 50 requests per second overall.
POST_LIMITS = RateLimits(per_channel=5, window=5.0, per_second=50.0)


def build_client(settings: DiscordSettings) -> discord.Client:
    """The discord.py client: slash commands only (Guilds intent), mentions never parsed."""
    # Briefbot never joins voice: silence discord.py's "PyNaCl/davey is not installed" warnings.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    options: dict[str, Any] = {
        "intents": discord.Intents(guilds=True),
        "allowed_mentions": discord.AllowedMentions.none(),
        "max_ratelimit_timeout": MAX_RATELIMIT_WAIT,
    }
    if settings.shard_count is not None:
        if settings.shard_ids:
            options["shard_ids"] = settings.shard_ids
        return discord.AutoShardedClient(shard_count=settings.shard_count, **options)
    if settings.shard_ids:
        raise ConfigError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
    return discord.Client(**options)


@contextlib.contextmanager
def endpoints(settings: DiscordSettings) -> Any:
    """Point discord.py at ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL`` while inside."""
    saved = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


class DiscordService:
    """Briefbot on Discord: serves slash commands and components; posts digests."""

    name = "discord"
    platform = "discord"
    limits = POST_LIMITS

    def __init__(self, settings: HasDiscordSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.interactions = Interactions(engine)
        self.client = build_client(settings.discord)
        self.tree = app_commands.CommandTree(self.client)
        self.tree.error(self.interactions.on_tree_error)
        guild = discord.Object(id=settings.discord.guild_id) if settings.discord.guild_id else None
        for command in build_commands(
            engine.registry, self.interactions.run_command, self.interactions.complete
        ):
            self.tree.add_command(command, guild=guild)
        self.client.setup_hook = self._setup_hook  # type: ignore[method-assign]
        self.client.on_interaction = self.interactions.on_interaction  # type: ignore[attr-defined]
        self.client.on_connect = self._on_connect  # type: ignore[attr-defined]
        self.client.on_resumed = self._on_resumed  # type: ignore[attr-defined]
        self.client.on_disconnect = self._on_disconnect  # type: ignore[attr-defined]
        self._meta = SyncHashes(engine.services)
        self._task: asyncio.Task[None] | None = None
        self._endpoints: contextlib.ExitStack | None = None
        self._connected = asyncio.Event()
        self._connects = 0
        # The first READY of each shard this process runs is a connect, later ones reconnects.
        discord_settings = settings.discord
        self._shards = len(discord_settings.shard_ids or range(discord_settings.shard_count or 1))

    # -- Service ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in, sync commands if they changed, connect; return once the gateway is READY."""
        discord_settings = self.settings.discord
        if not discord_settings.enabled:
            raise ConfigError("Discord needs DISCORD_TOKEN")
        assert discord_settings.token is not None
        self._endpoints = contextlib.ExitStack()
        self._endpoints.enter_context(endpoints(discord_settings))
        self._task = asyncio.create_task(
            self.client.start(discord_settings.token.get_secret_value()), name="discord-client"
        )
        connected = asyncio.create_task(self._connected.wait())
        try:
            done, _ = await asyncio.wait(
                {self._task, connected}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            connected.cancel()
        if self._task in done:
            error = self._task.exception()
            await self.stop()
            if isinstance(error, discord.LoginFailure):
                raise ConfigError("Discord rejected DISCORD_TOKEN (401 Unauthorized)")
            raise error or RuntimeError("the Discord client stopped during start-up")
        self._task.add_done_callback(self._client_stopped)
        log.info("Discord connected as %s", self.client.user, extra={"platform": "discord"})

    async def stop(self) -> None:
        """Let answers in flight finish (bounded), close the connection, restore endpoints."""
        await self.interactions.drain(DRAIN_SECONDS)
        if not self.client.is_closed():
            await self.client.close()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=5)
            self._task = None
        self._connected.clear()
        if self._endpoints is not None:
            self._endpoints.close()
            self._endpoints = None

    def is_ready(self) -> bool:
        """Connected to the gateway (READY or RESUMED received, no disconnect since)."""
        return self._connected.is_set() and not self.client.is_closed()

    async def _setup_hook(self) -> None:
        """After login, before the gateway: sync the commands if their definitions changed."""
        application_id = self.client.application_id
        assert application_id is not None, "login sets the application id"
        await sync_if_changed(
            self.tree,
            self._meta,
            application_id=application_id,
            guild_id=self.settings.discord.guild_id,
        )

    async def _on_connect(self) -> None:
        self._connects += 1
        if self._connects > self._shards:
            metrics.GATEWAY_RECONNECTS.labels("discord").inc()
        self._connected.set()

    async def _on_resumed(self) -> None:
        metrics.GATEWAY_RECONNECTS.labels("discord").inc()
        self._connected.set()

    async def _on_disconnect(self) -> None:
        self._connected.clear()

    def _client_stopped(self, task: asyncio.Task[None]) -> None:
        self._connected.clear()
        if not task.cancelled() and task.exception() is not None:
            log.error("the Discord client stopped", exc_info=task.exception())

    # -- Poster -------------------------------------------------------------------------------

    def parse_channel(self, text: str) -> ChannelRef | None:
        """A channel given as ``<#id|name>`` (how the adapter passes a channel option), ``<#id>``
        or a bare channel id."""
        ref = channel_mention(text)
        if ref is not None:
            return ref if ref.id.isdigit() else None
        value = text.strip()
        return ChannelRef(value, value) if value.isdigit() else None

    async def post(
        self,
        channel_id: str,
        answer: Answer,
        *,
        skip_pages: int = 0,
        key: PostKey | None = None,
        uncertain: bool = False,
        thread: ThreadPlan | None = None,
    ) -> PostResult:
        """Post ``answer`` to a channel (one message per page, the first ``skip_pages`` left
        out: an earlier attempt posted them); with ``thread``, open it on the digest and post
        its replies there (``bot.platforms.discord.threads``).

        A digest's pages (``key``) are sent with a nonce derived from the key and the page, on
        every attempt: when an earlier attempt's outcome is unknown, Discord answers the
        repeated page with the message it already has instead of posting it twice — so there
        is nothing to look up (``uncertain`` changes nothing here).

        Raises a ``DeliveryError``: ``ChannelGone`` / ``NoAccess`` when the channel is gone or
        Briefbot may not post there; ``RateLimited`` / ``Unavailable`` for rate limits, 5xx and
        network failures that survived discord.py's own retries; ``OutcomeUnknown`` when the
        answer was lost. Its ``pages_sent`` counts the pages in the channel, so a retry can go
        on from there.
        """
        if thread is not None:
            return await threads.post_threaded(
                self,
                channel_id,
                answer,
                skip_pages=skip_pages,
                key=key,
                uncertain=uncertain,
                thread=thread,
            )
        try:
            channel = self.client.get_partial_messageable(int(channel_id))
        except ValueError:
            raise ChannelGone(f"{channel_id!r} is not a Discord channel id") from None
        pages = messages.render(answer)[skip_pages:]
        nonces = [key.nonce(skip_pages + i) for i in range(len(pages))] if key else None
        posted: list[discord.Message] = []
        # The map of a digest goes with its first page, in the same create call (same nonce).
        picture = (
            await images.picture(self.engine.library.current, answer) if not skip_pages else None
        )
        try:
            await messages.post(channel, pages, posted=posted, nonces=nonces, picture=picture)
        except Exception as exc:
            error = self.delivery_error(exc, channel_id)
            error.pages_sent = skip_pages + len(posted)
            error.message_id = str(posted[0].id) if posted else ""
            log.warning(
                "Discord post failed: %s",
                error.reason,
                extra={"platform": "discord", "channel": channel_id},
            )
            raise error from exc
        return PostResult(message_id=str(posted[0].id) if posted else "")

    def thread_refusal(self, channel_id: str) -> str | None:
        """Why digests to the channel could not open threads (``ThreadChecker``)."""
        return threads.thread_refusal(self.client, channel_id)

    def thread_required(self, channel_id: str) -> bool:
        """A forum channel takes a digest only as a post of its own (``ThreadChecker``)."""
        channel = self.client.get_channel(int(channel_id)) if channel_id.isdigit() else None
        return isinstance(channel, discord.ForumChannel)

    def delivery_error(self, exc: Exception, channel_id: str) -> DeliveryError:
        """The ``DeliveryError`` for a failed post, in plain words."""
        where = self._channel_label(channel_id)
        if isinstance(exc, discord.RateLimited):
            return RateLimited("Discord rate limited the post", retry_after=exc.retry_after)
        if isinstance(exc, discord.NotFound):
            return ChannelGone("The channel was deleted (or Briefbot can no longer see it)")
        if isinstance(exc, discord.Forbidden):
            missing = "missing permissions" if exc.code == 50013 else "missing access"
            return NoAccess(f"Briefbot can't post in {where} ({missing})")
        if isinstance(exc, discord.HTTPException):
            if exc.status == 429:
                retry = exc.response.headers.get("Retry-After")
                return RateLimited(
                    "Discord rate limited the post", retry_after=float(retry) if retry else None
                )
            if exc.status >= 500:
                return Unavailable(f"Discord is having trouble ({exc.status})")
            return Refused(f"Discord refused the post ({exc.status}: {exc.text})")
        if maybe_delivered(exc):  # sent, but the answer was lost on the way back
            return OutcomeUnknown(f"no answer from Discord ({type(exc).__name__})")
        if isinstance(exc, aiohttp.ClientError | OSError):
            return Unavailable(f"Discord unreachable ({type(exc).__name__})")
        return TransientError(f"unexpected error posting to Discord ({type(exc).__name__})")

    def _channel_label(self, channel_id: str) -> str:
        channel = self.client.get_channel(int(channel_id)) if channel_id.isdigit() else None
        name = getattr(channel, "name", None)
        return f"#{name}" if name else f"channel {channel_id}"
