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

Measured per process: start-up time from spawn to ready (briefbot: ``/readyz`` answers 200;
bare: both platforms connected), resident memory (``VmRSS``) once idle, and the peak resident
memory (``VmHWM``) while it answers ``--commands`` concurrent commands (half Discord slash
commands, half Slack ``/brief`` over Socket Mode), with their wall time and latencies.

    python bench/bench_runtime.py [--commands 200] [--rounds 3] [--setups discord,both]

Prints a table and writes ``bench/results/bench_runtime.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

        @tree.command(name="actor", description="An actor")
        async def actor(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"{name}: a fixed answer")

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
    """User + system CPU time a process has used so far."""
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


async def measure(variant: str, setup: str, commands: int, workdir: Path) -> dict[str, Any]:
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

            async def discord_command() -> float:
                t0 = time.perf_counter()
                iid = await discord_fake.invoke_command("actor", {"name": actor})
                await discord_fake.wait_for_response(iid, timeout=60)
                return time.perf_counter() - t0

            async def slack_command() -> float:
                t0 = time.perf_counter()
                reply = await user.command(f"actor {actor}")
                assert reply.status == 200
                return time.perf_counter() - t0

            load_started = time.perf_counter()
            latencies = await asyncio.gather(
                *(
                    discord_command() if i % 2 or not slack else slack_command()
                    for i in range(commands)
                )
            )
            wall = time.perf_counter() - load_started
            mem = memory_kib(proc.pid)
        finally:
            await child.stop()
    return {
        "startup_s": startup,
        "cpu_after_ready_ms": cpu_after_ready * 1000,
        "idle_rss_mib": idle / 1024,
        "load_peak_rss_mib": mem["VmHWM"] / 1024,
        "load_rss_after_mib": mem["VmRSS"] / 1024,
        "load_wall_s": wall,
        "latency_p50_ms": percentile(latencies, 50) * 1000,
        "latency_p95_ms": percentile(latencies, 95) * 1000,
    }


async def bench(commands: int, rounds: int, setups: list[str]) -> dict[str, Any]:
    runs = {setup: {"briefbot": [], "bare": []} for setup in setups}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for setup in setups:
                for variant in ("briefbot", "bare"):  # alternate, so drift hits both alike
                    measured = await measure(variant, setup, commands, Path(tmp))
                    runs[setup][variant].append(measured)
    summary = {
        setup: {
            variant: {key: statistics.median(r[key] for r in results) for key in results[0]}
            for variant, results in by_variant.items()
        }
        for setup, by_variant in runs.items()
    }
    return {"commands": commands, "rounds": rounds, "median": summary, "runs": runs}


def report(result: dict[str, Any]) -> None:
    rows = [
        ("start-up to ready (s)", "startup_s", "{:.2f}"),
        (
            f"CPU in the {IDLE_SETTLE_SECONDS:.0f} s after ready (ms)",
            "cpu_after_ready_ms",
            "{:.0f}",
        ),
        ("RSS idle (MiB)", "idle_rss_mib", "{:.1f}"),
        (
            f"peak RSS, {result['commands']} concurrent commands (MiB)",
            "load_peak_rss_mib",
            "{:.1f}",
        ),
        ("wall time for those commands (s)", "load_wall_s", "{:.2f}"),
        ("command latency p50 (ms)", "latency_p50_ms", "{:.0f}"),
        ("command latency p95 (ms)", "latency_p95_ms", "{:.0f}"),
    ]
    print(
        f"median of {result['rounds']} round(s), Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s)"
    )
    for setup, median in result["median"].items():
        bare_name = "bare d.py" if setup == "discord" else "bare d.py+bolt"
        title = "Discord only" if setup == "discord" else "Discord + Slack"
        print(f"\n{title:<48} {'briefbot run':>12} {bare_name:>15} {'ratio':>6}")
        for label, key, fmt in rows:
            ours, bare = median["briefbot"][key], median["bare"][key]
            ratio = f"{ours / bare:.2f}" if bare else "-"
            print(f"{label:<48} {fmt.format(ours):>12} {fmt.format(bare):>15} {ratio:>6}")


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
