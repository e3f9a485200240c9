"""The briefing commands: overview, actors, comparison, timeline, figures, ask, sources, help.

Each handler turns the loaded briefing into a neutral ``Answer``; none knows about platforms.
"""

from __future__ import annotations

from bot.commands.calls import Call
from bot.commands.registry import CommandRegistry, OptionKind, OptionSpec
from bot.core.answers import Action, ActionKind, Answer, Choice, Item, Section, cites
from bot.core.briefing import Actor, Claim
from bot.core.errors import UserFacingError
from bot.core.loader import LoadedBriefing

BRIEFING = OptionSpec(
    "briefing", "Which briefing (default: the newest)", OptionKind.BRIEFING, required=False
)

#: The briefing commands; ``register`` adds them to the application's registry.
commands = CommandRegistry()


def register(registry: CommandRegistry) -> None:
    """Add the briefing commands (brief, actor, actors, compare, …, help) to ``registry``."""
    registry.include(commands)


def claim_item(claim: Claim) -> Item:
    return Item(claim.text, cites(claim.evidence))


def _loaded(call: Call) -> LoadedBriefing:
    return call.library.get(call.arg("briefing"))


def _actor(call: Call, loaded: LoadedBriefing, name: str) -> Actor:
    return call.library.resolve_actor(loaded, name)


def _actor_picker(loaded: LoadedBriefing, *, exclude: str | None = None) -> tuple[Choice, ...]:
    return tuple(
        Choice(a.name, a.id, a.stance.label) for a in loaded.briefing.actors if a.id != exclude
    )[:25]


def _source_line(loaded: LoadedBriefing) -> str:
    src = loaded.briefing.source
    when = src.published or "publication date not stated"
    return f"Source: {src.title} — {src.author}, {src.publisher} ({when})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


@commands.command(
    "brief",
    "The briefing at a glance: summary, key points, actors and what to watch",
    options=(BRIEFING,),
    examples=("brief",),
    cacheable=True,
)
def brief(call: Call) -> Answer:
    loaded = _loaded(call)
    b = loaded.briefing
    bid = b.id
    actors = Section(
        "Actors",
        tuple(Item(f"{a.name} — {a.stance.label}", cites(a.stance.evidence)) for a in b.actors),
    )
    return Answer(
        title=b.title,
        summary=b.question,
        sections=(
            Section("Summary", (claim_item(b.summary),)),
            Section("Key points", tuple(claim_item(c) for c in b.key_points)),
            actors,
            Section("What to watch", tuple(claim_item(c) for c in b.watch)),
        ),
        link=b.source.url,
        footer=_source_line(loaded),
        actions=(
            Action(ActionKind.TIMELINE, "Timeline", briefing=bid),
            Action(ActionKind.SOURCES, "Sources", briefing=bid),
        ),
        picker=_actor_picker(loaded),
        picker_kind=ActionKind.ACTOR,
        picker_briefing=bid,
    )


@commands.command(
    "actor",
    "One actor: stance, interests, constraints, actions, relations",
    options=(
        OptionSpec(
            "name", "Actor name or alias (e.g. Russia, Ankara, SDF)", OptionKind.ACTOR, greedy=True
        ),
        BRIEFING,
    ),
    examples=("actor russia", "actor erdogan"),
    cacheable=True,
)
def actor(call: Call) -> Answer:
    loaded = _loaded(call)
    a = _actor(call, loaded, call.arg("name") or "")
    b = loaded.briefing
    names = {x.id: x.name for x in b.actors}
    sections = [
        Section(
            "Stance", (Item(f"{a.stance.label}: {a.stance.explanation}", cites(a.stance.evidence)),)
        ),
        Section("Interests", tuple(claim_item(c) for c in a.interests)),
        Section("Constraints", tuple(claim_item(c) for c in a.constraints)),
        Section("Actions", tuple(claim_item(c) for c in a.actions)),
        Section(
            "Relations",
            tuple(
                Item(f"{names.get(r.actor, r.actor)} ({r.kind}): {r.text}", cites(r.evidence))
                for r in a.relations
            ),
        ),
        Section("What the article leaves unknown", tuple(Item(u) for u in a.unknowns)),
    ]
    # Compare with the first related actor, else the first other one (none in a one-actor briefing).
    others = [r.actor for r in a.relations] + [x.id for x in b.actors]
    partner = next((other for other in others if other != a.id), None)
    compare = (
        (Action(ActionKind.COMPARE, f"Compare with {names[partner]}", (a.id, partner), b.id),)
        if partner
        else ()
    )
    aliases = ", ".join(a.aliases[:6])
    return Answer(
        title=f"{a.name} — {a.stance.label}",
        summary=a.stance.explanation,
        sections=tuple(s for s in sections if s.items or s.text),
        link=b.source.url,
        footer=f"{a.kind.capitalize()}"
        + (f" · also: {aliases}" if aliases else "")
        + f" · {b.title}",
        actions=(
            *compare,
            Action(ActionKind.TIMELINE, "Timeline", (a.id,), b.id),
            Action(ActionKind.SOURCES, "Sources", (), b.id),
        ),
        picker=_actor_picker(loaded, exclude=a.id),
        picker_kind=ActionKind.ACTOR,
        picker_briefing=b.id,
    )


@commands.command(
    "actors",
    "Every actor in the briefing and where each stands",
    options=(BRIEFING,),
    examples=("actors",),
    cacheable=True,
)
def actors(call: Call) -> Answer:
    loaded = _loaded(call)
    b = loaded.briefing
    items = tuple(
        Item(
            f"{a.name} ({a.kind}) — {a.stance.label}: {a.stance.explanation}",
            cites(a.stance.evidence),
        )
        for a in b.actors
    )
    return Answer(
        title=f"Actors — {b.title}",
        summary=f"{_count(len(b.actors), 'actor')}. "
        "Open one for its interests, constraints and evidence.",
        sections=(Section("Actors", items),),
        link=b.source.url,
        footer=_source_line(loaded),
        picker=_actor_picker(loaded),
        picker_kind=ActionKind.ACTOR,
        picker_briefing=b.id,
    )


@commands.command(
    "compare",
    "Two actors side by side: stances, interests, constraints and how they relate",
    options=(
        OptionSpec("first", "First actor", OptionKind.ACTOR),
        OptionSpec("second", "Second actor", OptionKind.ACTOR),
        BRIEFING,
    ),
    examples=("compare turkey syria", "compare united states vs russia"),
    cacheable=True,
)
def compare(call: Call) -> Answer:
    loaded = _loaded(call)
    a = _actor(call, loaded, call.arg("first") or "")
    c = _actor(call, loaded, call.arg("second") or "")
    if a.id == c.id:
        raise UserFacingError(
            f"“{call.arg('first')}” and “{call.arg('second')}” are both {a.name}.",
            hint="Compare two different actors, e.g. compare turkey syria",
        )
    b = loaded.briefing
    between = [
        Item(f"{x.name} → {y.name} ({r.kind}): {r.text}", cites(r.evidence))
        for x, y in ((a, c), (c, a))
        for r in x.relations
        if r.actor == y.id
    ]
    shared = [
        Item(f"{e.when}: {e.text}", cites(e.evidence))
        for e in sorted(b.timeline, key=lambda e: e.sort_key)
        if a.id in e.actors and c.id in e.actors
    ]
    sections: list[Section] = [
        Section(
            "Stances",
            tuple(
                Item(
                    f"{x.name} — {x.stance.label}: {x.stance.explanation}", cites(x.stance.evidence)
                )
                for x in (a, c)
            ),
        )
    ]
    for label in ("interests", "constraints"):
        for x in (a, c):
            claims: list[Claim] = getattr(x, label)
            items = tuple(claim_item(cl) for cl in claims) or (
                Item(f"The article states no {label} for {x.name}."),
            )
            sections.append(Section(f"{x.name}: {label}", items))
    sections.append(
        Section(
            "Between them",
            tuple(between) or (Item("The article draws no direct link between them."),),
        )
    )
    if shared:
        sections.append(Section("Events involving both", tuple(shared)))
    return Answer(
        title=f"{a.name} vs {c.name}",
        summary=f"{a.name}: {a.stance.label}. {c.name}: {c.stance.label}.",
        sections=tuple(sections),
        link=b.source.url,
        footer=b.title,
        actions=(
            Action(ActionKind.ACTOR, a.name, (a.id,), b.id),
            Action(ActionKind.ACTOR, c.name, (c.id,), b.id),
            Action(ActionKind.TIMELINE, "Timeline", (), b.id),
        ),
    )


@commands.command(
    "timeline",
    "Dated events of the briefing, oldest first (optionally for one actor)",
    options=(
        OptionSpec("actor", "Only events involving this actor", OptionKind.ACTOR, required=False),
        BRIEFING,
    ),
    examples=("timeline", "timeline russia"),
    cacheable=True,
)
def timeline(call: Call) -> Answer:
    loaded = _loaded(call)
    b = loaded.briefing
    events = sorted(b.timeline, key=lambda e: e.sort_key)
    title = f"Timeline — {b.title}"
    summary = f"{_count(len(events), 'dated event')}, as precise as the article is."
    who = call.arg("actor")
    if who:
        a = _actor(call, loaded, who)
        events = [e for e in events if a.id in e.actors]
        title = f"Timeline — {a.name}"
        summary = (
            f"{_count(len(events), 'dated event')} involving {a.name}."
            if events
            else f"The article dates no event involving {a.name}."
        )
    return Answer(
        title=title,
        summary=summary,
        sections=(
            Section(
                "Events", tuple(Item(f"{e.when}: {e.text}", cites(e.evidence)) for e in events)
            ),
        )
        if events
        else (),
        link=b.source.url,
        footer=_source_line(loaded),
        actions=(Action(ActionKind.BRIEF, "Overview", (), b.id),),
    )


@commands.command(
    "figures",
    "The key numbers of the briefing, each with its source sentence",
    options=(BRIEFING,),
    examples=("figures",),
    cacheable=True,
)
def figures(call: Call) -> Answer:
    loaded = _loaded(call)
    b = loaded.briefing
    items = tuple(Item(f"{f.value} — {f.label}. {f.text}", cites(f.evidence)) for f in b.figures)
    return Answer(
        title=f"Key figures — {b.title}",
        summary=f"{len(items)} figures from the article."
        if items
        else "The article gives no figures.",
        sections=(Section("Figures", items),) if items else (),
        link=b.source.url,
        footer=_source_line(loaded),
    )


@commands.command(
    "sources",
    "Where the briefing comes from, what the source leaves out, and its slips",
    options=(BRIEFING,),
    examples=("sources",),
    cacheable=True,
)
def sources(call: Call) -> Answer:
    loaded = _loaded(call)
    b = loaded.briefing
    src = b.source
    facts = [
        Item(f"Title: {src.title}"),
        Item(f"Publisher: {src.publisher}"),
        Item(f"Author: {src.author}"),
        Item(f"Published: {src.published or 'not stated in the source'}"),
        Item(f"URL: {src.url or 'not stated in the source'}"),
        Item(f"Paragraphs: {len(loaded.paragraphs)}; every claim cites an exact sentence of them."),
    ]
    sections = [Section("Source", tuple(facts), text=src.attribution)]
    if src.not_stated:
        sections.append(Section("Not stated by the source", tuple(Item(x) for x in src.not_stated)))
    if b.source_notes:
        sections.append(
            Section(
                "Notes on the source",
                tuple(
                    Item(f"{n.kind.capitalize()}: {n.text}", cites(n.evidence))
                    for n in b.source_notes
                ),
            )
        )
    return Answer(
        title=f"Sources — {b.title}",
        summary=f"{src.publisher}, by {src.author}.",
        sections=tuple(sections),
        link=src.url,
        footer=f"Content version {loaded.fingerprint[:12]}",
    )


@commands.command(
    "help",
    "What Briefbot can do, or how to use one command",
    options=(OptionSpec("command", "A command, e.g. compare or digest subscribe", required=False),),
    examples=("help", "help compare"),
    cacheable=True,
)
def help_(call: Call) -> Answer:
    reg = call.registry
    wanted = (call.arg("command") or "").strip().lower().lstrip("/")
    spec = reg.get(wanted) if wanted else None
    if spec is not None:
        options = tuple(
            Item(f"{o.name}{'' if o.required else ' (optional)'}: {o.description}")
            for o in spec.options
        )
        sections = [Section("Usage", text=spec.usage())]
        if options:
            sections.append(Section("Options", options))
        if spec.examples:
            sections.append(Section("Examples", tuple(Item(e) for e in spec.examples)))
        return Answer(
            title=f"Help — {spec.qualified_name}",
            summary=spec.description,
            sections=tuple(sections),
        )
    groups = reg.groups()
    group = wanted.split()[0] if wanted else ""
    if group in groups:
        # "help digest", "digest", "help digest frob": the group's commands, first.
        specs = groups[group]
        unknown = f"“{wanted}” is not a command. " if wanted != group else ""
        return Answer(
            title=f"Help — {group}",
            summary=f"{unknown}“{group}” is a group of commands; help {group} {specs[0].name} "
            "explains one.",
            sections=(
                Section(
                    f"{group.capitalize()} commands",
                    tuple(Item(f"{s.usage()} — {s.description}") for s in specs),
                ),
            ),
        )
    sections = [
        Section("Commands", tuple(Item(f"{s.usage()} — {s.description}") for s in reg.top_level()))
    ]
    for name, specs in groups.items():
        if wanted:
            break  # "help frobnicate": the commands it may have meant, first view and all
        sections.append(
            Section(
                f"{name.capitalize()} commands",
                tuple(Item(f"{s.usage()} — {s.description}") for s in specs),
            )
        )
    summary = (
        "Briefbot answers questions about a cited briefing of an article. "
        "Every claim quotes its source."
    )
    if wanted:
        summary = f"“{wanted}” is not a command.{_closest_command(wanted, reg)} " + summary
    return Answer(
        title="Briefbot help",
        summary=summary,
        sections=tuple(sections),
        footer="Text commands accept --briefing ID to pick a briefing."
        if call.library.several
        else None,
    )


def _closest_command(word: str, registry: CommandRegistry) -> str:
    """`` Did you mean “actor”?`` for a mistyped command name, else ""."""
    from rapidfuzz import fuzz, process  # only for a mistyped command: kept out of start-up

    names = registry.names()
    close = [
        n
        for n, score, _ in process.extract(word, names, scorer=fuzz.WRatio, limit=2)
        if score >= 70
    ]
    return " Did you mean " + " or ".join(f"“{c}”" for c in close) + "?" if close else ""
