"""The Slack App Home end to end: the compact brief and the workspace's digests.

Through the real bolt app (Socket Mode and HTTP) against the local Slack, with a real
``DigestService`` over a SQLite file: opening the Home publishes the first view of the default
briefing (≤ 100 blocks) and the workspace's digest subscriptions; an admin's Pause, Resume and
Unsubscribe buttons run the ``digest`` commands and publish the Home again; a non-admin sees the
list without buttons and a forged click changes nothing; a view button opens its view in the
Home.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app.settings import DigestSettings, OpsSettings, Settings
from bot.commands.calls import META_STORE
from bot.commands.engine import Engine
from bot.digests.handlers import DIGESTS
from bot.digests.records import Subscription
from bot.digests.schedule import parse_schedule
from bot.digests.service import DigestService
from bot.digests.storage import Store
from bot.platforms.slack.home import (
    DIGESTS_HEADING,
    MAX_LISTED,
    NEEDS_ADMIN,
    VERBS,
    digest_action_id,
    parse_digest_action,
)
from bot.platforms.slack.service import SlackService
from tests.e2e.test_slack import BRIEFING_TITLE, slack_settings
from tests.fakes.slack import TEAM_ID, SlackFake, SlackUser, elements, view_buttons, visible_text

pytestmark = pytest.mark.e2e

HOME_MAX_BLOCKS = 100


@dataclass
class Home:
    slack: SlackFake
    digests: DigestService
    admin: SlackUser
    guest: SlackUser
    published: int = 0

    async def next_view(self) -> dict[str, Any]:
        """The next ``views.publish`` the bot makes (for anyone), checked against the limits."""
        self.published += 1
        call = await self.slack.wait_call("views.publish", count=self.published)
        view: dict[str, Any] = call.args["view"]
        assert view["type"] == "home" and len(view["blocks"]) <= HOME_MAX_BLOCKS
        return view

    async def subscriptions(self) -> list[Subscription]:
        return await self.digests.store.subscriptions.find(platform="slack", workspace_id=TEAM_ID)


@pytest.fixture
async def slack() -> AsyncIterator[SlackFake]:
    async with SlackFake(admin_users={"UADMIN"}) as fake:
        yield fake
        fake.assert_clean()


@pytest.fixture(params=["socket", "http"])
async def home(
    request: pytest.FixtureRequest, slack: SlackFake, engine: Engine, tmp_path: Path
) -> AsyncIterator[Home]:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    base = slack_settings(slack, request.param)
    settings = Settings(
        slack=base.slack,
        digest=DigestSettings(default_timezone="UTC"),
        ops=OpsSettings(database_url=db),
    )
    store = await Store.open(db)
    engine.services.provide(META_STORE, store.meta)
    service = SlackService(settings, engine)
    digests = DigestService(settings, engine.library, store, [service])
    engine.services.provide(DIGESTS, digests)
    await service.start()
    events_url = None
    if request.param == "socket":
        await slack.wait_socket_connected()
    else:
        events_url = f"http://127.0.0.1:{service.port}/slack/events"
    await digests.start()
    admin = SlackUser(slack, events_url=events_url, user_id="UADMIN", user_name="boss")
    guest = SlackUser(slack, events_url=events_url, user_id="UGUEST", user_name="guest")
    try:
        yield Home(slack, digests, admin, guest)
    finally:
        await digests.stop()
        await service.stop()
        await store.close()


def button(view: dict[str, Any], label: str) -> dict[str, Any]:
    found = [e for e in elements(view, kind="button") if e["text"]["text"] == label]
    assert found, f"no {label!r} button in {[e['text']['text'] for e in elements(view)]}"
    return found[0]


def labels(view: dict[str, Any]) -> list[str]:
    return [e["text"]["text"] for e in elements(view, kind="button")]


async def subscribed(home: Home) -> Subscription:
    answer = await home.admin.answer("digest subscribe daily 09:00")
    assert "subscribed" in visible_text(answer).lower(), visible_text(answer)
    [sub] = await home.subscriptions()
    return sub


async def test_the_home_shows_the_compact_brief_and_the_workspaces_digests(home: Home) -> None:
    sub = await subscribed(home)
    assert (await home.admin.open_home()).status == 200
    view = await home.next_view()
    shown = visible_text(view)
    assert BRIEFING_TITLE in shown
    assert view_buttons(view), "the compact brief has its view buttons"
    assert DIGESTS_HEADING in shown
    assert f"#general* · `{sub.id}`" in shown
    assert "Schedule: every day at 09:00 · Zone: UTC" in shown
    assert "Next run:" in shown and "09:00 UTC · Active" in shown
    assert "Pause" in labels(view) and "Unsubscribe" in labels(view)
    assert "Thread:" not in shown

    await home.admin.answer(f"digest thread on {sub.id}")
    await home.admin.open_home()
    assert "Zone: UTC · Thread: each digest opens one" in visible_text(await home.next_view())


async def test_an_admin_pauses_resumes_and_unsubscribes_from_the_home(home: Home) -> None:
    sub = await subscribed(home)
    await home.admin.open_home()
    view = await home.next_view()

    await home.admin.click(button(view, "Pause"), in_home=True)
    paused = await home.next_view()
    [stored] = await home.subscriptions()
    assert not stored.active and stored.status_reason == "paused by boss"
    shown = visible_text(paused)
    assert "Digest paused" in shown and "Paused: paused by boss" in shown
    assert "Resume" in labels(paused) and "Pause" not in labels(paused)
    listed = visible_text(await home.admin.answer("digest list"))
    assert "Paused: paused by boss" in listed

    await home.admin.click(button(paused, "Resume"), in_home=True)
    resumed = await home.next_view()
    assert (await home.subscriptions())[0].active
    assert "Digest resumed" in visible_text(resumed) and "Pause" in labels(resumed)

    unsubscribe = button(resumed, "Unsubscribe")
    # Slack asks before it sends the click; pausing needs no such question.
    confirm = unsubscribe["confirm"]
    assert confirm["title"]["text"] == "Unsubscribe?" and confirm["style"] == "danger"
    assert f"Digest {sub.id} (every day at 09:00) stops" in confirm["text"]["text"]
    assert "confirm" not in button(resumed, "Pause")
    await home.admin.click(unsubscribe, in_home=True)
    gone = await home.next_view()
    assert await home.subscriptions() == []
    assert "Digest unsubscribed" in visible_text(gone)
    assert sub.id not in visible_text(gone) or "no longer" in visible_text(gone)
    assert "No channel here has a digest subscription yet." in visible_text(gone)


async def test_a_non_admin_sees_the_digests_but_cannot_pause_them(home: Home) -> None:
    sub = await subscribed(home)
    await home.admin.open_home()
    pause = button(await home.next_view(), "Pause")

    await home.guest.open_home()
    view = await home.next_view()
    shown = visible_text(view)
    assert sub.id in shown and "Active" in shown and NEEDS_ADMIN in shown
    assert "Pause" not in labels(view) and "Unsubscribe" not in labels(view)

    await home.guest.click(pause, in_home=True)  # a forged click: the id is stateless
    refused = await home.next_view()
    assert (await home.subscriptions())[0].active
    assert NEEDS_ADMIN in visible_text(refused) and "Digest paused" not in visible_text(refused)


async def test_a_view_button_in_the_home_opens_that_view_in_the_home(home: Home) -> None:
    await subscribed(home)
    await home.guest.open_home()
    view = await home.next_view()
    [points] = [e for e in view_buttons(view) if e["text"]["text"].startswith("Key points")]
    await home.guest.click(points, in_home=True)
    opened = await home.next_view()
    call = home.slack.calls_to("views.publish")[-1]
    assert call.args["user_id"] == "UGUEST"
    assert "Key points" in visible_text(opened) and "Showing 1 of 31" not in visible_text(opened)
    assert "← Back to the overview" in labels(opened)
    assert DIGESTS_HEADING in visible_text(opened)  # the digests stay under the opened view

    await home.guest.click(button(opened, "← Back to the overview"), in_home=True)
    back = await home.next_view()
    assert BRIEFING_TITLE in visible_text(back) and view_buttons(back)


async def test_many_subscriptions_and_a_long_answer_keep_the_home_within_100_blocks(
    home: Home,
) -> None:
    for n in range(MAX_LISTED + 5):
        await home.digests.subscribe(
            platform="slack",
            workspace_id=TEAM_ID,
            channel_id=f"C{n:03d}",
            channel_name=f"team-<{n:02d}>",  # typed by people: must arrive escaped
            schedule=parse_schedule("weekdays 08:30"),
            timezone="Europe/Istanbul",
            briefing_id=None,
            created_by="UADMIN",
        )
    await home.admin.open_home()
    view = await home.next_view()
    shown = visible_text(view)
    assert shown.count("Schedule: every weekday at 08:30 · Zone: Europe/Istanbul") == MAX_LISTED
    assert "5 more: digest list shows them all." in shown
    assert "team-&lt;00&gt;" in shown and "<00>" not in shown
    assert labels(view).count("Pause") == MAX_LISTED

    picker = elements(view, kind="static_select")[0]  # the whole actor answer, in the Home
    await home.admin.click(picker, selected="turkey", in_home=True)
    opened = await home.next_view()  # ≤ 100 blocks, checked by next_view
    assert visible_text(opened).count("Zone: Europe/Istanbul") == MAX_LISTED


@given(
    verb=st.sampled_from(VERBS),
    sub_id=st.text(alphabet="0123456789abcdef", min_size=1, max_size=16),
)
def test_home_digest_ids_round_trip(verb: str, sub_id: str) -> None:
    action_id = digest_action_id(verb, sub_id)
    assert len(action_id) <= 255 and parse_digest_action(action_id) == (verb, sub_id)


@given(st.text(max_size=60))
def test_anything_else_is_not_a_home_digest_id(text: str) -> None:
    parsed = parse_digest_action(text)
    assert parsed is None or digest_action_id(*parsed) == text
