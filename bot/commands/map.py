"""The ``map`` command: who stands where, as an image with the same data in cited text.

The answer is the "Who stands where" text view with ``Answer.image`` set: adapters that can
attach images fetch the PNG with ``bot.stance_map.image_bytes`` and attach it; the console
saves it to a file and says where; ``briefbot query map --format png`` writes it to stdout.
Declaring the command costs nothing: ``bot.stance_map`` is imported by the handler, and
matplotlib only when a picture is actually drawn.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import logging
import tempfile
from pathlib import Path
from types import ModuleType

from bot.commands.calls import Call
from bot.commands.registry import CommandRegistry, OptionKind, OptionSpec
from bot.core.answers import Answer, Section
from bot.core.loader import LoadedBriefing

log = logging.getLogger(__name__)

#: Where the console saves map images (one file per briefing version).
IMAGE_DIR = Path(tempfile.gettempdir()) / "briefbot"


#: The ``map`` command; ``register`` adds it to the application's registry.
commands = CommandRegistry()


def register(registry: CommandRegistry) -> None:
    """Add the ``map`` command to ``registry``."""
    registry.include(commands)


@commands.command(
    "map",
    "Who stands where: the actors by stance and how they relate, as a picture",
    options=(
        OptionSpec(
            "briefing", "Which briefing (default: the newest)", OptionKind.BRIEFING, required=False
        ),
    ),
    examples=("map",),
    # The first map of a content version is drawn (~0.3–1 s, more while matplotlib loads)
    # before the adapter can attach it: adapters acknowledge first.
    slow=True,
)
async def stance_map(call: Call) -> Answer:
    # Not ``cacheable``: the console's answer names a file. The map itself is cached per
    # content version in ``bot.stance_map``, so a repeated ``map`` costs microseconds.
    maps = await _stance_map()
    loaded = call.library.get(call.arg("briefing"))
    layout = await maps.map_layout(loaded)
    answer = maps.who_stands_where(layout, loaded.briefing, loaded.fingerprint)
    if call.context.platform == "console":
        return await _saved(answer, loaded)
    if call.context.platform == "cli":
        return _with_note(answer, "The picture: briefbot query map --format png > map.png")
    return answer


async def _saved(answer: Answer, loaded: LoadedBriefing) -> Answer:
    """``answer`` with a line saying where the console saved the PNG (or why it could not)."""
    assert answer.image is not None
    path = IMAGE_DIR / answer.image.filename
    try:
        data = await (await _stance_map()).render_map(loaded)
        await asyncio.to_thread(_write, path, data)
    except OSError as exc:
        log.warning("could not save the stance map to %s: %s", path, exc)
        return _with_note(answer, f"Could not save the picture to {path}: {exc.strerror}.")
    return _with_note(answer, f"Saved the picture to {path}")


_module: ModuleType | None = None


async def _stance_map() -> ModuleType:
    """``bot.stance_map``, imported on first use in a worker thread (~40 ms off the loop).

    Imported here, not at the top, because every process declares this command and few draw
    a map.
    """
    global _module
    if _module is None:
        _module = await asyncio.to_thread(importlib.import_module, "bot.stance_map")
    return _module


def _write(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)  # a reader never sees half a file


def _with_note(answer: Answer, note: str) -> Answer:
    return dataclasses.replace(answer, sections=(Section("Picture", text=note), *answer.sections))
