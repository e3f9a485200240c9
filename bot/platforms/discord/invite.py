"""The OAuth2 URL that adds Briefbot to a server (``briefbot discord-invite``).

Scopes ``bot`` (the bot user, so it can post digests) and ``applications.commands`` (slash
commands). Permissions are the few Briefbot uses, each justified below; nothing else.
"""

from __future__ import annotations

import asyncio
import sys

import discord

from bot.platforms.discord.settings import HasDiscordSettings

SCOPES = ("bot", "applications.commands")
PERMISSIONS = discord.Permissions(
    view_channel=True,  # see the channels it answers in and posts digests to
    send_messages=True,  # post scheduled digests (interaction replies need no permission)
    embed_links=True,  # answers and digests are embeds; without it Discord strips them
    send_messages_in_threads=True,  # digests subscribed in a thread
    # fetch its own earlier messages (e.g. digest pages); Discord refuses that without it
    read_message_history=True,
)


def invite_url(application_id: int) -> str:
    """The invite URL for the application with ``application_id``."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


async def fetch_application_id(settings: HasDiscordSettings) -> int:
    """The application id of ``DISCORD_TOKEN``, asked from Discord (honours DISCORD_API_BASE)."""
    from bot.platforms.discord.service import endpoints

    assert settings.discord.token is not None
    client = discord.Client(intents=discord.Intents.none())
    with endpoints(settings.discord):
        try:
            await client.login(settings.discord.token.get_secret_value())
            assert client.application_id is not None
            return client.application_id
        finally:
            await client.close()


def main(settings: HasDiscordSettings) -> int:
    """Print the invite URL; the application id comes from ``DISCORD_APPLICATION_ID`` or,
    failing that, from Discord using ``DISCORD_TOKEN``. Returns the exit code."""
    if settings.discord.application_id:
        application_id = settings.discord.application_id
    elif settings.discord.enabled:
        try:
            application_id = asyncio.run(fetch_application_id(settings))
        except discord.LoginFailure:
            print("Discord rejected DISCORD_TOKEN (401 Unauthorized).", file=sys.stderr)
            return 2
        except (discord.HTTPException, OSError) as exc:
            print(f"Could not ask Discord for the application id: {exc}", file=sys.stderr)
            return 1
    else:
        print(
            "Set DISCORD_APPLICATION_ID (Developer Portal → your app → General Information) "
            "or DISCORD_TOKEN to print the invite URL.",
            file=sys.stderr,
        )
        return 2
    print(invite_url(application_id))
    return 0
