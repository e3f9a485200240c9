"""/healthz, /readyz and /metrics of the health server."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.app.health import ComponentState, HealthServer


async def get(server: HealthServer, path: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}{path}") as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


async def test_readyz_names_the_component_that_is_not_ready() -> None:
    database_up = True

    async def content() -> ComponentState:
        return ComponentState(True, "version abc")

    async def database() -> ComponentState:
        if not database_up:
            raise ConnectionError("connection to postgresql://bot:hunter22@db refused")
        return ComponentState(True, "reachable")

    server = HealthServer(
        "127.0.0.1", 0, redact=lambda s: s.replace("hunter22", "***"), cache_seconds=0
    )
    server.add_check("content", content)
    server.add_check("database", database)
    await server.start()
    try:
        status, _, body = await get(server, "/readyz")
        assert status == 200
        assert json.loads(body)["components"]["database"] == {"ready": True, "detail": "reachable"}

        database_up = False
        status, ctype, body = await get(server, "/readyz")
        assert status == 503 and ctype.startswith("application/json")
        report = json.loads(body)
        assert report["ready"] is False
        assert report["components"]["content"]["ready"] is True
        assert report["components"]["database"] == {
            "ready": False,
            "detail": "ConnectionError: connection to postgresql://bot:***@db refused",
        }

        assert (await get(server, "/healthz"))[0] == 200  # alive, though not ready

        database_up = True
        server.set_stopping()
        status, _, body = await get(server, "/readyz")
        assert status == 503 and json.loads(body)["stopping"] is True
    finally:
        await server.stop()


async def test_a_hanging_check_counts_as_not_ready(monkeypatch) -> None:
    monkeypatch.setattr("bot.app.health.CHECK_TIMEOUT", 0.05)

    async def database() -> ComponentState:
        await asyncio.sleep(10)
        return ComponentState(True)

    server = HealthServer("127.0.0.1", 0)
    server.add_check("database", database)
    await server.start()
    try:
        status, _, body = await get(server, "/readyz")
    finally:
        await server.stop()
    assert status == 503
    assert json.loads(body)["components"]["database"]["detail"] == "no answer within 0.05 s"


async def test_metrics_parse_and_show_readiness() -> None:
    async def scheduler() -> ComponentState:
        return ComponentState(False, "not running")

    server = HealthServer("127.0.0.1", 0)
    server.add_check("scheduler", scheduler)
    await server.start()
    try:
        status, ctype, text = await get(server, "/metrics")
    finally:
        await server.stop()
    assert status == 200 and ctype.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    ready = {s.labels["component"]: s.value for s in families["briefbot_ready"].samples}
    assert ready["scheduler"] == 0
    assert {"briefbot_commands", "briefbot_answer_seconds", "briefbot_build_info"} <= set(families)
