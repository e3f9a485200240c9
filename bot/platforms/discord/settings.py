"""The Discord settings section (``DISCORD_*``)."""

from __future__ import annotations

from typing import Annotated, Protocol

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from bot.core.settings import section_config


class DiscordSettings(BaseSettings):
    """The bot token, the application, the guild for development, endpoints and sharding."""

    model_config = section_config("DISCORD_")

    token: SecretStr | None = None
    application_id: int | None = None  # for `briefbot discord-invite` without a token
    guild_id: int | None = None  # sync commands to this guild only (instant, for development)
    api_base: str | None = None  # REST base URL, e.g. http://127.0.0.1:8000/api/v10
    gateway_url: str | None = None  # gateway websocket URL, e.g. ws://127.0.0.1:8000/
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[list[int] | None, NoDecode] = None

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            words = value.replace(",", " ").split()
            if not all(w.isdigit() for w in words):
                raise ValueError("must be shard numbers separated by commas, e.g. 0,1")
            return [int(v) for v in words] or None
        return value

    @property
    def enabled(self) -> bool:
        return self.token is not None and bool(self.token.get_secret_value())

    def problems(self) -> list[str]:
        """What cannot work in this section as a whole (empty when it is fine)."""
        if self.shard_ids is None:
            return []
        if self.shard_count is None:
            return ["DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"]
        wrong = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
        if wrong:
            return [
                f"DISCORD_SHARD_IDS {wrong} outside 0..{self.shard_count - 1} "
                f"(DISCORD_SHARD_COUNT={self.shard_count})"
            ]
        return []


class HasDiscordSettings(Protocol):
    """Anything with a ``discord`` section (the application's ``Settings``)."""

    @property
    def discord(self) -> DiscordSettings: ...
