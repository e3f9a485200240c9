"""Interactions → engine → answers: slash commands, autocomplete and component clicks.

The one catch-all of the Discord adapter lives here. User errors come back from the engine as
private answers and are sent ephemerally; a bad option value or an outdated command gets a
helpful ephemeral reply; anything unexpected is logged with its traceback and the user gets a
short ephemeral apology. The bot keeps running either way.

Every answer is ONE compact message: the first view of the command's answer
(``bot.platforms.views``). Answers are public unless the user chose ``private`` (or the answer
is private, like errors). A click on a view control opens that view in place (callback type 7)
when the clicker is the user who asked, and privately (an ephemeral message) for anyone else;
a follow-up control answers with the first view of its command, as a new message.
Work that is still running after ``DEFER_AFTER`` seconds is deferred ("Briefbot is thinking…",
or a deferred update for an edit in place) so Discord's 3-second window is never missed; an
answer's image (the stance map, ``images``) is fetched as part of that work, then attached to the
same message (the deferred edit carries it too).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.commands.calls import Context, Invocation
from bot.commands.engine import Engine, apology_answer
from bot.commands.registry import CommandSpec, OptionKind
from bot.core.answers import Answer, error_answer
from bot.core.library import Library
from bot.platforms.discord import images, messages, reach
from bot.platforms.discord.slash import PRIVATE_OPTION, clip
from bot.platforms.views import first, is_view, open_view
from bot.render.actions import decode_action, selection_action
from bot.render.views import view_target

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Defer an answer still being computed after this long (Discord allows 3 s in total).
DEFER_AFTER = 1.5
EXPIRED = "This button has expired."
EXPIRED_HINT = "Run the command again to get fresh buttons."
#: Discord still offers a command definition the bot no longer has (a sync is propagating).
OUTDATED = (app_commands.CommandSignatureMismatch, app_commands.CommandNotFound)


def context_for(interaction: discord.Interaction, *, manage: bool = True) -> Context:
    """Who asked, where: the neutral ``Context`` of an interaction. Without ``manage`` (a
    command that changes nothing) the member's server-wide permissions, which only managing
    commands read, are not computed from their roles."""
    user = interaction.user
    return Context(
        platform="discord",
        user_id=str(user.id),
        user_name=user.display_name,
        channel_id=str(interaction.channel_id or ""),
        channel_name=getattr(interaction.channel, "name", None) or "",
        workspace_id=str(interaction.guild_id or ""),
        # Manage Channels in a server; a direct message with the bot is the user's own.
        can_manage=interaction.guild_id is None or interaction.permissions.manage_channels,
        manages_workspace=interaction.guild_id is None or (manage and _manages_server(interaction)),
    )


def _manages_server(interaction: discord.Interaction) -> bool:
    """Manage Channels from the member's roles, i.e. in every channel of the server."""
    user = interaction.user
    return isinstance(user, discord.Member) and user.guild_permissions.manage_channels


def _argument(value: Any) -> str:
    """An option value as the engine takes it: text, a number, or a channel as ``<#id|name>``
    (the form Slack uses too, so digests can show the channel's name, not its number)."""
    if isinstance(value, str | int):
        return str(value)
    # A channel. (Tested last: an isinstance check against this Protocol costs ~10 µs.)
    if isinstance(value, discord.abc.Snowflake):
        name = getattr(value, "name", None)
        return f"<#{value.id}|{name}>" if name else str(value.id)
    return str(value)


def where(interaction: discord.Interaction) -> dict[str, str]:
    """Log fields naming where an interaction came from (never user text or tokens)."""
    return {
        "platform": "discord",
        "channel": str(interaction.channel_id or ""),
        "guild": str(interaction.guild_id or ""),
    }


def _asked_by_clicker(interaction: discord.Interaction) -> bool:
    """Whether the clicked message answers the clicker: an ephemeral message only its asker
    sees, or one whose interaction metadata names the clicker. A digest has no metadata."""
    message = interaction.message
    if message is None:
        return False
    if message.flags.ephemeral:
        return True
    metadata = message.interaction_metadata
    return metadata is not None and metadata.user.id == interaction.user.id


async def _deferring(work: Awaitable[T], defer: Callable[[], Awaitable[object]]) -> tuple[T, bool]:
    """``work``'s answer, and whether ``defer()`` ran because it took over ``DEFER_AFTER``.

    A timer rather than a task around ``work``: most answers are ready at once, and a task plus
    ``asyncio.wait`` would cost each of them extra rounds of the event loop. A deferral that
    started is awaited, so the answer replaces "thinking…" only once that is shown.
    """
    deferral: asyncio.Future[object] | None = None

    def start() -> None:
        nonlocal deferral
        deferral = asyncio.ensure_future(defer())

    timer = asyncio.get_running_loop().call_later(DEFER_AFTER, start)
    try:
        result = await work
    finally:
        timer.cancel()
        if deferral is not None:
            await deferral
    return result, deferral is not None


class Interactions:
    """Handles every interaction the Discord client receives, through the engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._in_flight: set[asyncio.Task[Any]] = set()

    # -- slash commands ---------------------------------------------------------------------

    async def run_command(
        self, spec: CommandSpec, interaction: discord.Interaction, values: dict[str, Any]
    ) -> None:
        """Run a slash command (the callback of every generated app command)."""
        if refusal := reach.server_only_refusal(spec, interaction):  # a digest command in a DM
            await self._reply(interaction, refusal)
            return
        private = bool(values.pop(PRIVATE_OPTION, False)) or spec.private
        private = private or reach.must_answer_privately(interaction)
        args = {name: _argument(v) for name, v in values.items() if v is not None}
        context = context_for(interaction, manage=spec.manage)
        # The namespace holds the resolved channels, with the user's permissions in each.
        for _name, value in interaction.namespace:
            if isinstance(value, app_commands.AppCommandChannel | app_commands.AppCommandThread):
                # Changing another channel's digests needs Manage Channels *there*.
                can = interaction.guild_id is None or value.permissions.manage_channels
                context = dataclasses.replace(context, can_manage=can)
        invocation = Invocation(spec.qualified_name, args, context)
        await self._answer(interaction, self._first_view(invocation), private=private)

    async def complete(
        self, kind: OptionKind, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete choices (≤ 25) for an ACTOR, BRIEFING or TIMEZONE option."""
        briefing = getattr(interaction.namespace, "briefing", None) or None
        try:
            choices = self.engine.complete(
                kind, current, briefing=briefing, context=context_for(interaction), limit=25
            )
        except Exception:
            log.exception(
                "autocomplete of a %s option failed", kind.value, extra=where(interaction)
            )
            return []
        return [
            app_commands.Choice(name=clip(c.label), value=c.value)
            for c in choices
            if 0 < len(c.value) <= 100
        ][:25]

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """``CommandTree.on_error``: a bad option, an outdated command, or a bug."""
        if isinstance(error, app_commands.TransformerError):
            await self._reply(
                interaction,
                error_answer(
                    f"“{error.value}” is not a valid {error.type.name} here.",
                    hint="Pick a value from the list Discord offers.",
                ),
            )
        elif isinstance(error, OUTDATED):
            log.warning("outdated Discord command invoked: %s", error, extra=where(interaction))
            await self._reply(
                interaction,
                error_answer(
                    "This command has just been updated.",
                    hint="Discord will show the new version in a moment; please try again.",
                ),
            )
        else:
            log.error(
                "Discord command failed",
                exc_info=getattr(error, "original", error),
                extra=where(interaction),
            )
            await self._reply(interaction, apology_answer())

    # -- components -----------------------------------------------------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """The client's ``on_interaction``: handles button and select clicks statelessly."""
        if interaction.type is not discord.InteractionType.component:
            return  # slash commands and autocomplete go through the command tree
        try:
            await self._on_component(interaction)
        except Exception:
            log.exception("Discord component click failed", extra=where(interaction))
            await self._reply(interaction, apology_answer())

    async def _on_component(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        custom_id = str(data.get("custom_id", ""))
        values = data.get("values") or []
        try:
            action = selection_action(custom_id, values[0]) if values else decode_action(custom_id)
            if is_view(action):
                view_target(action)  # a view code this version cannot read is expired too
        except ValueError:
            log.info(
                "expired or unknown component id %r", custom_id[:100], extra=where(interaction)
            )
            await self._reply(interaction, error_answer(EXPIRED, hint=EXPIRED_HINT))
            return
        context = context_for(interaction)
        message = interaction.message
        if is_view(action):
            work = open_view(self.engine, action, context)
            if _asked_by_clicker(interaction):
                await self._edit(interaction, work)
            else:  # someone else's answer, or a digest: the view only for the clicker
                await self._answer(interaction, work, private=True)
            return
        invocation = self.engine.action_invocation(action, context)
        private = message is not None and message.flags.ephemeral
        private = private or reach.must_answer_privately(interaction)
        await self._answer(interaction, self._first_view(invocation), private=private)

    async def _first_view(self, invocation: Invocation) -> Answer:
        """The first view of the answer to ``invocation`` (one compact message)."""
        return first(await self.engine.execute(invocation), invocation)

    # -- answering ------------------------------------------------------------------------------

    def _track(self) -> None:
        current = asyncio.current_task()
        if current is not None:  # tracked for drain(): the whole answer, sending included
            self._in_flight.add(current)
            current.add_done_callback(self._in_flight.discard)

    async def _edit(self, interaction: discord.Interaction, work: Awaitable[Answer]) -> None:
        """Show the view ``work`` produces in place of the clicked message (type 7), after a
        deferred update (type 6) if it takes a while. A private answer (an error, a preview)
        clicked on a public message goes to the clicker alone, leaving the message as it was."""
        self._track()
        message = interaction.message

        async def shown() -> tuple[Answer, images.Picture | None]:
            answer = await work
            return answer, await images.picture_for_edit(self._library(), answer, message)

        (answer, picture), deferred = await _deferring(shown(), interaction.response.defer)
        pages = messages.render(answer)
        if answer.private and not (message is not None and message.flags.ephemeral):
            if not deferred:
                await messages.respond(interaction, pages, ephemeral=True)
            else:
                for page in pages:
                    await interaction.followup.send(**messages.send_kwargs(page), ephemeral=True)
            return
        if len(pages) > 1:
            log.warning("a view rendered as %d messages; only the first is shown", len(pages))
        page = picture.show(pages[0]) if picture is not None else pages[0]
        kwargs = {**messages.edit_kwargs(page), **images.edit_files(picture, message)}
        if not deferred:
            await interaction.response.edit_message(**kwargs)
        else:
            await interaction.edit_original_response(**kwargs)

    async def _answer(
        self, interaction: discord.Interaction, work: Awaitable[Answer], *, private: bool
    ) -> None:
        """Send the answer ``work`` produces, deferring first if it takes a while."""
        self._track()

        async def shown() -> tuple[Answer, images.Picture | None]:
            answer = await work
            return answer, await images.picture(self._library(), answer)

        (answer, picture), deferred = await _deferring(
            shown(), lambda: interaction.response.defer(ephemeral=private, thinking=True)
        )
        await messages.respond(
            interaction,
            messages.render(answer),
            ephemeral=private or answer.private,
            deferred_ephemeral=private if deferred else None,
            picture=picture,
        )

    def _library(self) -> Library:
        return self.engine.library.current

    async def _reply(self, interaction: discord.Interaction, answer: Answer) -> None:
        """Send a (private) reply however far the interaction got; never raises."""
        pages = messages.render(answer)
        try:
            if interaction.response.is_done():
                for page in pages:
                    await interaction.followup.send(
                        **messages.send_kwargs(page), ephemeral=answer.private
                    )
            else:
                await messages.respond(interaction, pages, ephemeral=answer.private)
        except Exception as exc:  # e.g. the interaction expired meanwhile
            log.warning(
                "could not tell the user about a failure: %r", exc, extra=where(interaction)
            )

    async def drain(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) for answers still being computed."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=timeout)
