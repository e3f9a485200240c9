"""Helpers for the ops tests: a copy of the tiny fixture briefing, and waiting for a condition."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from .proc import BotProcess

FIXTURE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "content"


@pytest.fixture
def mini_content(tmp_path: Path) -> Path:
    """A writable copy of the ``mini`` briefing (``mini.yaml`` + ``mini.source.txt``)."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


async def eventually(
    condition: Callable[[], Awaitable[bool] | bool], *, timeout: float = 10.0, what: str = ""
) -> None:
    """Poll ``condition`` every 20 ms until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what or condition}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def spawn(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[BotProcess]]]:
    """Start ``briefbot run`` subprocesses (in ``tmp_path``); each is killed if left running."""
    started: list[BotProcess] = []

    async def start(env: dict[str, str], *, stdin: bool = False) -> BotProcess:
        bot = await BotProcess(env, tmp_path, stdin=stdin).start()
        started.append(bot)
        return bot

    yield start
    for bot in started:
        await bot.close()
