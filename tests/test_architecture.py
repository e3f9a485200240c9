"""The core never imports a platform library; only the adapters do."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

PLATFORM_LIBS = {"discord", "slack_bolt", "slack_sdk"}
PACKAGE = Path(bot.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_only_adapters_import_platform_libraries() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        allowed = set()
        if rel.startswith("platforms/discord/"):
            allowed = {"discord"}
        elif rel.startswith("platforms/slack/"):
            allowed = {"slack_bolt", "slack_sdk"}
        bad = (_imports(path) & PLATFORM_LIBS) - allowed
        if bad:
            offenders.append(f"{rel}: {sorted(bad)}")
    assert offenders == []


def test_the_checker_sees_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import discord\nfrom slack_sdk.web import WebClient\n")
    assert _imports(probe) >= {"discord", "slack_sdk"}
