"""The Slack settings section (``SLACK_*``)."""

from __future__ import annotations

from typing import Annotated, Protocol

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from bot.core.settings import section_config


class SlackSettings(BaseSettings):
    """Tokens, the mode (Socket Mode or HTTP), the listener, the command and admins."""

    model_config = section_config("SLACK_")

    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None  # xapp-…: Socket Mode
    signing_secret: SecretStr | None = None  # HTTP mode
    port: int = Field(default=3000, ge=0, le=65535)
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
            raise ValueError("must name a slash command, e.g. /brief")
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

    def problems(self) -> list[str]:
        """What cannot work in this section as a whole (empty when it is fine)."""
        extra = [
            name
            for name, value in (
                ("SLACK_APP_TOKEN", self.app_token),
                ("SLACK_SIGNING_SECRET", self.signing_secret),
            )
            if value is not None and value.get_secret_value()
        ]
        if extra and not self.enabled:
            return [f"{' and '.join(extra)} set but SLACK_BOT_TOKEN is not"]
        if self.enabled and not self.socket_mode and "SLACK_SIGNING_SECRET" not in extra:
            return [
                "Slack HTTP mode needs SLACK_SIGNING_SECRET "
                "(or set SLACK_APP_TOKEN to use Socket Mode instead)"
            ]
        return []


class HasSlackSettings(Protocol):
    """Anything with a ``slack`` section (the application's ``Settings``)."""

    @property
    def slack(self) -> SlackSettings: ...
