"""The console service: read a line, answer it, show the answer, then prompt again.

At a terminal (stdin and stdout both TTYs) lines come from a prompt with line editing and
history (``terminal.Terminal``), answers wrap to the terminal's width as it is now and long
ones page. Otherwise lines are read one by one from stdin and answers printed whole: piped
input (``briefbot run < commands.txt``) behaves as it always has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import textwrap
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.commands.calls import Context
from bot.commands.engine import Engine, apology_answer
from bot.core.answers import Answer
from bot.digests.ports import (
    ChannelRef,
    PostKey,
    PostResult,
    RateLimits,
    ThreadPlan,
    channel_mention,
)
from bot.platforms.console.views import EXIT_WORDS, MORE, FollowUps
from bot.render.text import WIDTH, to_text

if TYPE_CHECKING:
    from bot.core.briefing import Briefing
    from bot.platforms.console.terminal import Terminal

log = logging.getLogger(__name__)

CONTEXT = Context(
    platform="console",
    user_id="local",
    user_name="you",
    channel_id="console",
    channel_name="console",
)
#: How long ``stop`` waits for the console to put the terminal back.
STOP_SECONDS = 2.0


class ConsoleService:
    """An interactive prompt answering ``/actor russia`` or ``actor russia``; Ctrl-D quits."""

    name = "console"
    platform = "console"
    limits = RateLimits(per_channel=20, window=1.0)  # a terminal has no limits worth keeping

    def __init__(
        self,
        engine: Engine,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        history_file: Path | None = None,
    ) -> None:
        self.engine = engine
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.history_file = history_file
        self.follow_ups = FollowUps(engine, CONTEXT)
        self._closed = asyncio.Event()
        self._output_closed = False
        self._task: asyncio.Task[None] | None = None
        self._interactive = _isatty(self.stdin) and _isatty(self.stdout)
        self._terminal: Terminal | None = None
        #: Lines of a paged answer the reader has not seen yet (``more`` shows them).
        self._unread: list[str] = []

    async def start(self) -> None:
        if self._interactive:
            # Imported here: only a console at a terminal needs prompt_toolkit.
            from bot.platforms.console.terminal import Terminal

            self._terminal = Terminal(self.stdin, self.stdout, history=self.history_file)
        self._task = asyncio.create_task(self._repl(), name="console")

    async def stop(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            # Let the prompt end and the terminal be put back before the process goes on.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(task), STOP_SECONDS)
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
        thread: ThreadPlan | None = None,
    ) -> PostResult:
        """Print a digest as it would arrive in a channel (as one page), then its thread's
        replies under the thread's name."""
        if skip_pages >= 1:
            return PostResult()
        width = self._width()
        text = f"\n── digest for #{channel_id} ──\n{to_text(answer, width=width)}\n"
        if thread is not None:
            for reply in thread.replies:
                text += f"\n── in the thread “{thread.name}” ──\n{to_text(reply, width=width)}\n"
        if self._terminal is not None:
            await self._terminal.write_above(text)
        else:
            self._write(text)
        return PostResult(message_id="console")

    def _width(self) -> int:
        if self._interactive:
            from bot.platforms.console.terminal import terminal_size

            return terminal_size().columns
        return WIDTH

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
        terminal = self._terminal
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        if terminal is None:
            loop = asyncio.get_running_loop()
            # A daemon thread: a blocked readline() must never keep the process alive at exit.
            threading.Thread(target=self._read_lines, args=(loop, lines), daemon=True).start()
        try:
            self._greet()
            while not self._output_closed:
                line = await (terminal.read_line() if terminal else lines.get())
                if line is None:
                    break
                text = line.strip()
                if text.lower() in EXIT_WORDS:
                    break
                if text:
                    await self._answer(text)
        except Exception:
            log.exception("the console failed")
        finally:
            self._closed.set()
            if terminal is not None:
                terminal.guard.restore()
            self._write("Bye.\n")

    def _greet(self) -> None:
        library = self.engine.library.current
        default = library.get(None).briefing
        which = "default" if library.several else "briefing"
        paragraphs = [
            f"Briefbot console — {len(library.briefings)} briefing(s); {which}: {default.title}",
            "Type a command such as: " + " · ".join(banner_examples(default)) + ". After an "
            "answer, more, quotes or the name of a part (interests, constraints, unknowns…) "
            "opens it. Ctrl-D to quit.",
        ]
        width = self._width()
        self._write("".join(textwrap.fill(p, width) + "\n" for p in paragraphs))

    async def _answer(self, text: str) -> None:
        if text.lower() == MORE and self._unread:
            await self._show(self._unread)
            return
        width = self._width()
        try:
            answer = await self.follow_ups.answer(text)
            rendered = to_text(answer, width=width)
        except Exception:  # a bug in one answer must not end the console
            log.exception("console: answering %r failed", text)
            rendered = to_text(apology_answer(), width=width)
        if self._terminal is None:
            self._write(rendered + "\n")
        else:
            await self._show([*rendered.splitlines(), ""])

    async def _show(self, lines: list[str]) -> None:
        assert self._terminal is not None
        self._unread = await self._terminal.page(lines)
        if self._unread:
            self._write(f"({len(self._unread)} more line(s): type more to see them)\n")

    def _read_lines(
        self, loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]
    ) -> None:
        while True:
            try:
                raw = self.stdin.readline()
                line = raw if raw else None
            except (OSError, ValueError):  # ValueError: stdin closed under us
                line = None
            with contextlib.suppress(RuntimeError):  # the loop is gone: we are exiting
                loop.call_soon_threadsafe(lines.put_nowait, line)
            if line is None:
                return


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def banner_examples(briefing: Briefing) -> list[str]:
    """Example commands for the banner, taken from ``briefing`` (the default one).

    The actor is the first with a position (``stance.side`` for or against), else the first;
    the question is a whole-story one the briefing's key points answer (drivers: why,
    obstacles: what stands in the way).
    """
    actors = briefing.actors
    positioned = [a for a in actors if a.stance.side in ("for", "against")]
    first = (positioned or actors)[0] if actors else None
    roles = {k.role for k in briefing.key_points}
    # "why" reads the drivers (or, without roles, the key points' words); a briefing that
    # marks only obstacles answers "what stands in the way" better.
    only_obstacles = "obstacle" in roles and "driver" not in roles
    question = "what stands in the way?" if only_obstacles else "why is this happening?"
    examples = ["brief"]
    if first is not None:
        examples.append(f"actor {first.id}")
        other = next((a for a in actors if a.id != first.id), None)
        if other is not None:
            examples.append(f"compare {first.id} {other.id}")
    return [*examples, "timeline", f"ask {question}", "help"]
