"""bot.core.sentences: sentences as exact spans, abbreviations and initials kept whole."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.sentences import sentence_spans, split_sentences


def test_sentences_end_at_marks_not_at_abbreviations_or_initials() -> None:
    text = (
        "Mr. Smith met George W. Bush in the U.S. on Monday. He said: “No.” Then he left… "
        "Really? Yes! It grew 3.5 percent.\nA wrapped\nline stays one sentence."
    )

    assert split_sentences(text) == [
        "Mr. Smith met George W. Bush in the U.S. on Monday.",
        "He said: “No.”",
        "Then he left…",
        "Really?",
        "Yes!",
        "It grew 3.5 percent.",
        "A wrapped line stays one sentence.",
    ]


def test_a_lower_case_word_after_a_full_stop_does_not_start_a_sentence() -> None:
    assert split_sentences("See fig. 3 and the notes. then more") == [
        "See fig. 3 and the notes. then more"
    ]


_TEXT = st.lists(
    st.sampled_from(["Word", "word", " ", "  ", "\n", ". ", "? ", "! ", "” ", "“", "Mr. ", "3.5"]),
    max_size=60,
).map("".join)


@given(_TEXT)
def test_spans_cover_the_text_in_order_without_losing_a_word(text: str) -> None:
    spans = sentence_spans(text)

    end = 0
    for start, stop in spans:
        assert end <= start < stop <= len(text)
        assert text[start:stop] == text[start:stop].strip()
        end = stop
    assert [w for a, b in spans for w in text[a:b].split()] == text.split()
