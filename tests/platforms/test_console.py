"""The console as a person meets it: ``briefbot run`` in a pseudo-terminal (pexpect), and the
follow-up words (``more``, ``quotes``, section names) on the real engine."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from bot.app.cli import load_engine
from bot.commands.engine import Engine
from bot.core.answers import Action, ActionKind, Answer, Section
from bot.platforms.console import CONTEXT, ConsoleService
from bot.platforms.console.views import FollowUps
from bot.platforms.views import first
from bot.render.text import to_text

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "briefbot>"
QUIT_HINT = "(Ctrl-C again or Ctrl-D to quit)"
# CSI / OSC / charset escape sequences prompt_toolkit draws its prompt with.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine(ROOT / "content")


# -- in a pseudo-terminal -----------------------------------------------------------------------


def spawn(home: Path, *, rows: int = 1000, cols: int = 80) -> pexpect.spawn:
    """``briefbot run`` at a terminal of ``rows``×``cols``, no tokens, no HEALTH_PORT."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "xterm",
        "PYTHONPATH": str(ROOT),
        "CONTENT_DIR": str(ROOT / "content"),
        "DATABASE_URL": f"sqlite:///{home}/bot.db",
        # pexpect answers no cursor-position requests; without this prompt_toolkit waits for one.
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot", "run"],
        env=env,
        cwd=str(home),
        dimensions=(rows, cols),
        encoding="utf-8",
        timeout=10,
    )
    child.expect_exact(PROMPT)
    return child


def clean(raw: str) -> str:
    return ANSI.sub("", raw).replace("\r", "")


def ask(child: pexpect.spawn, command: str) -> list[str]:
    """Type ``command`` and Enter; the lines printed before the next prompt."""
    child.send(command + "\r")
    child.expect_exact("\n")  # the end of the accepted line (typing it draws no newline)
    child.expect_exact(PROMPT)
    return clean(child.before).split("\n")


def exit_code(child: pexpect.spawn) -> int:
    """Wait for the end; check the terminal is as sane as before; the exit code."""
    child.expect(pexpect.EOF)
    attrs = termios.tcgetattr(child.child_fd)  # the pty outlives the process while we hold it
    iflag, oflag, lflag = attrs[0], attrs[1], attrs[3]
    assert lflag & termios.ECHO, "echo left off"
    assert lflag & termios.ICANON, "line mode left off"
    assert lflag & termios.ISIG, "Ctrl-C left off"
    assert iflag & termios.ICRNL and oflag & termios.OPOST
    child.close()
    assert child.signalstatus is None
    return int(child.exitstatus)


def history(home: Path) -> list[str]:
    return (home / ".briefbot_history").read_text(encoding="utf-8").splitlines()


def test_prompt_after_answer_ctrl_c_cancels_a_line_ctrl_d_exits_and_history_persists(
    tmp_path: Path,
) -> None:
    child = spawn(tmp_path)
    lines = ask(child, "figures")
    # The whole answer came before the prompt (it used to come after it, on the prompt's line).
    assert lines[0].startswith("Key figures — ")
    assert any(line.startswith("Source: ") for line in lines[-5:])
    assert not any(PROMPT in line for line in lines)

    child.send("actor tur")
    child.sendcontrol("c")
    child.expect_exact(QUIT_HINT)
    child.expect_exact(PROMPT)
    lines = ask(child, "sources")  # what was typed before Ctrl-C is gone
    assert lines[0].startswith("Sources — ")

    child.sendcontrol("d")
    assert exit_code(child) == 0
    assert history(tmp_path) == ["figures", "sources"]

    # A second session recalls the first one's lines (↑), and Ctrl-C twice leaves it.
    child = spawn(tmp_path)
    child.send("\x1b[A\x1b[A")  # ↑ ↑: "figures"
    lines = ask(child, "")
    assert any(line.startswith("Key figures — ") for line in lines)
    child.sendcontrol("c")
    child.expect_exact(QUIT_HINT)
    child.sendcontrol("c")
    assert exit_code(child) == 0
    assert history(tmp_path) == ["figures", "sources", "figures"]


def test_answers_wrap_to_the_terminal_width_and_follow_a_resize(
    tmp_path: Path, engine: Engine
) -> None:
    whole = asyncio.run(engine.execute_text("actor turkey", CONTEXT))
    words = words_of(to_text(first(whole, engine.parse("actor turkey", CONTEXT))))
    child = spawn(tmp_path, cols=80)
    for cols in (80, 60):
        child.setwinsize(1000, cols)
        lines = ask(child, "actor turkey")
        assert max(len(line) for line in lines) <= cols
        assert max(len(line) for line in lines) >= cols - 5  # really filled to the width
        assert words_of("\n".join(lines)) == words  # no word broken, none lost
    child.send("exit\r")
    assert exit_code(child) == 0


def test_sigterm_at_the_prompt_exits_0_with_the_terminal_restored(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    ask(child, "timeline")
    child.send("half a li")  # the terminal is in raw mode while this line is edited
    child.kill(signal.SIGTERM)
    assert exit_code(child) == 0
    assert history(tmp_path) == ["timeline"]


def test_long_answers_page_at_a_terminal_and_more_goes_on(tmp_path: Path, engine: Engine) -> None:
    # The compact first view (≤ 35 lines) still pages on a terminal 10 rows high.
    whole = asyncio.run(engine.execute_text("brief", CONTEXT))
    full = to_text(first(whole, engine.parse("brief", CONTEXT)), width=80).splitlines()
    child = spawn(tmp_path, rows=10, cols=80)
    child.send("brief\r")
    child.expect_exact("\n")
    child.expect(r"-- (\d+) more line\(s\): Space or Enter for more, q to stop --")
    first_page = clean(child.before).split("\n")
    assert first_page[: len(full)][:9] == full[:9]
    assert int(child.match.group(1)) == len(full) + 1 - 9  # the answer and its blank line
    child.send(" ")  # the next page
    child.expect(r"-- (\d+) more line\(s\)")
    child.send("q")
    child.expect(r"\((\d+) more line\(s\): type more to see them\)")
    left = int(child.match.group(1))
    child.expect_exact(PROMPT)
    child.send("more\r")  # where the reader stopped
    child.expect_exact("\n")
    child.expect(r"-- (\d+) more line\(s\)")
    assert clean(child.before).split("\n")[0] == full[18]
    assert int(child.match.group(1)) == left - 9
    child.sendcontrol("c")  # stops the pager, not the console
    child.expect_exact(PROMPT)
    child.sendcontrol("d")
    assert exit_code(child) == 0


def words_of(text: str) -> list[str]:
    """The words of rendered text, without the underlines (they follow the width)."""
    lines = [line for line in text.splitlines() if line.strip("=-")]
    return " ".join(lines).split()


# -- piped, and the console's own failures ------------------------------------------------------


def test_piped_input_is_answered_line_by_line_without_prompt_or_pager(tmp_path: Path) -> None:
    import subprocess

    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="brief\nactor turkey\nconstraints\nquotes\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean_env, "CONTENT_DIR": str(ROOT / "content"), "HOME": str(tmp_path)}
        | {"DATABASE_URL": f"sqlite:///{tmp_path}/b.db", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout and PROMPT not in out.stdout
    assert "more line(s)" not in out.stdout
    assert "Is Turkey Headed Toward" in out.stdout and "Quotes — Constraints" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 100
    assert "health server off for the console" in out.stderr  # no HEALTH_PORT: no port taken
    assert "health server on" not in out.stderr
    assert not (tmp_path / ".briefbot_history").exists()


def test_a_console_serves_health_only_when_asked_and_never_on_every_interface(
    tmp_path: Path,
) -> None:
    import subprocess

    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean_env, "CONTENT_DIR": str(ROOT / "content"), "PYTHONPATH": str(ROOT)}
        | {"DATABASE_URL": f"sqlite:///{tmp_path}/b.db", "HEALTH_PORT": "0"}
        | {"HEALTH_HOST": "0.0.0.0", "LOG_LEVEL": "INFO"},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "HEALTH_HOST 0.0.0.0 ignored for the console: using 127.0.0.1" in out.stderr
    assert re.search(r"health server on http://127\.0\.0\.1:\d+ ", out.stderr), out.stderr


class FailingEngine:
    """Just enough of an engine for the console, failing on every command."""

    def __init__(self, real: Engine) -> None:
        self.library = real.library

    async def execute_text(self, text: str, context: object) -> Answer:
        raise RuntimeError("boom")


@pytest.fixture
def pty_streams() -> Iterator[tuple[int, io.TextIOWrapper, io.TextIOWrapper]]:
    master, slave = os.openpty()
    stdin = open(slave, encoding="utf-8", closefd=False)  # noqa: SIM115
    stdout = open(os.dup(slave), "w", encoding="utf-8")  # noqa: SIM115
    yield master, stdin, stdout
    stdout.close()
    stdin.close()
    os.close(slave)
    os.close(master)


def _set_once(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def read_until(master: int, text: str, *, then: str = "") -> str:
    """What the console shows on the pty, up to ``text`` (and ``then`` after it), ANSI removed."""
    seen = b""
    loop = asyncio.get_running_loop()

    def done() -> bool:
        shown = clean(seen.decode("utf-8", errors="replace"))
        return text in shown and then in shown[shown.index(text) :]

    while not done():
        ready: asyncio.Future[None] = loop.create_future()
        loop.add_reader(master, _set_once, ready)
        try:
            await asyncio.wait_for(ready, 5)
        finally:
            loop.remove_reader(master)
        chunk = os.read(master, 4096)
        if b"\x1b[6n" in chunk:  # where is the cursor? (as a terminal, answer at once)
            os.write(master, b"\x1b[1;1R")
        seen += chunk
    return clean(seen.decode("utf-8", errors="replace"))


async def test_a_failing_command_is_an_apology_and_a_failing_console_restores_the_terminal(
    engine: Engine, pty_streams: tuple[int, io.TextIOWrapper, io.TextIOWrapper], tmp_path: Path
) -> None:
    master, stdin, stdout = pty_streams
    console = ConsoleService(
        FailingEngine(engine),  # type: ignore[arg-type]
        stdin=stdin,
        stdout=stdout,
        history_file=tmp_path / "history",
    )
    await console.start()
    await read_until(master, PROMPT)
    os.write(master, b"brief\r")
    shown = await read_until(master, "Sorry")
    assert "boom" not in shown
    await read_until(master, PROMPT)
    assert console.is_ready()

    terminal = console._terminal
    assert terminal is not None

    async def broken_prompt() -> str | None:
        attrs = termios.tcgetattr(stdin.fileno())
        attrs[3] &= ~(termios.ECHO | termios.ICANON)  # as a prompt in raw mode leaves it
        termios.tcsetattr(stdin.fileno(), termios.TCSANOW, attrs)
        raise OSError("the prompt broke")

    terminal.read_line = broken_prompt  # type: ignore[method-assign]
    os.write(master, b"figures\r")  # ends the prompt showing now; the next one breaks
    await asyncio.wait_for(console.wait_closed(), 5)
    lflag = termios.tcgetattr(stdin.fileno())[3]
    assert lflag & termios.ECHO and lflag & termios.ICANON
    await console.stop()
    assert (tmp_path / "history").read_text().splitlines() == ["brief", "figures"]


# -- follow-up words -----------------------------------------------------------------------------


async def test_section_words_open_those_sections_of_the_last_answer(engine: Engine) -> None:
    follow = FollowUps(engine, CONTEXT)
    whole = await engine.execute_text("actor turkey", CONTEXT)
    await follow.answer("actor turkey")
    constraints = await follow.answer("constraints")  # the Constraints button's view
    assert [s.heading.split(" · ")[0] for s in constraints.sections] == ["Constraints"]
    all_constraints = next(s for s in whole.sections if s.heading == "Constraints").items
    shown = constraints.sections[0].items
    assert shown and shown == all_constraints[: len(shown)]  # its first page, in order
    assert not constraints.quotes and "¶" in to_text(constraints)
    unknowns = await follow.answer("unknowns")
    assert [s.heading for s in unknowns.sections] == ["What the article leaves unknown"]
    assert await follow.answer("more") == whole  # nothing to page to: the whole answer

    await follow.answer("compare turkey syria")
    turkey = await follow.answer("interests")  # the first section it names
    assert [s.heading.split(" · ")[0] for s in turkey.sections] == ["Turkey: interests"]
    one = await follow.answer("syria constraints")
    assert [s.heading.split(" · ")[0] for s in one.sections] == ["Syria: constraints"]


async def test_quotes_are_the_exact_citations_of_the_claims_on_screen(engine: Engine) -> None:
    follow = FollowUps(engine, CONTEXT)
    full = await follow.answer("actor turkey")
    quotes = await follow.answer("quotes")
    shown = {(i.text, c) for s in quotes.sections for i in s.items for c in i.citations}
    cited = {(i.text, c) for s in full.sections for i in s.items for c in i.citations}
    assert shown == cited and cited
    assert "¶" in to_text(quotes)

    relations = await follow.answer("relations")
    quotes = await follow.answer("quotes")
    assert [s.heading for s in quotes.sections] == ["Relations"]
    assert [i for s in quotes.sections for i in s.items] == [
        i for i in relations.sections[0].items if i.citations
    ]


async def test_words_of_buttons_do_what_the_buttons_do(engine: Engine) -> None:
    follow = FollowUps(engine, CONTEXT)
    turkey = await follow.answer("actor turkey")
    button = next(a for a in turkey.actions if a.kind is ActionKind.TIMELINE)
    invocation = engine.action_invocation(button, CONTEXT)
    by_click = first(await engine.execute(invocation), invocation)
    assert await follow.answer("timeline") == by_click  # Turkey's timeline, as the button
    assert (await follow.answer("/timeline")).title.startswith("Timeline — Is Turkey")

    await follow.answer("actor turkey")
    assert (await follow.answer("compare")).title == "Turkey vs Syria"
    await follow.answer("actor turkey")
    assert (await follow.answer("syria")).title.startswith("Syria — ")  # the picker's choice
    await follow.answer("brief")
    assert (await follow.answer("actors")).title.startswith("Actors — ")  # a command stays one
    await follow.answer("ask how many refugees are in turkey")
    assert (await follow.answer("turkey")).title.startswith("Turkey — ")  # not its section
    assert (await follow.answer("constraints")).sections[0].heading.startswith("Constraints")


async def test_more_opens_the_rest_an_answer_offers(engine: Engine) -> None:
    """An answer showing part of itself offers the rest as an action; ``more`` runs it."""
    follow = FollowUps(engine, CONTEXT)
    part = Answer(
        title="Part", sections=(Section("One"),), actions=(Action(ActionKind.BRIEF, "More"),)
    )
    follow.shown = None
    await follow.answer("brief")
    assert follow.shown is not None
    follow.shown = type(follow.shown)("brief", part, part)
    rest = await follow.answer("more")
    brief = await engine.execute_text("brief", CONTEXT)
    assert rest == first(brief, engine.parse("brief", CONTEXT))  # as chat shows it
    assert await follow.answer("more") == brief  # then all of it
    done = await follow.answer("more")
    assert done.title == "That was all of it" and "Key points" in done.summary


async def test_a_digest_arriving_at_the_prompt_prints_above_it(
    engine: Engine, pty_streams: tuple[int, io.TextIOWrapper, io.TextIOWrapper], tmp_path: Path
) -> None:
    master, stdin, stdout = pty_streams
    console = ConsoleService(engine, stdin=stdin, stdout=stdout, history_file=tmp_path / "h")
    await console.start()
    await read_until(master, PROMPT)
    os.write(master, b"half typed")
    await read_until(master, "half typed")
    await console.post("general", Answer(title="Morning digest", summary="Nothing new."))
    shown = await read_until(master, "Nothing new.", then="half typed")
    # The digest, then the prompt and the half-typed line drawn again below it.
    assert re.search(r"digest for #general.*Nothing new\..*briefbot>.*half typed", shown, re.S)
    os.write(master, b"\x15\x04")  # Ctrl-U clears the line, Ctrl-D leaves
    await asyncio.wait_for(console.wait_closed(), 5)
    await console.stop()


async def test_a_console_digest_with_a_thread_prints_its_replies_under_the_thread(
    tmp_path: Path, engine: Engine
) -> None:
    from bot.digests.ports import ThreadPlan

    stdout = io.StringIO()
    console = ConsoleService(
        engine, stdin=io.StringIO(""), stdout=stdout, history_file=tmp_path / "h"
    )
    plan = ThreadPlan(
        "Digest: T · 02 Mar 2026",
        (Answer(title="Digest: T", sections=(Section("Key points", text="the first point"),)),),
    )
    result = await console.post("general", Answer(title="Digest: T", summary="top"), thread=plan)
    shown = stdout.getvalue()
    assert result.message_id == "console"
    assert re.search(
        r"digest for #general.*top.*in the thread “Digest: T · 02 Mar 2026”.*the first point",
        shown,
        re.S,
    )
