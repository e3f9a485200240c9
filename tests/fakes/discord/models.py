"""What the Discord stand-in's parts share: Discord's ids and constants, the records of what
the bot sent (``SentMessage``, ``InteractionRecord``, ``RecordedRequest``), and the JSON objects
Discord returns (users, members, channels, error and 429 responses)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

#: The parsed JSON body of a REST request, stored by the recording middleware.
BODY_KEY = web.RequestKey("body", object)

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
    CREATE_PUBLIC_THREADS = 1 << 35
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
#: What the bot's own role grants by default (what its invite asks for, threads included).
BOT_PERMS = MEMBER_PERMS | Perm.CREATE_PUBLIC_THREADS | Perm.SEND_MESSAGES_IN_THREADS
BOT_ROLE_ID = "1100000000000000110"
# Channel types.
TEXT_CHANNEL, PUBLIC_THREAD, FORUM_CHANNEL = 0, 11, 15
THREAD_EXISTS = 160004  # "A thread has already been created for this message"

EPHEMERAL = 1 << 6
LOADING = 1 << 7
DISCORD_EPOCH_MS = 1420070400000

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
OPTION_TYPES = {str: 3, int: 4, bool: 5, float: 10}
SUBCOMMAND = 1


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def error_response(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status=status)


def rate_limited_response(retry_after: float) -> web.Response:
    # As Discord sends it: discord.py only waits and retries a 429 with a Via header and a
    # JSON body (otherwise it assumes a Cloudflare ban and gives up at once).
    return json_response(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
        status=429,
        headers={"Retry-After": str(retry_after), "Via": "1.1 google", "X-RateLimit-Scope": "user"},
    )


DEFAULT_CODES = {404: 10003, 403: 50001}
ERROR_TEXT = {
    10003: "Unknown Channel",
    10008: "Unknown Message",
    50001: "Missing Access",
    50013: "Missing Permissions",
    THREAD_EXISTS: "A thread has already been created for this message",
}


@dataclass
class RecordedRequest:
    """One HTTP request the bot made (path relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float
    #: The files of a multipart request (``files[n]``), in order.
    files: list[Any] = field(default_factory=list)


@dataclass
class Attachment:
    """A file attached to a message, as Discord stores it (and the bytes, for the tests)."""

    id: str
    filename: str
    size: int
    content_type: str
    description: str | None
    data: bytes
    channel_id: str

    def payload(self) -> dict[str, Any]:
        url = f"https://cdn.discordapp.com/attachments/{self.channel_id}/{self.id}/{self.filename}"
        return {
            "id": self.id,
            "filename": self.filename,
            "size": self.size,
            "url": url,
            "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
            "content_type": self.content_type,
            **({"description": self.description} if self.description is not None else {}),
        }


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
    #: Discord's ``interaction_metadata`` of a message an interaction response created.
    interaction_metadata: dict[str, Any] | None = None
    #: The bodies it had before each edit, oldest first, and the interactions that edited it.
    history: list[dict[str, Any]] = field(default_factory=list)
    edited_by: list[str] = field(default_factory=list)
    #: Its files, in order (what ``attachments`` of the last create or edit left).
    attachments: list[Attachment] = field(default_factory=list)

    def edit(self, body: dict[str, Any], by: str) -> None:
        """Apply an edit (fields sent replace those the message had), remembering the old."""
        self.history.append(self.body)
        self.body = {**self.body, **body}
        self.edited_by.append(by)

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
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.body.get("components") or [],
            "pinned": False,
            "type": 0 if self.interaction_id is None else 20,
            "flags": self.flags,
            "application_id": APPLICATION_ID,
            **(
                {"interaction_metadata": self.interaction_metadata}
                if self.interaction_metadata
                else {}
            ),
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
    #: The clicked message, once a type 7 callback or an edit after a type 6 changed it.
    updated: SentMessage | None = None

    @property
    def user_id(self) -> str:
        """Who sent it: the member's user in a server, ``user`` in a DM."""
        user = (self.payload.get("member") or {}).get("user") or self.payload.get("user") or {}
        return str(user.get("id", ""))

    def metadata(self, **extra: str) -> dict[str, Any]:
        """``interaction_metadata`` for a message this interaction's response created."""
        return {
            "id": self.id,
            "type": self.type,
            "user": user_json(self.user_id),
            "authorizing_integration_owners": self.payload.get(
                "authorizing_integration_owners", {}
            ),
            **extra,
        }

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to the first callback reaching the stand-in."""
        return None if self.responded_at is None else self.responded_at - self.dispatched_at


def channel_json(
    channel_id: str, name: str, position: int, kind: int = TEXT_CHANNEL
) -> dict[str, Any]:
    forum = (
        {"available_tags": [], "default_reaction_emoji": None, "default_sort_order": None}
        if kind == FORUM_CHANNEL
        else {}
    )
    return {
        **forum,
        "id": channel_id,
        "type": kind,
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


def thread_json(
    thread_id: str, parent_id: str, name: str, auto_archive_duration: int
) -> dict[str, Any]:
    """A public thread (of a text channel, or a forum post) as Discord returns it."""
    return {
        "id": thread_id,
        "type": PUBLIC_THREAD,
        "guild_id": GUILD_ID,
        "parent_id": parent_id,
        "owner_id": BOT_USER_ID,
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": auto_archive_duration,
            "archive_timestamp": now_iso(),
            "locked": False,
        },
    }


def bot_user() -> dict[str, Any]:
    return {
        "id": BOT_USER_ID,
        "username": "Briefbot",
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": True,
        "public_flags": 0,
    }


def user_json(user_id: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": USER_NAME,
        "discriminator": "0",
        "global_name": "Analyst",
        "avatar": None,
        "public_flags": 0,
    }


def member_json(user: dict[str, Any], perms: int | None = None) -> dict[str, Any]:
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
