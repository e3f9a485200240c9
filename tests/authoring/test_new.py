"""``briefbot new`` → editing → ``briefbot validate`` → a briefing the bot serves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app.composition import build_engine
from bot.commands.calls import Context
from bot.core.answers import Answer, Tone
from bot.core.library import Library, LibraryHolder
from bot.core.loader import load_directory, split_paragraphs, validate_directory
from tests.authoring.helpers import (
    SEED_HTML,
    SEED_TEXT,
    VESSEL_MARKDOWN,
    VESSEL_TEXT,
    run_new,
)

CTX = Context(platform="test", channel_id="C1")
TODO_MESSAGE = "still a TODO from `briefbot new`"


def text_of(answer: Answer) -> str:
    parts = [answer.title, answer.summary, answer.footer or ""]
    for section in answer.sections:
        parts += [section.heading, section.text, *(i.text for i in section.items)]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("article", "paragraphs"),
    [(SEED_TEXT, 17), (SEED_HTML, 12), (VESSEL_TEXT, 13), (VESSEL_MARKDOWN, 15)],
    ids=["seed-text", "seed-html", "text", "markdown"],
)
def test_the_skeleton_validates_but_for_its_todos(
    tmp_path: Path, article: Path, paragraphs: int
) -> None:
    run = run_new("draft", article, tmp_path)

    assert run.code == 0, run.err
    assert len(split_paragraphs(run.source.read_text(encoding="utf-8"))) == paragraphs
    skeleton = run.skeleton.read_text(encoding="utf-8")
    for number in range(1, paragraphs + 1):
        assert f"# ¶{number:<3} " in skeleton  # the numbered paragraphs, as comments
    data = yaml.safe_load(skeleton)
    for field in ("id", "title", "added", "question", "source", "summary", "key_points", "actors"):
        assert field in data
    assert data["added"] == "2026-12-01" and data["source"]["text_file"] == "draft.source.txt"

    problems = validate_directory(tmp_path)

    # Every candidate's quote validates as written: the only problems are the TODOs left
    # for the author, one per TODO in the file.
    assert problems, "a skeleton must not be served before the author has written it"
    assert [p for p in problems if TODO_MESSAGE not in p.message] == []
    todos = [
        line
        for line in skeleton.splitlines()
        if re.search(r":\s+'TODO", line) and "quote:" not in line
    ]
    assert len(problems) == len(todos)


def test_new_says_what_it_read_left_out_and_wrote(tmp_path: Path) -> None:
    run = run_new("turkey-syria", SEED_HTML, tmp_path)

    lines = run.out.splitlines()
    assert lines[0] == (f"Read {SEED_HTML} (an HTML page): 12 paragraphs, 40 sentences.")
    assert "Left out, as not part of the article (listed in turkey-syria.yaml):" in lines
    assert any("“Skip to content” (a navigation link)" in line for line in lines)
    assert any(
        line.startswith("  - “Hey there! You made it") and "donation" in line for line in lines
    )
    assert f"Wrote {run.source} (12 paragraphs)." in lines
    assert lines[-1] == (
        "Next: write every TODO and keep the candidates you want (delete the rest), then run "
        f"`briefbot validate {tmp_path}`."
    )
    skeleton = run.skeleton.read_text(encoding="utf-8")
    assert "# Left out of the article (not in turkey-syria.source.txt):" in skeleton
    assert "publisher: Inkstick  # from the page" in skeleton
    assert "  url: null  # not in the article; never invent one" in skeleton
    assert "  published: null  # not in the article; never invent one" in skeleton
    # The briefing itself says what was left out, as a source note.
    notes = yaml.safe_load(skeleton)["source_notes"]
    assert notes[0]["kind"] == "boilerplate" and "donation" in notes[0]["text"]


def test_new_refuses_a_bad_slug_and_existing_files(tmp_path: Path) -> None:
    bad = run_new("Turkey Syria", VESSEL_TEXT, tmp_path)
    assert bad.code == 2
    assert bad.err == (
        "briefbot new: 'Turkey Syria' cannot be a briefing id (lower-case letters, digits and "
        "hyphens); try 'turkey-syria'\n"
    )
    assert list(tmp_path.iterdir()) == []

    assert run_new("vessel", VESSEL_TEXT, tmp_path).code == 0
    again = run_new("vessel", VESSEL_TEXT, tmp_path)
    assert again.code == 1 and "pass --force to overwrite" in again.err
    assert run_new("vessel", VESSEL_TEXT, tmp_path, force=True).code == 0

    missing = run_new("gone", tmp_path / "nowhere.txt", tmp_path)
    assert (
        missing.code == 1
        and missing.err == f"briefbot new: no such file: {tmp_path / 'nowhere.txt'}\n"
    )


# --- the author's editing, as an author would do it -------------------------------------------


def finish(skeleton: Path, keep_actors: list[str], writes: dict[str, str]) -> None:
    """Edit the skeleton as an author: keep some actors, write every TODO, drop the rest."""
    data: dict[str, Any] = yaml.safe_load(skeleton.read_text(encoding="utf-8"))
    data["actors"] = [a for a in data["actors"] if a["id"] in keep_actors]
    kept = set(keep_actors)
    data["timeline"] = [
        {**event, "actors": [a for a in event["actors"] if a in kept]}
        for event in data["timeline"][:3]
    ]
    data["key_points"] = data["key_points"][:3]
    data["watch"] = data["watch"][:1]
    data["figures"] = data["figures"][:1]
    for actor in data["actors"]:
        if str(actor["kind"]).startswith("TODO"):
            actor["kind"] = "organisation"

    def write(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            return {k: write(v, f"{path}.{k}" if path else k) for k, v in node.items()}
        if isinstance(node, list):
            return [write(v, path) for v in node]
        if isinstance(node, str) and node.startswith("TODO"):
            return writes.get(path, f"Written by the author ({path}).")
        return node

    skeleton.write_text(yaml.safe_dump(write(data, ""), allow_unicode=True), encoding="utf-8")


async def test_from_a_new_short_article_to_a_briefing_the_bot_serves(tmp_path: Path) -> None:
    run = run_new("vessel-river", VESSEL_TEXT, tmp_path)
    assert run.code == 0
    finish(
        run.skeleton,
        ["northland", "southland", "river-commission", "tomas-arke"],
        {
            "question": "Will the river deal survive the drought?",
            "source.publisher": "Fixture Press",
            "actors.stance.label": "Holding to the deal",
        },
    )

    assert validate_directory(tmp_path) == []
    [loaded] = load_directory(tmp_path)
    engine = build_engine(LibraryHolder(Library.from_loaded([loaded])))
    answer = await engine.execute_text("actor tomas arke", CTX)

    assert answer.tone is not Tone.ERROR
    assert answer.title.startswith("Tomas Arke")
    shown = text_of(answer)
    assert "Holding to the deal" in shown
    assert any(c.paragraph == 5 for c in answer.citations)  # "Its energy minister, Tomas Arke"


async def test_from_the_seed_saved_as_html_to_a_briefing_the_bot_serves(tmp_path: Path) -> None:
    run = run_new("turkey-syria-html", SEED_HTML, tmp_path)
    assert run.code == 0
    finish(
        run.skeleton,
        ["turkey", "syria", "erdogan", "russia"],
        {
            "question": "Is Turkey headed toward a rapprochement with Syria?",
            "actors.stance.label": "Seeking rapprochement",
        },
    )

    assert validate_directory(tmp_path) == []
    engine = build_engine(LibraryHolder(Library.from_loaded(load_directory(tmp_path))))
    by_alias = await engine.execute_text("actor ankara", CTX)
    person = await engine.execute_text("actor erdogan", CTX)

    assert by_alias.title.startswith("Turkey")
    assert person.title.startswith("Recep Tayyip Erdoğan")
    assert "Seeking rapprochement" in text_of(person)
