"""The console's banner suggests commands taken from the default briefing, and they answer."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest

from bot.app.composition import build_engine
from bot.commands.engine import Engine
from bot.core.answers import Tone
from bot.core.library import Library, LibraryHolder
from bot.core.loader import load_directory
from bot.platforms.console import CONTEXT, ConsoleService
from tests.conftest import CONTENT_DIR, FIXTURES


def _engine(*dirs: Path, default: str | None = None) -> Engine:
    loaded = [b for d in dirs for b in load_directory(d)]
    return build_engine(LibraryHolder(Library.from_loaded(loaded, default_id=default)))


async def _banner(engine: Engine, tmp_path: Path) -> str:
    stdout = io.StringIO()
    console = ConsoleService(
        engine, stdin=io.StringIO(""), stdout=stdout, history_file=tmp_path / "h"
    )
    await console.start()
    await asyncio.wait_for(console.wait_closed(), 10)
    await console.stop()
    text = stdout.getvalue()
    return " ".join(text.split())  # unwrapped


def _examples(banner: str) -> list[str]:
    found = re.search(r"Type a command such as: (.*?)\. After an answer", banner)
    assert found, banner
    return found.group(1).split(" · ")


@pytest.mark.parametrize(
    ("dirs", "default", "actor", "title"),
    [
        ((CONTENT_DIR,), None, "actor turkey", "Is Turkey Headed"),
        ((FIXTURES / "briefings" / "ask",), None, "actor iran", "Can the Gas Corridor Deal Hold?"),
        (
            (FIXTURES / "briefings" / "multi", CONTENT_DIR),
            "rail-link",
            "actor northland",
            "A Railway Across the Border",
        ),
    ],
)
async def test_the_banner_examples_come_from_the_default_briefing_and_answer(
    dirs: tuple[Path, ...], default: str | None, actor: str, title: str, tmp_path: Path
) -> None:
    engine = _engine(*dirs, default=default)
    banner = await _banner(engine, tmp_path)
    assert title in banner
    examples = _examples(banner)
    assert actor in examples and "actor russia" not in examples
    asks = [e for e in examples if e.startswith("ask ")]
    assert asks and "Russia" not in asks[0]
    for example in examples:
        answer = await engine.execute_text(example, CONTEXT)
        assert answer.tone is Tone.INFO, (example, answer.summary)
        assert answer.title != "Not in this briefing", example


async def test_with_two_briefings_the_banner_names_the_default(tmp_path: Path) -> None:
    banner = await _banner(_engine(FIXTURES / "briefings" / "multi"), tmp_path)
    assert "2 briefing(s); default: Who Gets the Harbour?" in banner
    assert "compare northland westmark" in _examples(banner)
