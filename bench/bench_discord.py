"""Discord: dispatch → first-response latency and throughput of ``/actor``, against a bare bot.

Each bot runs in its own process (``--serve``) with the real discord.py client, connected to
its own local Discord stand-in (``tests/fakes/discord/``, checks off) that this process
runs; this process dispatches the interactions over the gateway and timestamps the callbacks, so
both bots see the same driver, machine and moment. Latency = INTERACTION_CREATE frame sent →
the bot's interaction callback reaching the stand-in (what Discord's 3-second window measures).

Bots compared:
- ``briefbot``: ``DiscordService`` with the shipped content answering ``/actor name:<actor>``,
  rotating through every actor (the first view of its card: one embed, view buttons, select).
- ``bare``: a bare discord.py client with one slash command answering "pong".

Phases, alternating between the bots: one interaction in flight at a time (bot by bot, so
both see the same moment of a busy machine) for p50/p99, then bursts of 200 interactions in
flight (each must be answered within 3 s) for throughput. Target (issue 3): Briefbot's p99
within 1.5x of the bare bot's, one in flight.

Run: ``python bench/bench_discord.py`` (prints a table, writes bench/results/bench_discord.json).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.discord import TOKEN, FakeDiscord

from _common import print_table, summary_ms, write_results

BOTS = ("briefbot", "bare")
SEQUENTIAL = 400  # interactions per bot, alternating bot by bot
WARMUP = 30
BURST = 200
BURSTS = 3
WINDOW_S = 3.0
TARGET_RATIO = 1.5


# -- the bots (child processes) --------------------------------------------------------------------


async def serve(bot: str, api_base: str, gateway_url: str) -> None:
    """Run one bot until SIGTERM."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if bot == "briefbot":
        from bot.app.composition import build_engine
        from bot.app.settings import DiscordSettings, Settings
        from bot.core.library import Library, LibraryHolder
        from bot.core.loader import default_content_dir, load_directory
        from bot.platforms.discord.service import DiscordService

        library = Library.from_loaded(load_directory(default_content_dir()))
        engine = build_engine(LibraryHolder(library))
        settings = Settings(
            discord=DiscordSettings(token=TOKEN, api_base=api_base, gateway_url=gateway_url)
        )
        service = DiscordService(settings, engine)
        await service.start()
        gc.freeze()  # as bot.app.runtime does once everything has started
        await stop.wait()
        await service.stop()
        return

    import discord
    import yarl
    from discord import app_commands

    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    client = discord.Client(intents=discord.Intents(guilds=True))
    tree = app_commands.CommandTree(client)

    @tree.command(name="ping", description="Answers pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async def setup_hook() -> None:
        await tree.sync()

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    task = asyncio.create_task(client.start(TOKEN))
    await stop.wait()
    await client.close()
    await task


# -- the driver ------------------------------------------------------------------------------------


class Target:
    """One bot process and the stand-in it is connected to."""

    def __init__(self, bot: str, fake: FakeDiscord, actors: list[str]) -> None:
        self.bot, self.fake, self.actors = bot, fake, actors
        self.proc: subprocess.Popen[bytes] | None = None
        self._n = 0

    async def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                self.bot,
                "--api-base",
                self.fake.api_base,
                "--gateway-url",
                self.fake.gateway_url,
            ],
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        await self.fake.wait_for_identify(timeout=60)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)

    async def dispatch(self) -> str:
        self._n += 1
        if self.bot == "bare":
            return await self.fake.invoke_command("ping")
        actor = self.actors[self._n % len(self.actors)]
        return await self.fake.invoke_command("actor", {"name": actor})

    async def one(self) -> float:
        """One interaction alone in flight; its latency in seconds."""
        iid = await self.dispatch()
        await self.fake.wait_for_response(iid, timeout=10)
        return self.fake.interactions[iid].latency or float("inf")

    async def burst(self, size: int) -> tuple[list[float], float, int]:
        """``size`` interactions in flight at once: latencies, seconds until all answered, and
        how many were not answered within Discord's window."""
        started = time.perf_counter()
        ids = [await self.dispatch() for _ in range(size)]
        late = 0
        for iid in ids:
            try:
                await self.fake.wait_for_response(iid, timeout=WINDOW_S + 2)
            except AssertionError:
                late += 1
        records = [self.fake.interactions[i] for i in ids]
        latencies = [r.latency for r in records if r.latency is not None]
        late += sum(1 for t in latencies if t > WINDOW_S)
        finished = max((r.responded_at or started) for r in records)
        return latencies, finished - started, late


async def drive() -> dict[str, Any]:
    from bot.core.library import Library
    from bot.core.loader import default_content_dir, load_directory

    loaded = Library.from_loaded(load_directory(default_content_dir())).get(None)
    actors = [a.id for a in loaded.briefing.actors]
    fakes = {bot: FakeDiscord(validate=False) for bot in BOTS}
    targets = {bot: Target(bot, fakes[bot], actors) for bot in BOTS}
    for fake in fakes.values():
        await fake.start()
    try:
        for target in targets.values():
            await target.start()
        for target in targets.values():
            for _ in range(WARMUP):
                await target.one()
        sequential: dict[str, list[float]] = {bot: [] for bot in BOTS}
        for _ in range(SEQUENTIAL):
            for bot, target in targets.items():
                sequential[bot].append(await target.one())
        bursts: dict[str, dict[str, Any]] = {
            b: {"latencies": [], "rates": [], "late": 0} for b in BOTS
        }
        for _ in range(BURSTS):
            for bot, target in targets.items():
                latencies, elapsed, late = await target.burst(BURST)
                bursts[bot]["latencies"] += latencies
                bursts[bot]["rates"].append(BURST / elapsed)
                bursts[bot]["late"] += late
                await asyncio.sleep(0.5)  # let follow-up pages drain before the next burst
    finally:
        for target in targets.values():
            target.stop()
        for fake in fakes.values():
            await fake.stop()

    latency = {bot: summary_ms(sequential[bot]) for bot in BOTS}
    burst = {
        bot: {
            **summary_ms(b["latencies"]),
            "throughput_per_s": round(sorted(b["rates"])[len(b["rates"]) // 2], 1),
            "late_over_3s": b["late"],
        }
        for bot, b in bursts.items()
    }
    ratio = {
        "sequential": {
            k: round(latency["briefbot"][f"{k}_ms"] / latency["bare"][f"{k}_ms"], 2)
            for k in ("p50", "p99")
        },
        "burst": {
            k: round(burst["briefbot"][f"{k}_ms"] / burst["bare"][f"{k}_ms"], 2)
            for k in ("p50", "p99")
        },
    }
    return {
        "command": "/actor name:<each actor>",
        "sequential_per_bot": SEQUENTIAL,
        "burst_size": BURST,
        "bursts": BURSTS,
        "latency": latency,
        "burst": burst,
        "ratio": ratio,
        "target_p99_ratio": TARGET_RATIO,
        "meets_target": ratio["sequential"]["p99"] <= TARGET_RATIO,
        "all_answered_within_3s": burst["briefbot"]["late_over_3s"] == 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=BOTS)
    parser.add_argument("--api-base")
    parser.add_argument("--gateway-url")
    args = parser.parse_args()
    if args.serve:
        logging.basicConfig(level=logging.WARNING)
        asyncio.run(serve(args.serve, args.api_base, args.gateway_url))
        return 0

    logging.basicConfig(level=logging.ERROR)
    results = asyncio.run(drive())
    print_table(
        "Sequential (one in flight): dispatch → first response",
        [{"bot": bot, **results["latency"][bot]} for bot in BOTS],
    )
    print_table(
        f"Bursts of {BURST} in flight", [{"bot": bot, **results["burst"][bot]} for bot in BOTS]
    )
    print(
        f"\nratio briefbot/bare: sequential {results['ratio']['sequential']}, "
        f"burst {results['ratio']['burst']} (target p99 ≤ {TARGET_RATIO}x)"
    )
    print(
        f"every /actor answered within 3 s under {BURST} in flight: "
        f"{results['all_answered_within_3s']}"
    )
    path = write_results("bench_discord", results)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
