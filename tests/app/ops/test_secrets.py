"""Tokens and secrets never appear in logs or errors — grepped in the real process output."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.fakes.discord import TOKEN as DISCORD_TOKEN
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SlackFake, SlackUser

from .helpers import eventually, samples
from .proc import BotProcess, bot_env

SIGNING_SECRET = "ops-test-signing-secret-4711"


def assert_no_secret(output: str, secrets: list[str]) -> None:
    leaked = [s for s in secrets if s in output]
    assert not leaked, f"secrets in the output: {leaked}"


async def test_debug_logs_of_a_working_bot_never_show_a_secret(
    spawn, mini_content: Path, tmp_path: Path
) -> None:
    async with FakeDiscord() as discord_fake, SlackFake() as slack_fake:
        env = bot_env(
            CONTENT_DIR=mini_content,
            DATABASE_URL=f"sqlite:///{tmp_path}/bot.db",
            DISCORD_TOKEN=DISCORD_TOKEN,
            DISCORD_API_BASE=discord_fake.api_base,
            DISCORD_GATEWAY_URL=discord_fake.gateway_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack_fake.api_url,
            LOG_LEVEL="DEBUG",  # libraries log requests, headers and payloads at DEBUG
            LOG_FORMAT="json",
        )
        bot: BotProcess = await spawn(env)
        await bot.wait_ready()
        reply = await SlackUser(slack_fake).answer("actor alpha")
        assert "Alpha" in json.dumps(reply)
        iid = await discord_fake.invoke_command("actor", {"name": "beta"})
        await discord_fake.wait_for_response(iid)
        await discord_fake.drop_gateway()  # an error path: reconnect and resume
        await discord_fake.wait_for_resume()
        await slack_fake.drop_socket()  # and another
        await slack_fake.wait_socket_connected(count=2)

        # The bot counts a reconnect once its client has processed it (RESUMED; the SDK's
        # connect() returned), a moment after the stand-ins saw it.
        def reconnect_key(platform: str) -> tuple[str, frozenset[tuple[str, str]]]:
            return ("briefbot_gateway_reconnects_total", frozenset({("platform", platform)}))

        async def both_reconnects_counted() -> bool:
            page = samples((await bot.get("/metrics"))[1])
            return all(page.get(reconnect_key(p), 0) >= 1 for p in ("discord", "slack"))

        await eventually(both_reconnects_counted, what="/metrics to count both reconnects")
        _, readyz = await bot.get("/readyz")
        _, metrics = await bot.get("/metrics")
        bot.signal(signal.SIGINT)  # Ctrl-C stops as gracefully as SIGTERM
        assert await bot.wait() == 0

    reconnects = samples(metrics)
    for platform in ("discord", "slack"):
        assert reconnects[reconnect_key(platform)] >= 1
    secrets = [DISCORD_TOKEN, BOT_TOKEN, APP_TOKEN, SIGNING_SECRET]
    assert_no_secret(bot.output + readyz + metrics, secrets)
    records = [json.loads(line) for line in bot.lines if line.startswith("{")]
    loggers = {r["logger"].split(".")[0] for r in records if r["level"] == "DEBUG"}
    assert {"discord", "slack_sdk"} <= loggers  # the chatty library logs were captured too


async def test_a_rejected_discord_token_is_reported_without_the_token(
    spawn, mini_content: Path, tmp_path: Path
) -> None:
    bad_token = "MTE5.bad-discord-token-that-must-not-leak"
    async with FakeDiscord() as discord_fake:
        env = bot_env(
            CONTENT_DIR=mini_content,
            DATABASE_URL=f"sqlite:///{tmp_path}/bot.db",
            DISCORD_TOKEN=bad_token,
            DISCORD_API_BASE=discord_fake.api_base,
            DISCORD_GATEWAY_URL=discord_fake.gateway_url,
            LOG_LEVEL="DEBUG",
        )
        bot: BotProcess = await spawn(env)
        code = await bot.wait()
    assert code == 2
    assert "Discord rejected DISCORD_TOKEN" in bot.output
    assert_no_secret(bot.output, [bad_token])
