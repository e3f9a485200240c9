"""The ``map`` command on each surface, and ``briefbot query map --format png``."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.commands.calls import Context
from bot.commands.engine import Engine
from bot.core.answers import Tone
from bot.stance_map import alt_text, layout, render_png
from bot.stance_map.cli import write_png
from tests.conftest import ROOT
from tests.stance_map.test_png import size


async def test_the_console_saves_the_picture_and_says_where(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.commands.map.IMAGE_DIR", tmp_path)
    answer = await engine.execute_text("map", Context(platform="console"))
    assert answer.tone is Tone.INFO and answer.image is not None
    note = answer.sections[0]
    path = tmp_path / answer.image.filename
    assert note.heading == "Picture" and note.text == f"Saved the picture to {path}"
    loaded = engine.library.current.get(None)
    assert path.read_bytes() == render_png(layout(loaded.briefing))
    again = await engine.execute_text("/map", Context(platform="console"))
    assert again.sections[0].text == note.text  # the same file, rewritten only if it changed


async def test_an_unwritable_folder_is_said_plainly(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr("bot.commands.map.IMAGE_DIR", blocker / "maps")
    answer = await engine.execute_text("map", Context(platform="console"))
    assert answer.tone is Tone.INFO  # the text view still answers
    assert answer.sections[0].text.startswith(f"Could not save the picture to {blocker}")


async def test_chat_platforms_get_the_text_view_with_the_image_attached(engine: Engine) -> None:
    loaded = engine.library.current.get(None)
    for platform in ("discord", "slack"):
        answer = await engine.execute_text("map", Context(platform=platform))
        assert answer.sections[0].heading.startswith("Driving / supporting")
        assert answer.image is not None
        assert answer.image.briefing == loaded.briefing.id
        assert answer.image.version == loaded.fingerprint
        assert answer.image.alt_text == alt_text(layout(loaded.briefing))
        assert not answer.private


async def test_map_takes_a_briefing_and_refuses_an_unknown_one(engine: Engine) -> None:
    answer = await engine.execute_text("map --briefing nope", Context(platform="discord"))
    assert answer.tone is Tone.ERROR and answer.private and answer.image is None
    help_answer = await engine.execute_text("help", Context())
    assert any(i.text.startswith("map [briefing] — ") for i in help_answer.sections[0].items)


def run_cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "bot", "query", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        **kwargs,
    )


def test_query_map_format_png_writes_the_png(library) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("map", "--format", "png")
    assert done.returncode == 0, done.stderr
    lay = layout(library.get(None).briefing)
    assert size(done.stdout) == (lay.width, lay.height)
    assert done.stdout == render_png(lay)  # the same bytes in another process


def test_query_map_in_text_says_how_to_get_the_picture() -> None:
    done = run_cli("map")
    assert done.returncode == 0
    out = done.stdout.decode()
    assert out.startswith("Who stands where — ")
    assert "The picture: briefbot query map --format png > map.png" in out


def test_a_command_without_a_picture_says_so_in_one_line() -> None:
    done = run_cli("actor", "erdogan", "--format", "png")
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().strip() == (
        "That answer has no picture; the map has one: briefbot query map --format png > map.png"
    )


async def test_png_is_not_written_to_a_terminal(engine: Engine) -> None:
    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    answer = await engine.execute_text("map", Context(platform="cli"))
    out = Terminal()
    assert write_png(engine.library.current, answer, out) == 1
    assert out.getvalue() == b""
