"""Slack Block Kit payloads: exact output for a small answer, limits on random huge answers."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from slack_sdk.models.blocks import Block

from bot.core.answers import Action, ActionKind, Answer, Choice, Citation, Item, Section
from bot.render.slack import to_slack, to_slack_view
from tests.render.render_helpers import (
    HUGE,
    RENDER,
    SENTENCE,
    all_texts,
    answers,
    paragraph_marks,
    squeeze,
    strings,
)

SMALL = Answer(
    title="Turkey & Syria",
    summary="Ankara wants a deal.",
    sections=(
        Section(
            "Interests",
            items=(
                Item(
                    "Border security",
                    (Citation("Turkey wants to address its security concerns.", 3),),
                ),
            ),
        ),
    ),
    link="https://example.com/article?a=1&b=2",
    footer="Briefing: turkey-syria",
    actions=(Action(ActionKind.ACTOR, "Russia", ("russia",), "turkey-syria"),),
    picker=(Choice("Iran", "iran", "Tehran's view"),),
    picker_kind=ActionKind.ACTOR,
    picker_briefing="turkey-syria",
)


def test_small_answer_exact_payload() -> None:
    assert to_slack(SMALL) == [
        {
            "text": "Turkey &amp; Syria: Ankara wants a deal.",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "Turkey &amp; Syria"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": "Ankara wants a deal."}},
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": "*Interests*\n• Border security\n"
                        "> “Turkey wants to address its security concerns.” (¶3)",
                    },
                },
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": "Briefing: turkey-syria"},
                        {
                            "type": "mrkdwn",
                            "text": "<https://example.com/article?a=1&amp;b=2|Source article>",
                        },
                    ],
                },
                {
                    "type": "actions",
                    "block_id": "briefbot_actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "Russia"},
                            "action_id": "bb1|actor|turkey-syria|russia",
                            "value": "bb1|actor|turkey-syria|russia",
                        },
                        {
                            "type": "static_select",
                            "action_id": "bb1|actor|turkey-syria",
                            "placeholder": {"type": "plain_text", "text": "Open another actor…"},
                            "options": [
                                {
                                    "text": {"type": "plain_text", "text": "Iran"},
                                    "value": "iran",
                                    "description": {"type": "plain_text", "text": "Tehran's view"},
                                }
                            ],
                        },
                    ],
                },
            ],
        }
    ]


def test_user_text_cannot_ping() -> None:
    answer = Answer(title="<!channel>", summary="Hi <!here> and <@U123> & @channel")
    [message] = to_slack(answer)
    assert message["blocks"][0]["text"]["text"] == "&lt;!channel&gt;"
    assert message["blocks"][1]["text"]["text"] == (
        "Hi &lt;!here&gt; and &lt;@U123&gt; &amp; @\u200bchannel"
    )


def test_at_most_four_buttons_leave_room_for_the_adapters_share_button() -> None:
    answer = Answer(
        title="Many",
        actions=tuple(Action(ActionKind.ACTOR, f"A{i}", (f"a{i}",)) for i in range(10)),
    )
    [actions] = [b for b in to_slack(answer)[0]["blocks"] if b["type"] == "actions"]
    assert actions["block_id"] == "briefbot_actions"
    assert [e["text"]["text"] for e in actions["elements"]] == ["A0", "A1", "A2", "A3"]


def test_long_answer_is_paged_with_header_first_and_actions_last() -> None:
    items = tuple(Item(f"Item {i}. " + SENTENCE * 6) for i in range(150))
    answer = Answer(title="Long", sections=(Section("All", items=items),), actions=SMALL.actions)
    messages = to_slack(answer)
    assert len(messages) >= 3
    for number, message in enumerate(messages, start=1):
        types = [b["type"] for b in message["blocks"]]
        assert (types[0] == "header") == (number == 1)
        assert ("actions" in types) == (number == len(messages))
        assert message["blocks"][-1 if number < len(messages) else -2]["elements"][0]["text"] == (
            f"Page {number}/{len(messages)}"
        )
    assert messages[1]["text"] == f"Long (continued, 2/{len(messages)})"
    sections = "\n".join(
        b["text"]["text"] for m in messages for b in m["blocks"] if b["type"] == "section"
    )
    assert [line for line in sections.split("\n") if line.startswith("•")] == [
        f"• Item {i}. " + (SENTENCE * 6).strip() for i in range(150)
    ]


def test_an_oversized_item_is_split_at_sentences() -> None:
    messages = to_slack(Answer(title="Big", summary=HUGE[0]))
    texts = [b["text"]["text"] for m in messages for b in m["blocks"] if b["type"] == "section"]
    assert len(messages) == 2 and len(texts) == 4
    assert all(len(t) <= 3000 and t.endswith("Damascus.") for t in texts)


def test_home_view_fits_in_100_blocks_and_says_when_it_was_shortened() -> None:
    overview = Answer(
        title="Briefing",
        sections=tuple(Section(f"S{i}", items=(Item("x " * 100),)) for i in range(150)),
        footer="footer",
    )
    actors = Answer(
        title="Actors",
        summary="Who is involved.",
        picker=tuple(Choice(f"Actor {i}", f"a{i}") for i in range(10)),
        picker_kind=ActionKind.ACTOR,
    )
    view = to_slack_view(overview, actors)
    blocks = view["blocks"]
    assert view["type"] == "home"
    assert len(blocks) <= 100
    texts = strings(blocks)
    assert "Shortened to fit here; ask the bot for the full answer." in texts
    assert "footer" in texts and "Who is involved." in texts
    assert blocks[-1]["type"] == "actions"
    assert all(Block.parse(b).to_dict() == b for b in blocks)


# -- properties over random and oversized answers ------------------------------------------

_OUR_LINK = re.compile(r"<https?://[^|>\s]+\|Source article>")
_TEXT_LIMITS = {"header": 150, "section": 3000}


def _check_block(block: dict[str, Any]) -> None:
    parsed = Block.parse(block)
    assert parsed is not None
    assert parsed.to_dict() == block
    kind = block["type"]
    if kind in _TEXT_LIMITS:
        assert 1 <= len(block["text"]["text"]) <= _TEXT_LIMITS[kind]
    elif kind == "context":
        assert 1 <= len(block["elements"]) <= 10
        assert all(len(e["text"]) <= 3000 for e in block["elements"])
    elif kind == "actions":
        elements = block["elements"]
        buttons = [e for e in elements if e["type"] == "button"]
        views = str(block.get("block_id", "")).startswith("briefbot_views")
        assert len(buttons) <= (10 if views else 4)
        assert len({e["action_id"] for e in elements}) == len(elements)
        for e in buttons:
            assert 1 <= len(e["text"]["text"]) <= 75
            assert len(e["action_id"]) <= 255 and len(e["value"]) <= 2000
        for e in elements:
            if e["type"] == "static_select":
                assert 1 <= len(e["options"]) <= 100
                assert len({o["value"] for o in e["options"]}) == len(e["options"])
                for o in e["options"]:
                    assert 1 <= len(o["text"]["text"]) <= 75 and 1 <= len(o["value"]) <= 150
                    assert len(o.get("description", {}).get("text", "")) <= 75


def _displayed(block: dict[str, Any]) -> list[str]:
    """Strings a user sees (ids and values excluded)."""
    if block["type"] == "actions":
        shown = []
        for e in block["elements"]:
            shown += strings({k: v for k, v in e.items() if k not in ("action_id", "value")})
            for o in e.get("options", []):
                shown += strings(o["text"]) + strings(o.get("description", {}))
        return shown
    return strings(block)


def _visible_body(messages: list[dict[str, Any]]) -> str:
    text = "\n".join(
        b["text"]["text"] for m in messages for b in m["blocks"] if b["type"] == "section"
    )
    text = re.sub(r"(?m)^> ", "", text)
    return squeeze(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


@RENDER
@given(answers())
def test_every_page_keeps_every_limit_and_all_the_text(answer: Answer) -> None:
    messages = to_slack(answer)
    assert messages
    for message in messages:
        assert 1 <= len(message["text"]) <= 4000
        assert 1 <= len(message["blocks"]) <= 40
        # 12,000 characters, with room for the adapter's Share button (value ≤ 2000).
        assert sum(len(s) for s in strings(message["blocks"])) + 2100 <= 12_000
        for block in message["blocks"]:
            _check_block(block)
        for text in [message["text"]] + [s for b in message["blocks"] for s in _displayed(b)]:
            text = _OUR_LINK.sub("", text)
            assert "<" not in text, text
            assert not re.search(r"@(channel|here|everyone)", text, re.IGNORECASE), text
    assert all(all(b["type"] != "actions" for b in m["blocks"]) for m in messages[:-1])
    body = _visible_body(messages)
    for text in all_texts(answer) + paragraph_marks(answer):
        assert squeeze(text) in body


@RENDER
@given(answers(), answers())
def test_home_view_keeps_slacks_view_limits(overview: Answer, actors: Answer) -> None:
    view = to_slack_view(overview, actors)
    assert view["type"] == "home"
    assert 1 <= len(view["blocks"]) <= 100
    for block in view["blocks"]:
        _check_block(block)
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
