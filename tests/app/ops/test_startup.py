"""Start-up fails fast, with one clear message and a non-zero exit, on a bad configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.loader import validate_directory

from .proc import bot_env, run_to_exit

SLACK_TOKEN = "xoxb-9999-startup-secret"


async def test_http_mode_without_signing_secret_is_a_config_error(tmp_path: Path) -> None:
    bot = await run_to_exit(bot_env(SLACK_BOT_TOKEN=SLACK_TOKEN), tmp_path)
    assert bot.proc is not None and bot.proc.returncode == 2
    assert "configuration error: Slack HTTP mode needs SLACK_SIGNING_SECRET" in bot.output
    assert "Traceback" not in bot.output
    assert SLACK_TOKEN not in bot.output


async def test_shard_ids_outside_the_count_are_a_config_error(tmp_path: Path) -> None:
    env = bot_env(DISCORD_TOKEN="x" * 30, DISCORD_SHARD_COUNT=2, DISCORD_SHARD_IDS="1,2")
    bot = await run_to_exit(env, tmp_path)
    assert bot.proc is not None and bot.proc.returncode == 2
    assert "DISCORD_SHARD_IDS [2] outside 0..1" in bot.output


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "garbage"}, "DATABASE_URL: is not a database URL"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "mysql is not supported"),
        ({"DIGEST_DEFAULT_TIMEZONE": "Mars/Olympus"}, "DIGEST_DEFAULT_TIMEZONE: “Mars/Olympus”"),
        (
            {"DISCORD_TOKEN": "x" * 30, "DISCORD_SHARD_COUNT": "0", "DISCORD_SHARD_IDS": "0"},
            "DISCORD_SHARD_COUNT: must be at least 1",
        ),
    ],
)
async def test_settings_that_cannot_work_are_config_errors(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    bot = await run_to_exit(bot_env(**env), tmp_path)
    assert bot.proc is not None and bot.proc.returncode == 2
    assert message in bot.output


async def test_invalid_content_lists_every_problem_and_exits_1(
    tmp_path: Path, mini_content: Path
) -> None:
    yaml_file = mini_content / "mini.yaml"
    text = yaml_file.read_text().replace("quote: Beta wants a ceasefire.", "quote: Beta refuses.")
    yaml_file.write_text(text.replace("kind: state", "kind: ''", 1))
    problems = [str(p) for p in validate_directory(mini_content)]
    assert len(problems) == 2

    env = bot_env(CONTENT_DIR=mini_content, DATABASE_URL=f"sqlite:///{tmp_path}/bot.db")
    bot = await run_to_exit(env, tmp_path)
    assert bot.proc is not None and bot.proc.returncode == 1
    assert "cannot start: invalid content" in bot.output
    for problem in problems:
        assert problem in bot.lines
    assert "Traceback" not in bot.output
    assert not (tmp_path / "bot.db").exists()  # it stopped before touching the database


async def test_unreachable_database_exits_1_without_the_password(
    tmp_path: Path, mini_content: Path
) -> None:
    password = "pw-s3cret-4711"
    url = f"postgresql+psycopg://briefbot:{password}@127.0.0.1:1/briefbot"  # nothing listens
    bot = await run_to_exit(bot_env(CONTENT_DIR=mini_content, DATABASE_URL=url), tmp_path)
    assert bot.proc is not None and bot.proc.returncode == 1
    assert "cannot start: database unreachable: OperationalError" in bot.output
    assert "Connection refused" in bot.output
    assert password not in bot.output
    assert "Traceback" not in bot.output
