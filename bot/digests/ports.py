"""Narrow ports between the core and the platforms.

Digests depend on ``Poster``; the runtime starts and stops ``Service``s. Discord, Slack and the
console implement them; tests use recording implementations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.core.answers import Answer


class DeliveryError(Exception):
    """A post failed.

    ``permanent`` errors (channel deleted, missing access, bot not in channel) pause the
    subscription with ``reason``; transient ones are retried, after ``retry_after`` seconds
    when the platform said so.

    An answer may be posted as several messages (pages). ``pages_sent`` says how many of its
    first pages are in the channel despite the failure (those skipped with ``skip_pages``
    included), so a retry passes ``skip_pages=pages_sent`` and posts none of them twice;
    ``message_id`` is the first message this attempt did post ("" if none).
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        pages_sent: int = 0,
        message_id: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.pages_sent = pages_sent
        self.message_id = message_id


@dataclass(frozen=True)
class PostResult:
    """Where a posted answer landed: the first message this call posted ("" if none, or
    when the platform gives no id)."""

    message_id: str = ""


@runtime_checkable
class Poster(Protocol):
    """Posts an answer to a channel of one platform."""

    platform: str

    async def post(self, channel_id: str, answer: Answer, *, skip_pages: int = 0) -> PostResult:
        """Post the pages of ``answer`` to ``channel_id``, in order, but its first
        ``skip_pages`` (already posted by an earlier attempt); raise ``DeliveryError`` (with
        ``pages_sent``) on failure."""
        ...


@runtime_checkable
class Service(Protocol):
    """Something the runtime starts in the shared event loop and stops on shutdown."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def is_ready(self) -> bool: ...
