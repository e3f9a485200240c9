"""Digest threads on Discord: a public thread started from the digest's message, or a forum post.

A digest whose subscription has threads goes out as today — its pages in the channel, each with
its nonce — then a public thread is started from its first message (``POST /channels/{c}/
messages/{m}/threads``, named after the digest and its date, archived after a day of quiet) and
the digest's details (``ThreadPlan.replies``) are posted in it. In a forum channel (type 15) the
digest is a forum post's starter message instead (``POST /channels/{forum}/threads``), and its
further pages and details follow inside the post.

Exactly once, across retries and instances:

- **the thread**: starting a second thread from the same message is refused with 160004 ("A
  thread has already been created for this message"); that is taken as "already there", and the
  thread's id is the message's. A forum post has no nonce: its id (== its starter message's) is
  the digest's message id, recorded in the ledger as soon as an attempt fails after it; when it
  is not known (the answer to the post was lost, an instance died), the guild's active threads
  are searched for the post: in this forum, by the bot, with the plan's name, made since the
  digest's first attempt began.
- **the messages in it**: a retry first counts the bot's messages already in the thread and
  posts only the rest; each also carries a nonce from the ``PostKey`` (page numbers from
  ``THREAD_PAGES`` on), so a repeat within Discord's nonce window is harmless anyway.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.core.answers import Answer
from bot.digests.ports import (
    THREAD_PAGES,
    DeliveryError,
    NoAccess,
    PostKey,
    PostResult,
    ThreadPlan,
)
from bot.platforms.discord import images, messages

if TYPE_CHECKING:
    from bot.platforms.discord.service import DiscordService

log = logging.getLogger(__name__)

#: A day without messages archives the thread (Discord's choices: 60, 1440, 4320, 10080).
AUTO_ARCHIVE_MINUTES: Literal[1440] = 1440
#: Discord answers starting a second thread from one message with this code.
THREAD_EXISTS = 160004
#: A retry reads at most this many of the thread's newest messages to find what is there.
LOOKUP_LIMIT = 100


def thread_refusal(client: discord.Client, channel_id: str) -> str | None:
    """Why the bot could not open digest threads in the channel, in plain words (None: it can,
    or the channel is not known here to tell)."""
    channel = client.get_channel(int(channel_id)) if channel_id.isdigit() else None
    if isinstance(channel, discord.Thread):
        return (
            f"#{channel.name} is a thread, and Discord has no threads inside threads: "
            "subscribe its channel to open a thread on each digest."
        )
    if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
        return None
    me = channel.guild.me
    if me is None:
        return None
    perms = channel.permissions_for(me)
    needed = [
        ("Send Messages", perms.send_messages),
        ("Send Messages in Threads", perms.send_messages_in_threads),
    ]
    if not isinstance(channel, discord.ForumChannel):
        needed.insert(0, ("Create Public Threads", perms.create_public_threads))
    missing = [name for name, granted in needed if not granted]
    if not missing:
        return None
    what = "post a thread" if isinstance(channel, discord.ForumChannel) else "open a thread"
    return (
        f"Briefbot can't {what} on each digest in #{channel.name}: it needs the "
        f"{' and '.join(missing)} permission{'s' if len(missing) > 1 else ''} there. "
        "Grant it to Briefbot's role in the channel's settings, then subscribe again."
    )


async def post_threaded(
    service: DiscordService,
    channel_id: str,
    answer: Answer,
    *,
    skip_pages: int,
    key: PostKey | None,
    uncertain: bool,
    thread: ThreadPlan,
) -> PostResult:
    """Post a digest and its thread (see the module docstring); raises a ``DeliveryError``
    whose ``pages_sent`` counts the digest's own pages in and ``message_id`` names the digest's
    first message (a forum post's id)."""
    client = service.client
    channel = client.get_channel(int(channel_id))
    pages = messages.render(answer)
    replies = [page for reply in thread.replies for page in messages.render(reply)]
    retry = uncertain or skip_pages > 0 or bool(thread.starter)
    if isinstance(channel, discord.ForumChannel):
        thread_id = thread.starter
        if not thread_id and retry:
            thread_id = await _find_post(service, channel, thread, key)
        if not thread_id:
            picture = await images.picture(service.engine.library.current, answer)
            thread_id = await _open_post(service, channel, thread, pages[0], picture)
        inside, counted = pages[1:] + replies, 1  # the starter is the digest's first page
    else:
        result = await service.post(channel_id, answer, skip_pages=skip_pages, key=key)
        starter = thread.starter or result.message_id
        if not starter:  # nothing to start it from (cannot happen from the worker): no thread
            log.warning(
                "the digest's first message is not known; posted without its thread",
                extra={"platform": "discord", "channel": channel_id},
            )
            return result
        thread_id = await _open_thread(service, channel_id, starter, thread, len(pages))
        inside, counted = replies, len(pages)
    done = await _count_mine(service, thread_id) if retry else 0
    target = client.get_partial_messageable(int(thread_id))
    todo = inside[done:]
    nonces = [key.nonce(THREAD_PAGES + done + i) for i in range(len(todo))] if key else None
    posted: list[discord.Message] = []
    try:
        await messages.post(target, todo, posted=posted, nonces=nonces)
    except Exception as exc:
        error = service.delivery_error(exc, channel_id)
        error.pages_sent = min(len(pages), counted + done + len(posted))
        error.message_id = thread_id
        log.warning(
            "Discord thread post failed: %s",
            error.reason,
            extra={"platform": "discord", "channel": channel_id},
        )
        raise error from exc
    return PostResult(message_id=thread_id, found=done)


async def _open_thread(
    service: DiscordService, channel_id: str, message_id: str, thread: ThreadPlan, pages: int
) -> str:
    """Start the thread from the digest's first message; its id (== the message's)."""
    try:
        data = await service.client.http.start_thread_with_message(
            int(channel_id),
            int(message_id),
            name=thread.name,
            auto_archive_duration=AUTO_ARCHIVE_MINUTES,
        )
    except discord.HTTPException as exc:
        if exc.code == THREAD_EXISTS:  # an earlier attempt started it: thread id == message id
            return message_id
        raise _failed(_thread_error(service, exc, channel_id), pages, message_id) from exc
    except Exception as exc:
        raise _failed(service.delivery_error(exc, channel_id), pages, message_id) from exc
    return str(data["id"])


async def _open_post(
    service: DiscordService,
    forum: discord.ForumChannel,
    thread: ThreadPlan,
    first: Any,
    picture: images.Picture | None,
) -> str:
    """Make the forum post whose starter message is the digest's first page (with its map,
    when it has one); its id."""
    files: dict[str, Any] = {}
    if picture is not None:
        first, files = picture.show(first), {"file": picture.file()}
    try:
        made = await forum.create_thread(  # type: ignore[call-overload]
            name=thread.name,
            auto_archive_duration=AUTO_ARCHIVE_MINUTES,
            **messages.send_kwargs(first),
            **files,
        )
    except Exception as exc:
        error = (
            _thread_error(service, exc, str(forum.id))
            if isinstance(exc, discord.HTTPException)
            else service.delivery_error(exc, str(forum.id))
        )
        raise _failed(error, 0, "") from exc
    return str(made.thread.id)


async def _find_post(
    service: DiscordService, forum: discord.ForumChannel, thread: ThreadPlan, key: PostKey | None
) -> str:
    """The id of this digest's forum post when an earlier attempt made it, else ""."""
    me = service.client.user
    try:
        data = await service.client.http.get_active_threads(forum.guild.id)
    except Exception as exc:
        raise _failed(service.delivery_error(exc, str(forum.id)), 0, "") from exc
    for found in data.get("threads") or []:
        if (
            str(found.get("parent_id")) == str(forum.id)
            and me is not None
            and str(found.get("owner_id")) == str(me.id)
            and found.get("name") == thread.name
            and (key is None or discord.utils.snowflake_time(int(found["id"])) >= key.since)
        ):
            log.info(
                "this digest's forum post was already there; not posted again",
                extra={"platform": "discord", "channel": str(forum.id)},
            )
            return str(found["id"])
    return ""


async def _count_mine(service: DiscordService, thread_id: str) -> int:
    """How many of the thread's messages the bot posted (a forum post's starter apart)."""
    me = service.client.user
    try:
        found = await service.client.http.logs_from(int(thread_id), LOOKUP_LIMIT)
    except Exception as exc:
        raise service.delivery_error(exc, thread_id) from exc
    return sum(
        1
        for message in found
        if me is not None
        and str((message.get("author") or {}).get("id")) == str(me.id)
        and message.get("type") == 0
        and str(message.get("id")) != thread_id
    )


def _thread_error(service: DiscordService, exc: Exception, channel_id: str) -> DeliveryError:
    if isinstance(exc, discord.Forbidden):
        why = thread_refusal(service.client, channel_id)
        return NoAccess(why or "Briefbot may not open threads there (missing permissions)")
    return service.delivery_error(exc, channel_id)


def _failed(error: DeliveryError, pages_sent: int, message_id: str) -> DeliveryError:
    error.pages_sent, error.message_id = pages_sent, message_id
    return error
