"""Hot reload: a valid change is swapped in and recorded, an invalid one is rejected."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.app.composition import build_engine
from bot.app.reload import ContentReloader, ReloadOutcome
from bot.commands.calls import Context
from bot.commands.engine import Engine
from bot.core.library import Library, LibraryHolder
from bot.core.loader import LoadedBriefing, load_directory, validate_directory

from .helpers import eventually

CTX = Context(platform="console", channel_id="console")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


async def title(engine: Engine) -> str:
    return (await engine.execute_text("brief", CTX)).title


async def test_valid_change_is_swapped_in_and_invalid_one_rejected(
    mini_content: Path, caplog
) -> None:
    engine = build_engine(LibraryHolder(Library.from_loaded(load_directory(mini_content))))
    recorded: list[list[LoadedBriefing]] = []

    async def record(loaded: list[LoadedBriefing]) -> None:
        recorded.append(loaded)

    reloader = ContentReloader(mini_content, engine.library, record=record, debounce_ms=50)
    reloader.start()
    await reloader.wait_watching()
    try:
        first_version = engine.library.current.version
        assert await title(engine) == "Alpha and Beta talk"

        edit(mini_content / "mini.yaml", "title: Alpha and Beta talk", "title: Talks in Geneva")

        async def retitled() -> bool:
            return await title(engine) == "Talks in Geneva"

        await eventually(retitled, what="the new title to be served")
        assert engine.library.current.version != first_version
        assert [[b.briefing.title for b in loaded] for loaded in recorded] == [["Talks in Geneva"]]

        caplog.set_level(logging.ERROR, logger="bot.app.reload")
        edit(mini_content / "mini.yaml", "quote: Beta wants a ceasefire.", "quote: Beta refuses.")
        expected = [str(p) for p in validate_directory(mini_content)]
        assert expected and all(":" in line for line in expected)
        await eventually(lambda: bool(caplog.records), what="the rejection to be logged")
        message = caplog.records[0].getMessage()
        assert "content change rejected" in message
        assert all(line in message for line in expected)  # same file:line lines as validate
        assert await title(engine) == "Talks in Geneva"  # the last good version still serves
        assert len(recorded) == 1
    finally:
        await reloader.stop()


async def test_touching_files_without_a_change_keeps_the_version(mini_content: Path) -> None:
    engine = build_engine(LibraryHolder(Library.from_loaded(load_directory(mini_content))))
    library = engine.library.current
    reloader = ContentReloader(mini_content, engine.library)
    assert await reloader.reload() is ReloadOutcome.UNCHANGED
    assert engine.library.current is library
