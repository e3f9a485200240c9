"""Where Briefbot's Discord commands work: servers, DMs with the bot, and user installs.

A Discord app is installed to a server (the bot joins it; digests are posted there) or to a
user (their commands follow them into DMs and into servers the bot is not in). The read-only
commands — every top-level command that does not change shared state — are offered both ways
and in every context; anything tied to a server channel (the ``digest`` group, commands
declared ``manage``) stays with server installs, in servers.

Two runtime decisions, as pure functions of what the interaction says:

- ``answers_privately``: Discord shows a user-installed app's answer to everyone only where the
  user has Use External Apps and the app is not also installed to the server; elsewhere it
  turns the answer ephemeral itself. Briefbot answers privately there from the start, so a
  deferred "thinking…" and its answer match and the user is told the truth about who sees it.
- ``server_only_refusal``: what a digest command says when it arrives from a DM or from a
  server without Briefbot (Discord should not offer it there, but an outdated client may).
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.registry import CommandSpec
from bot.core.answers import Answer, error_answer

# Discord's values (interaction ``context`` and ``authorizing_integration_owners`` keys).
GUILD_INSTALL, USER_INSTALL = 0, 1
GUILD, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2
#: "Allows user-installed apps to send public responses" (Discord's permission bit 50).
USE_EXTERNAL_APPS = 1 << 50

SERVER_ONLY = (
    "{what} set up in a server channel: run /{command} in the channel that should get {them}."
)
SERVER_ONLY_DM_HINT = "Direct messages have no digests; Briefbot posts them into a server channel."
SERVER_ONLY_NOT_ADDED_HINT = (
    "Briefbot is not added to this server: ask a server admin to add it, then try again."
)


def usable_anywhere(spec: CommandSpec) -> bool:
    """Read-only commands (top level, not ``manage``) work in DMs and through user installs."""
    return spec.group is None and not spec.manage


def installs_for(spec: CommandSpec | None) -> app_commands.AppInstallationType:
    """Guild and user installs for read-only commands; guild installs only for the rest
    (``None`` stands for a command group such as ``digest``)."""
    anywhere = spec is not None and usable_anywhere(spec)
    return app_commands.AppInstallationType(guild=True, user=anywhere)


def contexts_for(spec: CommandSpec | None) -> app_commands.AppCommandContext:
    """Servers, the bot's DM and other DMs for read-only commands; servers only for the rest."""
    anywhere = spec is not None and usable_anywhere(spec)
    return app_commands.AppCommandContext(guild=True, dm_channel=anywhere, private_channel=anywhere)


def answers_privately(*, context: int | None, guild_installed: bool, user_permissions: int) -> bool:
    """Whether Discord would show an answer only to the asker anyway.

    ``guild_installed``: the interaction's ``authorizing_integration_owners`` names this server
    (Briefbot is added to it). In such a server, in the bot's DM and in other DMs an answer may
    be public; in a server without Briefbot only if the user has Use External Apps there.
    """
    if context != GUILD or guild_installed:
        return False
    return not user_permissions & USE_EXTERNAL_APPS


def must_answer_privately(interaction: discord.Interaction) -> bool:
    """``answers_privately`` for a discord.py interaction."""
    return answers_privately(
        context=_context_value(interaction),
        guild_installed=interaction.is_guild_integration(),
        user_permissions=interaction.permissions.value,
    )


def server_only_refusal(spec: CommandSpec, interaction: discord.Interaction) -> Answer | None:
    """Why a server-only command cannot run here, or ``None`` when it can."""
    if usable_anywhere(spec):
        return None
    in_server = interaction.guild_id is not None
    if in_server and interaction.is_guild_integration():
        return None
    return refusal(spec, in_server=in_server)


def refusal(spec: CommandSpec, *, in_server: bool) -> Answer:
    """The private answer to a server-only command used in a DM or a server without Briefbot."""
    digests = spec.group == "digest"
    message = SERVER_ONLY.format(
        what="Digests are" if digests else f"“/{spec.qualified_name}” is",
        command="digest subscribe" if digests else spec.qualified_name,
        them="them" if digests else "its answers",
    )
    hint = SERVER_ONLY_NOT_ADDED_HINT if in_server else SERVER_ONLY_DM_HINT
    return error_answer(message, hint=hint, title="Only in a server")


def _context_value(interaction: discord.Interaction) -> int | None:
    values = interaction.context.to_array()
    return values[0] if values else None
