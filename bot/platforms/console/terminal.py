"""The console at a terminal: line editing, history, Ctrl-C/Ctrl-D, a pager and the width.

Built on prompt_toolkit, whose prompt runs on the bot's asyncio loop: no thread holds the
terminal in raw mode while the process exits (what left the terminal without echo when the
console read lines with ``input()`` in a thread), the prompt is drawn only once the previous
answer is printed, and each line is added to the history file as soon as it is entered, so
history survives every way out. prompt_toolkit restores the terminal when a prompt ends,
however it ends; ``TerminalGuard`` puts back the settings the console started with, too.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import termios
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application, run_in_terminal
from prompt_toolkit.application.current import set_app
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import History
from prompt_toolkit.input import create_input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from prompt_toolkit.output import create_output

from bot.platforms.console.terminal_text import PROMPT
from bot.render.text import WIDTH

log = logging.getLogger(__name__)

QUIT_HINT = "(Ctrl-C again or Ctrl-D to quit)\n"
#: Entries kept in the history file (the oldest are dropped when it grows past this).
HISTORY_SIZE = 1000
#: Keys that stop the pager; any other key shows the next page.
_STOP_KEYS = frozenset({"q", "Q", Keys.Escape, Keys.ControlC, Keys.ControlD})


def history_path() -> Path:
    """``~/.briefbot_history`` (read when the console starts, so ``HOME`` decides)."""
    return Path("~/.briefbot_history").expanduser()


def terminal_size() -> os.terminal_size:
    """The terminal's size now (``COLUMNS``/``LINES`` win; 100×24 when there is none)."""
    return shutil.get_terminal_size((WIDTH, 24))


class HistoryFile(History):
    """One entry per line, oldest first (the format ``readline`` wrote), appended at once."""

    def __init__(self, path: Path, *, size: int = HISTORY_SIZE) -> None:
        self.path = path
        self.size = size
        super().__init__()

    def load_history_strings(self) -> Iterable[str]:
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []
        entries = [line for line in lines if line.strip()]
        if len(entries) > self.size:
            entries = entries[-self.size :]
            with contextlib.suppress(OSError):
                tmp = self.path.with_name(self.path.name + ".tmp")
                tmp.write_text("".join(f"{e}\n" for e in entries), encoding="utf-8")
                tmp.replace(self.path)
        return reversed(entries)  # newest first

    def store_string(self, string: str) -> None:
        entry = " ".join(string.split())  # a pasted newline must not split an entry
        if not entry:
            return
        try:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(entry + "\n")
        except OSError as exc:
            log.warning("cannot save console history to %s: %s", self.path, exc.strerror)


class TerminalGuard:
    """The terminal settings the console started with, put back on the way out."""

    def __init__(self, stream: TextIO) -> None:
        self._fd: int | None = None
        self._saved: list[Any] | None = None
        with contextlib.suppress(OSError, ValueError, termios.error):
            self._fd = stream.fileno()
            self._saved = termios.tcgetattr(self._fd)
            atexit.register(self.restore)

    def restore(self) -> None:
        """Put the saved settings back (echo, line mode); a no-op once the terminal is gone."""
        if self._fd is None or self._saved is None:
            return
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)


class Terminal:
    """A prompt with line editing and history, a pager, and output above a showing prompt."""

    def __init__(self, stdin: TextIO, stdout: TextIO, *, history: Path | None = None) -> None:
        self.stdout = stdout
        self.guard = TerminalGuard(stdin)
        self._last_line = ""
        self._armed = False  # the last prompt ended with Ctrl-C: another one on an empty line quits
        keys = KeyBindings()
        keys.add("c-c")(self._on_ctrl_c)
        self.session: PromptSession[str] = PromptSession(
            history=HistoryFile(history or history_path()),
            key_bindings=keys,
            input=create_input(stdin),
            output=create_output(stdout),
        )
        self._app: Application[Any] | None = None

    def _on_ctrl_c(self, event: KeyPressEvent) -> None:
        self._last_line = event.current_buffer.text
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    async def read_line(self) -> str | None:
        """The next line typed, or ``None`` to leave (Ctrl-D, or Ctrl-C twice).

        Ctrl-C discards the line being typed and shows a new prompt; Ctrl-C again on the
        empty line quits.
        """
        while True:
            try:
                self._app = self.session.app
                # handle_sigint=False: the prompt reads Ctrl-C as a key (the terminal is in raw
                # mode), and a SIGINT from elsewhere stays the runtime's (a graceful stop).
                # set_exception_handler=False: another task's error is logged, not a modal
                # "Press ENTER to continue" taking over the console.
                line = await self.session.prompt_async(
                    PROMPT, handle_sigint=False, set_exception_handler=False
                )
            except EOFError:
                return None
            except KeyboardInterrupt:
                if self._armed and not self._last_line.strip():
                    return None
                self._armed = True
                self.write(QUIT_HINT)
                continue
            finally:
                self._app = None
            self._armed = False
            return line

    def write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    async def write_above(self, text: str) -> None:
        """Print ``text`` above the prompt (or the pager's line) if one is showing."""
        app = self._app
        if app is None or not app.is_running:
            self.write(text)
            return
        with set_app(app):
            await run_in_terminal(lambda: self.write(text))

    async def page(self, lines: list[str]) -> list[str]:
        """Print ``lines`` a screenful at a time; return the lines left if the reader stops."""
        while lines:
            room = max(terminal_size().lines - 1, 1)  # re-read: the window may have changed
            self.write("".join(f"{line}\n" for line in lines[:room]))
            lines = lines[room:]
            if lines and not await self._more(len(lines)):
                return lines
        return []

    async def _more(self, left: int) -> bool:
        """Ask whether to show the next page: any key but q, Esc, Ctrl-C or Ctrl-D."""
        keys = KeyBindings()

        @keys.add(Keys.Any)
        def _(event: KeyPressEvent) -> None:
            event.app.exit(result=event.key_sequence[0].key)

        for key in ("c-c", "c-d", "escape"):
            keys.add(key)(_)
        label = f"-- {left} more line(s): Space or Enter for more, q to stop --"
        control = FormattedTextControl(FormattedText([("reverse", label)]))
        app: Application[Any] = Application(
            layout=Layout(Window(control, height=1, dont_extend_height=True)),
            key_bindings=keys,
            erase_when_done=True,
            input=self.session.input,
            output=self.session.output,
        )
        self._app = app
        try:
            key = await app.run_async(handle_sigint=False, set_exception_handler=False)
        finally:
            self._app = None
        return key not in _STOP_KEYS
