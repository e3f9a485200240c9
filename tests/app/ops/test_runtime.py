"""``briefbot run`` as an operator sees it: ready, counted in /metrics, reloads, stops cleanly."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from bot.digests.storage import Store

from .helpers import eventually, samples
from .proc import BotProcess, bot_env


def labels(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())


async def test_console_run_counts_commands_reloads_content_and_stops_on_sigterm(
    spawn, mini_content: Path, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/bot.db"
    bot: BotProcess = await spawn(
        bot_env(CONTENT_DIR=mini_content, DATABASE_URL=database_url), stdin=True
    )
    await bot.wait_ready()
    _, body = await bot.get("/readyz")
    components = json.loads(body)["components"]
    assert {"content", "database", "scheduler", "console"} <= set(components)
    assert all(c["ready"] for c in components.values())

    await bot.send("actor alpha")
    await bot.wait_for(r"Alpha — Cautious")
    await bot.send("actor nobody")
    await bot.wait_for(r"not an actor in this briefing")

    _, text = await bot.get("/metrics")
    metrics = samples(text)
    ok = labels(command="actor", platform="console", outcome="ok")
    user_error = labels(command="actor", platform="console", outcome="user_error")
    assert metrics[("briefbot_commands_total", ok)] == 1
    assert metrics[("briefbot_commands_total", user_error)] == 1
    assert metrics[("briefbot_answer_seconds_count", labels(platform="console"))] == 2
    versions = [k for k in metrics if k[0] == "briefbot_content_version_info"]
    assert [dict(k[1])["briefing"] for k in versions] == ["mini"]

    yaml_file = mini_content / "mini.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("name: Alpha", "name: Alphaland"))
    await bot.wait_for(r"content reloaded: version \w+ -> \w+ \(mini\)")
    await bot.send("actor alphaland")
    await bot.wait_for(r"Alphaland — Cautious")

    metrics = samples((await bot.get("/metrics"))[1])
    assert metrics[("briefbot_content_reloads_total", labels(outcome="applied"))] == 1
    [(_, version)] = [k for k in metrics if k[0] == "briefbot_content_version_info"]
    fingerprint = dict(version)["fingerprint"]
    assert fingerprint != dict(versions[0][1])["fingerprint"]
    store = await Store.open(database_url)
    try:  # recorded as a new briefing version (just after the reload is logged and applied),
        # so digests can say what changed

        async def snapshot_recorded() -> bool:
            return await store.versions.snapshot("mini", fingerprint) is not None

        await eventually(snapshot_recorded, what="the new briefing version to be recorded")
    finally:
        await store.close()

    bot.signal(signal.SIGHUP)  # reload at once: nothing changed since

    async def reloaded_unchanged() -> bool:
        page = samples((await bot.get("/metrics"))[1])
        return page.get(("briefbot_content_reloads_total", labels(outcome="unchanged"))) == 1

    await eventually(reloaded_unchanged, what="SIGHUP to reload the content")

    bot.signal(signal.SIGTERM)
    assert await bot.wait() == 0
    assert "SIGTERM received: stopping" in bot.output
    assert "INFO  bot.app.runtime: stopped" in bot.output
    assert "Traceback" not in bot.output


async def test_closing_the_console_stops_the_bot(spawn, mini_content: Path, tmp_path: Path) -> None:
    env = bot_env(CONTENT_DIR=mini_content, DATABASE_URL=f"sqlite:///{tmp_path}/bot.db")
    bot: BotProcess = await spawn(env, stdin=True)
    await bot.wait_ready()
    assert bot.proc is not None and bot.proc.stdin is not None
    bot.proc.stdin.close()  # Ctrl-D
    assert await bot.wait() == 0
    assert "Bye." in bot.stdout_lines
