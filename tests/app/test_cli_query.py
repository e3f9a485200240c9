"""``briefbot query`` as a shell user runs it: ``--full``, and a reader that stops early."""

from __future__ import annotations

import asyncio
import fcntl
import os
import subprocess
import sys
from pathlib import Path

from bot.app.cli import load_engine
from bot.commands.calls import Context
from bot.render.text import to_text

ROOT = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "COLUMNS"))}
QUERY = [sys.executable, "-m", "bot", "query"]


def test_full_prints_the_whole_answer_at_once() -> None:
    answer = asyncio.run(
        load_engine(ROOT / "content").execute_text("brief", Context(platform="cli"))
    )
    out = subprocess.run(
        [*QUERY, "brief", "--full"], capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == to_text(answer) + "\n"  # every section, wrapped at 100 in a pipe
    assert len(out.stdout.splitlines()) > 100


def test_a_reader_closing_the_pipe_early_is_no_error() -> None:
    """The pipe holds one page, so the query is still writing when its reader goes away."""
    proc = subprocess.Popen(
        [*QUERY, "actor", "turkey"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stderr is not None
    fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
    try:
        assert proc.stdout.readline().startswith(b"Turkey")
        proc.stdout.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read() == b""
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()


def test_query_piped_into_head_exits_quietly_every_time() -> None:
    """``briefbot query brief | head -1``, 20 times: exit 0 and nothing on stderr, every time."""
    # bash reports briefbot's own exit status (not head's) after the pipeline, on stderr.
    command = f"{sys.executable} -m bot query brief | head -1; echo status=${{PIPESTATUS[0]}} >&2"
    runs = [
        subprocess.Popen(
            ["bash", "-c", command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=ENV,
        )
        for _ in range(20)
    ]
    for proc in runs:
        stdout, stderr = proc.communicate(timeout=60)
        assert stdout.decode() == "Is Turkey Headed Toward a Rapprochement with Syria?\n"
        assert stderr.decode() == "status=0\n"  # no traceback, no "Exception ignored"


def test_a_query_answers_with_the_compact_first_view_at_80_columns() -> None:
    for command in (["brief"], ["actor", "turkey"], ["compare", "turkey", "syria"], ["sources"]):
        out = subprocess.run(
            [*QUERY, *command],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**ENV, "COLUMNS": "80"},
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        lines = out.stdout.rstrip("\n").splitlines()
        assert len(lines) <= 35 and max(len(line) for line in lines) <= 80, command
        assert "¶" in out.stdout and "Open: quotes" in out.stdout  # cited, quotes one word away


def test_a_long_question_answers_without_a_traceback_on_stderr() -> None:
    # Its view controls do not fit Discord's 100-character ids; that used to be logged as an
    # ERROR with a traceback, several times, on the query's stderr.
    question = "how many refugees does turkey host and what does the opposition say about the jobs"
    out = subprocess.run(
        [*QUERY, "ask", question], capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=60
    )
    assert out.returncode == 0
    assert out.stderr == ""
    assert out.stdout.startswith(f"Q: {question}")
    assert "Open: quotes" in out.stdout
