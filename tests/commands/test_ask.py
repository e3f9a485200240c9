"""`ask` as a user sees it: honest about what the briefing does not mention or say.

Most questions run against fixture briefings (tests/fixtures/briefings/ask and valid), so the
behaviour does not depend on the shipped article; a few check the shipped briefing too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.composition import build_engine
from bot.commands.calls import Context
from bot.commands.engine import Engine
from bot.core.answers import Answer, Tone
from bot.core.library import Library, LibraryHolder
from bot.core.loader import load_directory
from bot.core.textnorm import normalise_quote

CTX = Context(platform="test", channel_id="C1")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "briefings"


def _engine(directory: str) -> Engine:
    return build_engine(LibraryHolder(Library.from_loaded(load_directory(FIXTURES / directory))))


@pytest.fixture(scope="module")
def corridor() -> Engine:
    return _engine("ask")


@pytest.fixture(scope="module")
def river() -> Engine:
    return _engine("valid")


def body(answer: Answer) -> str:
    """Everything below the headline: section headings and items."""
    parts = []
    for section in answer.sections:
        parts += [section.heading, section.text, *(i.text for i in section.items)]
    return "\n".join(parts)


async def ask(engine: Engine, question: str) -> Answer:
    answer = await engine.execute_text(f"ask {question}", CTX)
    assert answer.tone is Tone.INFO, answer.summary
    return answer


def assert_cited(engine: Engine, answer: Answer) -> None:
    loaded = engine.library.current.get(None)  # one briefing per fixture directory
    paragraphs = [normalise_quote(p) for p in loaded.paragraphs]
    for item in (i for s in answer.sections for i in s.items):
        assert item.citations, item.text
        for c in item.citations:
            assert normalise_quote(c.quote) in paragraphs[c.paragraph - 1]


# -- a name not in the briefing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("what is Israel's view?", "Israel"),
        ("what does israel think of the deal", "Israel"),
        ("what do the Israelis say", "Israel"),
        ("is NATO involved?", "NATO"),
        ("what does Westland want?", "Westland"),
    ],
)
async def test_a_name_not_in_the_briefing_is_said_first(
    corridor: Engine, question: str, name: str
) -> None:
    answer = await ask(corridor, question)
    assert answer.title == "Not in this briefing"
    assert answer.summary == f"The briefing doesn't mention {name}."
    assert not answer.citations  # nobody else's claims presented as the answer
    assert "Iran" not in body(answer).replace("Iran, Syria", "")  # only in the Try hint


async def test_a_missing_name_with_a_real_actor_labels_the_actors_claims(corridor: Engine) -> None:
    answer = await ask(corridor, "does Israel support Iran?")
    assert answer.summary.startswith("The briefing doesn't mention Israel.")
    assert answer.sections[0].heading == "What it says about Iran (not about Israel)"
    assert_cited(corridor, answer)


# -- near-names and typos ---------------------------------------------------------------------


@pytest.mark.parametrize(("near", "real"), [("Iraq", "Iran"), ("Serbia", "Syria")])
async def test_a_near_name_of_a_real_actor_is_not_that_actor(
    corridor: Engine, near: str, real: str
) -> None:
    answer = await ask(corridor, f"what does {near} want?")
    assert answer.summary == f"The briefing doesn't mention {near}."
    assert "Reading" not in answer.summary
    assert not answer.citations


@pytest.mark.parametrize(
    ("question", "typed", "real", "claim"),
    [
        ("what does Irna want?", "Irna", "Iran", "new market"),
        ("what does Damscus want?", "Damscus", "Syria", "transit fees"),
    ],
)
async def test_a_typo_of_a_real_name_is_read_as_it_and_says_so(
    corridor: Engine, question: str, typed: str, real: str, claim: str
) -> None:
    answer = await ask(corridor, question)
    assert answer.summary.startswith(f"Reading “{typed}” as {real}.")
    assert claim in body(answer)
    assert_cited(corridor, answer)


async def test_a_bare_opposition_shows_both_and_says_so(corridor: Engine) -> None:
    answer = await ask(corridor, "what does the opposition want?")
    assert "“opposition” could mean Syrian opposition or Iranian opposition" in answer.summary
    text = body(answer)
    assert "lifeline" in text and "better spent at home" in text
    card = await corridor.execute_text("actor opposition", CTX)
    assert card.tone is Tone.ERROR
    assert "syrian-opposition" in card.summary and "iranian-opposition" in card.summary


# -- a kind of fact no claim holds ------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "title", "related"),
    [
        ("how much will the summit cost?", "The article doesn't say how much it cost", "summit"),
        ("when will the summit take place?", "The article doesn't say when", "no date"),
        ("how many people died?", "The article doesn't say how many died", None),
    ],
)
async def test_an_unanswerable_fact_says_the_article_does_not_say(
    corridor: Engine, question: str, title: str, related: str | None
) -> None:
    answer = await ask(corridor, question)
    assert answer.title == title
    assert answer.summary.startswith("No claim or figure in the briefing gives")
    if related is None:
        assert not answer.sections
    else:
        assert answer.sections[0].heading == "Related, not the answer"
        assert related in body(answer)
        assert "related, not the answer" in answer.summary
        assert "$4 billion" not in body(answer) or "summit" not in question


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("how much will the pipeline cost?", "$4 billion"),
        ("when will the pipeline open?", "2027"),
        ("when was the agreement signed?", "May 2025"),
    ],
)
async def test_a_fact_the_briefing_holds_comes_first(
    corridor: Engine, question: str, fact: str
) -> None:
    answer = await ask(corridor, question)
    assert answer.title.startswith("Q: ")
    assert fact in " ".join(i.text for i in answer.sections[0].items)
    assert_cited(corridor, answer)


async def test_the_dam_cost_is_not_given_in_the_river_briefing(river: Engine) -> None:
    answer = await ask(river, "how much will the Kestrel Dam cost?")
    assert answer.title == "The article doesn't say how much it cost"


# -- whole-story questions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "title", "present", "absent"),
    [
        ("why?", "Why, according to the article", ["new market", "cheap energy"], ["Sanctions"]),
        ("and why?", "Why, according to the article", ["new market"], []),
        ("why now?", "Why now, according to the article", ["new market", "2027"], []),
        ("what's next?", "What comes next, according to the article", ["summit"], []),
        ("so what now?", "What comes next, according to the article", ["slower pace"], []),
        (
            "who's against it?",
            "Who is against it",
            ["Syrian opposition", "Iranian opposition", "Sanctions"],
            ["Iran —", "Syria —"],
        ),
        ("who supports the deal?", "Who is for it", ["Iran —", "Syria —"], ["opposition"]),
    ],
)
async def test_whole_story_questions_follow_the_briefings_structure(
    corridor: Engine, question: str, title: str, present: list[str], absent: list[str]
) -> None:
    answer = await ask(corridor, question)
    assert answer.title == title
    text = body(answer)
    assert [p for p in present if p not in text] == []
    assert [a for a in absent if a in text] == []
    assert_cited(corridor, answer)


async def test_whole_story_questions_without_roles_use_the_key_points(river: Engine) -> None:
    why = await ask(river, "why?")
    assert why.title == "Why, according to the article"
    assert "Kestrel Dam" in body(why)
    nxt = await ask(river, "what's next?")
    assert "next dry season" in body(nxt)


# -- spelling variants and the story's vocabulary ---------------------------------------------


@pytest.mark.parametrize(
    ("question", "claim"),
    [
        ("what do the neighbors want?", "slower pace"),
        ("what about the neighborhood", "stronger role"),
        ("is there an audit of the program?", "independent audit"),
        ("how is the route's defense handled?", "international rules"),
        ("who runs the project?", "will run the pipeline"),
    ],
)
async def test_spelling_variants_and_synonyms_find_the_claim(
    corridor: Engine, question: str, claim: str
) -> None:
    answer = await ask(corridor, question)
    assert answer.title.startswith("Q: "), answer.summary
    assert claim in body(answer) + " ".join(c.quote for c in answer.citations)


# -- the shipped briefing ---------------------------------------------------------------------


async def test_shipped_briefing_israel_is_not_iran(engine: Engine) -> None:
    answer = await ask(engine, "what is Israel's view")
    assert answer.summary == "The briefing doesn't mention Israel."
    assert "Iran" not in body(answer).split("Try")[0]


async def test_shipped_briefing_war_cost_is_not_given(engine: Engine) -> None:
    answer = await ask(engine, "how much has the war cost")
    assert answer.title == "The article doesn't say how much it cost"


async def test_shipped_briefing_deal_and_neighbourhood(engine: Engine) -> None:
    why = await ask(engine, "why the deal?")
    assert why.title == "Why, according to the article"
    assert "refugees" in body(why) and "Russia" in body(why)
    neighbours = await ask(engine, "what about Turkey's neighbourhood")
    assert "Zero Problems" in body(neighbours)


@pytest.mark.parametrize(
    "question", ["what does the US want?", "what is the U.S. stance", "US position"]
)
async def test_shipped_briefing_us_is_the_united_states(engine: Engine, question: str) -> None:
    # "US" folds to the stopword "us": the answer must still be about the United States.
    answer = await ask(engine, question)
    assert answer.sections, answer.summary
    assert answer.sections[0].heading.startswith("United States"), answer.sections[0].heading


async def test_shipped_briefing_mentions_in_a_question_are_not_words(engine: Engine) -> None:
    # Discord's <@123> used to read as the number 123: "The briefing doesn't mention 123."
    answer = await ask(engine, "<@123> <@&55> @everyone <!channel> how many refugees?")
    assert answer.title == "Q: <@123> <@&55> @everyone <!channel> how many refugees?"
    assert "123" not in answer.summary
    assert "4 million" in body(answer)


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("how much oil does syria export", "The article doesn't say how much"),
        ("how many tanks does turkey have", "The article doesn't say how many"),
    ],
)
async def test_shipped_briefing_a_missing_number_is_asked_back_in_the_users_words(
    engine: Engine, question: str, title: str
) -> None:
    answer = await ask(engine, question)
    assert answer.title == title


async def test_shipped_briefing_words_in_markup_are_still_searched(engine: Engine) -> None:
    answer = await ask(engine, "how many `refugees` **really**?")
    assert "4 million" in body(answer)
