"""The ``ask`` command: a question in, the briefing's cited claims out — or an honest "no".

``bot.core.ask`` reads the question against the briefing; this module turns its ``Reply`` into
an ``Answer`` whose title and summary say plainly what kind of answer it is ("The briefing
doesn't mention Israel.", "The article doesn't say how much it cost"), with the most important
section first and every claim carrying the sentence it rests on.
"""

from __future__ import annotations

import re

from bot.commands.calls import Call
from bot.commands.message_context import LINK_OR_MENTION
from bot.commands.registry import CommandRegistry, OptionKind, OptionSpec
from bot.core.answers import Action, ActionKind, Answer, Item, Section
from bot.core.ask.asker import Asker, Reply, ReplyKind
from bot.core.ask.facts import SAYS, Fact
from bot.core.ask.story import Story
from bot.core.loader import LoadedBriefing
from bot.core.retrieval import Passage

BRIEFING = OptionSpec(
    "briefing", "Which briefing (default: the newest)", OptionKind.BRIEFING, required=False
)

_HOW = re.compile(r"\bhow (many|much|big|large)\b")

#: The ``ask`` command; ``register`` adds it to the application's registry.
commands = CommandRegistry()


def register(registry: CommandRegistry) -> None:
    """Add the ``ask`` command to ``registry``."""
    registry.include(commands)


#: Askers are built once per loaded briefing version (content reloads make new ones).
_askers: dict[str, Asker] = {}

STORY_TITLES: dict[Story, tuple[str, str]] = {
    Story.WHY: (
        "Why, according to the article",
        "The drivers the briefing draws from the article, each with its sentence.",
    ),
    Story.WHY_NOW: (
        "Why now, according to the article",
        "The drivers the briefing draws from the article, and its latest dates.",
    ),
    Story.NEXT: (
        "What comes next, according to the article",
        "The article's outlook and what the briefing says to watch.",
    ),
    Story.AGAINST: (
        "Who is against it",
        "The actors the briefing records as against it, and the obstacles it names.",
    ),
    Story.FOR: (
        "Who is for it",
        "The actors the briefing records as driving or supporting it.",
    ),
    Story.OBSTACLES: (
        "What stands in the way",
        "The obstacles the briefing names, and the constraints on those pushing for it.",
    ),
    Story.WHO: ("Who is involved", "Every actor of the briefing and where each stands."),
    Story.OVERVIEW: ("", "The briefing at a glance."),
}


def asker_for(loaded: LoadedBriefing) -> Asker:
    """The asker of this briefing version (built on first use)."""
    asker = _askers.get(loaded.fingerprint)
    if asker is None:
        if len(_askers) > 16:
            _askers.clear()
        asker = _askers[loaded.fingerprint] = Asker(loaded.briefing)
    return asker


@commands.command(
    "ask",
    "Ask a question; get the briefing's best-matching cited claims (search, not an AI)",
    options=(
        OptionSpec(
            "question",
            "Your question, e.g. why does Russia support this?",
            greedy=True,
            max_length=500,
        ),
        BRIEFING,
    ),
    examples=(
        "ask why does Russia support this?",
        "ask how many refugees are in Turkey",
        "ask who is against it?",
    ),
    cacheable=True,
)
def ask(call: Call) -> Answer:
    loaded = call.library.get(call.arg("briefing"))
    question = call.arg("question") or ""
    # Mentions and links are not words to search: "<@123> refugees" is "refugees".
    # The title still shows the question as typed (each renderer makes it safe).
    words = " ".join(LINK_OR_MENTION.sub(" ", question).split()) or question
    return answer(asker_for(loaded).ask(words), question, loaded)


def answer(reply: Reply, question: str, loaded: LoadedBriefing) -> Answer:
    """The answer a user sees for ``reply``."""
    b = loaded.briefing
    names = {a.id: a.name for a in b.actors}
    notes = _notes(reply)
    actor_ids = list(reply.actors)
    sections: list[Section] = []
    if reply.kind is ReplyKind.NOT_MENTIONED:
        missing = _or(list(reply.missing))
        title = "Not in this briefing"
        summary = f"The briefing doesn't mention {missing}."
        if reply.hits:
            about = _and([names[a] for a in reply.actors])
            sections.append(
                Section(
                    f"What it says about {about} (not about {missing})",
                    tuple(_item(h.passage, names) for h in reply.hits),
                )
            )
        sections.append(_try(loaded))
    elif reply.kind is ReplyKind.NOT_SAID and reply.fact is not None:
        what, noun = SAYS[reply.fact]
        if reply.fact is Fact.COUNT and (how := _HOW.search(question.lower())):
            what = how.group()  # "how much oil …" is not answered by "how many"
        title = f"The article doesn't say {what}"
        summary = f"No claim or figure in the briefing gives {noun} for this."
        if reply.hits:
            summary += " The claims below are related, not the answer."
            sections.append(
                Section(
                    "Related, not the answer",
                    tuple(_item(h.passage, names) for h in reply.hits),
                )
            )
    elif reply.kind is ReplyKind.STORY and reply.story is not None:
        title, summary = STORY_TITLES[reply.story]
        title = title or b.title
        for part in reply.sections:
            sections.append(Section(part.heading, tuple(_item(p, names) for p in part.passages)))
            if reply.story in (Story.AGAINST, Story.FOR):
                actor_ids += [p.actor_id for p in part.passages if p.actor_id]
    elif reply.kind is ReplyKind.FOUND:
        title = f"Q: {question}"
        summary = (
            "The briefing's best-matching claims, each with the sentence it rests on "
            "(keyword search over the briefing, not generated text)."
        )
        by_label: dict[str, list[Item]] = {}
        for hit in reply.hits:
            by_label.setdefault(hit.passage.label, []).append(
                Item(hit.passage.text, hit.passage.citations)
            )
        sections = [Section(label, tuple(items)) for label, items in by_label.items()]
    else:
        title = "Not in this briefing"
        summary = (
            f"Nothing in “{b.title}” answers that. The briefing only covers what the article says."
        )
        sections.append(_try(loaded))
    if notes:
        summary = f"{notes} {summary}"
    actions = tuple(
        Action(ActionKind.ACTOR, f"More on {names[a]}", (a,), b.id)
        for a in dict.fromkeys(actor_ids)
    )[:3]
    return Answer(
        title=title,
        summary=summary,
        sections=tuple(sections),
        link=b.source.url,
        footer=_source_line(loaded),
        actions=actions,
    )


def _notes(reply: Reply) -> str:
    notes = [f"Reading “{typed}” as {meant}." for typed, meant in reply.corrections]
    notes += [
        f"“{typed}” could mean {_or(list(actors))}: both are shown; name one to narrow it."
        if len(actors) == 2
        else f"“{typed}” could mean {_or(list(actors))}: all are shown; name one to narrow it."
        for typed, actors in reply.ambiguous
    ]
    return " ".join(notes)


def _item(passage: Passage, names: dict[str, str]) -> Item:
    if passage.kind == "stance" and passage.actor_id:
        return Item(f"{names[passage.actor_id]} — {passage.text}", passage.citations)
    if passage.actor_id:
        return Item(f"{names[passage.actor_id]}: {passage.text}", passage.citations)
    return Item(passage.text, passage.citations)


def _try(loaded: LoadedBriefing) -> Section:
    actors = loaded.briefing.actors
    # Named from this briefing: another article has other actors.
    return Section(
        "Try",
        text=f"Ask about an actor ({', '.join(a.name for a in actors[:3])}"
        + ("…" if len(actors) > 3 else "")
        + "), a figure or a date — or use actors / timeline / figures.",
    )


def _source_line(loaded: LoadedBriefing) -> str:
    src = loaded.briefing.source
    when = src.published or "publication date not stated"
    return f"Source: {src.title} — {src.author}, {src.publisher} ({when})"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
