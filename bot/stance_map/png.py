"""Paint a ``MapLayout`` as a PNG with matplotlib (Agg), the same bytes for the same layout.

matplotlib is imported inside ``render_png`` only, so importing this module (and the bot) costs
nothing until a map is drawn. The drawing uses matplotlib's object API on a private figure (no
pyplot, no global figure registry), the DejaVu Sans files matplotlib ships (never a system font,
so every machine draws the same glyphs), matplotlib's default settings rather than a user's
matplotlibrc, and a PNG written by Pillow with no metadata at all — so the bytes depend on the
layout and the versions of matplotlib (with its FreeType), Pillow and zlib only. Renders are
serialised by a lock because matplotlib's settings are process-global.

Colours are the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies),
and every edge family also differs by line style, so nothing relies on colour alone. The card is
an opaque light background with dark text: it reads the same in a dark or a light chat theme.
"""

from __future__ import annotations

import io
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.stance_map.bands import Band, EdgeKind
from bot.stance_map.parts import Arrow, MapEdge, MapLayout
from bot.stance_map.sizes import (
    BAND_HEADER,
    BOX_PAD,
    EDGE_LABEL_PX,
    FOOTER_PX,
    LEGEND_PX,
    LEGEND_SAMPLE,
    LINE,
    MARGIN,
    META_PX,
    STANCE_PX,
    SUBTITLE_PX,
    TITLE_PX,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties

DPI = 100
_lock = threading.Lock()

# Okabe & Ito (2008), "Color Universal Design".
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#6B6B6B"

CARD = "#FBFAF7"
INK = "#1B1B1B"
MUTED = "#4A4A4A"

BAND_COLOURS = {
    Band.DRIVING: BLUISH_GREEN,
    Band.ENGAGED: BLUE,
    Band.OPPOSED: VERMILLION,
    Band.UNCLEAR: GREY,
}
BAND_TINTS = {
    Band.DRIVING: "#E3F3EE",
    Band.ENGAGED: "#E2EDF6",
    Band.OPPOSED: "#F9E8DE",
    Band.UNCLEAR: "#EEEEEC",
}
#: (colour, line style, width) of each edge family.
EDGE_STYLES: dict[EdgeKind, tuple[str, Any, float]] = {
    EdgeKind.BACKS: (BLUISH_GREEN, "solid", 2.6),
    EdgeKind.COURTS: (BLUE, (0, (6, 3)), 2.4),
    EdgeKind.PRESSURES: (ORANGE, (0, (7, 2, 1.5, 2)), 2.4),
    EdgeKind.OPPOSES: (VERMILLION, "solid", 3.0),
    EdgeKind.AT_ODDS: (REDDISH_PURPLE, (0, (1.5, 2)), 2.8),
    EdgeKind.COOPERATES: (SKY_BLUE, "solid", 2.4),
    EdgeKind.OTHER: (GREY, (0, (1, 2.5)), 2.0),
}


def _pt(px: float) -> float:
    """Font size in points for a size in pixels at the figure's dpi."""
    return px * 72 / DPI


def _fonts() -> tuple[FontProperties, FontProperties]:
    import matplotlib
    from matplotlib.font_manager import FontProperties

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return FontProperties(fname=ttf / "DejaVuSans.ttf"), FontProperties(
        fname=ttf / "DejaVuSans-Bold.ttf"
    )


def render_png(layout: MapLayout) -> bytes:
    """The map as PNG bytes, ``layout.width`` × ``layout.height`` pixels."""
    import matplotlib

    # The Agg canvas is attached to the figure explicitly: the global backend is never switched.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _lock, matplotlib.rc_context(matplotlib.rcParamsDefault), warnings.catch_warnings():
        # A name in a script DejaVu Sans lacks draws as boxes; the alt text still has it.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
        fig = Figure(figsize=(layout.width / DPI, layout.height / DPI), dpi=DPI, facecolor=CARD)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, layout.width)
        ax.set_ylim(layout.height, 0)
        ax.set_axis_off()
        regular, bold = _fonts()
        _draw(ax, layout, regular, bold)
        canvas.draw()
        return _encode(canvas)


def _encode(canvas: Any) -> bytes:
    """The canvas as an RGB PNG with no text chunks (no "Software" stamp, no time)."""
    from PIL import Image

    width, height = canvas.get_width_height()
    rgba = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    # The card is opaque, so RGB loses nothing; level 1 is ~3× faster than the default and
    # only ~5 % larger on flat colours like these.
    rgba.convert("RGB").save(out, format="png", compress_level=1)
    return out.getvalue()


def _draw(ax: Axes, layout: MapLayout, regular: FontProperties, bold: FontProperties) -> None:
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MplPath

    def text(x: float, y: float, s: str, px: float, font: FontProperties, **kw: Any) -> None:
        ax.text(x, y, s, fontproperties=font, fontsize=_pt(px), **{"color": INK, **kw})

    y = float(MARGIN)
    for line in layout.title_lines:
        text(MARGIN, y, line, TITLE_PX, bold, va="top")
        y += TITLE_PX * LINE
    for line in layout.subtitle_lines:
        text(MARGIN, y, line, SUBTITLE_PX, regular, va="top", color=MUTED)
        y += SUBTITLE_PX * LINE

    for entry in layout.legend:
        colour, style, lw = EDGE_STYLES[entry.kind]
        ax.plot(
            [entry.x, entry.x + LEGEND_SAMPLE],
            [entry.y, entry.y],
            color=colour,
            linestyle=style,
            linewidth=lw,
            solid_capstyle="butt",
        )
        text(entry.x + LEGEND_SAMPLE + 10, entry.y, entry.title, LEGEND_PX, regular, va="center")

    for band in layout.bands:
        r = band.area
        ax.add_artist(
            FancyBboxPatch(
                (r.x, r.y),
                r.w,
                r.h,
                boxstyle="round,pad=0,rounding_size=14",
                facecolor=BAND_TINTS[band.band],
                edgecolor="none",
                zorder=0,
            )
        )
        hb = band.heading_box
        text(
            hb.x,
            hb.y + hb.h / 2,
            band.heading,
            band.heading_px,
            bold,
            va="center",
            color=BAND_COLOURS[band.band],
        )
        if not band.actor_ids:
            text(
                r.x + r.w / 2,
                r.y + BAND_HEADER + (r.h - BAND_HEADER) / 2,
                "none in this briefing",
                STANCE_PX,
                regular,
                ha="center",
                va="center",
                color=MUTED,
            )

    for edge in layout.edges:
        _edge(ax, edge, FancyArrowPatch, MplPath)

    for actor in layout.actors:
        b = actor.box
        colour = BAND_COLOURS[actor.band]
        ax.add_artist(
            FancyBboxPatch(
                (b.x, b.y),
                b.w,
                b.h,
                boxstyle="round,pad=0,rounding_size=10",
                facecolor="white",
                edgecolor=colour,
                linewidth=3.0 if actor.rank == 1 else 2.0,
                zorder=3,
            )
        )
        ax.add_artist(
            FancyBboxPatch(
                (b.x, b.y + 10),
                7,
                b.h - 20,
                boxstyle="square,pad=0",
                facecolor=colour,
                edgecolor="none",
                zorder=3.1,
            )
        )
        ty = b.y + BOX_PAD
        for line in actor.name_lines:
            text(b.x + BOX_PAD + 4, ty, line, actor.name_px, bold, va="top", zorder=4)
            ty += actor.name_px * LINE
        ty += 4
        for line in actor.stance_lines:
            text(b.x + BOX_PAD + 4, ty, line, STANCE_PX, regular, va="top", zorder=4, color=colour)
            ty += STANCE_PX * LINE
        ty += 4
        text(b.x + BOX_PAD + 4, ty, actor.meta, META_PX, regular, va="top", zorder=4, color=MUTED)

    for edge in layout.edges:
        colour, _, _ = EDGE_STYLES[edge.kind]
        lb = edge.label_box
        ax.add_artist(
            FancyBboxPatch(
                (lb.x, lb.y),
                lb.w,
                lb.h,
                boxstyle="round,pad=0,rounding_size=6",
                facecolor="white",
                edgecolor=colour,
                linewidth=1.4,
                zorder=5,
            )
        )
        text(
            lb.x + lb.w / 2,
            lb.y + lb.h / 2,
            edge.label,
            EDGE_LABEL_PX,
            regular,
            ha="center",
            va="center",
            linespacing=LINE,
            zorder=6,
        )

    y = layout.footer_y
    for line in layout.footer_lines:
        text(MARGIN, y, line, FOOTER_PX, regular, va="top", color=MUTED)
        y += FOOTER_PX * LINE


CORNER = 26  # radius of an edge's rounded corners, in pixels


def _edge(ax: Axes, edge: MapEdge, arrow_patch: Any, path_cls: Any) -> None:
    colour, style, lw = EDGE_STYLES[edge.kind]
    heads = {Arrow.FORWARD: "-|>", Arrow.BOTH: "<|-|>", Arrow.NONE: "-"}[edge.arrow]
    vertices, codes = _rounded(edge)
    ax.add_artist(
        arrow_patch(
            path=path_cls(vertices, [getattr(path_cls, c) for c in codes]),
            arrowstyle=f"{heads},head_length=0.55,head_width=0.3" if heads != "-" else "-",
            mutation_scale=26,
            color=colour,
            linewidth=lw,
            linestyle=style,
            joinstyle="round",
            capstyle="butt",
            alpha=0.55 if edge.former else 0.95,
            zorder=2,
        )
    )


def _rounded(edge: MapEdge) -> tuple[list[tuple[float, float]], list[str]]:
    """The edge's polyline with each corner replaced by a quadratic curve."""
    pts = edge.points
    vertices = [(pts[0].x, pts[0].y)]
    codes = ["MOVETO"]
    for prev, here, nxt in zip(pts, pts[1:], pts[2:], strict=False):
        r = min(CORNER, prev.distance(here) / 2, here.distance(nxt) / 2)
        a = _towards(here, prev, r)
        b = _towards(here, nxt, r)
        vertices += [a, (here.x, here.y), b]
        codes += ["LINETO", "CURVE3", "CURVE3"]
    vertices.append((pts[-1].x, pts[-1].y))
    codes.append("LINETO")
    return vertices, codes


def _towards(p: Any, q: Any, r: float) -> tuple[float, float]:
    d = p.distance(q)
    f = 0 if d == 0 else r / d
    return (p.x + (q.x - p.x) * f, p.y + (q.y - p.y) * f)
