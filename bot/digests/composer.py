"""Composing a subscription's next digest, and the briefing versions it diffs against.

Briefing snapshots are immutable per (briefing, fingerprint): each is read from the store once
and kept, so after a reload every subscription's next digest diffs against the same one. A
digest after a change of the stances (``map_changed``) carries the stance map as its ``image``,
which the posters attach.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.answers import Answer, ImageRef, unnamed_briefing
from bot.core.errors import UserFacingError
from bot.digests.clock import Clock
from bot.digests.compose import (
    DigestState,
    briefing_news,
    compose_digest,
    map_changed,
    plan_digest,
    snapshot,
    with_news,
)
from bot.digests.ports import THREAD_NAME_LIMIT, ThreadPlan
from bot.digests.records import Subscription
from bot.digests.storage.protocols import Versions
from bot.render.views import first_view, section_views

if TYPE_CHECKING:
    from bot.core.library import LibraryHolder
    from bot.core.loader import LoadedBriefing

log = logging.getLogger(__name__)

#: A digest's thread holds at most this many replies (its sections' pages, in order).
MAX_REPLIES = 10
#: Whole digests kept behind the first views ``compose`` handed out (for their threads).
_WHOLES_KEPT = 64


def version_of(loaded: LoadedBriefing) -> tuple[str, str, dict[str, Any]]:
    """A briefing version as the store keeps it: (briefing id, fingerprint, snapshot)."""
    return loaded.briefing.id, loaded.fingerprint, snapshot(loaded.briefing)


async def record_version(versions: Versions, loaded: LoadedBriefing, *, now: datetime) -> None:
    """Remember a loaded briefing's version (what "What changed" diffs against later)."""
    briefing_id, fingerprint, snap = version_of(loaded)
    await versions.record(briefing_id, fingerprint, snap, now=now)


def thread_name(title: str, day: str) -> str:
    """``title · day`` within the platforms' limit (the title shortened, the day kept)."""
    suffix = f" · {day}"
    room = THREAD_NAME_LIMIT - len(suffix)
    title = " ".join(title.split())
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title + suffix


class Composer:
    """Digests of the current library, for subscriptions in their digest state."""

    def __init__(self, library: LibraryHolder, versions: Versions, clock: Clock) -> None:
        self.library = library
        self.versions = versions
        self.clock = clock
        self._recorded: set[tuple[str, str]] = set()
        self._snapshots: dict[tuple[str, str], dict[str, Any]] = {}
        self._wholes: OrderedDict[int, tuple[Answer, Answer]] = OrderedDict()

    def briefing(self, sub: Subscription) -> LoadedBriefing:
        """The briefing the subscription follows (UserFacingError when it is gone)."""
        try:
            return self.library.current.get(sub.briefing_id)
        except UserFacingError as exc:
            raise UserFacingError(
                f"The briefing “{sub.briefing_id}” is no longer available."
            ) from exc

    async def compose(
        self, sub: Subscription, loaded: LoadedBriefing, *, occurrence: datetime | None = None
    ) -> tuple[Answer, DigestState]:
        """The subscription's next digest and the state it leaves; tagged with the
        subscription and ``occurrence`` when given (for the platforms' idempotency keys)."""
        state = DigestState.from_json(sub.state)
        await self.remember(loaded)
        previous = None
        if state.fingerprint and state.briefing_id and state.fingerprint != loaded.fingerprint:
            previous = await self._snapshot(state.briefing_id, state.fingerprint)
        plan = plan_digest(loaded, state)
        answer = compose_digest(loaded, state, previous, plan=plan)
        library = self.library.current
        answer = with_news(answer, briefing_news(state, library.briefings, loaded))
        if not library.several:
            answer = unnamed_briefing(answer)
        seen = tuple(sorted((i, b.fingerprint) for i, b in library.briefings.items()))
        next_state = replace(plan.next_state, briefings=seen)
        whole = answer
        answer = first_view(answer, None)  # one compact message; follow-ups open the rest
        if map_changed(loaded, state, previous):
            answer = replace(answer, image=await map_image(loaded))
        if occurrence is not None:
            extra = {**answer.extra, "subscription": sub.id, "occurrence": occurrence.isoformat()}
            answer = replace(answer, extra=extra)
        self._wholes[id(answer)] = (answer, whole)  # the answer held: its id stays unique
        while len(self._wholes) > _WHOLES_KEPT:
            self._wholes.popitem(last=False)
        return answer, next_state

    def thread_plan(self, sub: Subscription, answer: Answer, occurrence: datetime) -> ThreadPlan:
        """The thread a digest (``answer``, as ``compose`` made it) opens: named after the
        digest and its date in the subscription's zone, its sections' pages as replies."""
        kept = self._wholes.get(id(answer))
        whole = kept[1] if kept is not None and kept[0] is answer else answer
        day = occurrence.astimezone(ZoneInfo(sub.timezone)).strftime("%d %b %Y")
        return ThreadPlan(
            name=thread_name(whole.title, day),
            replies=tuple(section_views(whole)[:MAX_REPLIES]),
        )

    async def remember(self, loaded: LoadedBriefing) -> None:
        """Record the briefing's version once per process."""
        key = (loaded.briefing.id, loaded.fingerprint)
        if key not in self._recorded:
            await record_version(self.versions, loaded, now=self.clock.now())
            self._recorded.add(key)

    async def remember_current(self) -> None:
        """Record every briefing of the current library."""
        for loaded in getattr(self.library.current, "briefings", {}).values():
            await self.remember(loaded)

    async def _snapshot(self, briefing_id: str, fingerprint: str) -> dict[str, Any] | None:
        key = (briefing_id, fingerprint)
        if key not in self._snapshots:
            found = await self.versions.snapshot(briefing_id, fingerprint)
            if found is None:
                return None
            self._snapshots[key] = found
        return self._snapshots[key]


async def map_image(loaded: LoadedBriefing) -> ImageRef | None:
    """The stance map of ``loaded`` as an answer's image (None, logged, if it cannot be laid
    out: the digest's text stands without it)."""
    from bot.stance_map import image_ref, map_layout  # loaded only by digests that show it

    try:
        return image_ref(await map_layout(loaded), loaded.fingerprint)
    except Exception:
        log.exception("could not lay out the stance map of %s for a digest", loaded.briefing.id)
        return None
