"""The Slack adapter's pure payload helpers and error mapping, on plain values (no network)."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web.slack_response import SlackResponse

from bot.commands.calls import Context, Invocation
from bot.commands.engine import Engine
from bot.commands.registry import CommandSpec
from bot.core.answers import Action, ActionKind, Answer, Item, Section
from bot.platforms.slack.client import delivery_error
from bot.platforms.slack.home import home_page
from bot.platforms.slack.messages import (
    SHARE_ACTION_ID,
    clicked_action,
    ephemeral_pages,
    share_button,
    share_value,
    shareable,
    shared_invocation,
    unescape,
    with_button,
)
from bot.render.actions import encode_action

CTX = Context(platform="slack", user_id="U1", channel_id="C1")


def test_slack_escaping_is_undone_once() -> None:
    assert unescape("&lt;!channel&gt; A &amp; B &amp;lt;") == "<!channel> A & B &lt;"


def test_share_values_round_trip_and_refuse_anything_else() -> None:
    invocation = Invocation("compare", {"first": "turkey", "second": "syria"}, CTX)
    value = share_value(invocation)
    assert value is not None
    assert shared_invocation(value, CTX) == invocation

    for garbage in ("", "{}", "[1]", '{"v":1,"c":"actor","a":{"name":3}}', "bb1|actor||x"):
        with pytest.raises(ValueError):
            shared_invocation(garbage, CTX)
    assert share_value(Invocation("ask", {"question": "x" * 2100}, CTX)) is None


def test_only_public_read_only_answers_are_shareable() -> None:
    def spec(**kw: object) -> CommandSpec:
        return CommandSpec("x", "x", handler=lambda call: Answer("x"), **kw)  # type: ignore[arg-type]

    assert shareable(spec(), Answer("ok"))
    assert not shareable(spec(), Answer("err", private=True))
    assert not shareable(spec(manage=True), Answer("ok"))
    assert not shareable(spec(group="digest"), Answer("ok"))
    assert not shareable(spec(private=True), Answer("ok"))
    assert not shareable(None, Answer("ok"))


def test_clicks_decode_buttons_and_selects() -> None:
    button_id = encode_action(Action(ActionKind.TIMELINE, "Timeline", ("russia",), "b1"))
    assert clicked_action({"type": "button", "action_id": button_id}) == Action(
        ActionKind.TIMELINE, "", ("russia",), "b1"
    )
    select = {
        "type": "static_select",
        "action_id": encode_action(Action(ActionKind.ACTOR, "", (), "b1")),
        "selected_option": {"value": "iran"},
    }
    assert clicked_action(select) == Action(ActionKind.ACTOR, "", ("iran",), "b1")
    for garbage in ({"action_id": "nope"}, {"action_id": "bb1|nonsense|x"}, {}):
        with pytest.raises(ValueError):
            clicked_action(garbage)


def test_the_share_button_joins_the_answers_buttons_or_gets_its_own_row(
    caplog: pytest.LogCaptureFixture,
) -> None:
    share = share_button("{}")
    with_actions = {"text": "t", "blocks": [{"type": "actions", "elements": [{"a": 1}]}]}
    assert with_button(with_actions, share)["blocks"][-1]["elements"] == [{"a": 1}, share]
    assert with_actions["blocks"][0]["elements"] == [{"a": 1}]  # the input is not changed

    plain = {"text": "t", "blocks": [{"type": "divider"}]}
    assert with_button(plain, share)["blocks"][-1] == {"type": "actions", "elements": [share]}

    full = {"text": "t", "blocks": [{"type": "divider"}] * 50}
    with caplog.at_level(logging.WARNING):
        assert len(with_button(full, share)["blocks"]) == 50
    assert "no room" in caplog.text


def test_ephemeral_pages_validate_and_carry_one_share_button() -> None:
    answer = Answer(
        "Title <!channel>",
        summary="A & B",
        sections=tuple(Section(f"S{n}", (Item("x " * 400),)) for n in range(40)),
    )
    pages = ephemeral_pages(answer, share="{}")
    assert len(pages) > 1
    ids = [e.get("action_id") for p in pages for b in p["blocks"] for e in b.get("elements", [])]
    assert ids.count(SHARE_ACTION_ID) == 1
    for page in pages:
        assert page["response_type"] == "ephemeral" and page["text"]
        assert len(page["blocks"]) <= 50
        for block in page["blocks"]:
            Block.parse(block).to_dict()  # type: ignore[union-attr]
        assert "<!channel>" not in str(page)


async def test_the_home_view_fits_and_keeps_block_ids_unique(engine: Engine) -> None:
    overview = await engine.execute(Invocation("brief", {}, CTX))
    actors = await engine.execute(Invocation("actors", {}, CTX))
    view = home_page(overview, [])
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))

    back = Action(ActionKind.BRIEF, "Back", briefing=None)
    focused = home_page(actors, [], back=back)
    assert focused["blocks"][0]["elements"][0]["text"]["text"] == "Back"


def test_a_long_answer_opened_in_the_home_keeps_its_buttons_under_the_back_button() -> None:
    timeline = Action(ActionKind.TIMELINE, "Timeline", ("turkey",), "b1")
    long = Answer(
        "Long",
        sections=tuple(Section(f"S{n}", (Item("x"),)) for n in range(150)),
        actions=(timeline,),
    )
    back = Action(ActionKind.BRIEF, "Back", briefing=None)
    view = home_page(long, [], back=back)

    blocks = view["blocks"]
    assert len(blocks) <= 100
    assert blocks[0]["elements"][0]["text"]["text"] == "Back"
    assert blocks[-1]["type"] == "actions"
    assert blocks[-1]["elements"][0]["text"]["text"] == "Timeline"


def api_error(status: int, data: dict, headers: dict | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="http://127.0.0.1/api/chat.postMessage",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    ("error", "permanent", "words"),
    [
        (api_error(200, {"ok": False, "error": "not_in_channel"}), True, "/invite @Briefbot"),
        (api_error(200, {"ok": False, "error": "channel_not_found"}), True, "C9"),
        (api_error(200, {"ok": False, "error": "is_archived"}), True, "archived"),
        (
            api_error(200, {"ok": False, "error": "missing_scope", "needed": "chat:write"}),
            True,
            "chat:write",
        ),
        (api_error(200, {"ok": False, "error": "token_revoked"}), True, "revoked"),
        (
            api_error(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}),
            False,
            "rate",
        ),
        (api_error(502, "Bad Gateway"), False, "502"),  # type: ignore[arg-type]
        (OSError("connection refused"), False, "reached"),
    ],
)
def test_failed_posts_map_to_delivery_errors(error: Exception, permanent: bool, words: str) -> None:
    delivery = delivery_error(error, "C9")
    assert delivery.permanent is permanent
    assert words in delivery.reason


def test_a_rate_limit_carries_its_retry_after() -> None:
    error = api_error(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})
    assert delivery_error(error, "C1").retry_after == 7.0


def test_memoised_rendering_never_leaks_one_messages_buttons_into_another() -> None:
    def make() -> Answer:
        timeline = Action(ActionKind.TIMELINE, "Timeline", ("turkey",), "b1")
        return Answer("Turkey", sections=(Section("S", (Item("x"),)),), actions=(timeline,))

    answer = make()
    shared = ephemeral_pages(answer, share="{}")
    again = ephemeral_pages(answer)

    def share_ids(pages: list[dict]) -> list[str]:
        return [
            e["action_id"]
            for p in pages
            for b in p["blocks"]
            for e in b.get("elements", [])
            if e.get("action_id") == SHARE_ACTION_ID
        ]

    assert share_ids(shared) == [SHARE_ACTION_ID]
    assert share_ids(again) == []
    assert again == ephemeral_pages(make())
    assert shared[-1]["blocks"][-1]["elements"][0]["text"]["text"] == "Timeline"  # joined its row
