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
- ``same``: a bare discord.py client answering ``/actor`` with the very message Briefbot sent
  for its first actor (embed and components, as captured from Briefbot's first answer): the
  same bytes through discord.py, none of Briefbot's work.

Phases: per bot, connect, idle 2 s (resident memory read), then a first burst of 200 in flight
(its first answers: cold, the warm-up of ``briefbot run`` done before connecting); then,
alternating between the bots, one interaction in flight at a time (bot by bot, so all see the
same moment of a busy machine) for p50/p99, then bursts of 200 interactions in flight (each
must be answered within 3 s) for throughput. The CPU each bot process used per answer (cold and
warm bursts) and its peak resident memory are read from ``/proc``. Target (issue 3): Briefbot's
p99 within 1.5x of the bare bot's, one in flight; (issue 15) CPU per answer within 1.1x of the
bot sending the same message.

Run: ``python bench/bench_discord.py`` (prints a table, writes bench/results/bench_discord.json).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_runtime import cpu_seconds, memory_kib

from tests.fakes.discord import TOKEN, FakeDiscord

from _common import print_table, summary_ms, write_results

BOTS = ("briefbot", "bare", "same")
SEQUENTIAL = int(
    os.environ.get("BENCH_SEQUENTIAL", "400")
)  # interactions per bot, alternating bot by bot
WARMUP = 30
BURST = 200
BURSTS = 3
WINDOW_S = 3.0
#: Idle after connecting, before the resident memory is read and the first burst sent.
IDLE_S = 2.0
#: Briefbot's first answer, sent unchanged by the "same" bot.
MESSAGE_FILE = Path(tempfile.gettempdir()) / f"bench_discord_message_{os.getpid()}.json"
TARGET_RATIO = 1.5


# -- the bots (child processes) --------------------------------------------------------------------


async def serve(bot: str, api_base: str, gateway_url: str) -> None:
    """Run one bot until SIGTERM."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if bot == "briefbot":
        from bot.app import warmup
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
        await warmup.warm(engine, settings)  # as bot.app.runtime does before connecting
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

    if bot == "bare":

        @tree.command(name="ping", description="Answers pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

    else:  # "same": Briefbot's first view of an actor, as Briefbot sent it
        message = json.loads(Path(os.environ["BENCH_MESSAGE"]).read_text())

        class Rows(discord.ui.View):
            def __init__(self) -> None:
                super().__init__(timeout=None)
                self.stop()

            def to_components(self) -> list[dict[str, Any]]:
                return message.get("components") or []

        @tree.command(name="actor", description="An actor")
        async def actor(interaction: discord.Interaction, name: str) -> None:
            embeds = [discord.Embed.from_dict(e) for e in message.get("embeds", [])]
            await interaction.response.send_message(embeds=embeds, view=Rows())

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
            env={**os.environ, "PYTHONWARNINGS": "ignore", "BENCH_MESSAGE": str(MESSAGE_FILE)},
        )
        await self.fake.wait_for_identify(timeout=60)

    def cpu(self) -> float:
        assert self.proc is not None
        return cpu_seconds(self.proc.pid)

    def rss_mib(self) -> dict[str, float]:
        assert self.proc is not None
        return {k: v / 1024 for k, v in memory_kib(self.proc.pid).items()}

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)

    async def dispatch(self) -> str:
        self._n += 1
        if self.bot == "bare":
            return await self.fake.invoke_command("ping")  # "same" answers every actor alike
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
    cold: dict[str, dict[str, Any]] = {}
    cpu: dict[str, dict[str, float]] = {bot: {} for bot in BOTS}
    memory: dict[str, dict[str, float]] = {}
    try:
        for bot, target in targets.items():  # "same" needs the message Briefbot sent
            await target.start()
            await asyncio.sleep(IDLE_S)
            memory[bot] = {"idle_rss_mib": round(target.rss_mib()["VmRSS"], 1)}
            before = target.cpu()
            latencies, elapsed, late = await target.burst(BURST)  # its first answers: cold
            cpu[bot]["cold_per_answer_ms"] = round((target.cpu() - before) * 1000 / BURST, 3)
            cold[bot] = {**summary_ms(latencies), "late_over_3s": late}
            if bot == "briefbot":
                first_id = next(iter(target.fake.interactions))
                sent = await target.fake.wait_for_response(first_id)
                MESSAGE_FILE.write_text(json.dumps(sent["data"]))
            await asyncio.sleep(0.5)
        for target in targets.values():
            for _ in range(WARMUP):
                await target.one()
        sequential: dict[str, list[float]] = {bot: [] for bot in BOTS}
        for _ in range(SEQUENTIAL):
            for bot, target in targets.items():
                sequential[bot].append(await target.one())
        bursts: dict[str, dict[str, Any]] = {
            b: {"latencies": [], "rates": [], "late": 0, "cpu": []} for b in BOTS
        }
        for _ in range(BURSTS):
            for bot, target in targets.items():
                before = target.cpu()
                latencies, elapsed, late = await target.burst(BURST)
                bursts[bot]["cpu"].append((target.cpu() - before) * 1000 / BURST)
                bursts[bot]["latencies"] += latencies
                bursts[bot]["rates"].append(BURST / elapsed)
                bursts[bot]["late"] += late
                await asyncio.sleep(0.5)  # let follow-up pages drain before the next burst
        for bot, target in targets.items():
            memory[bot]["peak_rss_mib"] = round(target.rss_mib()["VmHWM"], 1)
            cpu[bot]["warm_per_answer_ms"] = round(statistics.median(bursts[bot]["cpu"]), 3)
    finally:
        for target in targets.values():
            target.stop()
        for fake in fakes.values():
            await fake.stop()
        MESSAGE_FILE.unlink(missing_ok=True)

    latency = {bot: summary_ms(sequential[bot]) for bot in BOTS}
    burst = {
        bot: {
            **summary_ms(b["latencies"]),
            "throughput_per_s": round(sorted(b["rates"])[len(b["rates"]) // 2], 1),
            "late_over_3s": b["late"],
        }
        for bot, b in bursts.items()
    }

    def ratios(of: dict[str, dict[str, Any]], keys: tuple[str, ...], to: str) -> dict[str, float]:
        return {k: round(of["briefbot"][k] / of[to][k], 2) for k in keys if of[to][k]}

    p = ("p50_ms", "p99_ms")
    ratio = {
        "sequential": {k[:3]: v for k, v in ratios(latency, p, "bare").items()},
        "burst": {k[:3]: v for k, v in ratios(burst, p, "bare").items()},
        "cold_burst": {k[:3]: v for k, v in ratios(cold, p, "bare").items()},
        "cpu_per_answer_vs_bare": ratios(cpu, ("cold_per_answer_ms", "warm_per_answer_ms"), "bare"),
        "cpu_per_answer_vs_same": ratios(cpu, ("cold_per_answer_ms", "warm_per_answer_ms"), "same"),
        "memory_vs_bare": ratios(memory, ("idle_rss_mib", "peak_rss_mib"), "bare"),
    }
    return {
        "command": "/actor name:<each actor>",
        "sequential_per_bot": SEQUENTIAL,
        "burst_size": BURST,
        "bursts": BURSTS,
        "latency": latency,
        "burst": burst,
        "cold_burst": cold,
        "cpu": cpu,
        "memory": memory,
        "ratio": ratio,
        "target_p99_ratio": TARGET_RATIO,
        "meets_target": ratio["sequential"]["p99"] <= TARGET_RATIO,
        "all_answered_within_3s": burst["briefbot"]["late_over_3s"] == 0
        and cold["briefbot"]["late_over_3s"] == 0,
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
        f"First burst of {BURST} right after connecting (cold)",
        [{"bot": bot, **results["cold_burst"][bot]} for bot in BOTS],
    )
    print_table(
        f"Bursts of {BURST} in flight (warm)",
        [{"bot": bot, **results["burst"][bot]} for bot in BOTS],
    )
    print_table(
        "CPU per answer (ms) and memory (MiB)",
        [{"bot": bot, **results["cpu"][bot], **results["memory"][bot]} for bot in BOTS],
    )
    print(
        f"\nratio briefbot/bare: sequential {results['ratio']['sequential']}, "
        f"burst {results['ratio']['burst']} (target p99 ≤ {TARGET_RATIO}x), "
        f"cold burst {results['ratio']['cold_burst']}, memory {results['ratio']['memory_vs_bare']}"
        f"\nCPU per answer: vs bare {results['ratio']['cpu_per_answer_vs_bare']}, "
        f"vs the same message {results['ratio']['cpu_per_answer_vs_same']}"
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
