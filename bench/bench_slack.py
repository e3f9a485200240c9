"""Slack HTTP mode: slash-command ack latency with 50 concurrent signed requests.

Each app runs in its own process (``--serve``) behind aiohttp on loopback, talking to the local
Slack stand-in for ``auth.test``; this process is the load client (one aiohttp session) and
sends rounds of 50 concurrent signed ``/brief actor russia`` requests to each app in turn, so
every app sees the same client, machine and moment. Latency = request sent → reply body read.

Apps compared:
- ``briefbot``: ``SlackService`` in HTTP mode; the ack carries the full Block Kit answer.
- ``bare``: a bare bolt ``AsyncApp`` acking the same command with "ok" (bolt's defaults).
- ``bare-pbr``: the same bare app with ``process_before_response=True``, as Briefbot runs.
- ``bare-blocks``: the bare-pbr app acking with Briefbot's answer precomputed at start-up: what
  sending a real ~6 KB Block Kit answer costs by itself, without computing it.

Also reported: each server's CPU time per request (stable under machine noise, unlike tails).
Target (issue 4): Briefbot's p99 within 1.5x of the bare app's. Run: ``python bench/bench_slack.py``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from tests.fakes.slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackFake,
    encode_body,
    signature_headers,
)

from _common import print_table, summary_ms, write_results

APPS = ("briefbot", "bare", "bare-pbr", "bare-blocks")
COMMAND_TEXT = "actor russia"
CONCURRENCY = 50
ROUNDS = 100
WARMUP_ROUNDS = 3
TARGET_RATIO = 1.5


# -- the servers (child processes) --------------------------------------------------------------


async def serve(kind: str, api_url: str) -> None:
    """Run one app in HTTP mode on a free port; print ``PORT n``; exit when stdin closes."""
    logging.basicConfig(level=logging.WARNING)
    from aiohttp import web

    if kind == "briefbot":
        from pydantic import SecretStr

        from bot.app.cli import load_engine
        from bot.app.settings import Settings, SlackSettings
        from bot.platforms.slack.service import SlackService

        settings = Settings(
            slack=SlackSettings(
                bot_token=SecretStr(BOT_TOKEN),
                signing_secret=SecretStr(SIGNING_SECRET),
                api_url=api_url,
                host="127.0.0.1",
                port=0,
            )
        )
        service = SlackService(settings, load_engine())
        await service.start()
        port = service.port
        stop = service.stop
    else:
        from slack_bolt.async_app import AsyncApp
        from slack_sdk.web.async_client import AsyncWebClient

        app = AsyncApp(
            client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
            signing_secret=SIGNING_SECRET,
            process_before_response=kind != "bare",
        )
        reply: dict[str, object] = {"text": "ok"}
        if kind == "bare-blocks":
            reply = await _briefbot_reply()

        @app.command("/brief")
        async def brief(ack):  # type: ignore[no-untyped-def]
            await ack(**reply)

        runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        stop = runner.cleanup

    ready_cpu = _cpu_seconds()
    print(f"PORT {port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print(f"CPU {_cpu_seconds() - ready_cpu:.6f}", flush=True)
    await stop()


async def _briefbot_reply() -> dict[str, object]:
    """The message Briefbot acks ``/brief actor russia`` with: the answer's first view, Share
    button included."""
    from bot.app.cli import load_engine
    from bot.commands.calls import Context
    from bot.platforms.slack.messages import ephemeral_message, share_value
    from bot.platforms.views import first

    engine = load_engine()
    invocation = engine.parse(COMMAND_TEXT, Context(platform="slack"))
    answer = await engine.execute(invocation)
    page = ephemeral_message(first(answer, invocation), share=share_value(invocation))
    return {k: page[k] for k in ("text", "blocks", "response_type")}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the load client (this process) -----------------------------------------------------------


async def one_request(session: aiohttp.ClientSession, url: str, fake: SlackFake) -> float:
    payload = fake.command_payload(COMMAND_TEXT)
    body, content_type = encode_body("slash_commands", payload)
    headers = {**signature_headers(SIGNING_SECRET, body), "Content-Type": content_type}
    started = time.perf_counter()
    async with session.post(url, data=body.encode(), headers=headers) as resp:
        await resp.read()
        elapsed = time.perf_counter() - started
        if resp.status != 200:
            raise RuntimeError(f"{url} answered HTTP {resp.status}")
    return elapsed


async def round_of(session: aiohttp.ClientSession, url: str, fake: SlackFake) -> list[float]:
    return list(
        await asyncio.gather(*(one_request(session, url, fake) for _ in range(CONCURRENCY)))
    )


async def run() -> dict[str, object]:
    async with SlackFake() as fake:
        procs: dict[str, subprocess.Popen[str]] = {}
        urls: dict[str, str] = {}
        cpu_ms: dict[str, float] = {}
        total_requests = (WARMUP_ROUNDS + ROUNDS) * CONCURRENCY
        try:
            for kind in APPS:
                proc = subprocess.Popen(
                    [sys.executable, __file__, "--serve", kind, "--api-url", fake.api_url],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "PYTHONHASHSEED": "0"},
                )
                procs[kind] = proc
                line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
                if not line.startswith("PORT "):
                    raise RuntimeError(f"{kind} did not start: {line!r}")
                urls[kind] = f"http://127.0.0.1:{int(line.split()[1])}/slack/events"

            samples: dict[str, list[float]] = {kind: [] for kind in APPS}
            connector = aiohttp.TCPConnector(limit=CONCURRENCY * 2)
            async with aiohttp.ClientSession(connector=connector) as session:
                for n in range(WARMUP_ROUNDS + ROUNDS):
                    order = APPS if n % 2 == 0 else tuple(reversed(APPS))
                    for kind in order:
                        latencies = await round_of(session, urls[kind], fake)
                        if n >= WARMUP_ROUNDS:
                            samples[kind] += latencies
        finally:
            for proc in procs.values():
                if proc.stdin:
                    proc.stdin.close()
            for kind, proc in procs.items():
                line = await asyncio.to_thread(proc.stdout.readline)  # type: ignore[union-attr]
                if line.startswith("CPU "):
                    cpu_ms[kind] = float(line.split()[1]) * 1000 / total_requests
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for proc in procs.values():
                if proc.stdout:
                    proc.stdout.close()
        fake.assert_clean()

    results = {
        kind: {**summary_ms(samples[kind]), "server_cpu_ms_per_request": round(cpu_ms[kind], 3)}
        for kind in APPS
    }
    ratios = {
        f"vs_{bare}": {
            "p50": round(results["briefbot"]["p50_ms"] / results[bare]["p50_ms"], 2),
            "p99": round(results["briefbot"]["p99_ms"] / results[bare]["p99_ms"], 2),
            "server_cpu": round(cpu_ms["briefbot"] / cpu_ms[bare], 2),
        }
        for bare in APPS[1:]
    }
    return {
        "command": f"/brief {COMMAND_TEXT}",
        "concurrency": CONCURRENCY,
        "rounds": ROUNDS,
        "latency": results,
        "ratio": ratios,
        "target_p99_ratio": TARGET_RATIO,
        "target_met": ratios["vs_bare"]["p99"] <= TARGET_RATIO,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=APPS, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.api_url))
        return 0

    data = asyncio.run(run())
    latency = data["latency"]
    assert isinstance(latency, dict)
    rows = [{"app": kind, **latency[kind]} for kind in APPS]
    print_table(
        f"Slack HTTP mode: /brief {COMMAND_TEXT}, {CONCURRENCY} concurrent signed requests "
        f"x {ROUNDS} rounds",
        rows,
    )
    ratio = data["ratio"]
    assert isinstance(ratio, dict)
    print_table(
        "Briefbot / bare bolt app",
        [{"baseline": k.removeprefix("vs_"), **v} for k, v in ratio.items()],
    )
    verdict = "met" if data["target_met"] else "NOT met"
    print(f"\ntarget p99 ratio ≤ {TARGET_RATIO} (vs bare): {verdict}")
    path = write_results("bench_slack", data)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
