"""What the Slack stand-in's parts share: Slack ids and tokens, the records of what the bot
sent (``ApiCall``, ``ResponsePost``, ``SocketAck``, ``HttpReply``), injected faults, and helpers
that read a message as a user would (``visible_text``, ``elements``)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T0TEST"
BOT_USER_ID = "UBRIEFBOT"
BOT_ID = "BBRIEFBOT"
APP_ID = "ABRIEFBOT"

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MENTION = re.compile(r"<(?:!channel|!here|!everyone|!subteam\^?[^>]*|@[UW][A-Z0-9]*)[^>]*>", re.I)
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
#: The scopes of the manifest ``briefbot slack-manifest`` prints.
DEFAULT_SCOPES = frozenset(
    {"commands", "chat:write", "users:read", "channels:history", "groups:history", "files:write"}
)


@dataclass
class Upload:
    """One file the bot uploaded (``files.getUploadURLExternal``, then the bytes POSTed to the
    returned ``upload_url``); ``channel`` and ``title`` are set once
    ``files.completeUploadExternal`` shares it (``completed``)."""

    file_id: str
    filename: str
    length: int
    alt_text: str
    data: bytes | None = None
    channel: str | None = None
    title: str | None = None
    completed: bool = False


@dataclass
class ApiCall:
    """One Web API call the bot made."""

    method: str
    args: dict[str, Any]
    token: str | None
    failed: bool = False  # answered with an injected fault (``fail_next``)
    #: Wall-clock time the stand-in received it (for "arrived on time" checks).
    received_at: float = field(default_factory=time.time)


@dataclass
class ResponsePost:
    """One post to a ``response_url`` (``respond()`` in bolt)."""

    url_id: str
    body: dict[str, Any]

    @property
    def response_type(self) -> str:
        return str(self.body.get("response_type") or "ephemeral")

    @property
    def replaces(self) -> bool:
        """Whether this post replaces the message the click came from (``replace_original``)."""
        return self.body.get("replace_original") is True


@dataclass
class SocketAck:
    """The client's acknowledgement of an envelope (``payload`` is the ack's response body)."""

    envelope_id: str
    payload: dict[str, Any] | None


@dataclass
class HttpReply:
    """The bot's HTTP answer to a signed request (``json`` when the body is JSON)."""

    status: int
    text: str
    json: dict[str, Any] | None = None


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    after: int = 0  # calls to let through first
    then: str | None = None  # accepted, then the answer is lost: "drop" or "hang"


def visible_text(message: Mapping[str, Any] | None) -> str:
    """Everything a user reads in a message or view: fallback text and every block's text."""
    if not message:
        return ""
    return "\n".join(strings({"text": message.get("text"), "blocks": message.get("blocks")}))


def elements(message: Mapping[str, Any], *, kind: str | None = None) -> list[dict[str, Any]]:
    """Interactive elements (buttons, selects) of a message or view, in order."""
    out: list[dict[str, Any]] = []
    for block in maybe_json(message.get("blocks")) or []:
        candidates = list(block.get("elements", [])) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        out += [e for e in candidates if kind is None or e.get("type") == kind]
    return out


def strings(value: Any) -> list[str]:
    """Every human-readable string in a message (skips ids, URLs, action values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    if isinstance(value, dict):
        skip = {"type", "action_id", "block_id", "value", "url", "image_url", "style"}
        return [s for k, v in value.items() if k not in skip for s in strings(v)]
    return []


def maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
