"""The engine: parsing text commands, running them, resolution and autocomplete."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app.composition import build_engine
from bot.commands.calls import Context, Invocation
from bot.commands.engine import Engine
from bot.commands.registry import CommandRegistry, OptionKind
from bot.core.answers import Action, ActionKind, Answer, Tone

CTX = Context(platform="test", channel_id="C1")


def text_of(answer: Answer) -> str:
    parts = [answer.title, answer.summary, answer.footer or ""]
    for section in answer.sections:
        parts += [section.heading, section.text, *(i.text for i in section.items)]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("line", "command", "args"),
    [
        ("actor russia", "actor", {"name": "russia"}),
        ("/actor  united states", "actor", {"name": "united states"}),
        ("compare turkey syria", "compare", {"first": "turkey", "second": "syria"}),
        ("compare turkey vs syria", "compare", {"first": "turkey", "second": "syria"}),
        ("compare united states turkey", "compare", {"first": "united states", "second": "turkey"}),
        (
            "compare the assad regime, russia",
            "compare",
            {"first": "the assad regime", "second": "russia"},
        ),
        ("ask why does Russia support this?", "ask", {"question": "why does Russia support this?"}),
        (
            "actors --briefing turkey-syria-rapprochement",
            "actors",
            {"briefing": "turkey-syria-rapprochement"},
        ),
        (
            "timeline briefing=turkey-syria-rapprochement",
            "timeline",
            {"briefing": "turkey-syria-rapprochement"},
        ),
        ("", "brief", {}),
        ("/", "brief", {}),
        ("Russia", "actor", {"name": "Russia"}),
        ("help compare", "help", {"command": "compare"}),
    ],
)
def test_parse(engine: Engine, line: str, command: str, args: dict[str, str]) -> None:
    inv = engine.parse(line, CTX)
    assert inv.command == command
    assert dict(inv.args) == args


async def test_typo_in_command_suggests_the_command(engine: Engine) -> None:
    answer = await engine.execute_text("actr russia", CTX)
    assert answer.tone is Tone.ERROR and answer.private
    assert "Did you mean “actor”" in answer.summary


async def test_unknown_command_gets_help(engine: Engine) -> None:
    answer = await engine.execute_text("xyzzy plugh", CTX)
    assert answer.title == "Briefbot help"
    assert "“xyzzy plugh” is not a command" in answer.summary
    assert "compare first second" in text_of(answer)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("russia", "Russia"),
        ("MOSCOW", "Russia"),
        ("Putin", "Russia"),
        ("Erdoğan", "Turkey"),
        ("erdogan", "Turkey"),
        ("Ankara", "Turkey"),
        ("the Assad regime", "Syria"),
        ("damascus", "Syria"),
        ("USA", "United States"),
        ("Washington", "United States"),
        ("SDF", "Syrian Democratic Forces"),
        ("syrian democratic forces", "Syrian Democratic Forces"),
        ("Kurds", "Kurdish militants"),
        ("SNC", "Syrian opposition"),
        ("Tehran", "Iran"),
    ],
)
async def test_actor_resolution(engine: Engine, name: str, expected: str) -> None:
    answer = await engine.execute(Invocation("actor", {"name": name}, CTX))
    assert answer.tone is Tone.INFO, answer.summary
    assert answer.title.startswith(expected)
    assert answer.citations, "an actor card shows its evidence"


@pytest.mark.parametrize(
    ("typo", "suggested"), [("russa", "Russia"), ("Tukrey", "Turkey"), ("Irn", "Iran")]
)
async def test_typo_gets_did_you_mean(engine: Engine, typo: str, suggested: str) -> None:
    answer = await engine.execute(Invocation("actor", {"name": typo}, CTX))
    assert answer.tone is Tone.ERROR
    assert "Did you mean" in answer.summary and suggested in answer.summary


async def test_actor_not_in_article_is_said_plainly(engine: Engine) -> None:
    answer = await engine.execute(Invocation("actor", {"name": "China"}, CTX))
    assert answer.tone is Tone.ERROR
    assert "not an actor in this briefing" in answer.summary
    assert "Russia" in text_of(answer)  # the list of actors that are in it


async def test_compare_same_actor_twice(engine: Engine) -> None:
    answer = await engine.execute_text("compare ankara erdogan", CTX)
    assert answer.tone is Tone.ERROR and "both Turkey" in answer.summary


async def test_compare_shows_both_sides(engine: Engine) -> None:
    answer = await engine.execute_text("compare turkey vs syria", CTX)
    assert answer.title == "Turkey vs Syria"
    headings = [s.heading for s in answer.sections]
    assert "Stances" in headings and "Between them" in headings
    assert any(h.startswith("Turkey:") for h in headings) and any(
        h.startswith("Syria:") for h in headings
    )


async def test_unknown_briefing(engine: Engine) -> None:
    answer = await engine.execute_text("actors --briefing turkey-syria-rapprochment", CTX)
    assert answer.tone is Tone.ERROR and "Did you mean turkey-syria-rapprochement" in answer.summary


async def test_missing_required_option(engine: Engine) -> None:
    answer = await engine.execute(Invocation("compare", {"first": "turkey"}, CTX))
    assert answer.tone is Tone.ERROR and "needs second" in answer.summary


async def test_every_command_answers_with_verified_citations(engine: Engine, library) -> None:  # type: ignore[no-untyped-def]
    from bot.core.textnorm import normalise_quote

    loaded = library.get(None)
    paragraphs = [normalise_quote(p) for p in loaded.paragraphs]
    lines = [
        "brief",
        "actors",
        "actor russia",
        "compare turkey syria",
        "timeline",
        "timeline russia",
        "figures",
        "ask why does Russia support this?",
        "sources",
        "help",
        "help compare",
    ]
    for line in lines:
        answer = await engine.execute_text(line, CTX)
        assert answer.tone is Tone.INFO, (line, answer.summary)
        assert answer.title and answer.sections, line
        for c in answer.citations:
            assert normalise_quote(c.quote) in paragraphs[c.paragraph - 1], (line, c)


async def test_ask_finds_russias_motives(engine: Engine) -> None:
    answer = await engine.execute_text("ask why does Russia support this?", CTX)
    assert answer.tone is Tone.INFO
    assert answer.sections[0].heading.startswith("Russia")
    assert "Ukraine" in text_of(answer)


async def test_ask_finds_the_refugee_figure(engine: Engine) -> None:
    answer = await engine.execute_text("ask how many refugees are in Turkey", CTX)
    assert "4 million" in text_of(answer)


@pytest.mark.parametrize(
    "question", ["what is the capital of France?", "who won the 1998 world cup", "?!"]
)
async def test_ask_says_when_nothing_matches(engine: Engine, question: str) -> None:
    answer = await engine.execute_text(f"ask {question}", CTX)
    assert answer.title == "Not in this briefing"
    assert not answer.citations


def test_autocomplete_actors(engine: Engine) -> None:
    assert engine.complete(OptionKind.ACTOR, "erdo")[0].value == "turkey"
    assert engine.complete(OptionKind.ACTOR, "damas")[0].value == "syria"
    assert engine.complete(OptionKind.ACTOR, "Erdoğ")[0].value == "turkey"
    everyone = engine.complete(OptionKind.ACTOR, "")
    assert 7 <= len(everyone) <= 25
    assert all(len(c.label) <= 100 and len(c.value) <= 100 for c in everyone)


def test_autocomplete_timezones(engine: Engine) -> None:
    zones = engine.complete(OptionKind.TIMEZONE, "istan")
    assert zones[0].value == "Europe/Istanbul"
    assert len(engine.complete(OptionKind.TIMEZONE, "")) == 25


async def test_follow_up_actions_run(engine: Engine) -> None:
    card = await engine.execute_text("actor russia", CTX)
    assert {a.kind for a in card.actions} >= {ActionKind.COMPARE, ActionKind.TIMELINE}
    for action in card.actions:
        answer = await engine.execute(engine.action_invocation(action, CTX))
        assert answer.tone is Tone.INFO, (action, answer.summary)
    picked = engine.action_invocation(Action(ActionKind.ACTOR, "x", (card.picker[0].value,)), CTX)
    assert (await engine.execute(picked)).tone is Tone.INFO


async def test_manage_commands_refuse_without_permission(library, caplog) -> None:  # type: ignore[no-untyped-def]
    from bot.core.library import LibraryHolder

    reg = CommandRegistry()
    reg.command("change", "Changes shared state", manage=True)(lambda call: Answer(title="changed"))
    eng = Engine(LibraryHolder(library), registry=reg)
    refused = await eng.execute(Invocation("change", {}, Context(can_manage=False)))
    assert refused.tone is Tone.ERROR and "manage this channel" in refused.summary
    allowed = await eng.execute(Invocation("change", {}, Context(can_manage=True)))
    assert allowed.title == "changed"


async def test_a_bug_in_a_handler_becomes_an_apology(library, caplog) -> None:  # type: ignore[no-untyped-def]
    from bot.core.library import LibraryHolder

    reg = CommandRegistry()

    def broken(call):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    reg.command("broken", "Always fails")(broken)
    eng = Engine(LibraryHolder(library), registry=reg)
    with caplog.at_level(logging.ERROR):
        answer = await eng.execute(Invocation("broken", {}, CTX))
    assert answer.tone is Tone.ERROR and "went wrong" in answer.summary
    assert "boom" not in answer.summary
    assert any("boom" in (r.exc_text or "") or r.exc_info for r in caplog.records)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
async def test_any_text_gets_an_answer(engine: Engine, text: str) -> None:
    answer = await engine.execute_text(text, CTX)
    assert isinstance(answer, Answer) and answer.title
    assert "went wrong" not in answer.summary, text


async def test_cached_answers_follow_a_content_reload(library) -> None:  # type: ignore[no-untyped-def]
    from bot.core.library import Library, LibraryHolder
    from bot.core.loader import load_directory
    from tests.conftest import FIXTURES

    holder = LibraryHolder(library)
    eng = build_engine(holder)
    before = await eng.execute_text("actors", CTX)
    assert before is await eng.execute_text("actors", CTX)  # reused while content is unchanged
    holder.swap(Library.from_loaded(load_directory(FIXTURES / "briefings" / "valid")))
    after = await eng.execute_text("actors", CTX)
    assert after.title != before.title


async def test_a_briefing_with_one_actor_offers_no_comparison(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.core.library import Library, LibraryHolder
    from bot.core.loader import load_directory
    from tests.core.test_loader import TINY, write

    lines = TINY.splitlines()
    # Keep actor alpha without its relation (lines 33-39); drop actor beta (lines 40-49).
    one_actor = [*lines[:32], *lines[49:]]
    write(tmp_path, "\n".join(one_actor).replace("[alpha, beta]", "[alpha]") + "\n")
    eng = build_engine(LibraryHolder(Library.from_loaded(load_directory(tmp_path))))
    answer = await eng.execute_text("actor alpha", CTX)
    assert answer.tone is Tone.INFO, answer.summary
    assert answer.title == "Alpha — For the deal"
    assert ActionKind.COMPARE not in {a.kind for a in answer.actions}


async def test_compare_with_a_dangling_separator_asks_for_the_second_actor(engine: Engine) -> None:
    answer = await engine.execute_text("compare turkey vs", CTX)
    assert answer.tone is Tone.ERROR and "needs second" in answer.summary


async def test_a_blank_required_option_is_missing_not_an_unknown_actor(engine: Engine) -> None:
    answer = await engine.execute(Invocation("actor", {"name": "   "}, CTX))
    assert answer.tone is Tone.ERROR and "needs name" in answer.summary


async def test_counts_read_naturally(library) -> None:  # type: ignore[no-untyped-def]
    from bot.core.library import Library, LibraryHolder
    from bot.core.loader import load_directory
    from tests.conftest import FIXTURES

    eng = build_engine(
        LibraryHolder(Library.from_loaded(load_directory(FIXTURES / "briefings" / "valid")))
    )
    actors = await eng.execute_text("actors", CTX)
    assert actors.summary.startswith("3 actors.")
    assert "1 actors" not in text_of(await eng.execute_text("timeline", CTX))


# -- odd input a user types (audit) -----------------------------------------------------------


@pytest.mark.parametrize(
    "line", ["compare turkey syria russia", "compare turkey vs syria vs russia"]
)
async def test_compare_with_three_actors_says_it_takes_two(engine: Engine, line: str) -> None:
    answer = await engine.execute_text(line, CTX)
    assert answer.tone is Tone.ERROR
    assert answer.summary == "“compare” takes two actors; you named 3: Turkey, Syria and Russia."
    assert "compare turkey vs syria" in text_of(answer)


async def test_compare_with_a_leading_separator_asks_for_the_first_actor(engine: Engine) -> None:
    answer = await engine.execute_text("compare vs syria", CTX)
    assert answer.tone is Tone.ERROR and "needs first" in answer.summary


async def test_an_unknown_option_is_named_not_read_as_an_actor(engine: Engine) -> None:
    answer = await engine.execute_text("timeline --since 2022", CTX)
    assert answer.tone is Tone.ERROR
    assert answer.summary == "“timeline” has no option “--since”."
    assert "Usage: timeline [actor] [briefing]" in text_of(answer)


@pytest.mark.parametrize("line", ["actor russia --briefing", "actor russia --briefing="])
async def test_an_option_without_its_value_says_so(engine: Engine, line: str) -> None:
    answer = await engine.execute_text(line, CTX)
    assert answer.tone is Tone.ERROR
    assert answer.summary == "--briefing needs a value after it, e.g. --briefing ID."


async def test_help_for_a_mistyped_command_suggests_the_command(engine: Engine) -> None:
    answer = await engine.execute_text("help actr", CTX)
    assert answer.summary.startswith("“actr” is not a command. Did you mean “actor”")


@pytest.mark.parametrize("line", ["help digest", "digest", "help briefing", "briefing"])
async def test_help_for_a_group_lists_its_commands_first(engine: Engine, line: str) -> None:
    group = line.split()[-1]
    answer = await engine.execute_text(line, CTX)
    assert answer.title == f"Help — {group}"
    assert answer.sections[0].heading == f"{group.capitalize()} commands"
    assert all(i.text.startswith(f"{group} ") for i in answer.sections[0].items)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Erdoğan’s", "Turkey"),
        ("erdogan's", "Turkey"),
        ("Russian", "Russia"),
        ("the Russians", "Russia"),
        ("Turkish", "Turkey"),
        ("Americans", "United States"),
    ],
)
async def test_a_possessive_or_a_countrys_other_name_finds_the_actor(
    engine: Engine, name: str, title: str
) -> None:
    answer = await engine.execute(Invocation("actor", {"name": name}, CTX))
    assert answer.tone is Tone.INFO, answer.summary
    assert answer.title.startswith(f"{title} — ")


async def test_a_country_the_briefing_does_not_have_is_still_not_an_actor(engine: Engine) -> None:
    answer = await engine.execute(Invocation("actor", {"name": "Israeli"}, CTX))
    assert answer.tone is Tone.ERROR and "Israeli" in answer.summary


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("timeline united states", "Timeline — United States"),
        ("timeline the assad regime turkey-syria-rapprochement", "Timeline — Syria"),
        ("actor russia turkey-syria-rapprochement", "Russia — Facilitating"),
    ],
)
async def test_a_name_of_several_words_and_a_trailing_briefing_id_are_read_as_typed(
    engine: Engine, line: str, title: str
) -> None:
    # "timeline united states" used to answer "No briefing “states”".
    answer = await engine.execute_text(line, CTX)
    assert answer.tone is Tone.INFO, answer.summary
    assert answer.title == title


@pytest.mark.parametrize(
    ("line", "summary"),
    [
        ("timeline turkey syria", "“timeline” takes one actor; you named 2: Turkey and Syria."),
        (
            "actor turkey russia iran",
            "“actor” takes one actor; you named 3: Turkey, Russia and Iran.",
        ),
    ],
)
async def test_two_actors_for_a_one_actor_command_says_so_and_offers_compare(
    engine: Engine, line: str, summary: str
) -> None:
    answer = await engine.execute_text(line, CTX)
    assert answer.tone is Tone.ERROR and answer.summary == summary
    assert "compare turkey vs" in text_of(answer)


async def test_a_very_long_unknown_line_is_not_a_command_not_an_option_too_long(
    engine: Engine,
) -> None:
    answer = await engine.execute_text("x" * 5000, CTX)
    assert answer.tone is Tone.ERROR
    assert answer.summary == f"“{'x' * 60}…” is not a command."
