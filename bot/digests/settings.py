"""The digest settings section (``DIGEST_*``)."""

from __future__ import annotations

from typing import Protocol

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from bot.core.settings import section_config


class DigestSettings(BaseSettings):
    """``DIGEST_DEFAULT_TIMEZONE``, ``DIGEST_GRACE_MINUTES``, ``DIGEST_CLAIM_SECONDS``."""

    model_config = section_config("DIGEST_")

    default_timezone: str = "UTC"
    #: A run missed while the bot was down is still posted if it is at most this late.
    grace_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    #: A claimed delivery whose holder died becomes claimable again after this long (kept well
    #: inside the few minutes Discord remembers a message nonce).
    claim_seconds: int = Field(default=120, ge=10, le=24 * 3600)

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from bot.core.errors import UserFacingError
        from bot.digests.timezones import parse_timezone

        try:
            parse_timezone(value)
        except UserFacingError as exc:
            raise ValueError(exc.message) from None
        return value


class HasDigestSettings(Protocol):
    """Anything with a ``digest`` section (the application's ``Settings``)."""

    @property
    def digest(self) -> DigestSettings: ...
