"""The OAuth2 URLs that install Briefbot (``briefbot discord-invite``).

- **Server install** (``integration_type=0``): scopes ``bot`` (the bot user, so it can post
  digests) and ``applications.commands`` (slash commands), with the few permissions Briefbot
  uses, each justified below; nothing else.
- **User install** (``integration_type=1``, scope ``applications.commands`` only): the
  read-only commands and "Briefing context" follow the user into DMs and into servers that did
  not add Briefbot. No bot user, no permissions, no digests. The application must allow User
  Install (Developer Portal → Installation), and the commands must be synced globally.
"""

from __future__ import annotations

import asyncio
import sys

import discord

from bot.platforms.discord.settings import HasDiscordSettings

SCOPES = ("bot", "applications.commands")
USER_SCOPES = ("applications.commands",)
GUILD_INSTALL, USER_INSTALL = 0, 1
PERMISSIONS = discord.Permissions(
    view_channel=True,  # see the channels it answers in and posts digests to
    send_messages=True,  # post scheduled digests (interaction replies need no permission)
    embed_links=True,  # answers and digests are embeds; without it Discord strips them
    send_messages_in_threads=True,  # digests subscribed in a thread, and digest threads
    create_public_threads=True,  # `digest subscribe … thread`: a thread on each digest
    # fetch its own earlier messages (e.g. digest pages); Discord refuses that without it
    read_message_history=True,
)


def invite_url(application_id: int) -> str:
    """The server install URL for the application with ``application_id``."""
    return (
        discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)
        + f"&integration_type={GUILD_INSTALL}"
    )


def user_install_url(application_id: int) -> str:
    """The user install URL: Briefbot's read-only commands for one person, everywhere."""
    return discord.utils.oauth_url(application_id, scopes=USER_SCOPES) + (
        f"&integration_type={USER_INSTALL}"
    )


def install_text(application_id: int) -> str:
    """Both install links, each with what it is for."""
    return "\n".join(
        (
            "Add Briefbot to a server (slash commands, Briefing context and scheduled digests;",
            "needs Manage Server there):",
            f"  {invite_url(application_id)}",
            "",
            "Install Briefbot for yourself (the read-only commands and Briefing context in DMs",
            "and in servers that have not added it; no digests; enable User Install in the",
            "Developer Portal → Installation first):",
            f"  {user_install_url(application_id)}",
        )
    )


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
    """Print both install URLs; the application id comes from ``DISCORD_APPLICATION_ID`` or,
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
            "or DISCORD_TOKEN to print the install links.",
            file=sys.stderr,
        )
        return 2
    print(install_text(application_id))
    return 0
