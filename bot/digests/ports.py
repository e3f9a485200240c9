"""Narrow ports between the digests and the platforms.

Digests depend on ``Poster``; the runtime starts and stops ``Service``s. Discord, Slack and the
console implement them; tests use recording implementations. A poster says everything the
digests need to know about its platform: its rate limits, what a channel reference looks like,
and why a post failed — as one of these classes, never as the platform's own error text::

    DeliveryError                 a post failed (``reason`` says why, in plain words)
     ├── PermanentError           retrying cannot help: the subscription is paused with the reason
     │    ├── ChannelGone         the channel was deleted or archived, or the bot cannot see it
     │    ├── NoAccess            the bot may not post there: not invited, a permission or scope
     │    │                       missing, the token revoked
     │    └── Refused             the platform refused this very message (too long, invalid)
     └── TransientError           worth retrying, after ``retry_after`` seconds when known
          ├── RateLimited         still rate limited after the client's own waiting
          └── Unavailable         5xx, unreachable, timed out before the platform took the post
               └── OutcomeUnknown the post was sent but no answer came back: it may be there

Every post of a digest carries its ``PostKey`` (subscription, occurrence), the same on every
attempt and every instance, so a platform can make a repeated post harmless: Discord sends a
nonce derived from it, Slack attaches it as message metadata and, when an earlier attempt's
outcome is unknown (``uncertain``), looks for it in the channel before posting again.

Every error also says how far a multi-page post got: ``pages_sent`` (pages of the answer in the
channel, those skipped with ``skip_pages`` included) and ``message_id`` (the first message this
attempt posted, "" if none). A retry passes ``skip_pages=error.pages_sent``, so no page is posted
twice.

A subscription with threads passes a ``ThreadPlan``: the platform opens a thread on the digest
(Discord: a thread started from its message, or a forum post; Slack: replies under it) and
posts the plan's replies there. The same key makes the thread and its replies exactly-once
too: ``pages_sent`` counts the digest's own pages only, and on a retry (``skip_pages`` past
them, or ``uncertain``) the poster finds the thread and the replies already there before
posting the rest. A platform without threads may ignore the plan.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from bot.core.answers import Answer


class DeliveryError(Exception):
    """A post failed. Raise one of the subclasses; ``reason`` defaults to the class's words."""

    permanent: ClassVar[bool] = False
    default_reason: ClassVar[str] = "the post failed"

    def __init__(
        self,
        reason: str = "",
        *,
        retry_after: float | None = None,
        pages_sent: int = 0,
        message_id: str = "",
    ) -> None:
        self.reason = reason or self.default_reason
        super().__init__(self.reason)
        self.retry_after = retry_after
        self.pages_sent = pages_sent
        self.message_id = message_id


class PermanentError(DeliveryError):
    """Retrying cannot help; the subscription is paused with ``reason``."""

    permanent = True
    default_reason = "the post cannot be delivered"


class ChannelGone(PermanentError):
    """The channel was deleted or archived, or the bot can no longer see it."""

    default_reason = "the channel no longer exists"


class NoAccess(PermanentError):
    """The bot may not post in the channel (not invited, missing permission or scope, token
    revoked)."""

    default_reason = "the bot may not post in the channel (check its permissions)"


class Refused(PermanentError):
    """The platform refused this very message (too long, invalid blocks): a bug of ours."""

    default_reason = "the platform refused the message"


class TransientError(DeliveryError):
    """Worth retrying (after ``retry_after`` seconds when the platform said so)."""

    default_reason = "the post failed for now"


class RateLimited(TransientError):
    """Still rate limited after the platform client's own waiting."""

    default_reason = "rate limited"


class Unavailable(TransientError):
    """The platform answered 5xx, could not be reached, or timed out before taking the post."""

    default_reason = "the platform is unavailable"


class OutcomeUnknown(Unavailable):
    """The post was sent but no answer came back (connection lost, timeout): the platform may
    have taken it. A retry must not post it again blindly."""

    default_reason = "no answer from the platform; the post may have arrived"


@dataclass(frozen=True)
class RateLimits:
    """At most ``per_channel`` posts per ``window`` seconds to one channel, and at most
    ``per_second`` posts per second over all channels of the platform (None: no global limit)."""

    per_channel: int
    window: float
    per_second: float | None = None


@dataclass(frozen=True)
class ChannelRef:
    """A channel a digest may be posted to: the platform's id and a name to show."""

    id: str
    name: str


_MENTION = re.compile(r"^<#([^|>\s]+)(?:\|([^>]*))?>$")


def channel_mention(text: str) -> ChannelRef | None:
    """``<#ID>`` or ``<#ID|name>`` (how Slack escapes a picked channel, and how the Discord
    adapter passes a channel option) as a reference; None for anything else."""
    match = _MENTION.match(text.strip())
    if match is None:
        return None
    return ChannelRef(match[1], match[2] or match[1])


@dataclass(frozen=True)
class PostKey:
    """Which digest a post is: the same for every attempt of it, on any instance."""

    subscription: str
    occurrence: datetime
    #: No attempt of this digest began before this moment (bounds a search of the channel).
    since: datetime

    @property
    def occurrence_text(self) -> str:
        """The occurrence as text, identical wherever it was read from."""
        return self.occurrence.astimezone(UTC).isoformat(timespec="microseconds")

    def nonce(self, page: int) -> str:
        """A 25-character token for one page (Discord's nonce limit), the same everywhere."""
        text = f"{self.subscription}|{self.occurrence_text}|{page}"
        return "bb" + hashlib.sha256(text.encode()).hexdigest()[:23]

    def fields(self, page: int) -> dict[str, Any]:
        """The page's identity as plain fields (e.g. message metadata)."""
        return {"subscription": self.subscription, "occurrence": self.occurrence_text, "page": page}

    def page_of(self, fields: Any) -> int | None:
        """The page number when ``fields`` (read back from the platform) are one of this
        digest's pages, else None."""
        if not isinstance(fields, dict):
            return None
        if fields.get("subscription") != self.subscription:
            return None
        if fields.get("occurrence") != self.occurrence_text:
            return None
        page = fields.get("page")
        return page if isinstance(page, int) and page >= 0 else None


@dataclass(frozen=True)
class PostResult:
    """Where a posted answer landed: the first message this call posted ("" if none, or
    when the platform gives no id); ``found`` pages were already in the channel from an
    earlier attempt (found, not posted again)."""

    message_id: str = ""
    found: int = 0


#: Platforms cap a thread's name (Discord: 100 characters).
THREAD_NAME_LIMIT = 100
#: The posts in a digest's thread are its pages from this number on (for their nonces and
#: metadata); the digest's own pages are numbered below it.
THREAD_PAGES = 1000


@dataclass(frozen=True)
class ThreadPlan:
    """The thread a digest opens: its ``name`` (at most ``THREAD_NAME_LIMIT`` characters) and
    the ``replies`` posted in it, in order. ``starter`` is the digest's first message when an
    earlier attempt posted it (the thread starts from it)."""

    name: str
    replies: tuple[Answer, ...] = ()
    starter: str = ""


class ThreadChecker(Protocol):
    """What a poster whose threads need a permission also offers (Discord)."""

    def thread_refusal(self, channel_id: str) -> str | None:
        """Why digests posted to ``channel_id`` could not open threads, in plain words (None:
        they can, as far as the platform says)."""
        ...

    def thread_required(self, channel_id: str) -> bool:
        """Whether a digest can only be posted to ``channel_id`` as a thread (a forum)."""
        ...


@runtime_checkable
class Poster(Protocol):
    """Posts answers to the channels of one platform, and describes that platform."""

    platform: str
    #: How fast the platform lets a bot post (the delivery queue keeps inside them).
    limits: RateLimits

    def parse_channel(self, text: str) -> ChannelRef | None:
        """The channel ``text`` names (a mention, an id, a name — whatever the platform
        uses), or None when it names none."""
        ...

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
        """Post the pages of ``answer`` to ``channel_id``, in order, but its first
        ``skip_pages`` (already posted by an earlier attempt); raise a ``DeliveryError``
        subclass (with ``pages_sent``) on failure.

        ``key`` identifies a digest's pages; with ``uncertain``, an earlier attempt may have
        posted more of them than ``skip_pages`` says (it died, or its answer was lost): find
        those where the platform allows rather than post them twice. With ``thread``, open
        that thread on the digest and post its replies there (the worker passes it only to
        subscriptions with threads, so a poster without the argument keeps working)."""
        ...


@runtime_checkable
class Service(Protocol):
    """Something the runtime starts in the shared event loop and stops on shutdown."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def is_ready(self) -> bool: ...
