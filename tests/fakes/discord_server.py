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
after Discord took the post).

Checks (into ``violations``; ``assert_clean()`` fails the test on any): every JSON body the bot
sends to a validated route is checked against Discord's OpenAPI spec (``discord_rules``), synced
commands against Discord's command rules, and messages against the limits the spec can't express
(6000 embed characters across a message…). ``validate=False`` skips them (benchmarks).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from aiohttp import WSMsgType, web

from tests.fakes.discord_rules import command_problems, message_problems, spec_validator

#: The parsed JSON body of a REST request, stored by the recording middleware.
_BODY = web.RequestKey("body", object)

TOKEN = "test-discord-token.local"
APPLICATION_ID = "1100000000000000001"
BOT_USER_ID = APPLICATION_ID
GUILD_ID = "1100000000000000100"
CHANNEL_ID = "1100000000000000200"  # #general
OTHER_CHANNEL_ID = "1100000000000000201"  # #briefings
USER_ID = "1100000000000000300"
OWNER_ID = "1100000000000000399"
USER_NAME = "analyst"
# Where Briefbot is not a member: a user-installed app's servers and DMs.
FOREIGN_GUILD_ID = "1100000000000000500"
FOREIGN_CHANNEL_ID = "1100000000000000501"
DM_CHANNEL_ID = "1100000000000000600"
POSTER_ID = "1100000000000000700"  # the author of the messages a message command targets
# Interaction contexts and install types (Discord's values).
GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = 0, 1
MESSAGE_COMMAND = 3


class Perm:
    """Permission bits used by the stand-in and the tests."""

    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    EMBED_LINKS = 1 << 14
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EXTERNAL_APPS = 1 << 50


#: What an ordinary member may do in a channel (no Manage Channels).
MEMBER_PERMS = (
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.READ_MESSAGE_HISTORY
    | Perm.MENTION_EVERYONE  # so a ping would really ping if the bot allowed it
    | Perm.USE_APPLICATION_COMMANDS
)
MANAGER_PERMS = MEMBER_PERMS | Perm.MANAGE_CHANNELS

EPHEMERAL = 1 << 6
LOADING = 1 << 7
_DISCORD_EPOCH_MS = 1420070400000

# Gateway opcodes.
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0,
    1,
    2,
    6,
    7,
    9,
    10,
    11,
)
# Interaction and callback types.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 2, 3, 4
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = (
    4,
    5,
    6,
    7,
    8,
)
_OPTION_TYPES = {str: 3, int: 4, bool: 5, float: 10}
_SUBCOMMAND = 1


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


def _rate_limited(retry_after: float) -> web.Response:
    # As Discord sends it: discord.py only waits and retries a 429 with a Via header and a
    # JSON body (otherwise it assumes a Cloudflare ban and gives up at once).
    return _json(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
        status=429,
        headers={"Retry-After": str(retry_after), "Via": "1.1 google", "X-RateLimit-Scope": "user"},
    )


_DEFAULT_CODES = {404: 10003, 403: 50001}
_ERROR_TEXT = {10003: "Unknown Channel", 50001: "Missing Access", 50013: "Missing Permissions"}


@dataclass
class RecordedRequest:
    """One HTTP request the bot made (path relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float


@dataclass
class SentMessage:
    """A message the bot created (interaction response, follow-up or channel post)."""

    id: str
    channel_id: str
    body: dict[str, Any]
    interaction_id: str | None = None
    flags: int = 0
    deleted: bool = False
    #: Wall-clock time the stand-in received it (for "arrived on time" checks).
    received_at: float = field(default_factory=time.time)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred response still showing "Briefbot is thinking…"."""
        return bool(self.flags & LOADING)

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.body.get("embeds") or []

    @property
    def text(self) -> str:
        """Everything a user reads in the message: content and every embed text, in order."""
        parts = [self.body.get("content") or ""]
        for e in self.embeds:
            parts += [
                (e.get("author") or {}).get("name", ""),
                e.get("title", ""),
                e.get("description", ""),
            ]
            for f in e.get("fields") or []:
                parts += [f.get("name", ""), f.get("value", "")]
            parts.append((e.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    @property
    def components(self) -> list[dict[str, Any]]:
        """Every interactive component (buttons, selects), flattened out of their rows."""
        out: list[dict[str, Any]] = []
        for row in self.body.get("components") or []:
            out += row.get("components") or [row]
        return out

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in self.components if "custom_id" in c]

    def component(self, custom_id: str) -> dict[str, Any] | None:
        return next((c for c in self.components if c.get("custom_id") == custom_id), None)

    def payload(self, author: dict[str, Any]) -> dict[str, Any]:
        """The message as Discord returns it over REST and in interaction payloads."""
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "author": author,
            "content": self.body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": self.embeds,
            "components": self.body.get("components") or [],
            "pinned": False,
            "type": 0 if self.interaction_id is None else 20,
            "flags": self.flags,
            "application_id": APPLICATION_ID,
        }


@dataclass
class InteractionRecord:
    """An interaction the stand-in dispatched and everything the bot answered to it."""

    id: str
    token: str
    type: int
    payload: dict[str, Any]
    dispatched_at: float
    callback: dict[str, Any] | None = None
    responded_at: float | None = None
    messages: list[SentMessage] = field(default_factory=list)
    original: SentMessage | None = None

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to the first callback reaching the stand-in."""
        return None if self.responded_at is None else self.responded_at - self.dispatched_at


@dataclass
class _Session:
    id: str
    shard: tuple[int, int]
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    resumable: bool = True  # False once ``forget_sessions()`` was called


class FakeDiscord:
    """The stand-in. Use as ``async with FakeDiscord() as fake:`` or ``start()``/``stop()``."""

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
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.syncs = 0
        self.channel_messages: dict[str, list[SentMessage]] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self.identifies = 0
        self.resumes = 0
        self.gateway_payloads: list[dict[str, Any]] = []  # what the client sent over the gateway

        self.channels: dict[str, dict[str, Any]] = {
            CHANNEL_ID: self._channel(CHANNEL_ID, "general", 0),
            OTHER_CHANNEL_ID: self._channel(OTHER_CHANNEL_ID, "briefings", 1),
        }
        self._messages: dict[str, SentMessage] = {}
        self._sessions: dict[str, _Session] = {}
        self._channel_faults: dict[str, tuple[int, int]] = {}
        self._callback_429: list[float] = []
        self._post_429: list[float] = []
        self._post_faults: dict[str, list[list[int]]] = {}  # channel -> [[after, status], ...]
        self._accept_modes: dict[str, list[str]] = {}  # channel -> ["drop" | "hang", ...]
        self._nonces: dict[tuple[str, str], tuple[SentMessage, float]] = {}
        self._hung = asyncio.Event()
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        """Listen on an ephemeral loopback port."""
        if self.validate:
            spec_validator()  # load the spec before the clock starts on any interaction
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close every gateway socket (code 1001, going away) and stop serving."""
        self._hung.set()
        for ws in list(self._sockets):
            await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """REST base URL, for ``DISCORD_API_BASE``."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Gateway websocket URL, for ``DISCORD_GATEWAY_URL``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- what tests drive -----------------------------------------------------------------

    async def wait_for_identify(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` IDENTIFYs were answered with READY (one per shard)."""
        await self._wait(lambda: self.identifies >= count, timeout, f"{count} IDENTIFY")

    async def wait_for_resume(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` RESUMEs were answered with RESUMED."""
        await self._wait(lambda: self.resumes >= count, timeout, f"{count} RESUME")

    async def invoke_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS,
        channel_id: str = CHANNEL_ID,
        guild_id: str = GUILD_ID,
        target_perms: int | None = None,
    ) -> str:
        """Dispatch a slash command (``"actor"`` or ``"digest subscribe"``); returns its id.

        Option types come from the synced definition; a CHANNEL option takes a channel id, and
        its resolved channel carries the user's permissions there (``target_perms``, default
        the same as in the current channel).
        """
        data = self._command_data(
            name,
            options or {},
            guild_id=guild_id,
            channel_perms=user_perms if target_perms is None else target_perms,
        )
        return await self._interact(
            APPLICATION_COMMAND,
            data,
            user_id=user_id,
            user_perms=user_perms,
            channel_id=channel_id,
            guild_id=guild_id,
        )

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        timeout: float = 15.0,
        **where: Any,
    ) -> list[dict[str, Any]]:
        """Ask the bot for autocomplete choices of option ``focused``; returns the choices."""
        data = self._command_data(
            name, options, guild_id=where.get("guild_id", GUILD_ID), focused=focused
        )
        iid = await self._interact(AUTOCOMPLETE, data, **where)
        callback = await self.wait_for_response(iid, timeout=timeout)
        assert callback["type"] == AUTOCOMPLETE_RESULT, callback
        return list(callback["data"]["choices"])

    async def click(
        self,
        custom_id: str,
        message_id: str,
        *,
        values: list[str] | None = None,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS,
    ) -> str:
        """Click a button (or pick ``values`` in a select) of a message the bot sent."""
        message = self._messages[message_id]
        component = message.component(custom_id) or {"type": 3 if values else 2}
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        return await self._interact(
            MESSAGE_COMPONENT,
            data,
            user_id=user_id,
            user_perms=user_perms,
            channel_id=message.channel_id,
            guild_id=GUILD_ID,
            message=message.payload(self._bot_user()),
        )

    # --- message commands, DMs and user installs ---------------------------------------------

    async def invoke_message_command(
        self,
        name: str,
        content: str,
        *,
        embeds: list[dict[str, Any]] | None = None,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS,
        channel_id: str = CHANNEL_ID,
    ) -> str:
        """Run the message command ``name`` (Apps → name) on a message saying ``content``, in
        the server that added Briefbot; returns the interaction id."""
        synced = self._reachable(name, GUILD_ID, GUILD_CONTEXT, GUILD_INSTALL, check=True)
        data = self._message_command_data(synced, content, embeds, channel_id)
        return await self._interact(
            APPLICATION_COMMAND,
            data,
            user_id=user_id,
            user_perms=user_perms,
            channel_id=channel_id,
            guild_id=GUILD_ID,
        )

    async def invoke_in_dm(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        message: str | None = None,
        user_id: str = USER_ID,
        user_installed: bool = True,
        check_reach: bool = True,
    ) -> str:
        """Run ``name`` in the user's DM with Briefbot (context 1, no guild, ``user`` instead of
        ``member``): a slash command with ``options``, or with ``message`` the message command
        ``name`` on a message saying that. ``check_reach=False`` sends it even where the synced
        command's ``contexts`` leave it out (as an outdated client might)."""
        synced = self._reachable(
            name if message is not None else name.partition(" ")[0],
            "",
            BOT_DM_CONTEXT,
            USER_INSTALL if user_installed else GUILD_INSTALL,
            check=check_reach,
        )
        if message is None:
            data = self._command_data(name, options or {}, guild_id="")
        else:
            data = self._message_command_data(synced, message, None, DM_CHANNEL_ID)
        user = self._user(user_id)
        payload = self._interaction_payload(
            data,
            channel={
                "id": DM_CHANNEL_ID,
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user],
            },
            # Discord: a guild install's key holds "0" in the bot's DM.
            owners={"1": user_id} if user_installed else {"0": "0"},
            context=BOT_DM_CONTEXT,
        )
        payload["user"] = user
        return await self._deliver(payload, shard_of="0")

    async def invoke_as_user_app(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        message: str | None = None,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS | Perm.USE_EXTERNAL_APPS,
        check_reach: bool = True,
    ) -> str:
        """Run ``name`` through the user's own install in a server that did not add Briefbot
        (context 0, ``authorizing_integration_owners`` without a guild install)."""
        top = name if message is not None else name.partition(" ")[0]
        synced = self._reachable(top, "", GUILD_CONTEXT, USER_INSTALL, check=check_reach)
        if message is None:
            data = self._command_data(name, options or {}, guild_id="")
        else:
            data = self._message_command_data(synced, message, None, FOREIGN_CHANNEL_ID)
        channel = {
            **self._channel(FOREIGN_CHANNEL_ID, "elsewhere", 0),
            "guild_id": FOREIGN_GUILD_ID,
            "permissions": str(user_perms),
        }
        payload = self._interaction_payload(
            data, channel=channel, owners={"1": user_id}, context=GUILD_CONTEXT
        )
        payload.update(
            guild_id=FOREIGN_GUILD_ID,
            guild={"id": FOREIGN_GUILD_ID, "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=self._member(self._user(user_id), user_perms),
        )
        return await self._deliver(payload, shard_of=FOREIGN_GUILD_ID)

    def _reachable(
        self, name: str, guild_id: str, context: int, install: int, *, check: bool
    ) -> dict[str, Any]:
        """The synced command ``name``; with ``check``, fail unless Discord would offer it in
        ``context`` through an ``install`` (its ``contexts`` and ``integration_types``)."""
        synced = self._synced(name, guild_id)
        if synced is None:
            raise AssertionError(f"{name!r} was never synced; synced: {self.commands}")
        if check:
            # Discord's defaults when a command leaves them out: guild installs; guild + bot DM.
            contexts = synced.get("contexts") or [GUILD_CONTEXT, BOT_DM_CONTEXT]
            installs = synced.get("integration_types") or [GUILD_INSTALL]
            if context not in contexts or install not in installs:
                raise AssertionError(
                    f"Discord would not offer {name!r} in context {context} through install "
                    f"type {install}: contexts {contexts}, integration_types {installs}"
                )
        return synced

    def _message_command_data(
        self,
        synced: dict[str, Any],
        content: str,
        embeds: list[dict[str, Any]] | None,
        channel_id: str,
    ) -> dict[str, Any]:
        if synced.get("type") != MESSAGE_COMMAND:
            raise AssertionError(f"{synced['name']!r} is not a message command")
        target = self._snowflake()
        message = {
            "id": target,
            "channel_id": channel_id,
            "author": {**self._user(POSTER_ID), "username": "teammate", "global_name": "Teammate"},
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": embeds or [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        data: dict[str, Any] = {
            "id": synced["id"],
            "name": synced["name"],
            "type": MESSAGE_COMMAND,
            "target_id": target,
            "resolved": {"messages": {target: message}},
        }
        if synced.get("guild_id"):
            data["guild_id"] = synced["guild_id"]
        return data

    def _interaction_payload(
        self,
        data: dict[str, Any],
        *,
        channel: dict[str, Any],
        owners: dict[str, str],
        context: int,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND interaction outside the server that added Briefbot."""
        iid = self._snowflake()
        return {
            "id": iid,
            "application_id": APPLICATION_ID,
            "type": APPLICATION_COMMAND,
            "data": data,
            "channel_id": channel["id"],
            "channel": channel,
            "token": f"itoken-{iid}",
            "version": 1,
            "locale": "en-US",
            # What a user-installed app may do where it is not a member.
            "app_permissions": str(Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS),
            "entitlements": [],
            "authorizing_integration_owners": owners,
            "context": context,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    async def _deliver(self, payload: dict[str, Any], *, shard_of: str) -> str:
        """Record and dispatch an interaction payload; DMs go to shard 0 (``shard_of="0"``)."""
        iid, token = payload["id"], payload["token"]
        record = InteractionRecord(
            id=iid,
            token=token,
            type=payload["type"],
            payload=payload,
            dispatched_at=time.perf_counter(),
        )
        self.interactions[iid] = self._by_token[token] = record
        await self._dispatch("INTERACTION_CREATE", payload, guild_id=shard_of)
        record.dispatched_at = time.perf_counter()
        return iid

    async def wait_for_response(self, interaction_id: str, timeout: float = 15.0) -> dict[str, Any]:
        """The first callback body the bot sent for this interaction."""
        record = self.interactions[interaction_id]
        await self._wait(
            lambda: record.callback is not None,
            timeout,
            f"a response to interaction {interaction_id}",
        )
        assert record.callback is not None
        return record.callback

    async def wait_for_messages(
        self, interaction_id: str, count: int = 1, timeout: float = 15.0
    ) -> list[SentMessage]:
        """The first ``count`` messages an interaction produced, once none is still loading."""
        record = self.interactions[interaction_id]

        def done() -> bool:
            shown = [m for m in record.messages if not m.deleted]
            return len(shown) >= count and not any(m.loading for m in shown[:count])

        await self._wait(done, timeout, f"{count} message(s) for interaction {interaction_id}")
        return [m for m in record.messages if not m.deleted][:count]

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

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every gateway socket, as a network blip would; sessions stay resumable."""
        for session in self._sessions.values():
            if session.ws is not None:
                ws, session.ws = session.ws, None
                await ws.close(code=code)

    def forget_sessions(self) -> None:
        """Lose every current gateway session, as Discord sometimes does: open sockets stay up
        (``drop_gateway()`` closes them), but a RESUME of any of these sessions is answered with
        op 9 (not resumable), so the client must IDENTIFY again — which succeeds whenever it
        comes (discord.py waits 5 s first)."""
        for session in self._sessions.values():
            session.resumable = False

    def rate_limit_next_callback(self, retry_after: float = 0.3) -> None:
        """Answer the next interaction callback with a 429 (Retry-After, Via, JSON body)."""
        self._callback_429.append(retry_after)

    def rate_limit_next_post(self, retry_after: float = 0.3) -> None:
        """Answer the next channel post with a 429 (Retry-After, Via, JSON body)."""
        self._post_429.append(retry_after)

    def fail_next_post(self, channel_id: str, status: int = 503, *, after: int = 0) -> None:
        """Fail one post to ``channel_id`` with ``status`` (a 5xx discord.py does not retry
        itself by default), once ``after`` more posts to it have gone through."""
        self._post_faults.setdefault(channel_id, []).append([after, status])

    def accept_next_post(self, channel_id: str, *, then: str = "drop") -> None:
        """Create the next post to ``channel_id``, then lose the answer: ``drop`` closes the
        connection without answering, ``hang`` never answers (``post_accepted`` is set)."""
        assert then in {"drop", "hang"}
        self._accept_modes.setdefault(channel_id, []).append(then)

    def fail_channel(self, channel_id: str, status: int = 404, code: int | None = None) -> None:
        """Make every post to ``channel_id`` fail with ``status``: 404 Unknown Channel, 403
        Missing Access (``code=50013``: Missing Permissions), or a 5xx."""
        self._channel_faults[channel_id] = (status, code or _DEFAULT_CODES.get(status, 0))

    def add_channel(self, channel_id: str, name: str) -> None:
        """A text channel of the guild. Added before the bot connects it is in GUILD_CREATE;
        added later the bot never heard of it (as if it could not see it)."""
        self.channels[channel_id] = self._channel(channel_id, name, len(self.channels))

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        """Recorded requests whose path matches the regular expression ``pattern``."""
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def assert_clean(self) -> None:
        """Fail if the bot sent anything Discord would reject or the stand-in didn't know."""
        assert not self.violations, "\n".join(self.violations)
        assert not self.unhandled, f"requests the stand-in does not serve: {self.unhandled}"

    # --- internals: payloads ----------------------------------------------------------------

    def _snowflake(self) -> str:
        ms = int(time.time() * 1000) - _DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._ids) & 0x3FFFFF))

    @staticmethod
    def _channel(channel_id: str, name: str, position: int) -> dict[str, Any]:
        return {
            "id": channel_id,
            "type": 0,
            "name": name,
            "position": position,
            "guild_id": GUILD_ID,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "parent_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    @staticmethod
    def _bot_user() -> dict[str, Any]:
        return {
            "id": BOT_USER_ID,
            "username": "Briefbot",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "public_flags": 0,
        }

    @staticmethod
    def _user(user_id: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": USER_NAME,
            "discriminator": "0",
            "global_name": "Analyst",
            "avatar": None,
            "public_flags": 0,
        }

    def _member(self, user: dict[str, Any], perms: int | None = None) -> dict[str, Any]:
        member = {
            "user": user,
            "roles": [],
            "flags": 0,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "nick": None,
            "avatar": None,
            "pending": False,
        }
        if perms is not None:
            member["permissions"] = str(perms)
        return member

    def _guild(self) -> dict[str, Any]:
        members = [self._member(self._bot_user()), self._member(self._user(USER_ID))]
        return {
            "id": GUILD_ID,
            "name": "Briefing Room",
            "icon": None,
            "owner_id": OWNER_ID,  # not the invoking user: owners bypass every permission
            "unavailable": False,
            "large": False,
            "member_count": len(members),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "features": [],
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "afk_timeout": 300,
            "emojis": [],
            "stickers": [],
            "roles": [
                {
                    "id": GUILD_ID,
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": list(self.channels.values()),
            "threads": [],
            "members": members,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
        }

    def _synced(self, name: str, guild_id: str) -> dict[str, Any] | None:
        for scope in (guild_id, "global"):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        return None

    def _command_data(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        guild_id: str,
        focused: str | None = None,
        channel_perms: int = MANAGER_PERMS,
    ) -> dict[str, Any]:
        top, _, sub = name.partition(" ")
        synced = self._synced(top, guild_id)
        if synced is None:
            raise AssertionError(f"/{top} was never synced; synced: {self.commands}")
        defs = synced.get("options") or []
        if sub:
            group = next((o for o in defs if o["name"] == sub), None)
            if group is None:
                raise AssertionError(f"/{top} has no subcommand {sub!r}")
            defs = group.get("options") or []
        resolved: dict[str, Any] = {}
        built = []
        for key, value in options.items():
            spec = next((o for o in defs if o["name"] == key), None)
            kind = spec["type"] if spec else _OPTION_TYPES[type(value)]
            if kind == 7:  # channel: the value is an id, the channel goes in `resolved`
                channel = self.channels[str(value)]
                resolved.setdefault("channels", {})[str(value)] = {
                    **channel,
                    "permissions": str(channel_perms),
                }
                value = str(value)
            option = {"name": key, "type": kind, "value": value}
            if key == focused:
                option["focused"] = True
                option["type"] = 3
            built.append(option)
        if sub:
            built = [{"name": sub, "type": _SUBCOMMAND, "options": built}]
        data: dict[str, Any] = {"id": synced["id"], "name": top, "type": 1, "options": built}
        if synced.get("guild_id"):
            data["guild_id"] = synced["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def _interact(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS,
        channel_id: str = CHANNEL_ID,
        guild_id: str = GUILD_ID,
        message: dict[str, Any] | None = None,
    ) -> str:
        iid = self._snowflake()
        token = f"itoken-{iid}"
        channel = self.channels[channel_id]
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": APPLICATION_ID,
            "type": kind,
            "data": data,
            "guild_id": guild_id,
            "channel_id": channel_id,
            "channel": {**channel, "permissions": str(user_perms)},
            "member": self._member(self._user(user_id), user_perms),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(MEMBER_PERMS),
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild_id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(
            id=iid, token=token, type=kind, payload=payload, dispatched_at=time.perf_counter()
        )
        self.interactions[iid] = self._by_token[token] = record
        await self._dispatch("INTERACTION_CREATE", payload, guild_id=guild_id)
        record.dispatched_at = time.perf_counter()  # the clock starts once the frame is out
        return iid

    # --- internals: gateway -----------------------------------------------------------------

    def _session_for(self, guild_id: str) -> _Session | None:
        shard = (int(guild_id) >> 22) % self.shard_count
        return next((s for s in self._sessions.values() if s.shard[0] == shard), None)

    async def _dispatch(self, event: str, data: dict[str, Any], *, guild_id: str) -> None:
        session = self._session_for(guild_id)
        if session is None:
            raise AssertionError("no gateway session: did the bot connect?")
        await self._send_event(session, event, data)

    async def _send_event(self, session: _Session, event: str, data: Any) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.events.append(frame)  # kept for replay after a RESUME
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(json.dumps(frame))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval_ms}
            await ws.send_json({"op": HELLO, "d": hello})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.gateway_payloads.append(frame)
                await self._on_frame(ws, frame)
        finally:
            self._sockets.discard(ws)
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op, d = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            await ws.send_json({"op": HEARTBEAT_ACK, "d": None})
        elif op == IDENTIFY:
            await self._identify(ws, d)
        elif op == RESUME:
            await self._resume(ws, d)

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = tuple(d.get("shard") or (0, 1))
        session = _Session(id=f"session-{self._snowflake()}", shard=(shard[0], shard[1]), ws=ws)
        self._sessions = {k: s for k, s in self._sessions.items() if s.shard != session.shard}
        self._sessions[session.id] = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self._bot_user(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": GUILD_ID, "unavailable": True}]
            if self._session_for(GUILD_ID) is session
            else [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APPLICATION_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
        }
        if d.get("shard"):
            ready["shard"] = list(shard)
        await self._send_event(session, "READY", ready)
        if ready["guilds"]:
            await self._send_event(session, "GUILD_CREATE", self._guild())
        async with self._changed:
            self.identifies += 1
            self._changed.notify_all()

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        session = self._sessions.get(d.get("session_id", ""))
        if session is None or not session.resumable or d.get("token") != self.token:
            await ws.send_json({"op": INVALID_SESSION, "d": False})
            return
        session.ws = ws
        for frame in session.events:
            if frame["s"] > (d.get("seq") or 0):
                await ws.send_str(json.dumps(frame))
        await self._send_event(session, "RESUMED", {})
        async with self._changed:
            self.resumes += 1
            self._changed.notify_all()

    # --- internals: REST --------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/api/v10/"):
            body: Any = None
            if request.can_read_body:
                raw = await request.read()
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
            request[_BODY] = body
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path.removeprefix("/api/v10"),
                    query=dict(request.query),
                    body=body,
                    at=time.perf_counter(),
                )
            )
        return await handler(request)

    def _check(self, method: str, route: str, body: Any) -> None:
        if not self.validate:
            return
        self.violations += spec_validator().problems(method, route, body)
        if isinstance(body, dict):
            payload = body.get("data") if route.endswith("/callback") else body
            if isinstance(payload, dict):
                self.violations += [f"{method} {route}: {p}" for p in message_problems(payload)]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, predicate: Any, timeout: float, what: str) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix("/api/v10")
        method = request.method
        body = request.get(_BODY)
        for pattern, handler in self._ROUTES:
            match = re.fullmatch(pattern, f"{method} {path}")
            if match:
                if handler.__name__.startswith("_bot_") and (
                    request.headers.get("Authorization") != f"Bot {self.token}"
                ):
                    return _error(401, 0, "401: Unauthorized")
                response: web.StreamResponse = await handler(
                    self, request, body, **match.groupdict()
                )
                await self._notify()
                return response
        self.unhandled.append(f"{method} {path}")
        return _error(404, 0, "404: Not Found")

    async def _bot_me(self, request: web.Request, body: Any) -> web.Response:
        return _json({**self._bot_user(), "verified": True, "mfa_enabled": False, "flags": 0})

    async def _bot_application(self, request: web.Request, body: Any) -> web.Response:
        return _json(
            {
                "id": APPLICATION_ID,
                "name": "Briefbot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self._user(USER_ID),
                "team": None,
                "flags": 0,
                "summary": "",
                "rpc_origins": [],
                "interactions_endpoint_url": None,
                "bot": self._bot_user(),
            }
        )

    async def _bot_gateway(self, request: web.Request, body: Any) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _bot_put_commands(
        self, request: web.Request, body: Any, guild_id: str | None = None
    ) -> web.Response:
        route = "/applications/{application_id}/" + (
            "guilds/{guild_id}/commands" if guild_id else "commands"
        )
        self._check("PUT", route, body)
        if self.validate:
            self.violations += command_problems(body or [])
        self.syncs += 1
        scope = guild_id or "global"
        self.commands[scope] = [
            {
                **cmd,
                "id": self._snowflake(),
                "application_id": APPLICATION_ID,
                "version": self._snowflake(),
                "type": cmd.get("type") or 1,
                "description": cmd.get("description") or "",  # "" for context-menu commands
                "default_member_permissions": cmd.get("default_member_permissions"),
                **({"guild_id": guild_id} if guild_id else {}),
            }
            for cmd in body or []
        ]
        return _json(self.commands[scope])

    async def _bot_get_commands(
        self, request: web.Request, body: Any, guild_id: str | None = None
    ) -> web.Response:
        return _json(self.commands.get(guild_id or "global", []))

    async def _callback(
        self, request: web.Request, body: Any, iid: str, token: str
    ) -> web.Response:
        arrived = time.perf_counter()
        if self._callback_429:
            return _rate_limited(self._callback_429.pop(0))
        record = self.interactions.get(iid)
        if record is None or record.token != token:
            return _error(404, 10062, "Unknown interaction")
        self._check("POST", "/interactions/{interaction_id}/{interaction_token}/callback", body)
        if record.callback is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if arrived - record.dispatched_at > self.response_window:
            self.violations.append(
                f"interaction {iid} answered after {arrived - record.dispatched_at:.2f} s"
            )
            return _error(404, 10062, "Unknown interaction")
        record.callback, record.responded_at = body, arrived
        kind, data = body.get("type"), body.get("data") or {}
        resource: dict[str, Any] = {"type": kind}
        if kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE):
            flags = int(data.get("flags") or 0) | (LOADING if kind == DEFERRED_MESSAGE else 0)
            message = self._new_message(record.payload["channel_id"], data, flags, iid)
            record.original = message
            record.messages.append(message)
            resource["message"] = message.payload(self._bot_user())
        elif kind == UPDATE_MESSAGE and "message" in record.payload:
            clicked = self._messages[record.payload["message"]["id"]]
            clicked.body = {**clicked.body, **data}
            resource["message"] = clicked.payload(self._bot_user())
        interaction = {"id": iid, "type": record.type}
        if "message" in resource:
            interaction.update(
                response_message_id=resource["message"]["id"],
                response_message_loading=kind == DEFERRED_MESSAGE,
                response_message_ephemeral=bool(resource["message"]["flags"] & EPHEMERAL),
            )
        return _json({"interaction": interaction, "resource": resource})

    def _new_message(
        self, channel_id: str, body: dict[str, Any], flags: int, iid: str | None
    ) -> SentMessage:
        message = SentMessage(
            id=self._snowflake(),
            channel_id=channel_id,
            body=dict(body),
            interaction_id=iid,
            flags=flags & (EPHEMERAL | LOADING),
        )
        self._messages[message.id] = message
        return message

    async def _followup(
        self, request: web.Request, body: Any, app: str, token: str
    ) -> web.Response:
        record = self._by_token.get(token)
        if record is None or app != APPLICATION_ID:
            return _error(404, 10015, "Unknown Webhook")
        self._check("POST", "/webhooks/{webhook_id}/{webhook_token}", body)
        if record.callback is None:
            return _error(400, 40060, "Interaction has not been acknowledged.")
        original = record.original
        if original is not None and original.loading and not original.deleted:
            # Discord: the first follow-up after a defer replaces the "thinking" message.
            original.body, original.flags = dict(body), original.flags & ~LOADING
            message = original
        else:
            message = self._new_message(
                record.payload["channel_id"], body, int(body.get("flags") or 0), record.id
            )
            record.messages.append(message)
        if request.query.get("wait") in ("true", "True", "1"):
            return _json(message.payload(self._bot_user()))
        return web.Response(status=204)

    async def _webhook_message(
        self, request: web.Request, body: Any, app: str, token: str, message_id: str
    ) -> web.Response:
        record = self._by_token.get(token)
        if record is None or app != APPLICATION_ID:
            return _error(404, 10015, "Unknown Webhook")
        message = record.original if message_id == "@original" else self._messages.get(message_id)
        if message is None or message.interaction_id != record.id or message.deleted:
            return _error(404, 10008, "Unknown Message")
        if request.method == "PATCH":
            route = "/webhooks/{webhook_id}/{webhook_token}/messages/" + (
                "@original" if message_id == "@original" else "{message_id}"
            )
            self._check("PATCH", route, body)
            message.body = {**message.body, **(body or {})}
            message.flags &= ~LOADING
        elif request.method == "DELETE":
            message.deleted = True
            return web.Response(status=204)
        return _json(message.payload(self._bot_user()))

    async def _bot_post_message(
        self, request: web.Request, body: Any, channel_id: str
    ) -> web.Response:
        self._check("POST", "/channels/{channel_id}/messages", body)
        if self._post_429:
            return _rate_limited(self._post_429.pop(0))
        if once := self._post_faults.get(channel_id):
            if once[0][0] == 0:
                status = once.pop(0)[1]
                return _error(status, 0, f"{status}: Discord error")
            once[0][0] -= 1
        fault = self._channel_faults.get(channel_id)
        if fault is None and channel_id not in self.channels:
            fault = (404, 10003)
        if fault is not None:
            status, code = fault
            return _error(status, code, _ERROR_TEXT.get(code, f"{status}: Discord error"))
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        author = request.headers.get("Authorization", "")
        if nonce is not None:
            known = self._nonces.get((author, str(nonce)))
            if known is not None and time.monotonic() - known[1] <= self.nonce_window:
                self.nonce_hits += 1  # Discord returns the first message, creates nothing
                return _json(known[0].payload(self._bot_user()))
        message = self._new_message(channel_id, body, int(body.get("flags") or 0), None)
        self.channel_messages.setdefault(channel_id, []).append(message)
        if nonce is not None:
            self._nonces[(author, str(nonce))] = (message, time.monotonic())
        if modes := self._accept_modes.get(channel_id):
            mode = modes.pop(0)
            self.post_accepted.set()
            await self._notify()
            if mode == "hang":
                await self._hung.wait()
            if request.transport is not None:
                request.transport.close()  # the answer is lost on the way back
        return _json(message.payload(self._bot_user()))

    _ROUTES: ClassVar[list[tuple[str, Any]]] = [
        (r"GET /users/@me", _bot_me),
        (r"GET /oauth2/applications/@me", _bot_application),
        (r"GET /gateway(?:/bot)?", _bot_gateway),
        (r"PUT /applications/\d+(?:/guilds/(?P<guild_id>\d+))?/commands", _bot_put_commands),
        (r"GET /applications/\d+(?:/guilds/(?P<guild_id>\d+))?/commands", _bot_get_commands),
        (r"POST /interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", _callback),
        (r"POST /webhooks/(?P<app>\d+)/(?P<token>[^/]+)", _followup),
        (
            r"(?:GET|PATCH|DELETE) /webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/"
            r"(?P<message_id>@original|\d+)",
            _webhook_message,
        ),
        (r"POST /channels/(?P<channel_id>\d+)/messages", _bot_post_message),
    ]
