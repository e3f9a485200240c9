"""The command line, end to end in subprocesses, as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def briefbot(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, **(env or {})},
        timeout=timeout,
    )


def test_query_actor_by_alias() -> None:
    out = briefbot("query", "actor", "erdogan")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Turkey")
    assert "¶" in out.stdout  # citations show their paragraph


def test_query_ask() -> None:
    out = briefbot("query", "ask", "how many refugees are in Turkey")
    assert out.returncode == 0, out.stderr
    assert "4 million" in out.stdout


def test_query_unknown_actor_exits_non_zero_with_suggestion() -> None:
    out = briefbot("query", "actor", "russa")
    assert out.returncode == 1
    assert "Did you mean Russia" in out.stdout


def test_query_ask_without_a_match_suggests_this_briefings_actors() -> None:
    fixture = str(ROOT / "tests" / "fixtures" / "briefings" / "valid")
    out = briefbot("query", "--content", fixture, "ask", "who won the world cup")
    assert out.returncode == 0, out.stderr
    assert "Not in this briefing" in out.stdout and "Northland" in out.stdout
    assert "Russia" not in out.stdout  # not the actors of another article


@pytest.mark.parametrize("fmt", ["discord", "slack", "json"])
def test_query_formats_print_json(fmt: str) -> None:
    out = briefbot("query", "compare", "turkey", "syria", "--format", fmt)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    if fmt == "discord":
        assert payload[0]["embeds"][0]["title"] == "Turkey vs Syria"
        assert payload[0]["allowed_mentions"] == {"parse": []}
    elif fmt == "slack":
        assert payload[0]["text"] and payload[0]["blocks"]
    else:
        assert payload["title"] == "Turkey vs Syria"


def test_validate_real_content() -> None:
    out = briefbot("validate", "content")
    assert out.returncode == 0, out.stderr
    assert "turkey-syria-rapprochement" in out.stdout and "quotes verified" in out.stdout


def test_validate_reports_file_line_field(tmp_path: Path) -> None:
    src = (ROOT / "content" / "turkey-syria-rapprochement.yaml").read_text(encoding="utf-8")
    (tmp_path / "turkey-syria-rapprochement.source.txt").write_text(
        (ROOT / "content" / "turkey-syria-rapprochement.source.txt").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    broken = src.replace(
        "Moscow wants to close this ongoing chaos", "Moscow wants to end this chaos", 1
    )
    assert broken != src
    (tmp_path / "b.yaml").write_text(broken, encoding="utf-8")
    out = briefbot("validate", str(tmp_path))
    assert out.returncode == 1
    line = next(
        n
        for n, text in enumerate(broken.splitlines(), 1)
        if "Moscow wants to end this chaos" in text
    )
    assert f"b.yaml:{line}: " in out.stderr
    assert "evidence" in out.stderr and "not found" in out.stderr.lower()


def test_run_refuses_invalid_content(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    out = briefbot(
        "run",
        env={
            "CONTENT_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/b.db",
            "HEALTH_PORT": "0",
        },
    )
    assert out.returncode != 0
    # PyYAML notices the unclosed flow sequence at the end of the file (line 2); the message
    # points at the line that opened it.
    assert "bad.yaml:1: id: malformed YAML (column 5): the [ opened here is never closed" in (
        out.stderr
    )


def test_run_without_tokens_is_a_console(tmp_path: Path) -> None:
    out = briefbot(
        "run",
        stdin="actor russia\n/compare turkey syria\nactr\n",
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/b.db", "HEALTH_PORT": "0"},
    )
    assert out.returncode == 0, out.stderr
    assert "Briefbot console" in out.stdout
    assert "Russia —" in out.stdout and "Turkey vs Syria" in out.stdout
    assert "Did you mean" in out.stdout
    assert out.stdout.rstrip().endswith("Bye.")


def test_query_passes_bot_options_through() -> None:
    out = briefbot("query", "actor", "russia", "--briefing", "turkey-syria-rapprochement")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Russia")
    wrong = briefbot("query", "actors", "--briefing", "turkey-syria-rapprochment")
    # Squeezed: where the line wraps depends on the width the output is given.
    assert wrong.returncode == 1
    assert "Did you mean turkey-syria-rapprochement" in " ".join(wrong.stdout.split())


def test_console_stops_when_its_reader_goes_away(tmp_path: Path) -> None:
    """`briefbot run | head`: a closed stdout ends the console instead of hanging it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**clean, "DATABASE_URL": f"sqlite:///{tmp_path}/b.db", "HEALTH_PORT": "0"},
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(b"brief\n" * 50)  # far more than a pipe buffer's worth of answers
        proc.stdin.close()
        assert proc.stdout.readline().startswith(b"Briefbot console")
        proc.stdout.close()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        proc.wait()
