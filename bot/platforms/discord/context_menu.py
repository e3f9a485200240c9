"""“Briefing context”: a message context-menu command (right-click a message → Apps).

It runs ``ask`` on the message's words (``bot.commands.message_context`` drops links, mentions,
emoji and code) and answers only to the user who asked, through the same path as ``/ask``
with ``private`` set: the engine, the deferral after ``DEFER_AFTER`` and the catch-all. A
message with nothing to look up gets a private one-line explanation instead.

A link whose preview Discord unfurled is usually a headline: the embeds' titles and
descriptions count as the message's text too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.commands.message_context import nothing_to_look_up, question_from_message
from bot.commands.registry import CommandSpec
from bot.platforms.discord import messages, reach

NAME = "Briefing context"

#: Runs a command as the slash commands do: the spec, the interaction and the option values.
Run = Callable[[CommandSpec, discord.Interaction, dict[str, Any]], Awaitable[None]]


def message_text(message: discord.Message) -> str:
    """What the message says: its content, then the titles and descriptions of its embeds."""
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or ""]
    return "\n".join(p for p in parts if p)


def build_context_menu(ask: CommandSpec, run: Run) -> app_commands.ContextMenu:
    """The message command, usable wherever the read-only commands are (``reach``)."""
    private_ask = dataclasses.replace(ask, private=True)

    async def briefing_context(interaction: discord.Interaction, message: discord.Message) -> None:
        question = question_from_message(message_text(message))
        if not question:
            pages = messages.render(nothing_to_look_up())
            await messages.respond(interaction, pages, ephemeral=True)
            return
        await run(private_ask, interaction, {"question": question})

    return app_commands.ContextMenu(
        name=NAME,
        callback=briefing_context,
        allowed_installs=reach.installs_for(ask),
        allowed_contexts=reach.contexts_for(ask),
    )
