"""``briefbot run`` does all its start-up work before it connects: while Discord is still out of
reach, the digest scheduler already runs (a due digest waits for Discord, it does not fail),
and ``/readyz`` turns 200 only once Discord is connected too."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.digests.storage import SENT, Store
from tests.fakes.discord import TOKEN, FakeDiscord

from .helpers import eventually, subscribe
from .proc import BotProcess, bot_env
from .tcpproxy import CuttableProxy

CHANNEL = "712000000000000001"


class HeldLink(CuttableProxy):
    """A link to the Discord REST API that accepts connections but forwards nothing until
    ``release()``: Discord as seen through a network that has not come up yet."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.knocked = asyncio.Event()
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.knocked.set()
        await self.released.wait()
        await super()._accept(reader, writer)


async def test_the_scheduler_runs_before_discord_connects_and_ready_waits_for_discord(
    spawn, mini_content: Path, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/bot.db"
    store = await Store.open(database_url)
    try:
        sub_id = await subscribe(
            store, CHANNEL, platform="discord", due=datetime.now(UTC) - timedelta(minutes=2)
        )
        async with FakeDiscord() as fake, HeldLink("127.0.0.1", fake.port) as link:
            fake.add_channel(CHANNEL, "digests")
            env = bot_env(
                CONTENT_DIR=mini_content,
                DATABASE_URL=database_url,
                DISCORD_TOKEN=TOKEN,
                DISCORD_API_BASE=fake.api_base.replace(str(fake.port), str(link.port)),
                DISCORD_GATEWAY_URL=fake.gateway_url,
            )
            bot: BotProcess = await spawn(env)
            await asyncio.wait_for(link.knocked.wait(), 20)  # logging in to Discord

            async def scheduler_running() -> bool:
                status, body = await bot.get("/readyz")
                report.update(json.loads(body), status=status)
                return report["components"]["scheduler"]["ready"] is True

            report: dict[str, Any] = {}
            await eventually(scheduler_running, what="the scheduler to run before Discord is up")
            status = report["status"]
            assert status == 503 and report["ready"] is False
            assert report["components"]["discord"] == {"ready": False, "detail": "starting"}
            assert report["components"]["scheduler"] == {"ready": True, "detail": "running"}
            assert report["components"]["content"]["ready"] is True
            assert report["components"]["database"]["ready"] is True
            assert fake.identifies == 0 and fake.channel_messages.get(CHANNEL, []) == []

            link.release()
            await bot.wait_ready()
            [page] = await fake.wait_for_channel_messages(CHANNEL, timeout=20)
            assert "Alpha and Beta" in page.text
            bot.signal(signal.SIGTERM)
            assert await bot.wait() == 0
        assert "digest failed" not in bot.output and "post failed" not in bot.output
        [delivery] = await store.ledger.deliveries_of(sub_id)
        assert delivery.status == SENT
        assert len(fake.channel_messages[CHANNEL]) == 1
    finally:
        await store.close()
