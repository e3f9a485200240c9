"""Write a briefing skeleton: every required field, the candidates, the paragraphs as comments.

The YAML is written line by line (PyYAML quotes each value), so the comments sit where an
author needs them: the numbered paragraphs at the top, a ``# candidate`` on every suggested
item and a ``TODO`` wherever the author has to write. The validator refuses a ``TODO``; a
candidate's quote, an exact sentence of the source with its paragraph, validates as written.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import date

import yaml

from bot.authoring.article import Article
from bot.authoring.candidates import Candidates, Quote
from bot.core.loader_messages import TODO

__all__ = ["render_skeleton"]

_WIDTH = 100


def render_skeleton(
    slug: str,
    article: Article,
    candidates: Candidates,
    *,
    source_name: str,
    article_name: str,
    directory: str = "DIR",
    today: date,
) -> str:
    """The text of ``SLUG.yaml`` for ``article``, whose text is saved as ``source_name``."""
    out: list[str] = []
    _header(out, article, source_name, article_name, directory, today)
    title = article.title or f"{TODO}: the article's title"
    out += [
        f"id: {slug}",
        f"title: {_scalar(title)}",
        f'added: "{today.isoformat()}"  # when the briefing was added; the newest is the default',
        f"question: {_scalar(TODO + ': the question the briefing answers, e.g. Will …?')}",
        "",
        "source:",
        f"  title: {_scalar(title)}",
        f"  publisher: {_found(article.publisher, 'who published it', 'the page')}",
        f"  author: {_found(article.author, 'who wrote it', 'the byline')}",
        f"  text_file: {_scalar(source_name)}",
        f"  url: {_scalar(article.url) if article.url else 'null'}"
        + ("" if article.url else "  # not in the article; never invent one"),
        f"  published: {_scalar(article.published) if article.published else 'null'}"
        + ("" if article.published else "  # not in the article; never invent one"),
        "  not_stated:  # what the source does not say about itself",
    ]
    if not article.published:
        out.append(f"    - {_scalar('Publication date (not found in the article).')}")
    if not article.url:
        out.append(f"    - {_scalar('URL of the article (not found in the article).')}")
    if article.published and article.url:
        out[-1] = "  not_stated: []  # what the source does not say about itself"
    out += [
        "  attribution: "
        + _scalar(
            f"{TODO}: who wrote and published it, and that it is quoted only so every "
            "statement can be cited"
        ),
        "",
        "summary:",
        f"  text: {_scalar(TODO + ': the briefing in a few sentences')}",
        "  evidence:",
    ]
    if candidates.summary is not None:
        _evidence(out, candidates.summary, "    ", "candidate: the article's standfirst")
    else:
        out += [
            f"    - quote: {_scalar(TODO + ': a sentence of the source')}",
            "      paragraph: 1",
        ]
    out += ["", "key_points:"]
    out.append("  # Candidates: the opening sentence of each paragraph. Keep 3 to 8; at least one.")
    for quote in candidates.key_points or ([candidates.summary] if candidates.summary else []):
        _claim(out, quote, "  ", f"{TODO}: a key point, in your own words")
    if not candidates.key_points and candidates.summary is None:
        out += [
            f"  - text: {_scalar(TODO + ': a key point')}",
            "    evidence:",
            f"      - quote: {_scalar(TODO + ': a sentence of the source')}",
            "        paragraph: 1",
        ]
    _actors(out, candidates)
    _timeline(out, candidates)
    _figures(out, candidates)
    _watch(out, candidates)
    _source_notes(out, article)
    return "\n".join(out) + "\n"


def _header(
    out: list[str],
    article: Article,
    source_name: str,
    article_name: str,
    directory: str,
    today: date,
) -> None:
    intro = (
        f"Briefing skeleton written by `briefbot new` on {today.isoformat()} from "
        f"{article_name} ({article.format_name})."
    )
    out += _comment_lines(intro, "# ", "# ")
    out += [
        "#",
        "# To finish it:",
        "#  1. Write every TODO in your own words; the validator refuses a TODO.",
        "#  2. Items marked `# candidate` are suggestions: keep those the briefing needs (write",
        f"#     their claim), delete the rest. Each quote is an exact sentence of {source_name}",
        "#     with its paragraph number, so it validates as written.",
        f"#  3. Check it: briefbot validate {directory}",
        "#     (`briefbot validate --fix` corrects paragraph numbers and quote marks;",
        f"#     `briefbot paragraphs {source_name} --grep WORD` finds a sentence to quote)",
        "#",
        "# Required: id, title, added, question, source (title, publisher, author, text_file,",
        "# attribution), summary (text, evidence), key_points (at least one), actors (at least",
        "# one; each with id, name, kind and stance: label, explanation, evidence). Optional:",
        "# aliases, interests, constraints, actions, relations, unknowns, stance.side (for,",
        "# against, engaged, unstated); a key point's role (driver, obstacle, outlook, context);",
        "# timeline, figures, watch, source_notes, vocabulary. Every claim has evidence:",
        "# [{quote, paragraph}].",
    ]
    if article.left_out:
        out += ["#", f"# Left out of the article (not in {source_name}):"]
        for item in article.left_out:
            out += _comment_lines(item.summary(), "#   - ", "#     ")
    out += ["#", f"# The source text, {source_name}, paragraph by paragraph:"]
    for number, paragraph in enumerate(article.paragraphs, 1):
        out += _comment_lines(" ".join(paragraph.split()), f"# ¶{number:<3} ", "#      ")
    out.append("")


def _actors(out: list[str], candidates: Candidates) -> None:
    out += [
        "",
        "actors:",
        "  # Candidates: the names the article mentions most. The aliases are the mentions that",
        "  # look like the same actor (suggestions: keep the right ones). An actor needs a",
        "  # stance; interests, constraints and actions are claims like key_points.",
    ]
    if candidates.other_names:
        named = ", ".join(f"{name} ({count})" for name, count in candidates.other_names[:25])
        out += _comment_lines(f"Also named: {named}.", "  # ", "  #   ")
    for actor in candidates.actors:
        mentions = ", ".join(f"{m} {n}" for m, n in actor.mentions.most_common())
        where = _ranges(actor.paragraphs)
        out.append(
            f"  - id: {actor.id}  # candidate: {actor.count} mentions in ¶{where} ({mentions})"
        )
        out.append(f"    name: {_scalar(actor.name)}")
        if actor.kind:
            why = "a country" if actor.kind == "state" else "named with a title"
            out.append(f"    kind: {actor.kind}  # suggested: {why}")
        else:
            out.append(
                f"    kind: {_scalar(TODO + ': state, leader, armed group, organisation, …')}"
            )
        if actor.leads:
            out.append(
                f"    # leads {actor.leads}? If the briefing treats them as one actor, move "
                "these names to its aliases."
            )
        if actor.aliases:
            out.append("    aliases:  # suggested")
            out += [f"      - {_scalar(alias)}" for alias in actor.aliases]
        else:
            out.append("    aliases: []")
        out += [
            "    stance:",
            f"      label: {_scalar(TODO + ': where it stands, in a few words')}",
            f"      explanation: {_scalar(TODO + ': its position, in a sentence or two')}",
            "      evidence:",
        ]
        _evidence(out, actor.evidence, "        ", "candidate: where it is first named")
        out += [
            "    interests: []",
            "    constraints: []",
            "    actions: []",
            "    relations: []  # - actor: another actor's id, kind, text, evidence",
            "    unknowns: []  # what the article leaves unknown about it (no quote needed)",
        ]
    if not candidates.actors:
        out += [
            "  - id: TODO-actor",
            f"    name: {_scalar(TODO + ': a name')}",
            f"    kind: {_scalar(TODO + ': state, leader, armed group, organisation, …')}",
            "    stance:",
            f"      label: {_scalar(TODO + ': where it stands')}",
            f"      explanation: {_scalar(TODO + ': its position')}",
            "      evidence:",
            f"        - quote: {_scalar(TODO + ': a sentence of the source')}",
            "          paragraph: 1",
        ]


def _timeline(out: list[str], candidates: Candidates) -> None:
    if not candidates.timeline:
        out += ["", "timeline: []  # no dated sentence found"]
        return
    out += ["", "timeline:", "  # Candidates: the sentences with a date, oldest first."]
    for event in candidates.timeline:
        out += [
            f"  - when: {_scalar(event.when)}  # candidate",
            f'    sort_key: "{event.sort_key}"',
            f"    text: {_scalar(TODO + ': what happened')}",
            f"    actors: [{', '.join(event.actors)}]",
            "    evidence:",
        ]
        _evidence(out, event.quote, "      ")


def _figures(out: list[str], candidates: Candidates) -> None:
    if not candidates.figures:
        out += ["", "figures: []  # no number with a unit found"]
        return
    out += ["", "figures:", "  # Candidates: the numbers with a unit."]
    for figure in candidates.figures:
        out += [
            f"  - label: {_scalar(TODO + ': what is counted')}  # candidate: {figure.phrase}",
            f"    value: {_scalar(figure.value)}",
            f"    text: {_scalar(TODO + ': what the number says')}",
            "    evidence:",
        ]
        _evidence(out, figure.quote, "      ")


def _watch(out: list[str], candidates: Candidates) -> None:
    if not candidates.watch:
        out += ["", "watch: []"]
        return
    out += ["", "watch:", "  # Candidates: sentences about what will, may or is due to happen."]
    for quote in candidates.watch:
        _claim(out, quote, "  ", f"{TODO}: what to watch")


def _source_notes(out: list[str], article: Article) -> None:
    out += ["", "source_notes:  # slips, repetitions and gaps of the source worth knowing"]
    if not article.left_out:
        out[-1] = "source_notes: []  # slips, repetitions and gaps of the source worth knowing"
        return
    parts: list[str] = []
    for item in article.left_out:
        quoted = item.reason in {"a navigation link"} or "appeal" in item.reason
        part = f"{item.reason} (“{_short(item.text, 40)}”)" if quoted else item.reason
        if part not in parts:
            parts.append(part)
    text = "Left out of the source text as not part of the article: " + ", ".join(parts) + "."
    out += ["  - kind: boilerplate", f"    text: {_scalar(text)}"]


def _claim(out: list[str], quote: Quote, indent: str, todo: str) -> None:
    out += [f"{indent}- text: {_scalar(todo)}  # candidate", f"{indent}  evidence:"]
    _evidence(out, quote, indent + "    ")


def _evidence(out: list[str], quote: Quote, indent: str, comment: str = "") -> None:
    suffix = f"  # {comment}" if comment else ""
    out += [
        f"{indent}- quote: {_scalar(quote.text)}{suffix}",
        f"{indent}  paragraph: {quote.paragraph}",
    ]


def _found(value: str | None, todo: str, where: str) -> str:
    if value:
        return f"{_scalar(value)}  # from {where}"
    return _scalar(f"{TODO}: {todo}")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _scalar(value: str) -> str:
    """``value`` as a one-line YAML scalar (quoted only when it must be)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10**9)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def _comment_lines(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text,
        width=_WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _ranges(numbers: Iterable[int]) -> str:
    """``[4, 5, 6, 9]`` → ``4–6, 9``."""
    out: list[str] = []
    items = sorted(numbers)
    start = previous = items[0]
    for number in [*items[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        out.append(f"{start}" if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(out)
