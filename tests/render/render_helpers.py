"""Shared pieces of the renderer tests: answer strategies, text normalisation, the Discord spec."""

from __future__ import annotations

import json
import os
import random
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.core.answers import Action, ActionKind, Answer, Choice, Citation, Item, Section, Tone

DISCORD_SPEC = Path(__file__).resolve().parent.parent / "specs" / "discord-openapi.json"

# Sized so the suite stays fast (~10 s here); BRIEFBOT_RENDER_EXAMPLES=2000 runs a deep search.
settings.register_profile(
    "render",
    max_examples=int(os.environ.get("BRIEFBOT_RENDER_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RENDER = settings.get_profile("render")

NASTY = [
    "@everyone",
    "@here",
    "@EVERYONE look",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<@123456789012345678>",
    "<@!42>",
    "<@&42>",
    "<#99>",
    "</ask:1>",
    "<t:1700000000:R>",
    "`code`",
    "```block```",
    "**bold** __u__ ~~s~~ ||spoiler||",
    "[masked](https://evil.example)",
    "https://example.com/a_b*c",
    "a|b|c",
    "> quote",
    "# heading",
    "-# small",
    "&amp; &lt; &gt; & < >",
    "\\",
    "Ελληνικά 中文 العربية 🚀👍🏽",
    "\u200b\u200d",
    "\x1b[31mred\x1b[0m",
    "...",
    "…",
    "Dr. No. Yes! Really? “Quoted.” ",
]
SENTENCE = "Turkey wants to secure its interests by rebuilding its relationship with Damascus. "
HUGE = [
    SENTENCE * 120,  # ~10k characters of ordinary sentences
    "word " * 2000,  # one 10k sentence: split at words
    "x" * 10_000,  # one 10k word: split at characters
    ("@everyone <!channel> <@U123> `x` | " * 300),
]

small_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(NASTY),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=12)), max_size=8).map(" ".join),
)
any_text = st.one_of(small_text, small_text, small_text, st.sampled_from(HUGE))
slug = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-|%", min_size=1, max_size=12)

# Characters for bulk random text: ASCII (markdown and mention syntax included), whitespace,
# controls, accents, CJK, right-to-left, emoji and joiners.
_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,;:!?'\"()[]{}<>@#&|*_~`\\/-+=%$^ "
    "\n\t\r\x00\x1b\x7f éüñçœ ÅΩЖ 中文字 العربية \u200b\u200d\u202e 🚀👍🏽 …“”’"
)


def _random_text(rnd: random.Random) -> str:
    """Bulk text for the many items of a large answer (much faster to make than drawing each)."""
    if rnd.random() < 0.3:
        return " ".join(rnd.choices(NASTY, k=rnd.randint(1, 4)))
    return "".join(rnd.choices(_ALPHABET, k=rnd.randint(0, 60)))


@st.composite
def citations(draw: st.DrawFn) -> Citation:
    quote = draw(small_text | st.just(SENTENCE * 60))
    return Citation(quote=quote, paragraph=draw(st.integers(1, 999)))


@st.composite
def actions(draw: st.DrawFn) -> Action:
    return Action(
        kind=draw(st.sampled_from(list(ActionKind))),
        label=draw(small_text | st.just("L" * 200)),
        args=tuple(draw(st.lists(slug | st.sampled_from(["a|b", "100%", "||"]), max_size=3))),
        briefing=draw(st.none() | slug),
    )


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    """Random answers, sometimes oversized: up to 200 sections and 300 items, a few 10k items.

    Hypothesis draws the shape, a few hand-picked items and every other field; the bulk of a
    large answer's items comes from a seeded ``random.Random`` so examples stay fast to make.
    """
    rnd = random.Random(draw(st.integers(0, 2**32)))
    n_sections = draw(st.sampled_from([1, 3, 0, 2, 10, 60, 200]))
    n_items = draw(st.sampled_from([2, 0, 1, 5, 30, 120, 300])) if n_sections else 0
    drawn = draw(st.lists(st.tuples(any_text, st.lists(citations(), max_size=2)), max_size=6))
    pool = [Item(text=t, citations=tuple(c)) for t, c in drawn]
    all_items = [
        pool.pop()
        if pool and rnd.random() < 0.3
        else Item(
            text=_random_text(rnd),
            citations=tuple(
                Citation(_random_text(rnd), rnd.randint(1, 300)) for _ in range(rnd.randint(0, 2))
            ),
        )
        for _ in range(n_items)
    ]
    all_items += pool
    cuts = sorted(rnd.randint(0, len(all_items)) for _ in range(max(n_sections - 1, 0)))
    bounds = list(zip([0, *cuts], [*cuts, len(all_items)], strict=True))
    sections = tuple(
        Section(
            heading=_random_text(rnd) if i else draw(small_text),
            items=tuple(all_items[a:b]),
            text=_random_text(rnd) if i else draw(small_text),
        )
        for i, (a, b) in enumerate(bounds[:n_sections])
    )
    n_choices = draw(st.sampled_from([0, 2, 30, 120]))
    picker = tuple(
        Choice(
            label=_random_text(rnd),
            value=rnd.choice(["v" * 160, "a|b", "", f"actor-{rnd.randint(0, 200)}"]),
            description=_random_text(rnd),
        )
        for _ in range(n_choices)
    )
    return Answer(
        title=draw(small_text | st.sampled_from(["T" * 300, SENTENCE * 30])),
        summary=draw(any_text),
        sections=sections,
        link=draw(st.none() | st.just("https://example.com/article?a=1&b=2") | small_text),
        footer=draw(st.none() | small_text | st.just("F" * 3000)),
        actions=tuple(draw(st.lists(actions(), max_size=30))),
        picker=picker,
        picker_kind=draw(st.none() | st.sampled_from(list(ActionKind))),
        picker_briefing=draw(st.none() | slug),
        tone=draw(st.sampled_from(list(Tone))),
        private=draw(st.booleans()),
    )


def squeeze(text: str) -> str:
    """Text with whitespace, control characters, zero-width spaces and "…" removed.

    Renderers may re-flow whitespace and add "…" at cuts; every other character must survive.
    """
    return "".join(
        ch
        for ch in text
        if not ch.isspace() and ch not in "\u200b…" and unicodedata.category(ch) != "Cc"
    )


def strings(obj: Any) -> list[str]:
    """Every string in a JSON-like structure."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    return []


def all_texts(answer: Answer) -> list[str]:
    """The body texts the renderers must never lose: summary, section texts, items, quotes."""
    texts = [answer.summary]
    for section in answer.sections:
        texts.append(section.text)
        for item in section.items:
            texts.append(item.text)
            texts += [c.quote for c in item.citations]
    return texts


def paragraph_marks(answer: Answer) -> list[str]:
    """``(¶N)`` for every citation: where each quote comes from must be shown."""
    return [f"(¶{c.paragraph})" for c in answer.citations]


@cache
def discord_validator(schema_name: str) -> Draft202012Validator:
    """A validator for one request schema of Discord's OpenAPI spec, with ``$ref``s resolved."""
    spec = json.loads(DISCORD_SPEC.read_text(encoding="utf-8"))
    uri = "urn:discord-openapi"
    registry = Registry().with_resource(
        uri, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{uri}#/components/schemas/{schema_name}"}, registry=registry
    )
