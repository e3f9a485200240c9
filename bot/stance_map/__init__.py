"""The stance map: who stands where on a briefing's question, and who leans on whom.

``layout(briefing)`` places every actor in its stance band and routes its relations (pure
Python); ``render_png(layout)`` draws it with matplotlib, which is imported only then — importing
this package never loads it. ``alt_text`` and ``who_stands_where`` say the same in words.
``render_map(loaded)`` / ``map_layout(loaded)`` compute them off the event loop once per
content version; ``image_bytes(library, answer.image)`` is what an adapter calls to attach the
image of an answer.
"""

from __future__ import annotations

from bot.stance_map.bands import (
    BAND_TITLES,
    EDGE_TITLES,
    Band,
    EdgeKind,
    RelationReading,
    band_of,
    read_relation,
)
from bot.stance_map.cache import MapCache, image_bytes, map_layout, maps, render_map
from bot.stance_map.layout import layout
from bot.stance_map.parts import ActorPlace, Arrow, BandArea, MapEdge, MapLayout
from bot.stance_map.views import ALT_TEXT_LIMIT, IMAGE_KIND, alt_text, image_ref, who_stands_where


def render_png(map_layout: MapLayout) -> bytes:
    """The map as PNG bytes (``width`` × ``height`` pixels); loads matplotlib on first use."""
    from bot.stance_map.png import render_png as draw

    return draw(map_layout)


__all__ = [
    "ALT_TEXT_LIMIT",
    "BAND_TITLES",
    "EDGE_TITLES",
    "IMAGE_KIND",
    "ActorPlace",
    "Arrow",
    "Band",
    "BandArea",
    "EdgeKind",
    "MapCache",
    "MapEdge",
    "MapLayout",
    "RelationReading",
    "alt_text",
    "band_of",
    "image_bytes",
    "image_ref",
    "layout",
    "map_layout",
    "maps",
    "read_relation",
    "render_map",
    "render_png",
    "who_stands_where",
]
