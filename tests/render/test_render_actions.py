"""Stateless action ids: exact format, exact round trip, loud failures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.answers import Action, ActionKind, Answer, Choice
from bot.render.actions import (
    decode_action,
    encode_action,
    picker_action,
    selection_action,
)
from tests.render.render_helpers import RENDER


def test_encodes_kind_briefing_and_args() -> None:
    action = Action(ActionKind.COMPARE, "Turkey vs Syria", ("turkey", "syria"), "turkey-syria")
    assert encode_action(action) == "bb1|compare|turkey-syria|turkey|syria"


def test_absent_briefing_is_an_empty_field() -> None:
    assert encode_action(Action(ActionKind.SOURCES, "Sources")) == "bb1|sources|"
    assert decode_action("bb1|sources|") == Action(ActionKind.SOURCES, "")


def test_pipes_and_percents_in_args_round_trip() -> None:
    action = Action(ActionKind.ACTOR, "x", ("a|b", "100%", "%7C"), "brief|ing")
    custom_id = encode_action(action)
    assert custom_id == "bb1|actor|brief%7Cing|a%7Cb|100%25|%257C"
    assert decode_action(custom_id) == Action(
        ActionKind.ACTOR, "", ("a|b", "100%", "%7C"), "brief|ing"
    )


def test_an_id_over_100_characters_fails_at_encode() -> None:
    with pytest.raises(ValueError, match="over the 100 limit"):
        encode_action(Action(ActionKind.ACTOR, "x", ("a" * 90,), "b"))


def test_empty_string_briefing_is_refused() -> None:
    with pytest.raises(ValueError):
        encode_action(Action(ActionKind.ACTOR, "x", ("a",), ""))


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "bb1",
        "bb1|",
        "bb1|actor",
        "bb2|actor|b|x",
        "bb1|dance|b|x",
        "bb1|actor|b|100%",
        "bb1|actor|b|%41",
        "bb1|actor|b|%7c",
        "bb1|actor|b|" + "x" * 100,
        "share_in_channel",
        None,
        42,
    ],
)
def test_garbage_is_a_value_error(garbage: object) -> None:
    with pytest.raises(ValueError):
        decode_action(garbage)  # type: ignore[arg-type]


args_text = st.text(alphabet=st.sampled_from("ab|%7C25 é🚀"), max_size=12)


@RENDER
@given(
    kind=st.sampled_from(list(ActionKind)),
    briefing=st.none() | st.text(min_size=1, max_size=20),
    args=st.lists(args_text, max_size=6),
)
def test_round_trip_is_exact_or_encode_fails_loudly(
    kind: ActionKind, briefing: str | None, args: list[str]
) -> None:
    action = Action(kind, "label", tuple(args), briefing)
    escaped = [s.replace("%", "%25").replace("|", "%7C") for s in [briefing or "", *args]]
    expected_length = len("bb1|" + kind.value) + sum(1 + len(s) for s in escaped)
    if expected_length > 100:
        with pytest.raises(ValueError):
            encode_action(action)
        return
    custom_id = encode_action(action)
    assert len(custom_id) == expected_length
    assert decode_action(custom_id) == Action(kind, "", tuple(args), briefing)


@RENDER
@given(
    st.text(max_size=120) | st.text(alphabet="bb1|actorcmpe%7C25", max_size=40).map("bb1|".__add__)
)
def test_decoding_any_text_gives_a_canonical_action_or_a_value_error(text: str) -> None:
    try:
        action = decode_action(text)
    except ValueError:
        return
    assert encode_action(action) == text


def test_picker_and_selection_build_the_follow_up() -> None:
    answer = Answer(
        title="Actors",
        picker=(Choice("Russia", "russia"),),
        picker_kind=ActionKind.COMPARE,
        picker_briefing="turkey-syria",
    )
    action = picker_action(answer)
    assert action == Action(ActionKind.COMPARE, "", (), "turkey-syria")
    custom_id = encode_action(Action(ActionKind.COMPARE, "", ("turkey",), "turkey-syria"))
    assert selection_action(custom_id, "syria") == Action(
        ActionKind.COMPARE, "", ("turkey", "syria"), "turkey-syria"
    )
    assert picker_action(Answer(title="No picker")) is None
