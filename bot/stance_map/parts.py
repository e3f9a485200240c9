"""The parts of a laid-out stance map: actor boxes, bands, edges, the legend, and the whole.

Plain frozen values in pixels (origin top left, y downwards), made by ``layout(briefing)`` and
read by the drawing (``png.render_png``), the words (``views``) and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.answers import Citation
from bot.stance_map.bands import Band, EdgeKind
from bot.stance_map.geometry import Point, Rect
from bot.stance_map.sizes import BAND_HEADER, HEADING_PX, MIN_HEADING_PX
from bot.stance_map.textwidth import text_width

__all__ = [
    "ActorPlace",
    "Arrow",
    "BandArea",
    "LegendEntry",
    "MapEdge",
    "MapLayout",
    "RelationSource",
]


@dataclass(frozen=True)
class ActorPlace:
    """One actor on the map: its band, how much the article says about it, and its box."""

    id: str
    name: str
    stance: str  # the label as the author wrote it
    band: Band
    #: Distinct sentences of the article the briefing cites about this actor.
    cited_sentences: int
    #: Stance, interests, constraints, actions and relations the briefing states.
    claims: int
    #: 1 for the most-discussed actor of its band.
    rank: int
    box: Rect
    name_lines: tuple[str, ...]
    name_px: int
    stance_lines: tuple[str, ...]
    meta: str
    explanation: str
    evidence: tuple[Citation, ...]


class Arrow(StrEnum):
    FORWARD = "forward"  # source → target
    BOTH = "both"  # each side says it of the other
    NONE = "none"  # a mutual relation (at odds, works with)


@dataclass(frozen=True)
class RelationSource:
    """A relation of the briefing an edge was drawn from."""

    actor: str  # whose relation it is
    other: str
    kind: str
    text: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class MapEdge:
    """A labelled edge between two actors: a polyline from the source's box to the target's.

    ``points`` start on (or just off) the source's box and end just short of the target's,
    where the arrowhead goes; the drawing rounds the corners.
    """

    source: str
    target: str
    kind: EdgeKind
    label: str
    arrow: Arrow
    former: bool
    relations: tuple[RelationSource, ...]
    points: tuple[Point, ...]
    label_box: Rect

    @property
    def citations(self) -> tuple[Citation, ...]:
        seen: dict[Citation, None] = {}
        for r in self.relations:
            seen.update(dict.fromkeys(r.citations))
        return tuple(seen)


@dataclass(frozen=True)
class BandArea:
    band: Band
    title: str
    area: Rect
    actor_ids: tuple[str, ...]

    @property
    def heading(self) -> str:
        """The band's title and count, shortened to what fits the band's width."""
        for title in (self.title, self.title.split(" / ")[-1], self.title.split()[0]):
            text = f"{title.upper()}  ·  {len(self.actor_ids)}"
            if text_width(text, MIN_HEADING_PX, bold=True) <= self.area.w - 32:
                return text
        return text

    @property
    def heading_px(self) -> float:
        """The heading's size: ``HEADING_PX``, or smaller for a narrow band."""
        room = self.area.w - 32
        return max(
            MIN_HEADING_PX,
            min(HEADING_PX, HEADING_PX * room / text_width(self.heading, HEADING_PX, bold=True)),
        )

    @property
    def heading_box(self) -> Rect:
        """Where the heading's text is (edges keep off it)."""
        w = text_width(self.heading, self.heading_px, bold=True)
        return Rect(self.area.x + 16, self.area.y + 10, w, BAND_HEADER - 18)


@dataclass(frozen=True)
class LegendEntry:
    kind: EdgeKind
    title: str
    x: float  # where the sample line starts
    y: float  # the line's vertical centre


@dataclass(frozen=True)
class MapLayout:
    """Everything the stance map shows, and where."""

    briefing_id: str
    title: str
    question: str
    width: int
    height: int
    title_lines: tuple[str, ...]
    subtitle_lines: tuple[str, ...]
    legend: tuple[LegendEntry, ...]
    bands: tuple[BandArea, ...]
    actors: tuple[ActorPlace, ...]
    edges: tuple[MapEdge, ...]
    footer_lines: tuple[str, ...]
    footer_y: float

    def actor(self, actor_id: str) -> ActorPlace:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def band(self, band: Band) -> BandArea:
        return next(b for b in self.bands if b.band is band)

    def in_band(self, band: Band) -> tuple[ActorPlace, ...]:
        """The actors of ``band``, most-discussed first."""
        return tuple(sorted((a for a in self.actors if a.band is band), key=lambda a: a.rank))
