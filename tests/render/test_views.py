"""Compact views: one message per view on every platform, every claim and quote reachable."""

from __future__ import annotations

import asyncio
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.calls import Context
from bot.commands.engine import Engine
from bot.core.answers import Action, ActionKind, Answer, Citation, Item, Section
from bot.render import views
from bot.render.discord import embed_length, to_discord
from bot.render.slack import to_slack, visible_length
from bot.render.text import to_text
from bot.render.view_fit import PIECE
from bot.render.views import FIRST, LEAD, Origin, ViewKind, ViewRef
from tests.render.render_helpers import HUGE, SENTENCE, small_text

CONTEXT = Context(platform="cli", channel_id="cli")
COMMANDS = ["brief", "actor turkey", "compare turkey syria", "actors", "sources"]
MARKER = re.compile(r"¶\d+")


def run(engine: Engine, text: str) -> tuple[Answer, Origin]:
    answer = asyncio.run(engine.execute_text(text, CONTEXT))
    invocation = engine.parse(text, CONTEXT)
    return answer, Origin.of(invocation.command, invocation.args)


def assert_compact(view: Answer) -> None:
    """The bounds a user sees: 35 lines of 80 columns, one embed ≤ 2,500, one Slack message."""
    lines = to_text(view, width=80).splitlines()
    assert len(lines) <= 35, "\n".join(lines)
    assert all(len(line) <= 80 for line in lines)
    discord = to_discord(view)
    assert len(discord) == 1 and len(discord[0]["embeds"]) == 1
    assert embed_length(discord[0]["embeds"][0]) <= 2500
    slack = to_slack(view)
    assert len(slack) == 1
    assert len(slack[0]["blocks"]) <= 14  # one left for the adapter's Share button
    assert visible_length(slack[0]) <= 2500


def walk(answer: Answer, origin: Origin | None) -> dict[ViewRef, Answer]:
    """Every view reachable from the first one through its controls."""
    seen: dict[ViewRef, Answer] = {}
    todo = [FIRST]
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen[ref] = shown = views.view(answer, ref, origin)
        for action in shown.actions:
            if action.kind is ActionKind.VIEW:
                target, back = views.view_target(action)
                assert back == origin
                todo.append(target)
    return seen


def reached(seen: dict[ViewRef, Answer]) -> tuple[str, set[tuple[str, int]]]:
    """All claim text shown (joined) and every quote shown in a quotes view."""
    texts: list[str] = []
    quotes: set[tuple[str, int]] = set()
    for shown in seen.values():
        for section in shown.sections:
            texts.append(section.text)
            for item in section.items:
                texts.append(item.text)
                if shown.quotes:
                    quotes |= {(c.quote, c.paragraph) for c in item.citations}
    return " ".join(" ".join(texts).split()), quotes


def assert_everything_reachable(answer: Answer, seen: dict[ViewRef, Answer]) -> None:
    text, quotes = reached(seen)
    for section in answer.sections:
        for item in section.items:
            opening = " ".join(item.text.split())[:40]
            assert opening in text, item.text[:80]
    whole_quotes: set[tuple[str, int]] = set()
    for section in answer.sections:
        for item in section.items:
            whole_quotes |= {(c.quote, c.paragraph) for c in item.citations}
    long_ones = {q for q in whole_quotes if len(q[0]) > PIECE}
    assert whole_quotes - long_ones <= quotes
    for quote, paragraph in long_ones:  # shown in pieces
        assert any(q.startswith(quote[:40]) and p == paragraph for q, p in quotes)


@pytest.mark.parametrize("command", COMMANDS)
def test_first_view_of_the_shipped_briefing_is_compact_and_cites_by_marker(
    engine: Engine, command: str
) -> None:
    answer, origin = run(engine, command)
    first = views.first_view(answer, origin)
    assert_compact(first)
    text = to_text(first, width=80)
    assert "“" not in text.replace(answer.summary, "")  # quotes are one click away, not here
    for section in first.sections:
        for item in section.items:
            if item.citations:
                assert MARKER.search(views_text(first, item)), item.text
    labels = [a.label for a in first.actions if a.kind is ActionKind.VIEW]
    assert views.QUOTES in labels
    assert "Showing" in (first.footer or "")


def views_text(view: Answer, item: Item) -> str:
    """The rendered line(s) of ``item`` in the text view."""
    text = to_text(view, width=1000)
    start = text.index(" ".join(item.text.split())[:30])
    return text[start : text.index("\n", start)]


@pytest.mark.parametrize("command", [*COMMANDS, "timeline", "figures", "map", "help"])
def test_every_claim_and_quote_of_the_full_answer_is_reachable(
    engine: Engine, command: str
) -> None:
    answer, origin = run(engine, command)
    seen = walk(answer, origin)
    for shown in seen.values():
        assert_compact(shown)
    assert_everything_reachable(answer, seen)


def test_section_pages_walk_on_into_the_next_section_and_back(engine: Engine) -> None:
    answer, origin = run(engine, "actor turkey")
    first = views.first_view(answer, origin)
    interests = next(a for a in first.actions if a.label.startswith("Interests"))
    ref, _ = views.view_target(interests)
    page = views.view(answer, ref, origin)
    assert page.sections[0].heading.startswith("Interests")
    nxt = next(a for a in page.actions if a.label == views.NEXT)
    after = views.view(answer, views.view_target(nxt)[0], origin)
    assert not after.sections[0].heading.startswith("Interests")
    prev = next(a for a in after.actions if a.label == views.PREV)
    assert views.view_target(prev)[0] == ViewRef(ViewKind.SECTION, ref.section, ref.page)
    quotes = next(a for a in page.actions if a.label == views.QUOTES)
    quoted = views.view(answer, views.view_target(quotes)[0], origin)
    assert quoted.quotes and "“" in to_text(quoted, width=80)


def test_a_view_of_a_part_that_is_gone_shows_the_first_view_and_says_so(engine: Engine) -> None:
    answer, origin = run(engine, "actor turkey")
    gone = views.view(answer, ViewRef(ViewKind.SECTION, 40, 0), origin)
    assert views.CHANGED in (gone.footer or "")
    assert gone.sections == views.first_view(answer, origin).sections


def test_without_an_origin_there_are_no_view_controls(engine: Engine) -> None:
    answer, _ = run(engine, "brief")
    first = views.first_view(answer, None)
    assert not [a for a in first.actions if a.kind is ActionKind.VIEW]
    assert_compact(first)


def test_a_short_answer_is_shown_whole_with_its_quotes_one_click_away(engine: Engine) -> None:
    answer, origin = run(engine, "figures")
    first = views.first_view(answer, origin)
    assert sum(len(s.items) for s in first.sections) == sum(len(s.items) for s in answer.sections)
    assert [a.label for a in first.actions if a.kind is ActionKind.VIEW] == [views.QUOTES]


# -- codes ------------------------------------------------------------------------------------

refs = st.one_of(
    st.just(FIRST),
    st.builds(ViewRef, st.just(ViewKind.SECTION), st.integers(0, 999), st.integers(0, 999)),
    st.builds(ViewRef, st.just(ViewKind.QUOTES), st.integers(-1, 999), st.integers(0, 999)),
)


@given(refs)
def test_view_codes_round_trip(ref: ViewRef) -> None:
    assert ViewRef.parse(ref.code()) == ref


@given(st.text(max_size=8))
def test_anything_else_is_not_a_view_code(code: str) -> None:
    try:
        ref = ViewRef.parse(code)
    except ValueError:
        return
    assert ref.code() == code


@given(
    refs,
    st.text(min_size=1, max_size=20),
    st.dictionaries(
        st.text("abcdefghij_", min_size=1, max_size=8), st.text(max_size=30), max_size=3
    ),
    st.none() | st.text("abc-|%", min_size=1, max_size=10),
)
def test_view_actions_round_trip_through_their_ids(
    ref: ViewRef, command: str, args: dict[str, str], briefing: str | None
) -> None:
    from bot.render.actions import decode_action, encode_action

    args.pop("briefing", None)
    origin = Origin(command, tuple(args.items()), briefing)
    action = views.view_action("Open", ref, origin)
    decoded = decode_action(encode_action(action, limit=2000), limit=2000)
    assert views.view_target(decoded) == (ref, origin)


# -- any content ------------------------------------------------------------------------------

texts = st.one_of(small_text, small_text, small_text, st.sampled_from([*HUGE, SENTENCE * 9]))


@st.composite
def items(draw: st.DrawFn) -> Item:
    quotes = draw(st.lists(st.tuples(texts, st.integers(1, 999)), max_size=3))
    return Item(draw(texts), tuple(Citation(q, p) for q, p in quotes))


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    sections = draw(
        st.lists(
            st.builds(
                Section,
                small_text | st.just("H" * 300),
                st.lists(items(), max_size=6).map(tuple),
                small_text | st.sampled_from(["", SENTENCE * 20]),
            ),
            max_size=8,
        )
    )
    return Answer(
        title=draw(small_text | st.just(SENTENCE * 10)),
        summary=draw(texts),
        sections=tuple(sections),
        footer=draw(st.none() | small_text | st.just("F" * 3000)),
        actions=tuple(
            Action(ActionKind.ACTOR, draw(small_text), (f"a{n}",))
            for n in range(draw(st.integers(0, 9)))
        ),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers(), st.sampled_from([None, Origin("actor", (("name", "turkey"),), "b-1")]))
def test_any_answer_opens_compact_and_keeps_everything_reachable(
    answer: Answer, origin: Origin | None
) -> None:
    first = views.first_view(answer, origin)
    assert_compact(first)
    if origin is None:
        return
    seen = walk(answer, origin)
    for shown in seen.values():
        assert_compact(shown)
    assert_everything_reachable(answer, seen)
    assert LEAD == -1


def test_a_page_is_measured_with_the_buttons_it_shows() -> None:
    """Found by hypothesis: pages were measured with every control naming the first view, and
    Slack keeps one of several buttons naming the same view, so the page measured had fewer
    buttons than the page shown (a Slack view of 2,502 characters)."""
    pattern = "@everyone <!channel> <@U123> `x` | "
    claim = Item(pattern * 60, (Citation("", 1),))
    answer = Answer(
        "@everyone @everyone @everyone https://example.com/a_b*c https://example.com/a_b*c",
        sections=(Section("H" * 300, (claim,)), Section("Other", (Item("x"),))),
        quotes=True,
    )
    seen = walk(answer, Origin("actor", (("name", "turkey"),), "b-1"))
    assert len(seen) > 3
    for shown in seen.values():
        assert_compact(shown)
    assert_everything_reachable(answer, seen)


def test_a_listing_counts_entries_and_a_part_shows_its_count_once() -> None:
    """Found using the bot: `digest list` said "Showing 12 of 24 claims" of subscriptions, and
    the map's buttons read "Opposed (2) (2)"."""
    listing = Answer(
        "Digests",
        sections=tuple(
            Section(f"#chan-{n} (6)", tuple(Item(f"digest {n}.{k}") for k in range(6)))
            for n in range(4)
        ),
    )
    first = views.first_view(listing, Origin("digest", (), None))
    assert "Showing" in (first.footer or "") and "claims" not in (first.footer or "")
    labels = [a.label for a in first.actions if a.kind is ActionKind.VIEW]
    assert "#chan-1 (6)" in labels and not any("(6) (6)" in label for label in labels)

    cited = Answer(
        "Turkey",
        sections=tuple(
            Section(f"Part {n}", tuple(Item(SENTENCE, (Citation("q", 1),)) for _ in range(6)))
            for n in range(4)
        ),
    )
    assert "claims" in (views.first_view(cited, None).footer or "")
