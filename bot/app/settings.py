"""Configuration from the environment (and an optional ``.env`` file), one section per area.

Built by ``load_settings()``, never at import time, so tests need no fake tokens. Every variable
is documented in the README's "Configuration" section.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", extra="ignore", populate_by_name=True
    )


class ContentSettings(BaseSettings):
    model_config = _config("")

    #: Directory of briefings; falls back to the briefings shipped in the package.
    content_dir: Path | None = None


class DiscordSettings(BaseSettings):
    model_config = _config("DISCORD_")

    token: SecretStr | None = None
    application_id: int | None = None  # for `briefbot discord-invite` without a token
    guild_id: int | None = None  # sync commands to this guild only (instant, for development)
    api_base: str | None = None  # REST base URL, e.g. http://127.0.0.1:8000/api/v10
    gateway_url: str | None = None  # gateway websocket URL, e.g. ws://127.0.0.1:8000/
    shard_count: int | None = None
    shard_ids: Annotated[list[int] | None, NoDecode] = None

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(v) for v in value.replace(",", " ").split()] or None
        return value

    @property
    def enabled(self) -> bool:
        return self.token is not None and bool(self.token.get_secret_value())


class SlackSettings(BaseSettings):
    model_config = _config("SLACK_")

    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None  # xapp-…: Socket Mode
    signing_secret: SecretStr | None = None  # HTTP mode
    port: int = 3000
    host: str = "0.0.0.0"
    api_url: str | None = None  # Web API base URL, e.g. http://127.0.0.1:9000/api/
    command: str = "/brief"
    #: Slack user ids allowed to manage digests besides workspace admins/owners.
    admin_users: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("command")
    @classmethod
    def _slash(cls, value: str) -> str:
        value = value.strip()
        if not value.lstrip("/"):
            raise ValueError("SLACK_COMMAND must name a slash command, e.g. /brief")
        return "/" + value.lstrip("/")

    @field_validator("admin_users", mode="before")
    @classmethod
    def _split_users(cls, value: object) -> object:
        if isinstance(value, str):
            return [v for v in value.replace(",", " ").split() if v]
        return value

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None and bool(self.bot_token.get_secret_value())

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None and bool(self.app_token.get_secret_value())


class DigestSettings(BaseSettings):
    model_config = _config("DIGEST_")

    default_timezone: str = "UTC"
    #: A run missed while the bot was down is still posted if it is at most this late.
    grace_minutes: int = Field(default=60, ge=0)
    #: A claimed delivery whose holder died becomes claimable again after this long (kept well
    #: inside the few minutes Discord remembers a message nonce).
    claim_seconds: int = Field(default=120, ge=10)


class OpsSettings(BaseSettings):
    model_config = _config("")

    database_url: str = "sqlite:///briefbot.db"
    health_port: int = 8080
    health_host: str = "0.0.0.0"
    log_format: str = "text"  # text | json
    log_level: str = "INFO"


class Settings:
    """All sections together."""

    def __init__(
        self,
        *,
        content: ContentSettings | None = None,
        discord: DiscordSettings | None = None,
        slack: SlackSettings | None = None,
        digest: DigestSettings | None = None,
        ops: OpsSettings | None = None,
    ) -> None:
        """Each section given, or read from the environment."""
        self.content = content or ContentSettings()
        self.discord = discord or DiscordSettings()
        self.slack = slack or SlackSettings()
        self.digest = digest or DigestSettings()
        self.ops = ops or OpsSettings()

    def secrets(self) -> list[str]:
        """Every configured secret value (for redaction and for tests that grep logs)."""
        values = [
            self.discord.token,
            self.slack.bot_token,
            self.slack.app_token,
            self.slack.signing_secret,
        ]
        found = [v.get_secret_value() for v in values if v and v.get_secret_value()]
        with contextlib.suppress(ValueError):
            password = urlsplit(self.ops.database_url).password
            if password:
                found.append(password)
        return found


def load_settings() -> Settings:
    """Read every section from the environment."""
    return Settings()
