"""Discord payloads: exact output for a small answer, and every limit on random, huge answers."""

from __future__ import annotations

import re
from typing import Any

import discord
from hypothesis import given

from bot.core.answers import Action, ActionKind, Answer, Choice, Citation, Item, Section, Tone
from bot.render.discord import to_discord
from tests.render.render_helpers import (
    HUGE,
    RENDER,
    SENTENCE,
    all_texts,
    answers,
    discord_validator,
    paragraph_marks,
    squeeze,
)

SMALL = Answer(
    title="Turkey and Syria",
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
    link="https://example.com/article",
    footer="Briefing: turkey-syria",
    actions=(Action(ActionKind.ACTOR, "Russia", ("russia",), "turkey-syria"),),
    picker=(Choice("Iran", "iran", "Tehran's view"),),
    picker_kind=ActionKind.ACTOR,
    picker_briefing="turkey-syria",
)


def test_small_answer_exact_payload() -> None:
    assert to_discord(SMALL) == [
        {
            "embeds": [
                {
                    "title": "Turkey and Syria",
                    "url": "https://example.com/article",
                    "description": (
                        "Ankara wants a deal.\n\n**Interests**\n• Border security\n"
                        "> “Turkey wants to address its security concerns.” (¶3)"
                    ),
                    "color": 0x5865F2,
                    "footer": {"text": "Briefing: turkey-syria"},
                }
            ],
            "components": [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 2,
                            "style": 2,
                            "label": "Russia",
                            "custom_id": "bb1|actor|turkey-syria|russia",
                        }
                    ],
                },
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 3,
                            "custom_id": "bb1|actor|turkey-syria",
                            "placeholder": "Open another actor…",
                            "options": [
                                {"label": "Iran", "value": "iran", "description": "Tehran's view"}
                            ],
                        }
                    ],
                },
            ],
            "allowed_mentions": {"parse": []},
        }
    ]


def test_private_error_answer_is_ephemeral_and_red() -> None:
    [message] = to_discord(
        Answer(title="Sorry", summary="No such actor.", tone=Tone.ERROR, private=True)
    )
    assert message["flags"] == 64
    assert message["embeds"][0]["color"] == 0xED4245
    assert message["components"] == []


def test_mentions_and_markdown_in_user_text_are_defused() -> None:
    answer = Answer(
        title="@everyone *now*",
        summary="Ping <@123> and <@&9> in <#5>, @here, `code` and [x](https://evil.example)",
    )
    embed = to_discord(answer)[0]["embeds"][0]
    assert embed["title"] == "@\u200beveryone \\*now\\*"
    assert embed["description"] == (
        "Ping <\u200b@123\\> and <\u200b@&9\\> in <\u200b\\#5\\>, @\u200bhere, \\`code\\` and "
        "\\[x\\](https://evil.example)"
    )


def test_long_answer_pages_break_between_items() -> None:
    items = tuple(Item(f"Item {i}. " + SENTENCE * 4) for i in range(60))
    answer = Answer(
        title="Many items",
        sections=(Section("All", items=items),),
        footer="F",
        actions=SMALL.actions,
    )
    messages = to_discord(answer)
    assert len(messages) > 1
    for number, message in enumerate(messages, start=1):
        embed = message["embeds"][0]
        assert embed["footer"]["text"] == f"F · Page {number}/{len(messages)}"
        lines = embed["description"].split("\n")
        assert all(line.startswith(("• Item", "**All**")) for line in lines if line)
        assert (message["components"] != []) == (number == len(messages))
    assert messages[1]["embeds"][0]["title"] == "Many items (continued)"
    bullets = [
        line
        for m in messages
        for line in m["embeds"][0]["description"].split("\n")
        if line.startswith("•")
    ]
    assert bullets == [f"• Item {i}. " + (SENTENCE * 4).strip() for i in range(60)]


def test_an_oversized_item_is_split_at_sentences_without_ellipsis() -> None:
    answer = Answer(title="Big", sections=(Section("S", items=(Item(HUGE[0]),)),))
    messages = to_discord(answer)
    assert len(messages) >= 3
    pieces = [line for m in messages for line in m["embeds"][0]["description"].split("\n")]
    body = [p for p in pieces if p and p != "**S**"]
    assert all(p.endswith("Damascus.") for p in body)
    assert "…" not in "".join(body)


def test_a_single_enormous_word_is_cut_with_ellipsis() -> None:
    messages = to_discord(Answer(title="Word", summary="x" * 10_000))
    descriptions = [m["embeds"][0]["description"] for m in messages]
    assert [len(d) for d in descriptions] == [4096, 4096, 1810]
    assert descriptions[0].endswith("x…") and descriptions[1].endswith("x…")
    assert descriptions[2] == "x" * 1810


def test_long_title_is_cut_and_given_in_full_in_the_description() -> None:
    title = "Turkey " * 50
    embed = to_discord(Answer(title=title))[0]["embeds"][0]
    assert len(embed["title"]) <= 256 and embed["title"].endswith("Turkey…")
    assert embed["description"] == f"**{title.strip()}**"


def test_components_stay_within_rows_and_options() -> None:
    answer = Answer(
        title="Lots",
        actions=tuple(Action(ActionKind.ACTOR, f"Actor {i}", (f"a{i}",)) for i in range(40)),
        picker=tuple(Choice(f"C{i}", f"c{i}") for i in range(40)),
        picker_kind=ActionKind.ACTOR,
    )
    rows = to_discord(answer)[0]["components"]
    assert [len(r["components"]) for r in rows] == [5, 5, 5, 5, 1]
    assert len(rows[-1]["components"][0]["options"]) == 25


def test_duplicate_and_unencodable_actions_are_dropped() -> None:
    answer = Answer(
        title="Dupes",
        actions=(
            Action(ActionKind.ACTOR, "Russia", ("russia",)),
            Action(ActionKind.ACTOR, "Russia again", ("russia",)),
            Action(ActionKind.ACTOR, "Too long", ("r" * 200,)),
        ),
    )
    [row] = to_discord(answer)[0]["components"]
    assert [b["label"] for b in row["components"]] == ["Russia"]


# -- properties over random and oversized answers ------------------------------------------


def _display_strings(message: dict[str, Any]) -> list[str]:
    texts = []
    for embed in message["embeds"]:
        texts += [embed.get("title", ""), embed.get("description", "")]
        texts.append(embed.get("footer", {}).get("text", ""))
    for row in message["components"]:
        for c in row["components"]:
            texts += [c.get("label", ""), c.get("placeholder", "")]
            for option in c.get("options", []):
                texts += [option["label"], option.get("description", "")]
    return texts


def _visible_body(messages: list[dict[str, Any]]) -> str:
    """Every description, quote markers and escapes removed, squeezed."""
    text = "\n".join(e.get("description", "") for m in messages for e in m["embeds"])
    text = re.sub(r"(?m)^> ", "", text).replace("\u200b", "")
    return squeeze(re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL))


def _check_limits(message: dict[str, Any]) -> None:
    embeds = message["embeds"]
    assert 1 <= len(embeds) <= 10
    assert len(message.get("content", "")) <= 2000
    assert message["allowed_mentions"] == {"parse": []}
    total = 0
    for e in embeds:
        assert len(e.get("title", "")) <= 256
        assert len(e.get("description", "")) <= 4096
        assert len(e.get("fields", [])) <= 25
        assert len(e.get("footer", {}).get("text", "")) <= 2048
        assert e.get("title") or e.get("description")
        parsed = discord.Embed.from_dict(e)
        assert {k: v for k, v in parsed.to_dict().items() if k not in ("type", "flags")} == e
        total += len(parsed)
    assert total <= 6000
    rows = message["components"]
    assert len(rows) <= 5
    ids = []
    for row in rows:
        assert 1 <= len(row["components"]) <= 5
        for c in row["components"]:
            ids.append(c["custom_id"])
            assert 1 <= len(c["custom_id"]) <= 100
            if c["type"] == 2:
                assert 1 <= len(c["label"]) <= 80
            else:
                assert len(row["components"]) == 1
                assert 1 <= len(c["options"]) <= 25
                assert len(c["placeholder"]) <= 150
                assert len({o["value"] for o in c["options"]}) == len(c["options"])
                for o in c["options"]:
                    assert 1 <= len(o["label"]) <= 100 and 1 <= len(o["value"]) <= 100
                    assert len(o.get("description", "")) <= 100
    assert len(ids) == len(set(ids))


@RENDER
@given(answers())
def test_every_page_keeps_every_limit_and_all_the_text(answer: Answer) -> None:
    messages = to_discord(answer)
    assert messages
    for message in messages:
        _check_limits(message)
        assert ("flags" in message) == answer.private
        for text in _display_strings(message):
            assert not re.search(r"@(everyone|here)", text, re.IGNORECASE), text
            assert not re.search(r"<(?!\u200b)", text), text
    assert all(m["components"] == [] for m in messages[:-1])
    body = _visible_body(messages)
    for text in all_texts(answer) + paragraph_marks(answer):
        assert squeeze(text) in body


@RENDER
@given(answers())
def test_every_page_matches_discords_openapi_request_schemas(answer: Answer) -> None:
    followup = discord_validator("IncomingWebhookInteractionRequest")
    callback = discord_validator("CreateMessageInteractionCallbackRequest")
    channel_message = discord_validator("MessageCreateRequest")
    for message in to_discord(answer):
        followup.validate(message)
        callback.validate({"type": 4, "data": message})
        channel_message.validate(message)
