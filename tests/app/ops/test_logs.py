"""Log lines: readable text or JSON, context fields, and secrets that never get through."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.app import logs
from bot.app.settings import DiscordSettings, OpsSettings, Settings, SlackSettings

DISCORD_TOKEN = "MTIzNDU2Nzg5.discord-secret-token"
SLACK_TOKEN = "xoxb-1111-slack-secret"
SIGNING = "sign/secret+value"  # URL-encodes differently
DB_PASSWORD = "db-pass-w0rd"


def make_settings(log_format: str = "text") -> Settings:
    return Settings(
        discord=DiscordSettings(token=SecretStr(DISCORD_TOKEN)),
        slack=SlackSettings(bot_token=SecretStr(SLACK_TOKEN), signing_secret=SecretStr(SIGNING)),
        ops=OpsSettings(
            database_url=f"postgresql+psycopg://bot:{DB_PASSWORD}@db.internal/briefbot",
            log_format=log_format,
        ),
    )


@pytest.fixture
def capture() -> Iterator[tuple[io.StringIO, logging.Logger]]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    yield stream, logging.getLogger("bot.test")
    logs.reset_logging()
    root.setLevel(level)


def test_text_lines_carry_platform_channel_and_subscription(capture) -> None:
    stream, log = capture
    logs.setup_logging(make_settings(), stream=stream)
    log.info("digest delivered", extra={"platform": "slack", "channel": "C42", "subscription": 7})
    with logs.log_context(platform="discord", channel="123"):
        log.warning("command failed")
    log.info("plain")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(
        "INFO  bot.test: digest delivered [platform=slack channel=C42 subscription=7]"
    )
    assert lines[1].endswith("bot.test: command failed [platform=discord channel=123]")
    assert lines[2].endswith("bot.test: plain")


def test_json_lines_are_objects_with_context_and_extras(capture) -> None:
    stream, log = capture
    logs.setup_logging(make_settings("json"), stream=stream)
    with logs.log_context(platform="slack", channel="C1", subscription="12"):
        log.info("posted %s", "digest", extra={"message_id": "171.2"})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("delivery failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "posted digest"
    assert first["level"] == "INFO" and first["logger"] == "bot.test"
    assert (first["platform"], first["channel"], first["subscription"]) == ("slack", "C1", "12")
    assert first["message_id"] == "171.2"
    assert "RuntimeError: boom" in second["exc"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_are_redacted_everywhere(capture, log_format: str) -> None:
    stream, log = capture
    logs.setup_logging(make_settings(log_format), stream=stream)
    log.info("token is " + DISCORD_TOKEN)
    log.info("args: %s %r", SLACK_TOKEN, {"secret": SIGNING})
    log.info("in a url: https://x/?s=%s", "sign%2Fsecret%2Bvalue")
    log.info("connecting", extra={"url": f"postgresql://bot:{DB_PASSWORD}@db/x"})
    try:
        raise PermissionError(f"login failed for Bot {DISCORD_TOKEN}")
    except PermissionError:
        log.exception("discord: cannot log in")
    logging.getLogger("discord.http").warning("header Authorization: Bearer %s", SLACK_TOKEN)
    out = stream.getvalue()
    for secret in (DISCORD_TOKEN, SLACK_TOKEN, SIGNING, "sign%2Fsecret%2Bvalue", DB_PASSWORD):
        assert secret not in out
    assert "token is ***" in out and "args: *** {'secret': '***'}" in out
    assert "s=***" in out and "Bearer ***" in out
    assert "login failed for Bot ***" in out  # the traceback is kept, minus the secret


def test_short_values_are_not_treated_as_secrets() -> None:
    redact = logs.Redactor(["ab", "long-secret"])
    assert redact("abc long-secret") == "abc ***"


def test_uncaught_exceptions_in_threads_are_logged_redacted(capture) -> None:
    stream, _ = capture
    logs.setup_logging(make_settings(), stream=stream)

    def fail() -> None:
        raise RuntimeError(f"request failed with token {SLACK_TOKEN}")

    worker = threading.Thread(target=fail, name="worker")
    worker.start()
    worker.join()
    out = stream.getvalue()
    assert "uncaught exception in thread worker" in out
    assert "RuntimeError: request failed with token ***" in out
    assert SLACK_TOKEN not in out
