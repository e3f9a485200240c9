"""A local Discord on 127.0.0.1 for end-to-end tests: REST API v10 and the gateway websocket.

It speaks the real protocols, so the real discord.py client talks to it unchanged once
``discord.http.Route.BASE`` points at ``api_base`` and the gateway URL at ``gateway_url``
(``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``), and it records everything the bot sends.

    async with FakeDiscord() as fake:
        settings.discord = DiscordSettings(token=TOKEN, api_base=fake.api_base,
                                           gateway_url=fake.gateway_url)
        ...                                            # start the bot
        await fake.wait_for_identify()                 # READY + GUILD_CREATE were sent
        iid = await fake.invoke_command("actor", {"name": "turkey"})
        callback = await fake.wait_for_response(iid)   # the interaction callback body
        [message] = await fake.wait_for_messages(iid)  # what the user sees (also after a defer)
        message.text, message.ephemeral, message.custom_ids
        choices = await fake.autocomplete("actor", {"name": "erdo"}, focused="name")
        iid = await fake.click(message.custom_ids[0], message.id)
        fake.assert_clean()                            # no spec or rule violations

What it serves (under ``/api/v10``; bot-token routes answer 401 to a wrong token)
- ``GET /users/@me``, ``GET /oauth2/applications/@me`` (login), ``GET /gateway``,
  ``GET /gateway/bot`` (asked by ``AutoShardedClient``; ``shards`` = ``shard_count``).
- Command sync: ``PUT``/``GET /applications/{app}/commands`` and ``…/guilds/{g}/commands``;
  synced definitions are kept in ``commands[scope]`` (scope ``"global"`` or the guild id) and
  ``syncs`` counts the ``PUT``s.
- Interactions: ``POST /interactions/{id}/{token}/callback`` (``?with_response`` answered with
  the callback resource, as discord.py needs), follow-ups ``POST /webhooks/{app}/{token}``,
  ``GET``/``PATCH``/``DELETE …/messages/@original`` and ``…/messages/{id}``. Like Discord, a
  second callback is refused (40060) and a callback later than ``response_window`` seconds after
  dispatch answers 404 Unknown interaction. After a defer (type 5) the first follow-up or
  ``@original`` edit fills the deferred message, keeping the defer's ephemeral flag.
- ``POST /channels/{id}/messages`` into ``channel_messages[channel_id]``; unknown channels 404.
  Like Discord, a create with ``nonce`` and ``enforce_nonce: true`` whose nonce the same author
  used within ``nonce_window`` seconds returns that first message and creates nothing
  (counted in ``nonce_hits``).
- Threads: ``POST /channels/{id}/messages/{message}/threads`` starts a public thread from a
  message (thread id == message id; a second start on the same message is refused with 400
  code 160004, as Discord does; 403 50013 without Create Public Threads), ``POST
  /channels/{forum}/threads`` makes a forum post (a channel of type 15, ``add_channel(...,
  forum=True)``) whose starter message (id == thread id) is the body's ``message``, and
  ``GET /guilds/{id}/threads/active`` lists them; threads are in ``threads[thread_id]`` and
  their messages in ``channel_messages[thread_id]`` (posted with ``POST
  /channels/{thread}/messages``, read back with ``GET /channels/{thread}/messages``).
  ``bot_permissions`` is what the bot's role grants (set before the bot connects).
- The gateway at ``gateway_url``: HELLO, heartbeats → ACK, IDENTIFY → READY + GUILD_CREATE
  (one session per shard when ``shard_count`` > 1), RESUME → missed events replayed + RESUMED,
  an unknown session → op 9. Frames are uncompressed text, which discord.py accepts.

Fault injection: ``drop_gateway()`` closes every gateway socket (the client must RESUME and get what
it missed); ``forget_sessions()`` before it makes that RESUME fail (op 9, as when Discord lost the
session), so the client must IDENTIFY again; ``rate_limit_next_callback(retry_after)`` /
``rate_limit_next_post(…)`` answer the next callback / channel post with a 429 carrying
``Retry-After``, ``Via`` and a JSON body, as Discord does; ``fail_channel(id, 404|403|5xx, code=…)``
makes posts to a channel fail (Unknown Channel / Missing Access / Missing Permissions with
``code=50013`` / a server error); ``accept_next_post(id, then="drop")`` creates the next post's
message and then closes the connection without answering (the answer is lost), ``then="hang"``
creates it and never answers (``post_accepted`` is set: kill the bot now, as if it died right
after Discord took the post). ``fail_next_thread(status)`` and ``accept_next_thread(then=…)`` do
the same to the next thread start or forum post.

Checks (into ``violations``; ``assert_clean()`` fails the test on any): every JSON body the bot
sends to a validated route is checked against Discord's OpenAPI spec (``rules.py``), synced
commands against Discord's command rules, and messages against the limits the spec can't express
(6000 embed characters across a message…). ``validate=False`` skips them (benchmarks).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

from aiohttp import web

from tests.fakes.base import LoopbackServer
from tests.fakes.discord.files import MAX_UPLOAD
from tests.fakes.discord.gateway import GatewayMixin, Session
from tests.fakes.discord.interactions import InteractionsMixin
from tests.fakes.discord.models import (
    BOT_PERMS,
    CHANNEL_ID,
    DISCORD_EPOCH_MS,
    FORUM_CHANNEL,
    OTHER_CHANNEL_ID,
    TEXT_CHANNEL,
    TOKEN,
    InteractionRecord,
    RecordedRequest,
    SentMessage,
    channel_json,
)
from tests.fakes.discord.rest import RestMixin
from tests.fakes.discord.rules import spec_validator


class FakeDiscord(RestMixin, GatewayMixin, InteractionsMixin, LoopbackServer):
    """The stand-in. Use as ``async with FakeDiscord() as fake:`` or ``start()``/``stop()``.

    It holds the state; ``RestMixin`` (``rest.py``), ``GatewayMixin`` (``gateway.py``) and
    ``InteractionsMixin`` (``interactions.py``) hold the behaviour, ``LoopbackServer`` the
    start/stop."""

    _runner_options: ClassVar[dict[str, Any]] = {"access_log": None}

    def __init__(
        self,
        *,
        token: str = TOKEN,
        validate: bool = True,
        shard_count: int = 1,
        heartbeat_interval_ms: int = 41250,
        response_window: float = 3.0,
        nonce_window: float = 300.0,
    ) -> None:
        super().__init__()
        self.token = token
        self.validate = validate
        self.shard_count = shard_count
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.response_window = response_window
        self.nonce_window = nonce_window
        self.nonce_hits = 0
        self.post_accepted = asyncio.Event()

        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.unhandled: list[str] = []
        #: Requests answered with a 400/413 because Discord would refuse them (what and why).
        self.refused: list[str] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.syncs = 0
        self.channel_messages: dict[str, list[SentMessage]] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self.identifies = 0
        self.resumes = 0
        self.gateway_payloads: list[dict[str, Any]] = []  # what the client sent over the gateway

        self.bot_permissions = BOT_PERMS
        self.threads: dict[str, dict[str, Any]] = {}
        self._thread_faults: list[int] = []
        self._thread_accepts: list[str] = []
        self._thread_post_faults: list[list[int]] = []  # [[after, status], ...]
        self.channels: dict[str, dict[str, Any]] = {
            CHANNEL_ID: channel_json(CHANNEL_ID, "general", 0),
            OTHER_CHANNEL_ID: channel_json(OTHER_CHANNEL_ID, "briefings", 1),
        }
        self._messages: dict[str, SentMessage] = {}
        self._sessions: dict[str, Session] = {}
        self._channel_faults: dict[str, tuple[int, int]] = {}
        self._callback_429: list[float] = []
        self._post_429: list[float] = []
        self._post_faults: dict[str, list[list[int]]] = {}  # channel -> [[after, status], ...]
        self._accept_modes: dict[str, list[str]] = {}  # channel -> ["drop" | "hang", ...]
        self._nonces: dict[tuple[str, str], tuple[SentMessage, float]] = {}
        self._sockets: set[web.WebSocketResponse] = set()

    # --- lifecycle ------------------------------------------------------------------------

    async def _prepare(self) -> None:
        if self.validate:
            spec_validator()  # load the spec before the clock starts on any interaction

    def _build_app(self) -> web.Application:
        # Larger than Discord's upload limit, so the stand-in's own 413 (files.py) answers.
        app = web.Application(middlewares=[self._record], client_max_size=2 * MAX_UPLOAD)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        return app

    async def _close_connections(self) -> None:
        # Every gateway socket is closed with code 1001 (going away).
        for ws in list(self._sockets):
            await ws.close(code=1001)

    @property
    def api_base(self) -> str:
        """REST base URL, for ``DISCORD_API_BASE``."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Gateway websocket URL, for ``DISCORD_GATEWAY_URL``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def wait_for_channel_messages(
        self, channel_id: str, count: int = 1, timeout: float = 15.0
    ) -> list[SentMessage]:
        """The first ``count`` messages posted to a channel (not as interaction responses)."""
        await self._wait(
            lambda: len(self.channel_messages.get(channel_id, [])) >= count,
            timeout,
            f"{count} message(s) in channel {channel_id}",
        )
        return self.channel_messages[channel_id][:count]

    def add_channel(self, channel_id: str, name: str, *, forum: bool = False) -> None:
        """A text (or forum) channel of the guild. Added before the bot connects it is in
        GUILD_CREATE; added later the bot never heard of it (as if it could not see it)."""
        kind = FORUM_CHANNEL if forum else TEXT_CHANNEL
        self.channels[channel_id] = channel_json(channel_id, name, len(self.channels), kind)

    def assert_clean(self) -> None:
        """Fail if the bot sent anything Discord would reject or the stand-in didn't know."""
        assert not self.violations, "\n".join(self.violations)
        assert not self.unhandled, f"requests the stand-in does not serve: {self.unhandled}"
        assert not self.refused, "\n".join(self.refused)

    # --- internals shared by the mixins ---------------------------------------------------

    def _snowflake(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._ids) & 0x3FFFFF))

    async def _wait(self, predicate: Any, timeout: float, what: str) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None
