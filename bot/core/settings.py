"""Settings shared by every layer: how a section is read, and the content section.

Each layer declares its own section next to the code that uses it (``bot.digests.settings``,
``bot.platforms.discord.settings``, …); ``bot.app.settings`` composes them and turns every
validation problem into one plain line.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


def section_config(prefix: str) -> SettingsConfigDict:
    """The configuration every settings section uses: ``PREFIX_NAME`` variables and ``.env``."""
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", extra="ignore", populate_by_name=True
    )


class ContentSettings(BaseSettings):
    """``CONTENT_DIR`` and ``DEFAULT_BRIEFING``."""

    model_config = section_config("")

    #: Directory of briefings; falls back to the briefings shipped in the package.
    content_dir: Path | None = None
    #: The briefing commands use when none is named (default: the newest by ``added``).
    default_briefing: str | None = None
