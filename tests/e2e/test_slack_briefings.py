"""Many briefings on Slack, end to end: the real bolt app (Socket Mode) against the local Slack.

Two briefings are loaded (the ``multi`` fixtures: ``harbour-lease``, the newest, and
``rail-link``). A workspace admin chooses ``rail-link`` for the channel with
``/brief briefing use``; a member may not; the choice is kept in the SQLite file, so a new app on
the same file (a restart) answers from it. Hints and buttons name the briefing only while more
than one is loaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app.composition import build_engine
from bot.app.settings import DigestSettings, OpsSettings, Settings, SlackSettings
from bot.commands.calls import META_STORE, Services
from bot.commands.engine import Engine
from bot.core.library import Library, LibraryHolder
from bot.core.loader import load_directory
from bot.digests.clock import VirtualClock
from bot.digests.handlers import DIGESTS
from bot.digests.service import DigestService
from bot.digests.storage import Store
from bot.platforms.slack.service import SlackService
from tests.conftest import FIXTURES
from tests.fakes.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SlackFake,
    SlackUser,
    elements,
    visible_text,
)

pytestmark = pytest.mark.e2e

TWO = FIXTURES / "briefings" / "multi"
ONE = FIXTURES / "briefings" / "valid"
RAIL = "A Railway Across the Border"
HARBOUR = "Who Gets the Harbour?"


@pytest.fixture
async def slack() -> AsyncIterator[SlackFake]:
    async with SlackFake(admin_users={"UADMIN"}) as fake:
        yield fake
        fake.assert_clean()


def _library(*dirs: Path) -> Library:
    return Library.from_loaded([b for d in dirs for b in load_directory(d)])


def _settings(slack: SlackFake, db: str) -> Settings:
    return Settings(
        slack=SlackSettings(
            bot_token=SecretStr(BOT_TOKEN),
            app_token=SecretStr(APP_TOKEN),
            api_url=slack.api_url,
            host="127.0.0.1",
            port=0,
        ),
        digest=DigestSettings(default_timezone="UTC"),
        ops=OpsSettings(database_url=db),
    )


@contextlib.asynccontextmanager
async def app(slack: SlackFake, db: str, *dirs: Path) -> AsyncIterator[tuple[Engine, SlackService]]:
    """One run of the bot: a store on ``db``, an engine over ``dirs``, the Slack app."""
    store = await Store.open(db)
    services = Services()
    services.provide(META_STORE, store.meta)
    engine = build_engine(LibraryHolder(_library(*dirs)), services=services)
    service = SlackService(_settings(slack, db), engine)
    await service.start()
    await slack.wait_socket_connected()
    try:
        yield engine, service
    finally:
        await service.stop()
        await store.close()


def _action_ids(message: dict[str, Any]) -> list[str]:
    return [e["action_id"] for e in elements(message) if "action_id" in e]


async def test_listing_choosing_refusing_and_a_restart(slack: SlackFake, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    member = SlackUser(slack)  # U100, in C100
    admin = SlackUser(slack, user_id="UADMIN", user_name="boss")

    async with app(slack, db, TWO):
        listing = visible_text(await member.answer("briefings"))
        assert "2 briefings" in listing
        assert f"{HARBOUR} — id harbour-lease, added 2026-03-01, 3 actors" in listing
        assert "rail-link" in listing and f"Commands here use “{HARBOUR}”" in listing

        # Eastvale is in the other briefing: offered with the command to reach it.
        offer = visible_text(await member.answer("actor eastvale"))
        assert "actor eastvale --briefing rail-link" in offer

        refused = visible_text(await member.answer("briefing use rail-link"))
        assert "Only people who can manage" in refused
        assert "Westmark" in visible_text(await member.answer("actors"))  # nothing changed

        chosen = visible_text(await admin.answer("briefing use rail-link"))
        assert f"Commands here now use “{RAIL}”" in chosen
        eastvale = await member.answer("actor eastvale")
        assert "Eastvale" in visible_text(eastvale) and "--briefing" not in visible_text(eastvale)
        # two briefings: the buttons name the one the answer came from
        ids = _action_ids(eastvale)
        assert ids and all(i.split("|")[2] == "rail-link" for i in ids if i.startswith("bb1|"))

    async with app(slack, db, TWO):  # a restart on the same SQLite file
        again = await member.answer("actor eastvale")
        assert "Eastvale" in visible_text(again) and "not an actor" not in visible_text(again)
        listing = visible_text(await member.answer("briefings"))
        assert f"Commands here use “{RAIL}”" in listing and "the default here" in listing
        # another channel keeps the bot-wide default
        elsewhere = SlackUser(slack, channel_id="C200", channel_name="random")
        assert "Westmark" in visible_text(await elsewhere.answer("actors"))


async def test_with_one_briefing_hints_and_buttons_do_not_name_it(
    slack: SlackFake, tmp_path: Path
) -> None:
    member = SlackUser(slack)
    async with app(slack, f"sqlite:///{tmp_path / 'bot.db'}", ONE):
        answer = await member.answer("actor northland")
        ids = [i for i in _action_ids(answer) if i.startswith("bb1|")]
        assert ids and all(i.split("|")[2] == "" for i in ids), ids
        compare = next(
            e for e in elements(answer) if e.get("action_id", "").startswith("bb1|compare")
        )
        clicked = await member.click(compare, message=answer)
        assert clicked.status == 200
        # help is one message; its views (opened in place) hold every command
        views = await member.walk_views(await member.answer("help"))
        helped = "\n".join(visible_text(view) for view in views)
        assert "compare" in helped and "--briefing" not in helped


async def test_a_digest_posted_to_slack_announces_a_new_briefing(
    slack: SlackFake, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    admin = SlackUser(slack, user_id="UADMIN", user_name="boss")
    clock = VirtualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    async with app(slack, db, ONE) as (engine, slack_service):
        store = await Store.open(db)
        digests = DigestService(
            _settings(slack, db),
            engine.library,
            store,
            [slack_service],
            clock=clock,
            sweep_seconds=3600,
        )
        engine.services.provide(DIGESTS, digests)
        await digests.start()
        try:
            subscribed = visible_text(await admin.answer("digest subscribe daily 09:00"))
            assert "Digest subscribed" in subscribed, subscribed
            sent = visible_text(await admin.answer("digest send"))
            assert "Digest sent" in sent, sent
            engine.library.swap(_library(ONE, TWO))  # two briefings are added
            clock.advance(60)
            resent = visible_text(await admin.answer("digest send"))
            assert "Digest sent" in resent, resent
        finally:
            await digests.stop()
            await store.close()
    posts = [c.args for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == "C100"]
    assert len(posts) == 2, posts
    first, second = (visible_text(p) for p in posts)
    assert "New briefing" not in first
    news = f"New briefings: {HARBOUR}; {RAIL} — briefings to list them"
    assert news in second
    assert second.index(news) < second.index("Northland")  # at its top
