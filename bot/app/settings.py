"""Configuration from the environment (and an optional ``.env`` file), one section per area.

Each section is declared by the layer that uses it (content in ``bot.core``, digests in
``bot.digests``, Discord and Slack in their platform packages); this module adds the
operations section, composes them into ``Settings`` and validates everything in one place.
``load_settings()`` never lets a pydantic report through: each problem becomes one plain line
naming the variable (``HEALTH_PORT: must be a whole number, not 'abc'``).

Built by ``load_settings()``, never at import time, so tests need no fake tokens. Every variable
is documented in the README's "Configuration" section and in ``.env.example`` (a test checks).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings

from bot.app.logs import LOG_FORMATS
from bot.core.errors import ConfigError
from bot.core.settings import ContentSettings, section_config
from bot.digests.settings import DigestSettings
from bot.platforms.discord.settings import DiscordSettings
from bot.platforms.slack.settings import SlackSettings

__all__ = [
    "ContentSettings",
    "DigestSettings",
    "DiscordSettings",
    "OpsSettings",
    "Settings",
    "SlackSettings",
    "load_settings",
]

DATABASE_BACKENDS = ("sqlite", "postgresql")


class OpsSettings(BaseSettings):
    """The database, the health server and logging."""

    model_config = section_config("")

    database_url: str = "sqlite:///briefbot.db"
    health_port: int = Field(default=8080, ge=0, le=65535)
    health_host: str = "0.0.0.0"
    log_format: str = "text"  # text | json
    log_level: str = "INFO"

    @field_validator("log_format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value.strip().lower() not in LOG_FORMATS:
            raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}, not {value!r}")
        return value.strip().lower()

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if not isinstance(logging.getLevelName(value.strip().upper()), int):
            raise ValueError(f"{value!r} is not a logging level (try INFO or DEBUG)")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        scheme = urlsplit(value.strip()).scheme
        if not scheme or "://" not in value:
            raise ValueError(
                "is not a database URL (try sqlite:///briefbot.db or "
                "postgresql+psycopg://user@host/db)"
            )
        backend = scheme.split("+")[0]
        if backend not in DATABASE_BACKENDS:
            raise ValueError(f"{backend} is not supported (use sqlite or postgresql)")
        return value.strip()


#: Each section's variable prefix, for naming a variable in a message.
_PREFIXES: dict[type[BaseSettings], str] = {
    ContentSettings: "",
    DiscordSettings: "DISCORD_",
    SlackSettings: "SLACK_",
    DigestSettings: "DIGEST_",
    OpsSettings: "",
}


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
        """Each section given, or read from the environment (``ConfigError`` when invalid)."""
        self.content = content or _read(ContentSettings)
        self.discord = discord or _read(DiscordSettings)
        self.slack = slack or _read(SlackSettings)
        self.digest = digest or _read(DigestSettings)
        self.ops = ops or _read(OpsSettings)

    def problems(self) -> list[str]:
        """Every combination of settings that cannot work, one plain line each."""
        return [*self.discord.problems(), *self.slack.problems()]

    def check(self) -> None:
        """Raise ``ConfigError`` with the first problem, if any."""
        problems = self.problems()
        if problems:
            raise ConfigError(problems[0])

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
    """Read and validate every section from the environment (``ConfigError`` when invalid)."""
    settings = Settings()
    settings.check()
    return settings


def every_variable() -> list[str]:
    """The name of every environment variable Briefbot reads."""
    return [
        f"{prefix}{name}".upper()
        for section, prefix in _PREFIXES.items()
        for name in section.model_fields
    ]


def _read(section: type[BaseSettings]) -> Any:
    try:
        return section()
    except ValidationError as exc:
        raise ConfigError(_plain(exc, _PREFIXES[section])) from None


def _plain(exc: ValidationError, prefix: str) -> str:
    """The first problem of a pydantic report as ``VARIABLE: what is wrong``."""
    error = exc.errors(include_url=False)[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    variable = f"{prefix}{field}".upper()
    given = error.get("input")
    shown = f", not {given!r}" if isinstance(given, str | int) else ""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        what = f"must be a whole number{shown}"
    elif kind in {"greater_than_equal", "greater_than"}:
        what = f"must be at least {ctx.get('ge', ctx.get('gt'))}{shown}"
    elif kind in {"less_than_equal", "less_than"}:
        what = f"must be at most {ctx.get('le', ctx.get('lt'))}{shown}"
    elif kind in {"bool_parsing", "bool_type"}:
        what = f"must be true or false{shown}"
    elif kind == "value_error":
        what = str(ctx.get("error") or error["msg"])
    elif kind in {"json_invalid", "list_type"}:
        what = f"is not in the expected form{shown}"
    else:
        what = f"is not a valid value{shown}"
    return f"{variable}: {what}"
