"""A local Discord for end-to-end tests (see ``server.py``): ``FakeDiscord`` and the ids,
constants and records tests use.

    server.py        FakeDiscord: state, start/stop, waits — composed of the parts below
    rest.py          REST API v10: login, command sync, callbacks, webhooks, channel posts, faults
    gateway.py       the gateway websocket: HELLO, IDENTIFY/READY, RESUME, heartbeats, dispatch
    interactions.py  slash commands, autocomplete, clicks, message commands, DMs, user installs
    files.py         multipart requests, message attachments and their limits
    models.py        ids and constants, SentMessage/InteractionRecord/RecordedRequest, JSON objects
    rules.py         Discord's OpenAPI spec and the command/message rules the spec can't express
"""

from tests.fakes.discord.models import (
    APPLICATION_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    EPHEMERAL,
    FOREIGN_CHANNEL_ID,
    FOREIGN_GUILD_ID,
    GUILD_ID,
    MANAGER_PERMS,
    MEMBER_PERMS,
    OTHER_CHANNEL_ID,
    OWNER_ID,
    POSTER_ID,
    TOKEN,
    USER_ID,
    USER_NAME,
    Attachment,
    InteractionRecord,
    Perm,
    RecordedRequest,
    SentMessage,
)
from tests.fakes.discord.server import FakeDiscord

__all__ = [
    "APPLICATION_ID",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DM_CHANNEL_ID",
    "EPHEMERAL",
    "FOREIGN_CHANNEL_ID",
    "FOREIGN_GUILD_ID",
    "GUILD_ID",
    "MANAGER_PERMS",
    "MEMBER_PERMS",
    "OTHER_CHANNEL_ID",
    "OWNER_ID",
    "POSTER_ID",
    "TOKEN",
    "USER_ID",
    "USER_NAME",
    "Attachment",
    "FakeDiscord",
    "InteractionRecord",
    "Perm",
    "RecordedRequest",
    "SentMessage",
]
