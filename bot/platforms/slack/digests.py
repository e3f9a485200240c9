"""Posting digests to Slack: ``chat.postMessage`` per page, with the page's identity attached.

Slack has no idempotency key, so every digest page carries message metadata (event type
``briefbot_digest``, payload: subscription, occurrence, page). When an earlier attempt's outcome
is unknown — an instance died mid-post and its claim was taken over, or the answer to a post was
lost — the channel's recent history (``conversations.history`` with ``include_all_metadata``,
from just before that attempt's claim) is searched for the pages first, and those found count as
posted. That needs ``channels:history`` (and ``groups:history`` for private channels); without
them a page whose outcome is unknown is posted again, as before, and that is said once in the
log and in ``/readyz``.

A digest with an image (the stance map, after a change of the stances) shares it into the
channel with ``files_upload_v2`` once every page is confirmed posted. A retry whose earlier
attempt's outcome is unknown first looks for the file in the same history (a message of the bot
sharing a file of that name since the claim) and shares it only if it is not there. An upload
that fails is logged and not retried: the digest's text stands, and a lost answer to the upload
itself can mean a missing map, never a second one. (Without the history scopes, an uncertain
retry may share it again, as it may the pages.)

With a ``ThreadPlan`` the channel still sees one digest; its details are posted as replies in
the digest's thread (``thread_ts`` = the digest's first message), each with the same metadata
(pages from ``THREAD_PAGES`` on). A retry — after a failed or lost reply, or a take-over — first
reads the thread (``conversations.replies``, same scopes) and posts only the replies not there.

The client used here does not retry a post whose connection broke after it was sent (slack_sdk's
connection-error handler would re-post it blindly); that failure is ``OutcomeUnknown`` and the
next attempt looks first. 429 and 5xx (Slack did not take the post) are retried by the client.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.answers import Answer, ImageRef
from bot.core.library import LibraryHolder
from bot.digests.ports import (
    THREAD_PAGES,
    ChannelRef,
    PostKey,
    PostResult,
    RateLimits,
    ThreadPlan,
    channel_mention,
)
from bot.platforms.slack.client import delivery_error, slack_error
from bot.platforms.slack.images import fit_alt

log = logging.getLogger(__name__)

#: Slack lets an app post about one message per second to a channel.
POST_LIMITS = RateLimits(per_channel=1, window=1.0)
#: A conversation id: C… (public, and newer private ones), G… (older private ones).
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")
EVENT_TYPE = "briefbot_digest"
#: What looking for an earlier attempt's pages needs (public, private channels).
HISTORY_SCOPES = ("channels:history", "groups:history")
#: A search reads at most this many pages of history, of ``HISTORY_LIMIT`` messages each.
HISTORY_PAGES = 5
HISTORY_LIMIT = 200


class SlackPoster:
    """Posts digests with ``client`` (one built without blind connection-error retries)."""

    platform = "slack"
    limits = POST_LIMITS

    def __init__(
        self, client: AsyncWebClient, *, render: Any, library: LibraryHolder | None = None
    ) -> None:
        self.client = client
        self.render = render
        #: Where a digest's image is drawn from (None: images are not shared).
        self.library = library
        #: Why the channel history cannot be searched (None: it can, as far as known).
        self.no_history: str | None = None

    def parse_channel(self, text: str) -> ChannelRef | None:
        """A channel picked with ``#`` (``<#C…|name>``, as Slack escapes it) or a bare id."""
        ref = channel_mention(text)
        if ref is not None:
            return ref if CHANNEL_ID.fullmatch(ref.id) else None
        value = text.strip()
        return ChannelRef(value, value) if CHANNEL_ID.fullmatch(value) else None

    def granted(self, scopes: set[str]) -> None:
        """The bot token's scopes (from ``auth.test``): note missing history scopes."""
        missing = [s for s in HISTORY_SCOPES if s not in scopes]
        if missing:
            self._without_history(f"the Slack app lacks {' and '.join(missing)}")

    def readiness_note(self) -> str | None:
        """What ``/readyz`` should say about digests on Slack (None: nothing)."""
        if self.no_history is None:
            return None
        return f"{self.no_history}: a digest whose post was cut off may be posted twice"

    def _without_history(self, why: str) -> None:
        if self.no_history is None:
            log.warning(
                "%s: a digest whose post's outcome is unknown (an instance died mid-post, an "
                "answer was lost) is posted again without checking the channel, so it may "
                "arrive twice; add the scopes (briefbot slack-manifest) and reinstall the app",
                why,
                extra={"platform": "slack"},
            )
        self.no_history = why

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
        pages = self.render(answer)
        first_ts = ""
        sent = skip_pages
        found = 0
        seen: _Seen | None = None
        if key is not None and uncertain:
            seen = await self._find(channel_id, key)
            there = seen.pages if seen is not None else None
            if there:
                # Pages go out in order: everything up to the last one found is in.
                last = max(there)
                if last >= sent:
                    found = last + 1 - sent
                    sent = last + 1
                first_ts = there.get(0, "") if skip_pages == 0 else ""
        for index in range(sent, len(pages)):
            page = pages[index]
            extra: dict[str, Any] = {}
            if key is not None:
                extra["metadata"] = {"event_type": EVENT_TYPE, "event_payload": key.fields(index)}
            try:
                response = await self.client.chat_postMessage(
                    channel=channel_id,
                    text=page["text"],
                    blocks=page.get("blocks"),
                    unfurl_links=False,
                    unfurl_media=False,
                    **extra,
                )
            except Exception as exc:
                error = delivery_error(exc, channel_id)
                error.pages_sent = sent
                error.message_id = first_ts
                log.warning(
                    "Slack post failed: %s",
                    error.reason,
                    extra={"platform": "slack", "channel": channel_id},
                )
                raise error from exc
            sent += 1
            first_ts = first_ts or str(response.get("ts") or "")
        if thread is not None:
            parent = thread.starter or first_ts
            if parent:
                retry = uncertain or skip_pages > 0 or bool(thread.starter)
                await self._post_replies(channel_id, parent, thread, key, retry=retry, pages=sent)
            else:  # cannot happen from the worker: a retry past page 1 names the first message
                log.warning(
                    "the digest's first message is not known; posted without its thread",
                    extra={"platform": "slack", "channel": channel_id},
                )
        if answer.image is not None:
            shared = seen is not None and answer.image.filename in seen.files
            await self._share_image(channel_id, answer.image, shared=shared)
        return PostResult(message_id=first_ts, found=found)

    async def _post_replies(
        self,
        channel_id: str,
        parent: str,
        thread: ThreadPlan,
        key: PostKey | None,
        *,
        retry: bool,
        pages: int,
    ) -> None:
        """Post the plan's replies under ``parent``, but those an earlier attempt posted."""
        replies = [page for reply in thread.replies for page in self.render(reply)]
        done = 0
        if retry and key is not None:
            there = await self._find_replies(channel_id, parent, key)
            if there:
                done = max(there) + 1 - THREAD_PAGES  # replies go out in order
        for index in range(done, len(replies)):
            page = replies[index]
            extra: dict[str, Any] = {}
            if key is not None:
                fields = key.fields(THREAD_PAGES + index)
                extra["metadata"] = {"event_type": EVENT_TYPE, "event_payload": fields}
            try:
                await self.client.chat_postMessage(
                    channel=channel_id,
                    thread_ts=parent,
                    text=page["text"],
                    blocks=page.get("blocks"),
                    unfurl_links=False,
                    unfurl_media=False,
                    **extra,
                )
            except Exception as exc:
                error = delivery_error(exc, channel_id)
                error.pages_sent, error.message_id = pages, parent
                log.warning(
                    "Slack thread reply failed: %s",
                    error.reason,
                    extra={"platform": "slack", "channel": channel_id},
                )
                raise error from exc

    async def _find_replies(self, channel_id: str, parent: str, key: PostKey) -> set[int]:
        """The thread pages of ``key`` already under ``parent`` (empty when the thread cannot
        be read: the replies are then posted as before)."""
        if self.no_history is not None:
            return set()
        found: set[int] = set()
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                response = await self.client.conversations_replies(
                    channel=channel_id,
                    ts=parent,
                    include_all_metadata=True,
                    limit=HISTORY_LIMIT,
                    cursor=cursor,
                )
            except SlackApiError as exc:
                if slack_error(exc) == "missing_scope":
                    self._without_history("the Slack app lacks a history scope")
                    return set()
                raise delivery_error(exc, channel_id) from exc
            except Exception as exc:
                raise delivery_error(exc, channel_id) from exc
            for message in response.get("messages") or []:
                page = _page_of(message, key)
                if page is not None and page >= THREAD_PAGES:
                    found.add(page)
            meta = response.get("response_metadata") or {}
            cursor = meta.get("next_cursor") if isinstance(meta, Mapping) else None
            if not response.get("has_more") or not cursor:
                break
        return found

    async def _share_image(self, channel_id: str, image: ImageRef, *, shared: bool) -> None:
        """Share a posted digest's image into the channel, unless an earlier attempt whose
        outcome was unknown ``shared`` it already (seen in the history read for its pages).
        Never raises (except cancellation): the digest is delivered."""
        if self.library is None:
            return
        from bot.stance_map import image_bytes  # loaded already: the composer laid it out

        where = {"platform": "slack", "channel": channel_id}
        try:
            if shared:
                log.info("the digest's %s image is in the channel already", image.kind, extra=where)
                return
            library = self.library.current
            await self.client.files_upload_v2(
                channel=channel_id,
                file=await image_bytes(library, image),
                filename=image.filename,
                alt_txt=fit_alt(image.alt_text),
                title=f"Stance map: {library.get(image.briefing).briefing.title}",
            )
        except Exception as exc:
            reason = slack_error(exc) if isinstance(exc, SlackApiError) else repr(exc)
            log.warning(
                "could not share the digest's %s image: %s", image.kind, reason, extra=where
            )

    async def _find(self, channel_id: str, key: PostKey) -> _Seen | None:
        """The pages of ``key`` already in the channel and the files shared since its claim,
        or None when the history cannot be searched (no scope, or Slack failing: then the post
        goes ahead as before)."""
        if self.no_history is not None:
            return None
        found: dict[int, str] = {}
        files: set[str] = set()
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                response = await self.client.conversations_history(
                    channel=channel_id,
                    oldest=f"{key.since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=HISTORY_LIMIT,
                    cursor=cursor,
                )
            except SlackApiError as exc:
                if slack_error(exc) == "missing_scope":
                    data = exc.response.data if isinstance(exc.response.data, dict) else {}
                    self._without_history(
                        f"the Slack app lacks {data.get('needed') or 'a history scope'}"
                    )
                    return None
                raise delivery_error(exc, channel_id) from exc
            except Exception as exc:
                raise delivery_error(exc, channel_id) from exc
            for message in response.get("messages") or []:
                page = _page_of(message, key)
                if page is not None and page < THREAD_PAGES:  # the digest's own pages
                    found.setdefault(page, str(message.get("ts") or ""))
                files |= _file_names(message)
            meta = response.get("response_metadata") or {}
            cursor = meta.get("next_cursor") if isinstance(meta, Mapping) else None
            if not response.get("has_more") or not cursor:
                break
        return _Seen(found, files)


@dataclass(frozen=True)
class _Seen:
    """What one read of a channel's history found of a digest: its pages (page → ts) and the
    names of the files shared since its claim."""

    pages: dict[int, str]
    files: set[str]


def _file_names(message: Any) -> set[str]:
    if not isinstance(message, Mapping):
        return set()
    return {str(f.get("name")) for f in message.get("files") or [] if isinstance(f, Mapping)}


def _page_of(message: Any, key: PostKey) -> int | None:
    if not isinstance(message, Mapping):
        return None
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != EVENT_TYPE:
        return None
    return key.page_of(metadata.get("event_payload"))
