"""Settings: validated in one place, every problem one plain line, every variable documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.settings import Settings, every_variable, load_settings
from bot.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
PYDANTIC_NOISE = ("validation error", "errors.pydantic.dev", "input_value", "Input should", "type=")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HEALTH_PORT": "abc"}, "HEALTH_PORT: must be a whole number, not 'abc'"),
        ({"HEALTH_PORT": "70000"}, "HEALTH_PORT: must be at most 65535, not '70000'"),
        ({"SLACK_PORT": "-1"}, "SLACK_PORT: must be at least 0, not '-1'"),
        ({"DIGEST_GRACE_MINUTES": "-5"}, "DIGEST_GRACE_MINUTES: must be at least 0"),
        ({"DIGEST_CLAIM_SECONDS": "3"}, "DIGEST_CLAIM_SECONDS: must be at least 10"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: must be one of text, json, not 'xml'"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL: 'LOUD' is not a logging level"),
        ({"DATABASE_URL": "garbage"}, "DATABASE_URL: is not a database URL"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL: mysql is not supported"),
        ({"DISCORD_SHARD_IDS": "a,b"}, "DISCORD_SHARD_IDS: must be shard numbers"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT: must be at least 1"),
        ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        ({"DIGEST_DEFAULT_TIMEZONE": "Europe/Istambul"}, "Did you mean Europe/Istanbul?"),
        ({"SLACK_COMMAND": "/"}, "SLACK_COMMAND: must name a slash command"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN set but SLACK_BOT_TOKEN is not"),
    ],
)
def test_a_bad_setting_is_one_plain_line(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert not any(noise in text for noise in PYDANTIC_NOISE), text


def test_the_cli_prints_the_line_and_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HEALTH_PORT": "abc", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "configuration error: HEALTH_PORT: must be a whole number, not 'abc'"
    )


def test_defaults_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert isinstance(settings, Settings) and settings.ops.health_port == 8080


def test_every_setting_is_in_env_example_and_the_readme() -> None:
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    table = {m for m in re.findall(r"^\| `([A-Z_]+)`", readme, flags=re.M)}
    table |= {
        name
        for row in re.findall(r"^\| (`[A-Z_]+` / `[A-Z_]+`)", readme, flags=re.M)
        for name in re.findall(r"`([A-Z_]+)`", row)
    }
    variables = every_variable()
    assert len(variables) > 20
    missing_example = [v for v in variables if not re.search(rf"^#?{v}=", example, flags=re.M)]
    missing_readme = [v for v in variables if v not in table]
    assert not missing_example, missing_example
    assert not missing_readme, missing_readme
