"""The map in words: its alt text, and the "Who stands where" answer with every citation."""

from __future__ import annotations

from bot.core.answers import ActionKind, Answer, Choice, ImageRef, Item, Section
from bot.core.briefing import Briefing
from bot.core.textnorm import fold
from bot.stance_map.bands import BAND_TITLES, Band, EdgeKind, says_unclear
from bot.stance_map.parts import ActorPlace, MapEdge, MapLayout

#: Discord's limit for an attachment's description (its alt text); Slack allows more.
ALT_TEXT_LIMIT = 1024
IMAGE_KIND = "stance-map"
BAND_ORDER = (Band.DRIVING, Band.ENGAGED, Band.OPPOSED, Band.UNCLEAR)


def _stance_note(actor: ActorPlace) -> str:
    """The actor's label, unless it only repeats its band ("Opposed" under Opposed, "No
    position stated" under Unclear or not stated)."""
    if fold(actor.stance) in fold(BAND_TITLES[actor.band]):
        return ""
    if actor.band is Band.UNCLEAR and says_unclear(actor.stance):
        return ""
    return actor.stance


def _edge_sentence(layout: MapLayout, edge: MapEdge) -> str:
    verb, *more = edge.label.split("\n")
    source, target = layout.actor(edge.source).name, layout.actor(edge.target).name
    also = f" (also: {', '.join(more)})" if more else ""
    if edge.kind is EdgeKind.OTHER:  # the author's own words, which need not be a verb
        joined = f"{source} and {target}" if edge.arrow.value == "none" else source
        tail = "" if edge.arrow.value == "none" else f" {target}"
        return f"{joined}: {verb}{tail}{also}"
    if edge.arrow.value == "none":
        return f"{source} and {target}: {verb}{also}"
    both = " and the other way round" if edge.arrow.value == "both" else ""
    return f"{source} {verb} {target}{both}{also}"


def alt_text(layout: MapLayout, *, limit: int = ALT_TEXT_LIMIT) -> str:
    """Every actor and its stance, band by band, then as many relations as fit in ``limit``.

    How it is cut when the briefing is large: the actors always come first and relations are
    added whole while they fit, the rest counted ("and 12 more relations"). If the actors alone
    do not fit, their stance labels go (the band still says where each stands); if even the
    names do not fit, each band lists what fits and counts the rest.
    """
    head = f"Stance map of “{layout.title}”."
    tail = " The “map” command's text lists every actor and relation with its citations."

    def actors_part(with_labels: bool, keep: int | None) -> str:
        parts = []
        for band in BAND_ORDER:
            people = layout.in_band(band)
            if not people:
                continue
            shown = people if keep is None else people[:keep]
            names = []
            for a in shown:
                note = _stance_note(a) if with_labels else ""
                names.append(f"{a.name} ({note})" if note else a.name)
            more = len(people) - len(shown)
            listed = "; ".join(names) + (f"; and {more} more" if more else "")
            parts.append(f"{BAND_TITLES[band]}: {listed}.")
        return " ".join(parts)

    body = actors_part(True, None)
    if len(head) + len(body) + len(tail) + 2 > limit:
        body = actors_part(False, None)
    keep = max((len(layout.in_band(b)) for b in BAND_ORDER), default=0)
    while len(head) + len(body) + len(tail) + 2 > limit and keep > 1:
        keep -= 1
        body = actors_part(False, keep)
    text = f"{head} {body}"
    if len(text) + len(tail) > limit:
        return text[: limit - 1].rstrip() + "…"

    sentences = [_edge_sentence(layout, e) for e in layout.edges]
    shown: list[str] = []
    for sentence in sentences:
        if len(text) + len(_relations([*shown, sentence], len(sentences))) + len(tail) > limit:
            break
        shown.append(sentence)
    if sentences:
        text += _relations(shown, len(sentences))
    return text + tail if len(text) + len(tail) <= limit else text


def _relations(shown: list[str], total: int) -> str:
    rest = total - len(shown)
    more = f"and {rest} more relation{'' if rest == 1 else 's'}" if rest else ""
    if not shown:
        return f" {total} relation{'' if total == 1 else 's'}."
    return " Relations: " + "; ".join([*shown, more] if more else shown) + "."


def image_ref(layout: MapLayout, version: str) -> ImageRef:
    """What an adapter needs to fetch and attach the map image of this layout."""
    return ImageRef(
        kind=IMAGE_KIND,
        briefing=layout.briefing_id,
        version=version,
        filename=f"stance-map-{layout.briefing_id}-{version[:12]}.png",
        alt_text=alt_text(layout),
    )


def who_stands_where(layout: MapLayout, briefing: Briefing, version: str) -> Answer:
    """The map as a cited text answer, with the image attached for adapters that show it."""
    sections = []
    for band in BAND_ORDER:
        people = layout.in_band(band)
        if not people:
            continue
        sections.append(
            Section(
                f"{BAND_TITLES[band]} ({len(people)})",
                tuple(Item(f"{a.name} — {a.stance}: {a.explanation}", a.evidence) for a in people),
            )
        )
    if layout.edges:
        sections.append(
            Section(
                f"Relations ({len(layout.edges)})",
                tuple(
                    Item(f"{_edge_sentence(layout, e)}: {e.relations[0].text}", e.citations)
                    for e in layout.edges
                ),
            )
        )
    src = briefing.source
    n = len(layout.actors)
    return Answer(
        title=f"Who stands where — {briefing.title}",
        summary=(
            f"{n} actor{'' if n == 1 else 's'} by stance, the most discussed first, and "
            f"{len(layout.edges)} relation{'' if len(layout.edges) == 1 else 's'} between them "
            "— the same as the stance map."
        ),
        sections=tuple(sections),
        link=src.url,
        footer=f"Source: {src.title} — {src.author}, {src.publisher}. Bands are read from each "
        "actor's stance label; a label they do not name counts as unclear.",
        picker=tuple(Choice(a.name, a.id, a.stance.label) for a in briefing.actors)[:25],
        picker_kind=ActionKind.ACTOR,
        picker_briefing=briefing.id,
        image=image_ref(layout, version),
    )
