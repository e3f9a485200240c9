"""A digest is one compact message: its first view, claims cited by ¶ marker, follow-ups for
the rest (on virtual time, the fixtures of ``test_service``)."""

from __future__ import annotations

from typing import Any

from bot.core.answers import ActionKind
from bot.digests.clock import VirtualClock
from bot.render import views
from bot.render.discord import to_discord
from bot.render.slack import to_slack
from bot.render.text import to_text

from .test_service import Factory, clock, run, start_service, tick  # noqa: F401 (fixtures)


async def test_a_digest_is_one_compact_message_with_follow_ups(
    start_service: Factory,  # noqa: F811
    fixture_engine: Any,
    clock: VirtualClock,  # noqa: F811
) -> None:
    service, poster = await start_service()
    await run(fixture_engine, "digest subscribe daily 09:00")
    await tick(service, clock, 10)
    assert len(poster.posts) == 1  # one message, not pages
    digest = poster.posts[0].answer
    assert views.fits(digest)
    assert len(to_discord(digest)) == 1 and len(to_slack(digest)) == 1
    assert not digest.quotes and "¶" in to_text(digest, width=80)
    kinds = {a.kind for a in digest.actions}
    assert ActionKind.BRIEF in kinds and ActionKind.ACTOR in kinds  # the parts, one click away
