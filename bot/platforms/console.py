"""The local console: the same commands as chat, in a terminal, when no platform is configured.

It is also the ``console`` digest poster, so digests scheduled from the console print here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot.commands.calls import Context
from bot.commands.engine import Engine
from bot.core.answers import Answer
from bot.digests.ports import ChannelRef, PostKey, PostResult, RateLimits, channel_mention
from bot.render.text import to_text

log = logging.getLogger(__name__)

PROMPT = "briefbot> "
CONTEXT = Context(
    platform="console",
    user_id="local",
    user_name="you",
    channel_id="console",
    channel_name="console",
)


class ConsoleService:
    """An interactive prompt answering ``/actor russia`` or ``actor russia``; Ctrl-D quits."""

    name = "console"
    platform = "console"
    limits = RateLimits(per_channel=20, window=1.0)  # a terminal has no limits worth keeping

    def __init__(
        self, engine: Engine, *, stdin: TextIO | None = None, stdout: TextIO | None = None
    ) -> None:
        self.engine = engine
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._closed = asyncio.Event()
        self._output_closed = False
        self._task: asyncio.Task[None] | None = None
        self._interactive = self.stdin.isatty() and self.stdout.isatty()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._repl(), name="console")

    async def stop(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()
        self._closed.set()

    def is_ready(self) -> bool:
        return self._task is not None and not self._closed.is_set()

    async def wait_closed(self) -> None:
        """Return once the user has left the console (Ctrl-D / ``quit``)."""
        await self._closed.wait()

    def parse_channel(self, text: str) -> ChannelRef | None:
        """Any name: ``#ops``, ``ops`` (or a mention)."""
        name = text.strip().lstrip("#")
        return channel_mention(text) or (ChannelRef(name, name) if name else None)

    async def post(
        self,
        channel_id: str,
        answer: Answer,
        *,
        skip_pages: int = 0,
        key: PostKey | None = None,
        uncertain: bool = False,
    ) -> PostResult:
        """Print a digest as it would arrive in a channel (as one page)."""
        if skip_pages >= 1:
            return PostResult()
        self._write(f"\n── digest for #{channel_id} ──\n{to_text(answer)}\n")
        return PostResult(message_id="console")

    def _write(self, text: str) -> None:
        if self._output_closed:
            return
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except (OSError, ValueError):
            # Whoever reads our output went away (`briefbot run | head`): leave the console as
            # Ctrl-D would, and send what is still buffered nowhere instead of failing at exit.
            self._output_closed = True
            self._closed.set()
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stdout.fileno())

    async def _repl(self) -> None:
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        # A daemon thread: a blocked input() must never keep the process alive at exit.
        threading.Thread(target=self._read_lines, args=(loop, lines), daemon=True).start()
        library = self.engine.library.current
        newest = library.get(None).briefing
        try:
            self._write(
                f"Briefbot console — {len(library.briefings)} briefing(s); newest: {newest.title}\n"
                "Type a command such as: brief · actor russia · compare turkey syria · timeline · "
                "ask why does Russia support this? · help.  Ctrl-D to quit.\n"
            )
            while not self._output_closed:
                line = await lines.get()
                if line is None:
                    break
                text = line.strip()
                if not text:
                    continue
                if text.lower() in {"quit", "exit", ":q"}:
                    break
                answer = await self.engine.execute_text(text, CONTEXT)
                self._write(to_text(answer) + "\n")
        finally:
            self._closed.set()
            self._write("Bye.\n")

    def _read_lines(
        self, loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]
    ) -> None:
        if self._interactive:
            _load_history()
        while True:
            try:
                if self._interactive:
                    line: str | None = input(PROMPT)
                else:
                    raw = self.stdin.readline()
                    line = raw if raw else None
            except (EOFError, KeyboardInterrupt, ValueError):  # ValueError: stdin closed under us
                line = None
            loop.call_soon_threadsafe(lines.put_nowait, line)
            if line is None:
                if self._interactive:
                    _save_history()
                return


HISTORY_FILE = Path("~/.briefbot_history").expanduser()


def _load_history() -> None:
    """Line editing for ``input()`` and the history of earlier sessions (↑ recalls them)."""
    try:
        import readline
    except ImportError:  # pragma: no cover - platforms without readline
        return
    readline.set_history_length(1000)
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY_FILE)


def _save_history() -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        readline.write_history_file(HISTORY_FILE)
