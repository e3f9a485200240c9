"""Terminal text: exact output for a small answer, wrapping and safety on random answers."""

from __future__ import annotations

import unicodedata

from hypothesis import given

from bot.core.answers import Action, ActionKind, Answer, Choice, Citation, Item, Section, Tone
from bot.render.text import to_text
from tests.render.render_helpers import RENDER, all_texts, answers, squeeze

SMALL = Answer(
    title="Turkey and Syria",
    summary="Ankara wants a deal.",
    sections=(
        Section(
            "Interests",
            text="What Turkey wants.",
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
    actions=(Action(ActionKind.COMPARE, "Turkey vs Syria", ("turkey", "syria"), "turkey-syria"),),
    picker=(Choice("Iran", "iran"), Choice("russia", "russia")),
    picker_kind=ActionKind.ACTOR,
)


def test_small_answer_exact_text() -> None:
    assert to_text(SMALL) == (
        "Turkey and Syria\n"
        "================\n"
        "Ankara wants a deal.\n"
        "\n"
        "Interests\n"
        "---------\n"
        "What Turkey wants.\n"
        "• Border security\n"
        "  ¶3 “Turkey wants to address its security concerns.”\n"
        "\n"
        "Source: https://example.com/article\n"
        "Briefing: turkey-syria\n"
        "Next:\n"
        "  → Turkey vs Syria: compare turkey vs syria --briefing turkey-syria\n"
        "  → actor <choice>, where <choice> is one of: Iran (iran), russia\n"
    )


def test_error_title_is_marked() -> None:
    assert to_text(Answer(title="Sorry", summary="No such actor.", tone=Tone.ERROR)) == (
        "✖ Sorry\n=======\nNo such actor.\n"
    )


def test_long_text_wraps_at_100_columns_with_hanging_indents() -> None:
    quote = "Turkey wants to address its security concerns. " * 5
    answer = Answer(
        title="T", sections=(Section("S", items=(Item("word " * 50, (Citation(quote, 12),)),)),)
    )
    lines = to_text(answer).splitlines()
    assert max(len(line) for line in lines) <= 100
    bullet = lines.index(next(line for line in lines if line.startswith("• ")))
    assert lines[bullet + 1].startswith("  word")
    cited = next(i for i, line in enumerate(lines) if line.startswith("  ¶12 “Turkey"))
    assert lines[cited + 1].startswith("      Turkey")


def test_terminal_escape_sequences_are_dropped() -> None:
    text = to_text(Answer(title="\x1b[2JClear", summary="red \x1b[31mtext\x07"))
    assert "\x1b" not in text and "\x07" not in text
    assert text.startswith("[2JClear\n")


@RENDER
@given(answers())
def test_random_answers_wrap_and_keep_all_their_text(answer: Answer) -> None:
    text = to_text(answer)
    lines = text.split("\n")
    assert max(len(line) for line in lines) <= 100
    assert not any(unicodedata.category(ch) == "Cc" for ch in text.replace("\n", ""))
    rendered = squeeze(text)
    for part in all_texts(answer):
        assert squeeze(part) in rendered
