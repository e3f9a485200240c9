"""The picture: a valid PNG of the stated size, the same bytes every time."""

from __future__ import annotations

import struct
import zlib

import pytest

from bot.core.briefing import Briefing
from bot.stance_map import layout, render_png

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every (type, payload) of a PNG, checking each chunk's CRC on the way."""
    assert data[:8] == SIGNATURE
    out, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        out.append((kind, body))
        at += 12 + length
    assert out[0][0] == b"IHDR" and out[-1][0] == b"IEND"
    return out


def size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", chunks(data)[0][1][:8])
    return width, height


def test_the_shipped_map_is_a_png_of_its_layouts_size_and_the_same_bytes_twice(
    shipped: Briefing,
) -> None:
    lay = layout(shipped)
    first = render_png(lay)
    assert size(first) == (lay.width, lay.height)
    assert lay.width >= 1200
    assert render_png(layout(shipped)) == first
    # No "Software" (matplotlib version) stamp and no timestamp: only the picture.
    assert {kind for kind, _ in chunks(first)} <= {b"IHDR", b"IDAT", b"IEND", b"pHYs"}


@pytest.mark.parametrize("name", ["one", "two", "thirty", "long-names", "no-relations"])
def test_fixture_maps_render(fixtures, name: str) -> None:  # type: ignore[no-untyped-def]
    lay = layout(fixtures[name])
    data = render_png(lay)
    assert size(data) == (lay.width, lay.height)
    if name == "thirty":
        assert render_png(lay) == data


def test_a_name_in_a_script_the_font_lacks_still_renders() -> None:
    from tests.stance_map import builders

    b = builders.briefing([builders.actor("cjk", "北方国家", "Opposed")])
    lay = layout(b)
    assert size(render_png(lay)) == (lay.width, lay.height)
