"""The plotting stack loads only when a map is drawn: never for other commands."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PLOTTING = ("matplotlib", "numpy", "PIL")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return set(done.stderr.split())


def test_importing_the_map_command_and_package_loads_no_plotting() -> None:
    modules = loaded_after("import bot.commands.map, bot.stance_map")
    assert "bot.stance_map.layout" in modules  # the probe does see what was imported
    assert not {m for m in modules if m.split(".")[0] in PLOTTING}


def test_query_actor_loads_no_plotting() -> None:
    modules = loaded_after(
        "from bot.app.cli import main\nassert main(['query', 'actor', 'erdogan']) == 0"
    )
    assert "bot.commands.map" in modules  # the map command is declared in that process
    assert not {m for m in modules if m.split(".")[0] in PLOTTING}
    # Nor the map's own modules: declaring the command must not slow other commands down.
    assert not {m for m in modules if m.startswith("bot.stance_map")}


def test_drawing_a_map_does_load_it() -> None:
    # The other side of the two tests above: the probe would see matplotlib if it were loaded.
    modules = loaded_after(
        "from bot.core.loader import load_directory, default_content_dir\n"
        "from bot.stance_map import layout, render_png\n"
        "render_png(layout(load_directory(default_content_dir())[0].briefing))"
    )
    assert "matplotlib" in modules
