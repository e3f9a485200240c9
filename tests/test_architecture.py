"""The core never imports a platform library; only the adapters do."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
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


def _cycles() -> list[list[str]]:
    """Strongly connected groups of ``bot`` modules (Tarjan), ignoring type-only imports."""
    import grimp

    graph = grimp.build_graph("bot", exclude_type_checking_imports=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycle_anywhere() -> None:
    assert _cycles() == []


#: The ``lint-imports`` console script, run with this interpreter.
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            LINT_IMPORTS,
            "--config",
            str(root / "pyproject.toml"),
            "--no-cache",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layer_contracts_hold_and_fail_when_core_imports_a_platform(tmp_path: Path) -> None:
    root = PACKAGE.parent
    copy = tmp_path / "repo"
    shutil.copytree(PACKAGE, copy / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "pyproject.toml", copy / "pyproject.toml")
    kept = _lint_imports(copy)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "0 broken" in kept.stdout

    answers = copy / "bot" / "core" / "answers.py"
    answers.write_text(answers.read_text() + "\nfrom bot.platforms.discord import messages\n")
    broken = _lint_imports(copy)
    assert broken.returncode != 0
    assert "bot.core.answers -> bot.platforms.discord.messages" in broken.stdout
