"""Follow-up hints name the briefing (``--briefing ID``) only when more than one is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.composition import build_engine
from bot.commands.calls import Context
from bot.core.library import Library, LibraryHolder
from bot.core.loader import load_directory
from bot.render.actions import decode_action
from bot.render.slack import to_slack
from bot.render.text import to_text
from tests.conftest import CONTENT_DIR, FIXTURES

ONE = FIXTURES / "briefings" / "valid"
TWO = FIXTURES / "briefings" / "multi"
HERE = Context(platform="slack", workspace_id="T1", channel_id="C1", user_id="U1")

#: Commands whose answers carry follow-ups, per content directory.
COMMANDS = {
    ONE: ["brief", "actors", "actor northland", "compare northland southland", "timeline"],
    TWO: ["brief", "actors", "actor northland", "timeline", "briefings"],
}


def _engine(directory: Path):  # type: ignore[no-untyped-def]
    return build_engine(LibraryHolder(Library.from_loaded(load_directory(directory))))


def _next_lines(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[lines.index("Next:") + 1 :] if "Next:" in lines else []


def _action_ids(payloads: list[dict]) -> list[str]:  # type: ignore[type-arg]
    ids: list[str] = []
    for payload in payloads:
        for block in payload["blocks"]:
            for element in block.get("elements", ()):
                if "action_id" in element:
                    ids.append(element["action_id"])
            if "accessory" in block and "action_id" in block["accessory"]:
                ids.append(block["accessory"]["action_id"])
    return ids


@pytest.mark.parametrize("command", COMMANDS[ONE])
async def test_with_one_briefing_no_hint_names_it(command: str) -> None:
    answer = await _engine(ONE).execute_text(command, HERE)
    hints = _next_lines(to_text(answer))
    assert hints, f"{command} has no follow-ups to check"
    assert not any("--briefing" in line or "river-treaty" in line for line in hints), hints
    # the buttons' ids leave the briefing field empty: bb1|kind||args
    ids = _action_ids(to_slack(answer))
    assert ids and all(i.split("|")[2] == "" for i in ids), ids


async def test_with_one_briefing_help_does_not_advertise_briefing_option() -> None:
    engine = _engine(ONE)
    assert "--briefing" not in to_text(await engine.execute_text("help", HERE))
    listing = to_text(await engine.execute_text("briefings", HERE))
    assert "--briefing" not in listing and "Every command uses this one" in listing


@pytest.mark.parametrize("command", COMMANDS[TWO])
async def test_with_two_briefings_every_hint_names_its_briefing(command: str) -> None:
    answer = await _engine(TWO).execute_text(command, HERE)
    hints = _next_lines(to_text(answer))
    assert hints, f"{command} has no follow-ups to check"
    assert all(
        "--briefing harbour-lease" in h or "--briefing rail-link" in h for h in hints if "→" in h
    ), hints
    assert "--briefing" in to_text(await _engine(TWO).execute_text("help", HERE))


async def test_a_button_without_a_briefing_still_runs_against_the_only_one() -> None:
    engine = _engine(ONE)
    answer = await engine.execute_text("actor northland", HERE)
    ids = _action_ids(to_slack(answer))
    compare = next(i for i in ids if i.startswith("bb1|compare|"))
    clicked = await engine.execute(engine.action_invocation(decode_action(compare), HERE))
    assert "Northland" in clicked.title and clicked.tone.value == "info", clicked


async def test_the_shipped_content_alone_has_hints_without_its_id() -> None:
    answer = await _engine(CONTENT_DIR).execute_text("actor russia", HERE)
    text = to_text(answer)
    assert "Next:" in text and "--briefing" not in text
