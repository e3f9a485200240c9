"""Memory and start-up of ``briefbot run`` next to a bare discord.py (+ slack-bolt) process.

Two set-ups, each measured against its own bare bot: **discord** (Discord only, against a bare
discord.py bot) and **both** (Discord and Slack, against a bare discord.py + bolt process).
Both run as subprocesses against the same kind of local stand-ins (``tests/fakes``: a Discord
REST + gateway and a Slack Web API + Socket Mode server, fresh ones per process):

- **briefbot**: ``python -m bot run`` with Discord and Slack (Socket Mode) configured, SQLite,
  the real content — everything ``briefbot run`` does (content load, migrations, command sync,
  scheduler, health server, content watcher).
- **bare**: this file with ``--bare``: a ``discord.Client`` with one slash command and a bolt
  ``AsyncApp`` in Socket Mode with one ``/brief`` handler, each answering a fixed string.

- **same** (Discord only): the bare bot sending, instead of a fixed string, the very message
  Briefbot sent for the actor (its first view: embed and components, captured from Briefbot's
  first answer in the run) — the same bytes through discord.py, none of Briefbot's work.

Measured per process: start-up time from spawn to ready (briefbot: ``/readyz`` answers 200;
bare: both platforms connected), the CPU used in the 2 s after ready, resident memory
(``VmRSS``) once idle, then bursts of ``--commands`` concurrent commands (Discord only: all
slash commands; with Slack: half Discord slash commands, half Slack ``/brief`` over Socket
Mode): the first burst (the first commands the process answers: cold) and ``WARM_BURSTS`` more
(warm), each with its wall time, latencies and the CPU the process used per command, and the
peak resident memory (``VmHWM``) after them. Every row is printed with its ratio to the bare
bot (and to "same") measured in the same run (rounds alternate the variants).

    python bench/bench_runtime.py [--commands 200] [--rounds 3] [--setups discord,both]

Prints a table and writes ``bench/results/bench_runtime.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from _common import percentile, write_results  # noqa: E402

IDLE_SETTLE_SECONDS = 2.0
#: Bursts after the first one (whose commands are the first the process answers).
WARM_BURSTS = 2
#: What is measured: Discord only, and Discord with Slack (Socket Mode).
SETUPS = ("discord", "both")
READY_TIMEOUT = 60.0


# --- the bare process -------------------------------------------------------------------------


def bare_main(setup: str) -> None:
    """A minimal discord.py (+ bolt for ``both``) bot on the stand-ins (``--bare SETUP``);
    prints READY when connected and exits on SIGTERM."""
    import discord
    import yarl
    from discord import app_commands
    from discord.gateway import DiscordWebSocket

    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])

    async def run() -> None:
        client = discord.Client(intents=discord.Intents(guilds=True))
        tree = app_commands.CommandTree(client)
        connected = asyncio.Event()

        same = os.environ.get("BARE_MESSAGE")  # Briefbot's first view of the actor, as sent
        message = json.loads(Path(same).read_text()) if same else None

        class Rows(discord.ui.View):
            """Component rows sent unchanged (as Briefbot's adapter does)."""

            def __init__(self, rows: list[dict[str, Any]]) -> None:
                super().__init__(timeout=None)
                self.rows = rows
                self.stop()

            def to_components(self) -> list[dict[str, Any]]:
                return self.rows

        @tree.command(name="actor", description="An actor")
        async def actor(interaction: discord.Interaction, name: str) -> None:
            if message is None:
                await interaction.response.send_message(f"{name}: a fixed answer")
                return
            kwargs: dict[str, Any] = {
                "embeds": [discord.Embed.from_dict(e) for e in message.get("embeds", [])]
            }
            if message.get("components"):
                kwargs["view"] = Rows(message["components"])
            if message.get("content"):
                kwargs["content"] = message["content"]
            await interaction.response.send_message(**kwargs)

        async def setup_hook() -> None:
            await tree.sync()

        async def on_connect() -> None:
            connected.set()

        client.setup_hook = setup_hook  # type: ignore[method-assign]
        client.on_connect = on_connect  # type: ignore[attr-defined]

        handler = None
        if setup == "both":
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
            from slack_bolt.async_app import AsyncApp
            from slack_sdk.web.async_client import AsyncWebClient

            web = AsyncWebClient(
                token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
            )
            app = AsyncApp(client=web, request_verification_enabled=False)

            @app.command("/brief")
            async def brief(ack: Any, command: dict[str, Any]) -> None:
                await ack(f"{command['text']}: a fixed answer")

            handler = AsyncSocketModeHandler(app, os.environ["SLACK_APP_TOKEN"])
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        task = asyncio.create_task(client.start(os.environ["DISCORD_TOKEN"]))
        if handler is not None:
            await handler.connect_async()
        await connected.wait()
        print("READY", flush=True)
        await stop.wait()
        if handler is not None:
            await handler.close_async()
        await client.close()
        await task

    asyncio.run(run())


# --- measuring ----------------------------------------------------------------------------------


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(value.split()[0])
    return fields


def cpu_seconds(pid: int) -> float:
    """CPU time a process's threads have used so far: nanoseconds from each thread's
    ``schedstat`` where the kernel has it (``stat`` counts in 10 ms ticks, too coarse for
    the 2 s after ready), else user + system time from ``stat``."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # thread ended
                total += int(task.joinpath("schedstat").read_text().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def content_dir() -> tuple[Path, str]:
    """The content to serve and an actor name in it (the repository's, else the test fixture)."""
    from bot.core.loader import load_directory

    for candidate in (ROOT / "content", ROOT / "tests" / "ops" / "fixtures" / "content"):
        if any(candidate.glob("*.yaml")):
            loaded = load_directory(candidate)
            return candidate, loaded[0].briefing.actors[0].name
    raise SystemExit("no content to serve")


class Child:
    """A measured subprocess and its output."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.changed = asyncio.Event()
        assert proc.stdout is not None and proc.stderr is not None
        self.readers = [asyncio.create_task(self._read(s)) for s in (proc.stdout, proc.stderr)]

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            self.lines.append(raw.decode(errors="replace").rstrip())
            self.changed.set()

    async def wait_line(self, pattern: str) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            for line in self.lines:
                if m := regex.search(line):
                    return m
            if self.proc.returncode is not None:
                break
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 0.2)
        raise RuntimeError(f"no {pattern!r}:\n" + "\n".join(self.lines[-30:]))

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await asyncio.gather(*self.readers)


async def wait_ready_http(port: int) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.01)
    raise RuntimeError("briefbot never became ready")


async def measure(
    variant: str, setup: str, commands: int, workdir: Path, message_file: Path
) -> dict[str, Any]:
    """Start one process of ``variant`` with ``setup``'s platforms on fresh stand-ins and
    measure it."""
    from tests.fakes.discord import TOKEN as DISCORD_TOKEN
    from tests.fakes.discord import FakeDiscord
    from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SlackFake, SlackUser

    content, actor = content_dir()
    async with (
        FakeDiscord(validate=False, response_window=30.0) as discord_fake,
        SlackFake() as slack_fake,
    ):
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": DISCORD_TOKEN,
            "DISCORD_API_BASE": discord_fake.api_base,
            "DISCORD_GATEWAY_URL": discord_fake.gateway_url,
            "CONTENT_DIR": str(content),
            "DATABASE_URL": f"sqlite:///{workdir}/{variant}-{time.monotonic_ns()}.db",
            "HEALTH_HOST": "127.0.0.1",
            "HEALTH_PORT": "0",
            "LOG_LEVEL": "WARNING",
        }
        slack = setup == "both"
        if slack:
            env["SLACK_BOT_TOKEN"] = BOT_TOKEN
            env["SLACK_APP_TOKEN"] = APP_TOKEN
            env["SLACK_API_URL"] = slack_fake.api_url
        if variant == "briefbot":
            argv = [sys.executable, "-m", "bot", "run"]
            env["LOG_LEVEL"] = "INFO"  # the health server's port is read from the log
        else:
            argv = [sys.executable, __file__, "--bare", setup]
            if variant == "same":
                env["BARE_MESSAGE"] = str(message_file)
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        child = Child(proc)
        try:
            if variant == "briefbot":
                port = int((await child.wait_line(r"health server on http://[^:]+:(\d+)"))[1])
                await wait_ready_http(port)
            else:
                await child.wait_line(r"^READY$")
            startup = time.perf_counter() - started
            cpu_at_ready = cpu_seconds(proc.pid)
            if slack:
                await slack_fake.wait_socket_connected()
            await asyncio.sleep(IDLE_SETTLE_SECONDS)
            idle = memory_kib(proc.pid)["VmRSS"]
            cpu_after_ready = cpu_seconds(proc.pid) - cpu_at_ready

            user = SlackUser(slack_fake)
            sent: list[dict[str, Any]] = []  # the Discord responses' bodies

            async def discord_command() -> float:
                t0 = time.perf_counter()
                iid = await discord_fake.invoke_command("actor", {"name": actor})
                sent.append(await discord_fake.wait_for_response(iid, timeout=60))
                return time.perf_counter() - t0

            async def slack_command() -> float:
                t0 = time.perf_counter()
                reply = await user.command(f"actor {actor}")
                assert reply.status == 200
                return time.perf_counter() - t0

            async def burst() -> dict[str, float]:
                cpu_before = cpu_seconds(proc.pid)
                began = time.perf_counter()
                latencies = await asyncio.gather(
                    *(
                        discord_command() if i % 2 or not slack else slack_command()
                        for i in range(commands)
                    )
                )
                wall = time.perf_counter() - began
                cpu = cpu_seconds(proc.pid) - cpu_before
                return {
                    "wall_s": wall,
                    "cpu_per_command_ms": cpu * 1000 / commands,
                    "p50_ms": percentile(latencies, 50) * 1000,
                    "p95_ms": percentile(latencies, 95) * 1000,
                }

            cold = await burst()  # the first commands the process answers
            if variant == "briefbot" and not slack and not message_file.exists():
                # What Briefbot sent, for the bare bot that sends the same message.
                message_file.write_text(json.dumps(sent[0]["data"]))
            warm = [await burst() for _ in range(WARM_BURSTS)]
            mem = memory_kib(proc.pid)
        finally:
            await child.stop()
    return {
        "startup_s": startup,
        "cpu_after_ready_ms": cpu_after_ready * 1000,
        "idle_rss_mib": idle / 1024,
        "load_peak_rss_mib": mem["VmHWM"] / 1024,
        "load_rss_after_mib": mem["VmRSS"] / 1024,
        "cold_wall_s": cold["wall_s"],
        "cold_cpu_per_command_ms": cold["cpu_per_command_ms"],
        "cold_p50_ms": cold["p50_ms"],
        "cold_p95_ms": cold["p95_ms"],
        "warm_wall_s": statistics.median(b["wall_s"] for b in warm),
        "cpu_per_command_ms": statistics.median(b["cpu_per_command_ms"] for b in warm),
        "warm_p50_ms": statistics.median(b["p50_ms"] for b in warm),
        "warm_p95_ms": statistics.median(b["p95_ms"] for b in warm),
    }


async def bench(commands: int, rounds: int, setups: list[str]) -> dict[str, Any]:
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        setup: {variant: [] for variant in variants(setup)} for setup in setups
    }
    with tempfile.TemporaryDirectory() as tmp:
        message_file = Path(tmp) / "briefbot-message.json"
        for _ in range(rounds):
            for setup in setups:
                for variant in variants(setup):  # alternate, so drift hits all alike
                    measured = await measure(variant, setup, commands, Path(tmp), message_file)
                    runs[setup][variant].append(measured)
    summary = {
        setup: {
            variant: {key: statistics.median(r[key] for r in results) for key in results[0]}
            for variant, results in by_variant.items()
        }
        for setup, by_variant in runs.items()
    }
    return {"commands": commands, "rounds": rounds, "median": summary, "runs": runs}


def variants(setup: str) -> tuple[str, ...]:
    """Briefbot, the bare bot answering a fixed string, and (Discord only) the bare bot sending
    Briefbot's own first view of the actor: the same bytes, none of Briefbot's work."""
    return ("briefbot", "bare", "same") if setup == "discord" else ("briefbot", "bare")


def report(result: dict[str, Any]) -> None:
    n = result["commands"]
    rows = [
        ("start-up to ready (s)", "startup_s", "{:.2f}"),
        (
            f"CPU in the {IDLE_SETTLE_SECONDS:.0f} s after ready (ms)",
            "cpu_after_ready_ms",
            "{:.1f}",
        ),
        ("RSS idle (MiB)", "idle_rss_mib", "{:.1f}"),
        (f"peak RSS after {1 + WARM_BURSTS} bursts of {n} (MiB)", "load_peak_rss_mib", "{:.1f}"),
        (f"first burst of {n}: wall (s)", "cold_wall_s", "{:.2f}"),
        ("first burst: CPU per command (ms)", "cold_cpu_per_command_ms", "{:.2f}"),
        ("first burst: latency p50 (ms)", "cold_p50_ms", "{:.0f}"),
        ("first burst: latency p95 (ms)", "cold_p95_ms", "{:.0f}"),
        (f"warm bursts (median of {WARM_BURSTS}): wall (s)", "warm_wall_s", "{:.2f}"),
        ("warm bursts: CPU per command (ms)", "cpu_per_command_ms", "{:.2f}"),
        ("warm bursts: latency p50 (ms)", "warm_p50_ms", "{:.0f}"),
        ("warm bursts: latency p95 (ms)", "warm_p95_ms", "{:.0f}"),
    ]
    print(
        f"median of {result['rounds']} round(s), Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s)"
    )
    for setup, median in result["median"].items():
        title = "Discord only" if setup == "discord" else "Discord + Slack"
        bare_name = "bare d.py" if setup == "discord" else "bare d.py+bolt"
        same = "same" in median
        head = f"\n{title:<44} {'briefbot':>9} {bare_name:>14} {'ratio':>6}"
        print(head + (f" {'same msg':>9} {'ratio':>6}" if same else ""))
        for label, key, fmt in rows:
            ours = median["briefbot"][key]
            cells = f"{label:<44} {fmt.format(ours):>9}"
            for other, width in (("bare", 14), *((("same", 9),) if same else ())):
                theirs = median[other][key]
                ratio = f"{ours / theirs:.2f}" if theirs else "-"
                cells += f" {fmt.format(theirs):>{width}} {ratio:>6}"
            print(cells)
    if "discord" in result["median"]:
        print(
            "\n'same msg': a bare discord.py bot sending Briefbot's first view of the actor "
            "(the same embed and components) instead of a fixed string."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--setups", default="discord,both", help="comma-separated: discord, both (with Slack)"
    )
    parser.add_argument("--bare", choices=SETUPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_main(args.bare)
        return
    setups = [s for s in args.setups.split(",") if s]
    if not setups or any(s not in SETUPS for s in setups):
        parser.error(f"--setups: a comma-separated list of {', '.join(SETUPS)}")
    result = asyncio.run(bench(args.commands, args.rounds, setups))
    report(result)
    path = write_results("bench_runtime", result)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
