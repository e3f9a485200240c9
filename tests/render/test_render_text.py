"""Terminal text: exact output for a small answer, wrapping and safety on random answers."""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app.cli import load_engine
from bot.commands.calls import Context
from bot.core.answers import Action, ActionKind, Answer, Choice, Citation, Item, Section, Tone
from bot.render._layout import one_line
from bot.render.text import MIN_WIDTH, to_text
from tests.render.render_helpers import RENDER, all_texts, answers, squeeze

ROOT = Path(__file__).resolve().parents[2]

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
@given(answers(), st.sampled_from([100, 80, 60]) | st.integers(MIN_WIDTH, 160))
def test_random_answers_wrap_and_keep_all_their_text(answer: Answer, width: int) -> None:
    text = to_text(answer, width=width)
    lines = text.split("\n")
    assert max(len(line) for line in lines) <= width
    assert not any(unicodedata.category(ch) == "Cc" for ch in text.replace("\n", ""))
    rendered = squeeze(text)
    for part in all_texts(answer):
        assert squeeze(part) in rendered
    # Lines break between words: every word with room on a line comes out whole (a quote's
    # first and last words carry its quotation marks).
    tokens = {token.strip("“”") for token in text.split()}
    for part in all_texts(answer):
        for word in one_line(part).split():
            if len(word) <= width - len("  ¶999 “"):
                assert word.strip("“”") in tokens or not word.strip("“”")


SHIPPED = ["brief", "actor turkey", "compare turkey syria", "actors", "sources", "timeline"]


@pytest.fixture(scope="module")
def shipped() -> list[Answer]:
    engine = load_engine(ROOT / "content")
    return [asyncio.run(engine.execute_text(c, Context(platform="cli"))) for c in SHIPPED]


@pytest.mark.parametrize("width", [80, 60, 40])
def test_shipped_answers_fill_the_width_and_never_break_a_word(
    shipped: list[Answer], width: int
) -> None:
    for answer in shipped:
        lines = to_text(answer, width=width).splitlines()
        assert max(len(line) for line in lines) <= width
        assert max(len(line) for line in lines) >= width - 6
        assert _words(to_text(answer, width=width)) == _words(to_text(answer, width=100))


def test_narrow_widths_still_fit() -> None:
    answer = Answer(
        title="A title longer than twenty",
        sections=(Section("S", items=(Item("claim text here", (Citation("q " * 30, 10**12),)),)),),
        actions=(Action(ActionKind.ACTOR, "Turkey", ("turkey",)),),
    )
    for width in (MIN_WIDTH, 24):
        assert max(len(line) for line in to_text(answer, width=width).splitlines()) <= width
    assert to_text(answer, width=5) == to_text(answer, width=MIN_WIDTH)
    assert "¶1000000000000" in to_text(answer, width=MIN_WIDTH)


def _words(text: str) -> list[str]:
    """The words of rendered text, without the underlines (they follow the width)."""
    return " ".join(line for line in text.splitlines() if line.strip("=-")).split()
