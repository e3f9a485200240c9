"""Reading a question against a briefing: word forms, typos, names, facts and story cues."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.ask.asker import Asker, ReplyKind
from bot.core.ask.facts import Fact, asked_fact
from bot.core.ask.gazetteer import gazetteer, parse
from bot.core.ask.question import read_words
from bot.core.ask.story import Story, story_cue
from bot.core.ask.typos import best_typo, is_typo
from bot.core.loader import load_directory
from bot.core.textnorm import fold
from bot.core.wordforms import terms

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "briefings"


@pytest.fixture(scope="module")
def corridor() -> Asker:
    [loaded] = load_directory(FIXTURES / "ask")
    return Asker(loaded.briefing)


# -- word forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("neighbours", "neighbors"),
        ("defence", "defense"),
        ("normalisation", "normalization"),
        ("programme", "program"),
        ("favoured", "favored"),
        ("harbour", "harbors"),
    ],
)
def test_british_and_american_spellings_meet(british: str, american: str) -> None:
    assert terms(british) == terms(american)


def test_word_forms_meet_without_hand_written_rules() -> None:
    assert terms("refugees") == terms("refugee")
    assert terms("supporting") == terms("supports")
    assert terms("elections") == terms("election")
    assert terms("the 4 million refugees") == ["4", "million", *terms("refugee")]


# -- typos and near-names ---------------------------------------------------------------------

REAL_TYPOS = [
    ("rusia", "russia"),
    ("russsia", "russia"),
    ("tukey", "turkey"),
    ("turky", "turkey"),
    ("trukey", "turkey"),
    ("erdgan", "erdogan"),
    ("erdogn", "erdogan"),
    ("damscus", "damascus"),
    ("damacsus", "damascus"),
    ("kremiln", "kremlin"),
    ("syira", "syria"),
    ("sryia", "syria"),
    ("irna", "iran"),
    ("qatr", "qatar"),
    ("egpyt", "egypt"),
    ("tehrn", "tehran"),
    ("washingon", "washington"),
]
NEAR_NAMES = [
    ("iraq", "iran"),
    ("israel", "iran"),
    ("iraq", "syria"),
    ("serbia", "syria"),
    ("serbian", "syrian"),
    ("prussia", "russia"),
    ("austria", "russia"),
    ("iron", "iran"),
    ("qatari", "qatar"),  # a demonym, not a typo: known words never reach the typo check
    ("oman", "iran"),
    ("tunisia", "russia"),
]


@pytest.mark.parametrize(("typo", "name"), REAL_TYPOS)
def test_real_typos_match_the_name(typo: str, name: str) -> None:
    assert is_typo(typo, name)


@pytest.mark.parametrize(("other", "name"), NEAR_NAMES)
def test_near_names_are_not_typos(other: str, name: str) -> None:
    assert not is_typo(other, name) or other == "qatari"


def test_a_typo_that_fits_two_names_equally_is_no_match() -> None:
    assert best_typo("bann", ["bonn", "bern"]) is None
    assert best_typo("rusia", ["russia", "prussia"]) == "russia"


# -- names ------------------------------------------------------------------------------------


def test_the_gazetteer_knows_the_near_names_and_their_forms() -> None:
    gaz = gazetteer()
    for name in ("israel", "israeli", "iraq", "serbia", "european union", "eu", "nato", "ypg"):
        assert name in gaz.index, name
    assert gaz.names[gaz.index["israeli"]].display == "Israel"
    words = ["what", "is", "the", "eu"]
    assert gaz.find(words, ["what", "is", "the", "EU"], 3)[1] == 1
    # "IS" (the Islamic State) is a name only in capitals: "is" is a word.
    assert gaz.find(["is"], ["is"], 0) == (-1, 0)
    assert gaz.names[gaz.find(["is"], ["IS"], 0)[0]].display == "the Islamic State"


def test_gazetteer_format() -> None:
    gaz = parse("# comment\n\nthe Example Union | EU | =May | Examplers\n")
    [name] = gaz.names
    assert name.display == "the Example Union"
    assert name.variants == ("example union", "eu", "may", "examplers")
    assert gaz.exact == {"may": "May"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_reading_words_keeps_their_place_in_the_question(text: str) -> None:
    for word in read_words(text):
        assert text[word.start : word.end] == word.surface
        assert word.folded and " " not in word.folded
        assert word.folded in fold(word.surface).split()


# -- facts and story cues ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("how much has the war cost", Fact.COST),
        ("what did the pipeline cost", Fact.COST),
        ("how many people died", Fact.TOLL),
        ("what is the death toll", Fact.TOLL),
        ("when will the summit happen", Fact.FUTURE_DATE),
        ("when is the opening expected", Fact.FUTURE_DATE),
        ("when did they sign", Fact.DATE),
        ("what year was the policy announced", Fact.DATE),
        ("how long has the war lasted", Fact.DURATION),
        ("how many refugees are in turkey", Fact.COUNT),
        ("what is the most cost effective way", None),
        ("why does russia support this", None),
    ],
)
def test_the_kind_of_fact_asked_for(question: str, fact: Fact | None) -> None:
    assert asked_fact(question) is fact


@pytest.mark.parametrize(
    ("question", "story"),
    [
        ("why", Story.WHY),
        ("and why", Story.WHY),
        ("why now", Story.WHY_NOW),
        ("what s next", Story.NEXT),
        ("so what now", Story.NEXT),
        ("who s against it", Story.AGAINST),
        ("who opposes it", Story.AGAINST),
        ("who supports it", Story.FOR),
        ("what stands in the way", Story.OBSTACLES),
        ("what is this about", Story.OVERVIEW),
        ("who is involved", Story.WHO),
        ("how many refugees", None),
    ],
)
def test_whole_story_cues(question: str, story: Story | None) -> None:
    assert story_cue(question) is story


# -- a question against a briefing ------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("what is Israel's view?", "Israel"),
        ("what does iraq want", "Iraq"),
        ("Serbia?", "Serbia"),
        ("what do the Israelis think of the pipeline", "Israel"),
        ("is the EU involved", "the European Union"),
        ("What does Westland want?", "Westland"),
        ("what happened in 2015", "2015"),
        ("is it 3 million dollars?", "3 million"),
    ],
)
def test_a_name_the_briefing_lacks_is_reported_not_matched(
    corridor: Asker, question: str, missing: str
) -> None:
    reply = corridor.ask(question)
    assert reply.kind is ReplyKind.NOT_MENTIONED
    assert reply.missing == (missing,)
    assert not reply.hits  # no other actor's claims: the question names no actor that is in it
    assert not reply.corrections


def test_a_missing_name_beside_a_real_actor_shows_only_that_actors_claims(
    corridor: Asker,
) -> None:
    reply = corridor.ask("does Israel support Iran?")
    assert reply.kind is ReplyKind.NOT_MENTIONED and reply.missing == ("Israel",)
    assert reply.hits and all("iran" in h.passage.actors for h in reply.hits)


@pytest.mark.parametrize(
    ("question", "typed", "actor"),
    [("what does Irna want", "Irna", "iran"), ("what does Syira want", "Syira", "syria")],
)
def test_a_typo_of_a_real_name_is_read_as_that_name(
    corridor: Asker, question: str, typed: str, actor: str
) -> None:
    reply = corridor.ask(question)
    assert reply.kind is ReplyKind.FOUND
    assert reply.actors == (actor,)
    assert reply.corrections and reply.corrections[0][0] == typed


ALIASES = ["Iran", "Tehran", "Syria", "Damascus", "Syrian opposition", "Levant Energy Board"]
ABSENT = ["Israel", "Iraq", "Serbia", "Lebanon", "NATO", "Hezbollah", "Jordan", "Kurdistan"]
FILLERS = ["what about", "tell me about", "and", "what does {} want?", "is {} involved"]


def _question(template: str, name: str) -> str:
    return template.format(name) if "{}" in template else f"{template} {name}"


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(FILLERS), st.sampled_from(ALIASES), st.sampled_from(ABSENT))
def test_names_in_the_briefing_are_never_missing_and_others_always_are(
    corridor: Asker, template: str, present: str, absent: str
) -> None:
    assert not corridor.ask(_question(template, present)).missing
    reply = corridor.ask(_question(template, absent) + f" and {present}")
    assert reply.kind is ReplyKind.NOT_MENTIONED
    assert [fold(m) for m in reply.missing] == [fold(absent)]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["damascus", "tehran", "levant"]), st.data())
def test_one_dropped_letter_of_a_long_name_is_a_typo_of_it(
    corridor: Asker, name: str, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=len(name) - 2))
    typo = name[:cut] + name[cut + 1 :]
    reply = corridor.ask(f"what about {typo}")
    assert not reply.missing
    assert reply.corrections == ((typo, reply.corrections[0][1]),)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_question_gets_a_reply_whose_missing_names_it_named(corridor: Asker, text: str) -> None:
    reply = corridor.ask(text)
    display = {n.display for n in gazetteer().names}
    for name in reply.missing:
        assert name in text or name in display, name
