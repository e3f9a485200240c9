"""Core speed: in-process answer latency per command, and ``briefbot query`` wall time.

Targets (issue 2): p99 under 5 ms per answer in process; ``briefbot query`` under 0.5 s.
Run: ``python bench/bench_core.py``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app.cli import load_engine
from bot.commands.calls import Context
from bot.render.discord import to_discord
from bot.render.slack import to_slack
from bot.render.text import to_text

from _common import print_table, summary_ms, write_results

COMMANDS = [
    "brief",
    "actor russia",
    "actor erdogan",
    "actors",
    "compare turkey syria",
    "timeline",
    "figures",
    "ask why does Russia support this?",
    "ask how many refugees are in Turkey",
    "sources",
    "help",
    "actor russa",
]
ROUNDS = 400
QUERY_RUNS = 7


async def answer_latency() -> list[dict[str, object]]:
    engine = load_engine()
    ctx = Context(platform="bench")
    rows = []
    for line in COMMANDS:
        for _ in range(20):  # warm caches (retriever index, zone list)
            await engine.execute_text(line, ctx)
        core, rendered, cold = [], [], []
        for _ in range(ROUNDS):
            engine._answers.clear()  # the first time anyone asks: no cached answer
            t0 = time.perf_counter()
            await engine.execute_text(line, ctx)
            cold.append(time.perf_counter() - t0)
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            answer = await engine.execute_text(line, ctx)
            t1 = time.perf_counter()
            to_discord(answer), to_slack(answer), to_text(answer)
            t2 = time.perf_counter()
            core.append(t1 - t0)
            rendered.append(t2 - t0)
        c, r, u = summary_ms(core), summary_ms(rendered), summary_ms(cold)
        rows.append(
            {
                "command": line,
                "uncached_p50_ms": u["p50_ms"],
                "uncached_p99_ms": u["p99_ms"],
                "cached_p50_ms": c["p50_ms"],
                "cached_p99_ms": c["p99_ms"],
                "cached_plus_3_renders_p99_ms": r["p99_ms"],
                "ok": u["p99_ms"] < 5.0,
            }
        )
    return rows


def query_wall_time() -> dict[str, float]:
    times = []
    for _ in range(QUERY_RUNS):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "query", "actor", "erdogan"],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - t0)
    return summary_ms(times)


def main() -> None:
    rows = asyncio.run(answer_latency())
    print_table(
        f"In-process answer latency ({ROUNDS} runs each; target p99 < 5 ms, uncached)", rows
    )
    wall = query_wall_time()
    print_table(
        f"`briefbot query actor erdogan` wall time ({QUERY_RUNS} runs; target < 500 ms)", [wall]
    )
    path = write_results(
        "bench_core",
        {
            "answers": rows,
            "query_wall": wall,
            "all_answers_p99_under_5ms": all(r["ok"] for r in rows),
            "query_p50_under_500ms": wall["p50_ms"] < 500,
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
