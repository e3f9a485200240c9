"""The stance map: render time (cold and cached) and its effect on ``briefbot query actor``.

- **cold render**: layout + PNG for a content version the process has not drawn yet (a fresh
  ``MapCache`` each round, matplotlib already imported), through the same worker thread the
  bot uses; layout and drawing are also timed apart. Target p99 < 1 s.
- **first render in a new process**: the same, plus importing matplotlib (what the very first
  ``map`` after a start costs).
- **cached answer**: ``map`` through the engine once the version is cached (layout, text view
  and image reference), and fetching the cached PNG an adapter attaches. Target p99 < 50 ms.
- **``briefbot query actor erdogan``** wall time with the map command present and with it
  stubbed out (``bot.commands.map`` replaced by an empty module), runs interleaved, and the
  in-process cost of importing ``bot.commands.map``. Target: no difference beyond noise — the
  command module imports neither ``bot.stance_map`` nor any plotting library.

    python bench/bench_map.py [--rounds 30] [--query-runs 15]

Prints tables and writes ``bench/results/bench_map.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app.cli import load_engine
from bot.commands.calls import Context
from bot.stance_map import MapCache, image_bytes, layout, render_png

from _common import print_table, summary_ms, write_results

FIRST_RENDER = """
import time
t0 = time.perf_counter()
from bot.core.loader import load_directory, default_content_dir
loaded = load_directory(default_content_dir())[0]
t1 = time.perf_counter()
from bot.stance_map import layout, render_png
render_png(layout(loaded.briefing))
print(time.perf_counter() - t1)
"""
WITHOUT_MAP = (
    "import sys, types; stub = types.ModuleType('bot.commands.map'); "
    "stub.register = lambda registry: None; sys.modules['bot.commands.map'] = stub; "
    "from bot.app.cli import main; raise SystemExit(main(['query', 'actor', 'erdogan']))"
)
ROOT = Path(__file__).resolve().parent.parent
#: What importing the map command adds once the other built-in commands are loaded.
IMPORT_COST = """
import time
import bot.app.cli, bot.commands.engine, bot.commands.briefing_queries, bot.digests.handlers
t0 = time.perf_counter()
import bot.commands.map
print(time.perf_counter() - t0)
"""
WITH_MAP = "from bot.app.cli import main; raise SystemExit(main(['query', 'actor', 'erdogan']))"


async def cold_and_cached(rounds: int) -> dict[str, dict[str, float]]:
    engine = load_engine()
    loaded = engine.library.current.get(None)
    render_png(layout(loaded.briefing))  # import matplotlib and load the fonts once
    total, lay_times, draw_times = [], [], []
    for _ in range(rounds):
        cache = MapCache()
        t0 = time.perf_counter()
        await cache.png(loaded)
        total.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        lay = layout(loaded.briefing)
        t2 = time.perf_counter()
        render_png(lay)
        t3 = time.perf_counter()
        lay_times.append(t2 - t1)
        draw_times.append(t3 - t2)

    ctx = Context(platform="discord", channel_id="bench")
    first = await engine.execute_text("map", ctx)  # warms the process-wide cache
    assert first.image is not None
    await image_bytes(engine.library.current, first.image)
    answers, pngs = [], []
    for _ in range(400):
        t0 = time.perf_counter()
        answer = await engine.execute_text("map", ctx)
        t1 = time.perf_counter()
        assert answer.image is not None
        await image_bytes(engine.library.current, answer.image)
        t2 = time.perf_counter()
        answers.append(t1 - t0)
        pngs.append(t2 - t1)
    return {
        "cold_render_total": summary_ms(total),
        "cold_layout": summary_ms(lay_times),
        "cold_draw": summary_ms(draw_times),
        "cached_map_answer": summary_ms(answers),
        "cached_png_fetch": summary_ms(pngs),
    }


def first_render(runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", FIRST_RENDER], cwd=ROOT, capture_output=True, text=True
        )
        done.check_returncode()
        times.append(float(done.stdout.strip()))
    return summary_ms(times)


def import_cost(runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", IMPORT_COST], cwd=ROOT, capture_output=True, text=True
        )
        done.check_returncode()
        times.append(float(done.stdout.strip()))
    return summary_ms(times)


def query_wall(runs: int) -> dict[str, dict[str, float]]:
    """Interleaved runs, so a busy moment of the machine hits both variants alike."""
    timed: dict[str, list[float]] = {"with_map": [], "without_map": []}
    for _ in range(runs):
        for name, code in (("with_map", WITH_MAP), ("without_map", WITHOUT_MAP)):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
            timed[name].append(time.perf_counter() - t0)
    return {name: summary_ms(samples) for name, samples in timed.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--query-runs", type=int, default=15)
    args = parser.parse_args()

    render = asyncio.run(cold_and_cached(args.rounds))
    first = first_render(5)
    print_table(
        f"Stance map render ({args.rounds} cold rounds; targets p99 < 1000 ms cold, "
        "< 50 ms cached)",
        [{"what": k, **v} for k, v in render.items()],
    )
    print_table("First render in a new process (imports matplotlib)", [first])
    wall = query_wall(args.query_runs)
    print_table(
        f"`briefbot query actor erdogan` wall time ({args.query_runs} interleaved runs each)",
        [{"variant": k, **v} for k, v in wall.items()],
    )
    imports = import_cost(args.query_runs)
    print_table(
        "Importing bot.commands.map after the other commands (bot.stance_map loads when map runs)",
        [imports],
    )
    delta = wall["with_map"]["p50_ms"] - wall["without_map"]["p50_ms"]
    path = write_results(
        "bench_map",
        {
            "render": render,
            "first_render_new_process": first,
            "query_actor_wall": wall,
            "query_actor_p50_delta_ms": round(delta, 3),
            "map_module_import": imports,
            "cold_render_p99_under_1s": render["cold_render_total"]["p99_ms"] < 1000,
            "cached_answer_p99_under_50ms": max(
                render["cached_map_answer"]["p99_ms"], render["cached_png_fetch"]["p99_ms"]
            )
            < 50,
        },
    )
    print(f"\np50 difference, with the map minus without: {delta:+.1f} ms")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
