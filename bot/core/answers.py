"""The neutral answer every command returns.

An ``Answer`` knows nothing of Discord or Slack. Renderers in ``bot.render`` turn it into plain
text, Discord embeds or Slack Block Kit, each staying inside its platform's limits.

Text fields hold plain text (no platform markup); renderers escape and format them. The only
markup allowed is none: emphasis is expressed by structure (titles, headings), not by asterisks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.briefing import Evidence


@dataclass(frozen=True)
class Citation:
    """An exact sentence of the source article and the paragraph it is in (1-based)."""

    quote: str
    paragraph: int


def cites(evidence: Iterable[Evidence]) -> tuple[Citation, ...]:
    """The citations of a claim's evidence, in order."""
    return tuple(Citation(e.quote, e.paragraph) for e in evidence)


@dataclass(frozen=True)
class Item:
    """One statement in a section, with the evidence it rests on."""

    text: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled group of items (e.g. "Interests", "Constraints")."""

    heading: str
    items: tuple[Item, ...] = ()
    text: str = ""


class ActionKind(StrEnum):
    """Follow-up actions adapters may offer as buttons or select menus."""

    ACTOR = "actor"
    COMPARE = "compare"
    TIMELINE = "timeline"
    SOURCES = "sources"
    BRIEF = "brief"
    #: Opens another view of the same answer (a section, a page, its quotes): see
    #: ``bot.render.views``. Its args are the view's code, then the command to run again.
    VIEW = "view"


@dataclass(frozen=True)
class Action:
    """A follow-up the user can take from this answer.

    ``args`` are the command's arguments, e.g. ``("russia",)`` for ``actor russia`` or
    ``("turkey", "syria")`` for ``compare``. ``briefing`` pins the briefing the answer came from.
    """

    kind: ActionKind
    label: str
    args: tuple[str, ...] = ()
    briefing: str | None = None


@dataclass(frozen=True)
class Choice:
    """An option of a picker offered with the answer (e.g. "open another actor")."""

    label: str
    value: str
    description: str = ""


@dataclass(frozen=True)
class ImageRef:
    """An image that goes with an answer. The adapter fetches its bytes when it shows it.

    ``kind`` names what draws it: ``"stance-map"`` is ``bot.stance_map.image_bytes``.
    ``version`` is the content fingerprint the image shows; ``filename`` is plain ASCII and ends
    in ``.png``; ``alt_text`` (≤ 1024 characters) describes the image for screen readers and as
    a caption, so the image never carries information the text lacks.
    """

    kind: str
    briefing: str
    version: str
    filename: str
    alt_text: str


class Tone(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Answer:
    """A platform-neutral answer: title, summary, sections, citations and follow-ups."""

    title: str
    summary: str = ""
    sections: tuple[Section, ...] = ()
    link: str | None = None
    footer: str | None = None
    actions: tuple[Action, ...] = ()
    picker: tuple[Choice, ...] = ()
    picker_kind: ActionKind | None = None
    picker_briefing: str | None = None
    tone: Tone = Tone.INFO
    #: Answers the adapter should show only to the asking user (errors, previews).
    private: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    #: An image adapters attach to the answer where they can (the text stands without it).
    image: ImageRef | None = None
    #: Whether citations are shown as the quoted sentences (True) or only as paragraph markers
    #: after each claim (``¶10``), as compact views show them with the quotes one click away.
    quotes: bool = True

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every distinct citation in the answer, in order of first appearance."""
        seen: dict[tuple[str, int], Citation] = {}
        for section in self.sections:
            for item in section.items:
                for c in item.citations:
                    seen.setdefault((c.quote, c.paragraph), c)
        return tuple(seen.values())


def error_answer(message: str, *, hint: str | None = None, title: str = "Sorry") -> Answer:
    """An answer for a user-facing error, shown privately."""
    sections = (Section(heading="Try", text=hint),) if hint else ()
    return Answer(title=title, summary=message, sections=sections, tone=Tone.ERROR, private=True)


def unnamed_briefing(answer: Answer) -> Answer:
    """``answer`` with its follow-ups no longer naming a briefing (for a bot holding one).

    Hints then read ``actor russia`` rather than ``actor russia --briefing …``; a button or
    picker without a briefing runs against the channel's default when it is clicked.
    """
    if not answer.picker_briefing and not any(a.briefing for a in answer.actions):
        return answer
    return replace(
        answer,
        actions=tuple(replace(a, briefing=None) for a in answer.actions),
        picker_briefing=None,
    )
