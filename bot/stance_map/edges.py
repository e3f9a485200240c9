"""The stance map's edges: one per pair of actors and family of relation, routed and labelled.

A relation and its mirror ("courts" and "courted by") become one arrow; a relation no rule
reads joins an edge the pair already has. Edges are routed as gentle curves around the boxes
(``routing.Router``), short ones first, and each label is placed where it hides no box and no
other label (``routing.place_labels``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.answers import cites
from bot.core.briefing import Briefing
from bot.stance_map.bands import EdgeKind, read_relation
from bot.stance_map.geometry import Point, Rect
from bot.stance_map.parts import Arrow, MapEdge, RelationSource
from bot.stance_map.routing import Router, place_labels
from bot.stance_map.sizes import EDGE_LABEL_PX, LINE
from bot.stance_map.textwidth import text_width

__all__ = ["Draft", "draft_edges", "label_size", "route_edges"]


def label_size(label: str) -> tuple[float, float]:
    """Width and height of an edge label's box (one line per line of ``label``)."""
    lines = label.split("\n")
    width = max(text_width(line, EDGE_LABEL_PX) for line in lines)
    return width + 14, len(lines) * EDGE_LABEL_PX * LINE + 8


@dataclass
class Draft:
    """An edge before it is routed: its pair, family, label, directions and relations."""

    a: str
    b: str
    kind: EdgeKind
    label: str
    forward: bool  # some relation says a → b
    backward: bool  # some relation says b → a
    mutual: bool
    former: bool
    relations: list[RelationSource]


def draft_edges(briefing: Briefing, known: set[str]) -> list[Draft]:
    """One draft per pair of actors and family of relation.

    A relation and its mirror ("courts" and "courted by") become one edge; a relation no rule
    knows joins an edge the pair already has in the same direction (its words are added to the
    label) rather than crowd a second arrow between the same two boxes.
    """
    drafts: dict[tuple[str, str, EdgeKind], Draft] = {}
    for actor in briefing.actors:
        for relation in actor.relations:
            other = relation.actor
            if other == actor.id or other not in known:
                continue
            reading = read_relation(relation.kind)
            subject, obj = (other, actor.id) if reading.reversed else (actor.id, other)
            a, b = sorted((subject, obj))
            verb = ("formerly " if reading.former else "") + reading.verb
            draft = drafts.get((a, b, reading.kind))
            if draft is None:
                draft = drafts[(a, b, reading.kind)] = Draft(
                    a, b, reading.kind, verb, False, False, True, False, []
                )
            if not reading.mutual:
                if draft.mutual:  # a directional reading names the edge better
                    draft.label = verb
                draft.mutual = False
                if subject == a:
                    draft.forward = True
                else:
                    draft.backward = True
            if reading.former and not draft.former:
                draft.former = True
                if not draft.label.startswith("formerly "):
                    draft.label = "formerly " + draft.label
            draft.relations.append(
                RelationSource(
                    actor.id, other, relation.kind, relation.text, cites(relation.evidence)
                )
            )
    for draft in drafts.values():
        # A link no rule reads, stated by each side of the other, is a mutual one.
        if draft.kind is EdgeKind.OTHER and draft.forward and draft.backward:
            draft.mutual, draft.forward, draft.backward = True, False, False
    merged: list[Draft] = []
    # Known families first, so a relation no rule reads can join its pair's edge.
    for draft in sorted(drafts.values(), key=lambda d: d.kind is EdgeKind.OTHER):
        host = next(
            (
                d
                for d in merged
                if draft.kind is EdgeKind.OTHER
                and (d.a, d.b) == (draft.a, draft.b)
                and (d.forward, d.backward, d.mutual)
                == (draft.forward, draft.backward, draft.mutual)
            ),
            None,
        )
        if host is None:
            merged.append(draft)
        else:
            host.label += "\n" + draft.label
            host.relations += draft.relations
    return merged


def route_edges(
    drafts: list[Draft],
    boxes: dict[str, Rect],
    obstacles: list[Rect],
    width: int,
    height: int,
) -> tuple[MapEdge, ...]:
    router = Router(width, height, obstacles)
    # Short edges first: they have the fewest ways round; long ones can detour.
    order = sorted(
        range(len(drafts)),
        key=lambda k: (boxes[drafts[k].a].centre.distance(boxes[drafts[k].b].centre), k),
    )
    lines: dict[int, tuple[Point, ...]] = {}
    by_pair: dict[tuple[str, str], list[tuple[Point, ...]]] = {}
    for k in order:
        d = drafts[k]
        # Draw each edge from its subject, so a one-way arrow ends at its object.
        source, target = (d.b, d.a) if d.backward and not d.forward else (d.a, d.b)
        parallel = by_pair.setdefault((d.a, d.b), [])
        line = router.route(boxes[source], boxes[target], keep_off=parallel)
        parallel.append(line)
        lines[k] = line
    sizes = [label_size(d.label) for d in drafts]
    ordered = [lines[k] for k in range(len(drafts))]
    labels = place_labels(ordered, sizes, obstacles, width, height)
    edges = []
    for k, d in enumerate(drafts):
        if d.mutual:
            arrow = Arrow.NONE
        elif d.forward and d.backward:
            arrow = Arrow.BOTH
        else:
            arrow = Arrow.FORWARD
        source, target = (d.b, d.a) if d.backward and not d.forward else (d.a, d.b)
        edges.append(
            MapEdge(
                source=source,
                target=target,
                kind=d.kind,
                label=d.label,
                arrow=arrow,
                former=d.former,
                relations=tuple(d.relations),
                points=ordered[k],
                label_box=labels[k],
            )
        )
    return tuple(edges)
