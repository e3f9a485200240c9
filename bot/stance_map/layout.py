"""Where everything on the stance map goes: a pure function of the briefing.

``layout(briefing)`` decides every box, line of text, arrow and label in pixels (origin top
left, y downwards) so that the drawing (``png.render_png``) only paints what it is told, and
tests can check the map on data instead of pixels. What it returns is in ``parts``, the sizes
it places with in ``sizes``, and the edges are drafted and routed by ``edges``.

The canvas is 1400 px wide (``WIDTH``). The three stated positions sit side by side, left to right —
driving/supporting, facilitating/engaged, opposed — and the actors whose stance is unclear or
not stated sit apart in a band below. Within a band actors are ordered by how much the article
says about them (cited sentences, then claims), and the most-discussed get a larger name.
Relations become one edge per pair and family (a relation and its mirror — "courts" and
"courted by" — are one arrow), routed as gentle curves around the other boxes, each with a
short label placed where it hides no box and no other label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.core.answers import cites
from bot.core.briefing import Actor, Briefing, Evidence
from bot.stance_map.bands import BAND_TITLES, EDGE_TITLES, STANCE_BANDS, Band, EdgeKind, band_of
from bot.stance_map.edges import draft_edges, route_edges
from bot.stance_map.geometry import Rect
from bot.stance_map.parts import ActorPlace, BandArea, LegendEntry, MapLayout
from bot.stance_map.sizes import (
    BAND_GAP,
    BAND_HEADER,
    BAND_PAD,
    BOX_GAP_Y,
    BOX_PAD,
    FOOTER_PX,
    LEGEND_PX,
    LEGEND_SAMPLE,
    LINE,
    MARGIN,
    MAX_BOX_WIDTH,
    MAX_COLUMNS,
    META_PX,
    MIN_NAME_PX,
    NAME_PX,
    ROW_GAP_Y,
    STANCE_PX,
    SUBTITLE_PX,
    TITLE_PX,
    UNCLEAR_GAP,
    WIDTH,
)
from bot.stance_map.textwidth import text_width, wrap

# -- measuring what the article says ------------------------------------------------------


def _cited_sentences(actor: Actor, briefing: Briefing) -> int:
    evidence: list[Evidence] = list(actor.stance.evidence)
    for claim in (*actor.interests, *actor.constraints, *actor.actions):
        evidence += claim.evidence
    for relation in actor.relations:
        evidence += relation.evidence
    for event in briefing.timeline:
        if actor.id in event.actors:
            evidence += event.evidence
    return len({(e.quote, e.paragraph) for e in evidence})


def _claims(actor: Actor) -> int:
    return (
        1
        + len(actor.interests)
        + len(actor.constraints)
        + len(actor.actions)
        + len(actor.relations)
    )


# -- the layout ----------------------------------------------------------------------------


@dataclass
class _Pending:
    actor: Actor
    band: Band
    cited: int
    claims: int
    order: int
    rank: int = 0
    name_px: int = NAME_PX[0]


def layout(briefing: Briefing, *, width: int = WIDTH) -> MapLayout:
    """Place every actor of ``briefing`` in its stance band and route its relations."""
    usable = width - 2 * MARGIN
    title_lines = wrap("Who stands where", usable, TITLE_PX, bold=True, max_lines=1)
    subtitle_lines = wrap(briefing.title, usable, SUBTITLE_PX, max_lines=2)
    y = MARGIN + len(title_lines) * TITLE_PX * LINE + len(subtitle_lines) * SUBTITLE_PX * LINE

    pending = _measure(briefing)
    drafts = draft_edges(briefing, {p.actor.id for p in pending})
    kinds = sorted({d.kind for d in drafts}, key=list(EdgeKind).index)
    legend, y = _legend(kinds, usable, y + 12)

    boxes: dict[str, Rect] = {}
    texts: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    bands, y = _stance_bands(pending, boxes, texts, usable, y + 16)
    unclear, y = _unclear_band(pending, boxes, texts, usable, y + UNCLEAR_GAP)
    bands.append(unclear)

    src = briefing.source
    footer = (
        "Order and name size: how many of the article's sentences the briefing cites about each "
        "actor. Arrows read subject → object; every box and arrow rests on a cited sentence "
        "(the “map” text view and “actor NAME” show them).",
        f"Source: {src.title} — {src.author}, {src.publisher}.",
    )
    footer_lines: list[str] = []
    for paragraph in footer:
        footer_lines += wrap(paragraph, usable, FOOTER_PX, max_lines=3)
    footer_y = y + 28
    height = math.ceil(footer_y + len(footer_lines) * FOOTER_PX * LINE + MARGIN)

    placed = tuple(
        ActorPlace(
            id=p.actor.id,
            name=p.actor.name,
            stance=p.actor.stance.label,
            band=p.band,
            cited_sentences=p.cited,
            claims=p.claims,
            rank=p.rank,
            box=boxes[p.actor.id],
            name_lines=texts[p.actor.id][0],
            name_px=p.name_px,
            stance_lines=texts[p.actor.id][1],
            meta=f"{p.cited} cited sentence{'' if p.cited == 1 else 's'}",
            explanation=p.actor.stance.explanation,
            evidence=cites(p.actor.stance.evidence),
        )
        for p in sorted(pending, key=lambda p: p.order)
    )
    obstacles = [
        *boxes.values(),
        *(b.heading_box for b in bands),
        *(_legend_rect(e) for e in legend),
    ]
    edges = route_edges(drafts, boxes, obstacles, width, height)
    return MapLayout(
        briefing_id=briefing.id,
        title=briefing.title,
        question=briefing.question,
        width=width,
        height=height,
        title_lines=title_lines,
        subtitle_lines=subtitle_lines,
        legend=legend,
        bands=tuple(bands),
        actors=placed,
        edges=edges,
        footer_lines=tuple(footer_lines),
        footer_y=footer_y,
    )


def _measure(briefing: Briefing) -> list[_Pending]:
    pending = [
        _Pending(
            a,
            band_of(a.stance.label, a.stance.side),
            _cited_sentences(a, briefing),
            _claims(a),
            i,
        )
        for i, a in enumerate(briefing.actors)
    ]
    most = max(p.cited for p in pending)
    least = min(p.cited for p in pending)
    for band in Band:
        members = sorted(
            (p for p in pending if p.band is band), key=lambda p: (-p.cited, -p.claims, p.order)
        )
        for rank, p in enumerate(members, start=1):
            p.rank = rank
    for p in pending:
        # Larger only when the article says clearly more about it than about the least-discussed.
        share, more = p.cited / most, p.cited >= 2 * least
        if share >= 0.6 and more:
            p.name_px = NAME_PX[2]
        elif share >= 0.3 and p.cited > least:
            p.name_px = NAME_PX[1]
        else:
            p.name_px = NAME_PX[0]
    return pending


def _box_text(p: _Pending, box_w: float) -> tuple[tuple[str, ...], tuple[str, ...], float]:
    inner = box_w - 2 * BOX_PAD
    # A word too long for the line at this size gets a smaller size before it is cut.
    longest = max(p.actor.name.split(), key=lambda w: text_width(w, 1, bold=True))
    while p.name_px > MIN_NAME_PX and text_width(longest, p.name_px, bold=True) > inner:
        p.name_px -= 1
    names = wrap(p.actor.name, inner, p.name_px, bold=True, max_lines=3)
    stance = wrap(p.actor.stance.label, inner, STANCE_PX, max_lines=2)
    height = (
        2 * BOX_PAD
        + len(names) * p.name_px * LINE
        + 4
        + len(stance) * STANCE_PX * LINE
        + 4
        + META_PX * LINE
    )
    return names, stance, math.ceil(height)


def _ranked(pending: list[_Pending], band: Band) -> list[_Pending]:
    return sorted((p for p in pending if p.band is band), key=lambda p: p.rank)


def _stance_bands(
    pending: list[_Pending],
    boxes: dict[str, Rect],
    texts: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
    usable: float,
    top: float,
) -> tuple[list[BandArea], float]:
    members = {band: _ranked(pending, band) for band in STANCE_BANDS}
    counts = [len(members[b]) for b in STANCE_BANDS]
    rows = 1
    while sum(max(1, math.ceil(n / rows)) for n in counts) > MAX_COLUMNS:
        rows += 1
    columns = [max(1, math.ceil(n / rows)) for n in counts]
    total = sum(columns)
    span = usable - BAND_GAP * (len(STANCE_BANDS) - 1)

    # First pass: the boxes of each sub-column, top-aligned; then centre each column.
    x = float(MARGIN)
    content_top = top + BAND_HEADER + BAND_PAD
    areas_x: list[tuple[float, float]] = []
    stacks: list[list[tuple[str, float, float, float]]] = []  # (id, x, w, h) per sub-column
    for band, ncols in zip(STANCE_BANDS, columns, strict=True):
        band_w = span * ncols / total
        areas_x.append((x, band_w))
        col_w = (band_w - 2 * BAND_PAD) / ncols
        box_w = min(MAX_BOX_WIDTH, col_w - 44)
        people = members[band]
        for c in range(ncols):
            stack: list[tuple[str, float, float, float]] = []
            for p in people[c * rows : (c + 1) * rows]:
                names, stance, h = _box_text(p, box_w)
                texts[p.actor.id] = (names, stance)
                bx = x + BAND_PAD + c * col_w + (col_w - box_w) / 2
                stack.append((p.actor.id, bx, box_w, h))
            stacks.append(stack)
        x += band_w + BAND_GAP
    heights = [sum(h for *_, h in s) + BOX_GAP_Y * max(0, len(s) - 1) for s in stacks]
    content_h = max([*heights, 60.0])
    for stack, stack_h in zip(stacks, heights, strict=True):
        y = content_top + (content_h - stack_h) / 2
        for actor_id, bx, bw, bh in stack:
            boxes[actor_id] = Rect(bx, y, bw, bh)
            y += bh + BOX_GAP_Y
    bottom = content_top + content_h + BAND_PAD
    areas = [
        BandArea(
            band,
            BAND_TITLES[band],
            Rect(ax, top, aw, bottom - top),
            tuple(p.actor.id for p in members[band]),
        )
        for band, (ax, aw) in zip(STANCE_BANDS, areas_x, strict=True)
    ]
    return areas, bottom


def _unclear_band(
    pending: list[_Pending],
    boxes: dict[str, Rect],
    texts: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
    usable: float,
    top: float,
) -> tuple[BandArea, float]:
    people = _ranked(pending, Band.UNCLEAR)
    per_row = MAX_COLUMNS
    col_w = (usable - 2 * BAND_PAD) / per_row
    box_w = min(MAX_BOX_WIDTH, col_w - 44)
    y = top + BAND_HEADER + BAND_PAD
    for start in range(0, len(people), per_row):
        row = people[start : start + per_row]
        measured = [(p, *_box_text(p, box_w)) for p in row]
        row_h = max(h for *_, h in measured)
        # A short last row is centred under the full ones.
        offset = MARGIN + BAND_PAD + (per_row - len(row)) * col_w / 2
        for i, (p, names, stance, h) in enumerate(measured):
            texts[p.actor.id] = (names, stance)
            bx = offset + i * col_w + (col_w - box_w) / 2
            boxes[p.actor.id] = Rect(bx, y + (row_h - h) / 2, box_w, h)
        y += row_h + ROW_GAP_Y
    if not people:
        y += 40  # room for "none" in an empty band
    else:
        y -= ROW_GAP_Y
    bottom = y + BAND_PAD
    area = BandArea(
        Band.UNCLEAR,
        BAND_TITLES[Band.UNCLEAR],
        Rect(MARGIN, top, usable, bottom - top),
        tuple(p.actor.id for p in people),
    )
    return area, bottom


def _legend(
    kinds: list[EdgeKind], usable: float, top: float
) -> tuple[tuple[LegendEntry, ...], float]:
    if not kinds:
        return (), top
    entries: list[LegendEntry] = []
    x, y = float(MARGIN), top + LEGEND_PX * LINE / 2
    for kind in kinds:
        title = EDGE_TITLES[kind]
        w = _legend_width(title)
        if x + w > MARGIN + usable and x > MARGIN:
            x, y = float(MARGIN), y + LEGEND_PX * LINE + 8
        entries.append(LegendEntry(kind, title, x, y))
        x += w + 28
    return tuple(entries), y + LEGEND_PX * LINE / 2


def _legend_width(title: str) -> float:
    return LEGEND_SAMPLE + 10 + text_width(title, LEGEND_PX)


def _legend_rect(entry: LegendEntry) -> Rect:
    h = LEGEND_PX * LINE
    return Rect(entry.x, entry.y - h / 2, _legend_width(entry.title), h)
