"""``briefbot paragraphs`` and the authoring commands as a user runs them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.authoring import commands
from tests.authoring.helpers import SEED_HTML, VESSEL_TEXT, run_new
from tests.core.test_loader import edit, write

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"


def paragraphs(file: Path, grep: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = commands.paragraphs(file, grep, out=out, err=out)
    return code, out.getvalue()


def test_paragraphs_numbers_paragraphs_and_sentences_as_the_validator_does() -> None:
    code, out = paragraphs(CONTENT / "turkey-syria-rapprochement.source.txt")

    assert code == 0
    lines = out.splitlines()
    assert lines[:6] == [
        "¶1",
        "  1. Is Turkey Headed Toward a Rapprochement with Syria?",
        "¶2",
        "  1. Turkey wants to secure its interests by rebuilding its relationship with the Assad "
        "regime.",
        "¶3",
        "  1. Words: Marco Mossad Pictures: Viacheslav Kvaratskheliia",
    ]
    assert "¶16" in lines and "¶17" not in lines
    refugees = "UN High Commissioner for Refugees, Turkey hosts around 4 million Syrian refugees."
    assert f"  2. According to the {refugees}" in lines


def test_paragraphs_grep_finds_a_sentence_to_quote_case_and_accent_insensitively() -> None:
    code, out = paragraphs(CONTENT / "turkey-syria-rapprochement.yaml", "ERDOGAN’S REPUTATION")
    assert code == 1
    assert out.splitlines()[-1] == "No sentence mentions “ERDOGAN’S REPUTATION”."

    code, out = paragraphs(CONTENT / "turkey-syria-rapprochement.yaml", "refugees")

    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{CONTENT / 'turkey-syria-rapprochement.source.txt'}:"
    assert lines[1].startswith("¶10  Erdoğan is also under a great deal of domestic pressure")
    assert (
        "¶10  According to the UN High Commissioner for Refugees, Turkey hosts around 4 "
        "million Syrian refugees." in lines
    )
    assert lines[-1] == "4 sentence(s) in 1 paragraph(s) mention “refugees”."
    assert paragraphs(CONTENT / "turkey-syria-rapprochement.yaml", "erdogan")[1].count("¶") == 16


def test_paragraphs_of_an_article_are_those_briefbot_new_writes(tmp_path: Path) -> None:
    code, _ = paragraphs(SEED_HTML, "Hey there")
    assert code == 1  # left out as boilerplate

    run = run_new("inkstick", SEED_HTML, tmp_path)
    _, from_article = paragraphs(SEED_HTML)
    _, from_source = paragraphs(run.source)
    assert from_article.splitlines()[1:] == from_source.splitlines()


def briefbot(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean,
        timeout=60,
    )


def test_the_command_line_new_then_validate_then_fix(tmp_path: Path) -> None:
    made = briefbot("new", "vessel", str(VESSEL_TEXT), "--dir", str(tmp_path))
    assert made.returncode == 0, made.stderr
    assert f"Wrote {tmp_path / 'vessel.yaml'}: a skeleton with 4 actor" in made.stdout

    checked = briefbot("validate", str(tmp_path))
    assert checked.returncode == 1
    assert "vessel.yaml:" in checked.stderr and "still a TODO from `briefbot new`" in checked.stderr
    assert "quote" not in checked.stderr.replace("the quote marks", "")

    other = tmp_path / "other"
    write(other, edit({49: "          paragraph: 1"}))
    broken = briefbot("validate", str(other))
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[-1] == (
        f"1 problem(s) in {other}; `briefbot validate --fix` corrects 1 of them"
    )
    repaired = briefbot("validate", "--fix", str(other))
    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stdout.splitlines()[0] == (
        f"fixed {other / 'tiny.yaml'}:49: actors[1].stance.evidence[0].paragraph: paragraph 1 → 3 "
        "(the quote is in paragraph 3)"
    )
    assert "ok  tiny.yaml: tiny" in repaired.stdout

    listed = briefbot("paragraphs", str(tmp_path / "vessel.source.txt"), "--grep", "arke")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0] == (
        "¶5  Its energy minister, Tomas Arke, has said the country needs 3 new reservoirs by 2030."
    )
