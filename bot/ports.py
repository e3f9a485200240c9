"""Narrow ports between the core and the platforms.

Digests depend on ``Poster``; the runtime starts and stops ``Service``s. Discord, Slack and the
console implement them; tests use recording implementations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.answers import Answer


class DeliveryError(Exception):
    """A post failed.

    ``permanent`` errors (channel deleted, missing access, bot not in channel) pause the
    subscription with ``reason``; transient ones are retried, after ``retry_after`` seconds
    when the platform said so.
    """

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class PostResult:
    """Where a posted answer landed (platform message id, when known)."""

    message_id: str = ""


@runtime_checkable
class Poster(Protocol):
    """Posts an answer to a channel of one platform."""

    platform: str

    async def post(self, channel_id: str, answer: Answer) -> PostResult:
        """Post ``answer`` to ``channel_id``; raise ``DeliveryError`` on failure."""
        ...


@runtime_checkable
class Service(Protocol):
    """Something the runtime starts in the shared event loop and stops on shutdown."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def is_ready(self) -> bool: ...
