"""/readyz follows reality: a database cut off, a Discord gateway gone."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.fakes.discord import TOKEN, FakeDiscord

from .helpers import PostgresDatabase, eventually
from .proc import BotProcess, bot_env


async def test_readyz_reflects_a_killed_database_and_a_dropped_gateway(
    spawn, mini_content: Path, postgres_database: PostgresDatabase
) -> None:
    fake = await FakeDiscord().start()
    try:
        env = bot_env(
            CONTENT_DIR=mini_content,
            DATABASE_URL=postgres_database.url,
            DISCORD_TOKEN=TOKEN,
            DISCORD_API_BASE=fake.api_base,
            DISCORD_GATEWAY_URL=fake.gateway_url,
        )
        bot: BotProcess = await spawn(env)
        await bot.wait_ready()

        async def components() -> dict[str, dict[str, object]]:
            status, body = await bot.get("/readyz")
            report = json.loads(body)
            assert (status == 200) == report["ready"]
            return report["components"]

        assert set(await components()) == {"content", "database", "discord", "scheduler"}

        postgres_database.kill()

        async def database_down() -> bool:
            state = (await components())["database"]
            return state["ready"] is False and "not currently accepting connections" in str(
                state["detail"]
            )

        await eventually(database_down, what="/readyz to report the database down")
        others = await components()
        assert others["discord"]["ready"] and others["content"]["ready"]

        postgres_database.revive()
        await bot.wait_ready()  # back without a restart

        # The gateway drops and the session is lost (Discord refuses the RESUME): discord.py
        # waits ~5 s before it identifies again; /readyz must say so meanwhile, then recover.
        # (The token stays valid, so that IDENTIFY succeeds however late this test gets to it.)
        fake.forget_sessions()
        await fake.drop_gateway()

        async def discord_down() -> bool:
            return (await components())["discord"] == {"ready": False, "detail": "not connected"}

        await eventually(discord_down, timeout=4, what="/readyz to report Discord disconnected")
        assert (await components())["database"]["ready"] is True
        await bot.wait_ready(timeout=15)
        await fake.wait_for_identify(count=2)  # back through a new session, not a resume

        bot.signal(signal.SIGTERM)
        assert await bot.wait() == 0
    finally:
        await fake.stop()
