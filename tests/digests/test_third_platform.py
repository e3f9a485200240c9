"""A third platform needs nothing from ``bot/digests``: a poster that declares its limits,
parses its own channel references and raises the typed errors is enough.

"Rooms" is made up here, in the test: channels are ``!name:server`` ids.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot.digests
from bot.app.composition import build_engine
from bot.commands.calls import Context
from bot.core.answers import Answer, Tone
from bot.core.library import Library, LibraryHolder
from bot.digests.clock import VirtualClock
from bot.digests.handlers import DIGESTS
from bot.digests.ports import ChannelGone, ChannelRef, PostKey, PostResult, RateLimits
from bot.digests.service import DigestService
from bot.digests.storage import PAUSED, SENT, MemoryStore
from bot.render.text import to_text

from .conftest import make_settings

T0 = datetime(2026, 3, 2, 8, 59, 50, tzinfo=UTC)
ROOM = re.compile(r"!([a-z0-9-]+):[a-z0-9.-]+")


@dataclass
class RoomsPoster:
    """The whole platform, as far as digests are concerned."""

    platform: str = "rooms"
    limits: RateLimits = field(default_factory=lambda: RateLimits(per_channel=2, window=1.0))
    posted: list[tuple[str, str]] = field(default_factory=list)

    def parse_channel(self, text: str) -> ChannelRef | None:
        match = ROOM.fullmatch(text.strip())
        return ChannelRef(match[0], f"#{match[1]}") if match else None

    async def post(
        self,
        channel_id: str,
        answer: Answer,
        *,
        skip_pages: int = 0,
        key: PostKey | None = None,
        uncertain: bool = False,
    ) -> PostResult:
        if channel_id.startswith("!gone:"):
            raise ChannelGone("the room was closed")
        self.posted.append((channel_id, to_text(answer)))
        return PostResult(message_id=f"$event{len(self.posted)}")


@pytest.fixture
async def rooms(river):  # type: ignore[no-untyped-def]
    clock = VirtualClock(T0)
    store = MemoryStore()
    engine = build_engine(LibraryHolder(Library.from_loaded([river])))
    poster = RoomsPoster()
    service = DigestService(
        make_settings("sqlite://"), engine.library, store, [poster], clock=clock, sweep_seconds=3600
    )
    engine.services.provide(DIGESTS, service)
    await service.start()
    try:
        yield engine, service, poster, clock
    finally:
        await service.stop()


async def test_a_platform_defined_outside_the_package_subscribes_and_gets_its_digest(
    rooms,  # type: ignore[no-untyped-def]
) -> None:
    engine, service, poster, clock = rooms
    here = Context(
        platform="rooms",
        user_id="@ada:example.org",
        user_name="ada",
        channel_id="!lobby:example.org",
        channel_name="#lobby",
        workspace_id="example.org",
    )
    ok = await engine.execute_text(
        "digest subscribe daily 09:00 --channel !briefings:example.org", here
    )
    assert ok.title == "Digest subscribed: #briefings", to_text(ok)
    wrong = await engine.execute_text("digest subscribe daily 09:00 --channel #general", here)
    assert wrong.tone is Tone.ERROR and "not a channel I can post to" in wrong.summary
    gone = await engine.execute_text("digest subscribe daily 09:00 --channel !gone:x.org", here)
    assert gone.tone is Tone.INFO

    clock.advance(timedelta(seconds=10))
    await service.sweep()
    await service.settled()

    [(channel, text)] = poster.posted
    assert channel == "!briefings:example.org" and "Digest:" in text
    listed = to_text(await engine.execute_text("digest list", here))
    assert "#briefings" in listed and "Last delivery: delivered" in listed
    assert "Paused: the room was closed" in listed  # its own typed error, its own words
    subs = {s.channel_id: s for s in await service.store.subscriptions.find()}
    assert subs["!gone:x.org"].status == PAUSED
    [row] = await service.store.ledger.deliveries_of(subs["!briefings:example.org"].id)
    assert (row.status, row.message_id) == (SENT, "$event1")
    assert service.queue._platform("rooms").limits == poster.limits  # its own limits


def _strings_outside_docstrings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_the_digest_package_names_no_platform_in_its_code() -> None:
    package = Path(bot.digests.__file__).parent
    named = [
        f"{path.relative_to(package)}: {text!r}"
        for path in sorted(package.rglob("*.py"))
        for text in _strings_outside_docstrings(path)
        if re.search(r"discord|slack", text, re.I)
    ]
    assert named == []


def test_the_check_sees_a_platform_name(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('"""About Slack."""\nif platform == "slack":\n    pass\n')
    assert _strings_outside_docstrings(probe) == ["slack"]
