"""A chat message's text as an ``ask`` question (``bot.commands.message_context``)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.app.composition import build_engine
from bot.commands.calls import Context
from bot.commands.message_context import (
    LINK_OR_MENTION,
    MAX_QUESTION_CHARS,
    context_invocation,
    nothing_to_look_up,
    question_from_message,
)
from bot.core.library import Library, LibraryHolder


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("Erdoğan says he'll meet Assad", "Erdoğan says he'll meet Assad"),
        # Discord: mentions, channels, roles, custom emoji, @everyone, links.
        (
            "<@123> <@!45> look <#6> <@&7> Erdoğan says he'll meet Assad <:tr:99> "
            "https://example.com/news?id=1 @everyone",
            "look Erdoğan says he'll meet Assad",
        ),
        # Slack: escaped text, labelled links keep the label, broadcasts and emoji go.
        (
            "<!here> <@U1|ada> in <#C1|general>: <https://inkstick.com/x|Turkey courts Syria> "
            ":eyes: Erdoğan &amp; Assad",
            "in : Turkey courts Syria Erdoğan & Assad",
        ),
        ("[the article](https://inkstick.com/x) says so", "the article says so"),
        ("see <https://inkstick.com/x> and www.example.org now", "see and now"),
        ("before ```python\nprint('hi')\n``` after `inline` end", "before after end"),
        ("> Erdoğan says\n> he'll meet Assad", "Erdoğan says he'll meet Assad"),
        ("**bold** ||spoiler|| ~~gone~~ __under__", "bold spoiler gone under"),
        ("meet at <t:1700000000:R> via </digest list:123>", "meet at via"),
    ],
)
def test_links_mentions_emoji_and_code_are_left_out(message: str, question: str) -> None:
    assert question_from_message(message) == question


@pytest.mark.parametrize(
    "message", ["", "   ", "<@123>", "https://example.com", "```code only```", ":wave: <!here>"]
)
def test_a_message_without_words_gives_no_question(message: str) -> None:
    assert question_from_message(message) == ""
    assert context_invocation(message, Context()) is None


def test_a_long_message_is_cut_at_a_word_within_the_limit() -> None:
    message = "Turkey and Syria " * 60  # 1020 characters
    question = question_from_message(message)
    assert len(question) <= MAX_QUESTION_CHARS
    assert message.startswith(question)
    assert question.split()[-1] in {"Turkey", "and", "Syria"}  # no half word at the end


def test_one_very_long_word_is_cut_at_the_limit() -> None:
    assert question_from_message("x" * 900) == "x" * MAX_QUESTION_CHARS


def test_the_invocation_asks_the_cleaned_question() -> None:
    invocation = context_invocation("<@1> Erdoğan says he'll meet Assad", Context(), briefing="b1")
    assert invocation is not None
    assert invocation.command == "ask"
    assert dict(invocation.args) == {"question": "Erdoğan says he'll meet Assad", "briefing": "b1"}


async def test_the_engine_accepts_every_question_it_gets(library: Library) -> None:
    engine = build_engine(LibraryHolder(library))
    invocation = context_invocation("Turkey Syria refugees " * 40, Context())
    assert invocation is not None
    answer = await engine.execute(invocation)
    assert answer.citations, answer  # within the option's length limit, and answered


def test_the_empty_answer_is_private_and_says_why() -> None:
    answer = nothing_to_look_up()
    assert answer.private
    assert "no words" in answer.summary
    assert "Links, mentions, emoji and code are left out" in answer.sections[0].text


# -- properties ---------------------------------------------------------------------------------

_MARKUP = st.sampled_from(
    [
        "<@123>",
        "<@!123>",
        "<@&9>",
        "<#1>",
        "<#C1|general>",
        "<@U1>",
        "<!here>",
        "<!channel>",
        "<!subteam^S1|@team>",
        "@everyone",
        "@here",
        "<:e:1>",
        "<a:e:2>",
        ":smile:",
        "https://example.com/a?b=c",
        "http://x.y",
        "www.example.org",
        "<https://a.b/c>",
        "<https://a.b/c|label>",
        "[label](https://a.b)",
        "```code```",
        "`x`",
        "&amp;",
        "&lt;",
        "&gt;",
        "<",
        ">",
        "|",
        "*",
        "~",
        "`",
        ":",
        "\n",
        "> ",
    ]
)
_WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_MESSAGES = st.lists(st.one_of(_MARKUP, _WORDS), max_size=40).map("".join)


@given(_MESSAGES)
@example("&lt;@123&gt;")  # an escaped mention becomes one when unescaped: still removed
@example("<<@1>@2>")  # removing the inner mention leaves another one: removed too
@example("<https://a.b|<@U1>>")
@example("w" * 499 + " <@1>")
def test_a_question_is_short_has_no_link_or_mention_and_is_stable(message: str) -> None:
    question = question_from_message(message)
    assert len(question) <= MAX_QUESTION_CHARS
    assert not LINK_OR_MENTION.search(question), question
    assert question == question.strip()
    assert question_from_message(question) == question


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZÀÉÖçğış"


@given(st.lists(st.text(_LETTERS, min_size=1, max_size=12), min_size=1, max_size=80))
def test_plain_words_are_kept_in_order(words: list[str]) -> None:
    message = " ".join(words)
    question = question_from_message(message)
    assert message.startswith(question)
    if len(message) <= MAX_QUESTION_CHARS:
        assert question == message
