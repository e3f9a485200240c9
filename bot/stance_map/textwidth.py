"""How wide a line of text is in DejaVu Sans, without loading a font: the layout's ruler.

The widths are DejaVu Sans / DejaVu Sans Bold advance widths (thousandths of an em) for
printable ASCII, read once from the fonts matplotlib ships — the fonts ``png.render_png``
draws with, so what the layout measures is what the picture shows. Accented letters measure as
their base letter (ğ as g), which is how the fonts draw them; anything else counts as a wide
glyph. Kerning is ignored, hence the small safety margin in ``text_width``.
"""

from __future__ import annotations

import unicodedata

# fmt: off
_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698,
    770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732,
    684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
    634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592,
    525, 636, 337, 636, 838,
)
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734,
    830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812,
    774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716,
    712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652,
    582, 712, 365, 712, 838,
)
# fmt: on
#: (regular, bold) widths of the non-ASCII characters the map itself writes.
_SPECIAL = {
    "ı": (278, 343),
    "—": (1000, 1000),
    "–": (500, 500),
    "…": (1000, 1000),
    "→": (838, 838),
    "·": (318, 380),
    "“": (518, 657),
    "”": (518, 657),
    "‘": (318, 380),
    "’": (318, 380),
}
_WIDE = 1000  # anything else: assume a wide glyph rather than overflow the box
#: Kerning and rasterisation make real lines a little wider or narrower than the sum.
_MARGIN = 1.04


def _advance(char: str, table: tuple[int, ...]) -> int:
    code = ord(char)
    if 32 <= code < 127:
        return table[code - 32]
    if char in _SPECIAL:
        return _SPECIAL[char][table is _BOLD]
    base = unicodedata.normalize("NFKD", char)[:1]
    if base and 32 <= ord(base) < 127:
        return table[ord(base) - 32]
    if unicodedata.category(char).startswith("M"):  # a combining mark takes no room
        return 0
    return _WIDE


def text_width(text: str, size_px: float, *, bold: bool = False) -> float:
    """The width in pixels of one line of ``text`` at ``size_px`` (the font's em in pixels)."""
    table = _BOLD if bold else _REGULAR
    return sum(_advance(c, table) for c in text) * size_px / 1000 * _MARGIN


def wrap(
    text: str, width_px: float, size_px: float, *, bold: bool = False, max_lines: int = 3
) -> tuple[str, ...]:
    """``text`` broken into at most ``max_lines`` lines that each fit ``width_px``.

    Words longer than a line are cut; text past the last line ends in an ellipsis.
    """
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        while text_width(word, size_px, bold=bold) > width_px and len(word) > 1:
            head = _fit(word, width_px, size_px, bold=bold)
            if current:
                lines.append(current)
                current = ""
            lines.append(head)
            word = word[len(head) :]
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size_px, bold=bold) <= width_px:
            current = candidate
        else:
            if current:
                lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        kept[-1] = _ellipsize(kept[-1], width_px, size_px, bold=bold)
        return tuple(kept)
    return tuple(lines)


def _fit(word: str, width_px: float, size_px: float, *, bold: bool) -> str:
    """The longest start of ``word`` (at least one character) that fits ``width_px``."""
    end = 1
    while end < len(word) and text_width(word[: end + 1], size_px, bold=bold) <= width_px:
        end += 1
    return word[:end]


def _ellipsize(line: str, width_px: float, size_px: float, *, bold: bool) -> str:
    while line and text_width(line + "…", size_px, bold=bold) > width_px:
        line = line[:-1]
    return line.rstrip() + "…"
