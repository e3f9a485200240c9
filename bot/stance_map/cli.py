"""``briefbot query … --format png``: the answer's picture, as PNG bytes on standard output."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, BinaryIO

from bot.core.answers import Answer, Tone
from bot.stance_map.cache import image_bytes

if TYPE_CHECKING:
    from bot.core.library import Library

EXAMPLE = "briefbot query map --format png > map.png"


def write_png(library: Library, answer: Answer, out: BinaryIO) -> int:
    """Write the picture of ``answer`` to ``out``; 0, or 1 with one line on stderr."""
    if answer.tone is Tone.ERROR:
        print(answer.summary, file=sys.stderr)
        return 1
    if answer.image is None:
        print(f"That answer has no picture; the map has one: {EXAMPLE}", file=sys.stderr)
        return 1
    if out.isatty():
        print(f"Not writing a PNG to the terminal; redirect it: {EXAMPLE}", file=sys.stderr)
        return 1
    out.write(asyncio.run(image_bytes(library, answer.image)))
    out.flush()
    return 0
