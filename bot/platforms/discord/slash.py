"""Slash commands built from the shared declarations (``CommandRegistry``), and their sync.

Every top-level ``CommandSpec`` becomes an ``app_commands.Command`` and every group (e.g.
``digest``) an ``app_commands.Group`` of its subcommands, so a command declared in the core
appears on Discord without Discord-specific code. Option kinds map to Discord option types:

    TEXT, ACTOR, BRIEFING, TIMEZONE → string (ACTOR/BRIEFING/TIMEZONE autocompleted)
    CHOICE → string with fixed choices;  CHANNEL → text channel;  INTEGER → integer

Answer commands also get a ``private`` boolean option (answers are public by default). The
callback's signature is generated from the options, so discord.py's own parameter handling
(types, defaults, descriptions, choices, autocomplete) does the rest.

Where each command works comes from its declaration too (``reach``): read-only commands are
installable to servers and to users and usable in servers, the bot's DM and other DMs; the
``digest`` group (and any ``manage`` command) only in servers that added Briefbot. With an
``ask`` command the set also holds the "Briefing context" message command (``context_menu``).
User installs need the commands synced globally (no ``DISCORD_GUILD_ID``): Discord reads
``integration_types`` and ``contexts`` of global commands only.

Syncing is cheap and safe: ``sync_if_changed`` hashes the payload it would send and skips the
``PUT`` when the stored hash matches, so restarts do not spend Discord's sync rate limit.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.commands.calls import META_STORE, Services
from bot.commands.registry import GROUP_HELP, CommandRegistry, CommandSpec, OptionKind, OptionSpec
from bot.platforms.discord import reach
from bot.platforms.discord.context_menu import build_context_menu

log = logging.getLogger(__name__)

#: The adapter-level option that keeps an answer to the asking user.
PRIVATE_OPTION = "private"
PRIVATE_HELP = "Only you see the answer (default: everyone in the channel sees it)"
#: What a CHANNEL option offers: text and announcement channels, and forums (a digest there is
#: a post of its own).
CHANNEL_TYPES = (discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum)
AUTOCOMPLETED = frozenset({OptionKind.ACTOR, OptionKind.BRIEFING, OptionKind.TIMEZONE})
DESCRIPTION_LIMIT = 100
STRING_LIMIT = 6000  # Discord's maximum max_length for a string option

#: Runs a command: the spec, the interaction and the option values by option name.
RunCommand = Callable[[CommandSpec, discord.Interaction, dict[str, Any]], Awaitable[None]]
#: Autocompletes an option of a kind with what the user typed so far.
Complete = Callable[
    [OptionKind, discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]
]
#: An autocomplete callback as discord.py calls it.
Completer = Callable[
    [discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]
]
AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu


def clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text`` on one line within ``limit`` characters (Discord's description limit)."""
    text = " ".join(text.split()) or "…"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_commands(
    registry: CommandRegistry, run: RunCommand, complete: Complete
) -> list[AppCommand]:
    """Every command of ``registry`` as discord.py app commands, in declaration order."""
    commands: list[AppCommand] = [_command(s, run, complete) for s in registry.top_level()]
    for name, specs in registry.groups().items():
        group = app_commands.Group(
            name=name,
            description=clip(GROUP_HELP.get(name, name)),
            guild_only=True,
            allowed_installs=reach.installs_for(None),
            allowed_contexts=reach.contexts_for(None),
        )
        for spec in specs:
            group.add_command(_command(spec, run, complete))
        commands.append(group)
    ask = registry.get("ask")
    if ask is not None:
        commands.append(build_context_menu(ask, run))
    return commands


class _DigestChannel(app_commands.Transformer):
    """A channel option offering the channels a digest can go to: text and announcement
    channels, and forums (a plain ``ForumChannel`` annotation would offer media channels too,
    which Discord's spec does not list for a channel option)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return list(CHANNEL_TYPES)

    async def transform(self, interaction: discord.Interaction, value: Any) -> Any:
        """The channel from the bot's cache; a channel it cannot see (or of another kind) is
        refused like any invalid option."""
        kinds = (discord.TextChannel, discord.ForumChannel)
        resolved = value if isinstance(value, kinds) else value.resolve()
        if not isinstance(resolved, kinds):
            raise app_commands.TransformerError(value, discord.AppCommandOptionType.channel, self)
        return resolved


def _annotation(option: OptionSpec) -> Any:
    if option.kind is OptionKind.CHANNEL:  # a forum too: digests there are posts of their own
        return app_commands.Transform[discord.abc.GuildChannel, _DigestChannel]
    if option.kind is OptionKind.INTEGER:
        return int
    if option.kind is OptionKind.FLAG:
        return bool
    if option.kind is OptionKind.CHOICE:
        return str
    return app_commands.Range[str, 1, min(option.max_length, STRING_LIMIT)]


def _command(
    spec: CommandSpec, run: RunCommand, complete: Complete
) -> app_commands.Command[Any, ..., None]:
    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await run(spec, interaction, values)

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    descriptions: dict[str, str] = {}
    choices: dict[str, list[app_commands.Choice[str]]] = {}
    completers: dict[str, Completer] = {}
    for opt in spec.options:
        default = inspect.Parameter.empty if opt.required else None
        params.append(
            inspect.Parameter(opt.name, keyword, annotation=_annotation(opt), default=default)
        )
        descriptions[opt.name] = clip(opt.description)
        if opt.kind is OptionKind.CHOICE:
            choices[opt.name] = [app_commands.Choice(name=c, value=c) for c in opt.choices]
        elif opt.kind in AUTOCOMPLETED:
            completers[opt.name] = _completer(opt.kind, complete)
    if not spec.private and PRIVATE_OPTION not in descriptions:
        params.append(inspect.Parameter(PRIVATE_OPTION, keyword, annotation=bool, default=False))
        descriptions[PRIVATE_OPTION] = PRIVATE_HELP
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    decorated: Any = app_commands.describe(**descriptions)(callback)
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    if completers:
        decorated = app_commands.autocomplete(**completers)(decorated)
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=spec.name, description=clip(spec.description), callback=decorated
    )
    if spec.group is None:
        command.allowed_installs = reach.installs_for(spec)
        command.allowed_contexts = reach.contexts_for(spec)
        command.guild_only = not reach.usable_anywhere(spec)
    if spec.manage and spec.group is None:
        # Only a hint to Discord's UI (who sees the command); the engine checks can_manage.
        command.default_permissions = discord.Permissions(manage_channels=True)
    return command


def _completer(kind: OptionKind, complete: Complete) -> Completer:
    async def autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await complete(kind, interaction, current)

    return autocomplete


# -- sync ---------------------------------------------------------------------------------------


def sync_key(application_id: int, guild_id: int | None) -> str:
    """Where the hash of the last synced definitions is stored, per application and scope."""
    scope = f"guild:{guild_id}" if guild_id else "global"
    return f"discord.commands_hash:{application_id}:{scope}"


def definitions_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """A hash of exactly what ``tree.sync(guild=guild)`` would send."""
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


class SyncHashes:
    """Where the hash of the last synced command set is kept: the runtime's ``META_STORE``
    service (the database), else memory. Looked up on use, so the store may be provided after
    construction."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._memory: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        store = self._services.get(META_STORE)
        return self._memory.get(key) if store is None else await store.get_meta(key)

    async def set(self, key: str, value: str) -> None:
        store = self._services.get(META_STORE)
        if store is None:
            self._memory[key] = value
        else:
            await store.set_meta(key, value)


async def sync_if_changed(
    tree: app_commands.CommandTree,
    meta: SyncHashes,
    *,
    application_id: int,
    guild_id: int | None,
) -> bool:
    """Sync the commands to Discord unless the stored hash says they are already there.

    Returns whether a sync was sent. A failed sync is logged and leaves the hash unset, so
    the next start tries again; the commands synced before keep working meanwhile.
    """
    guild = discord.Object(id=guild_id) if guild_id else None
    key = sync_key(application_id, guild_id)
    digest = definitions_hash(tree, guild)
    scope = f"guild {guild_id}" if guild_id else "global"
    if await meta.get(key) == digest:
        log.info("Discord commands unchanged (%s); not syncing", scope)
        return False
    try:
        synced = await tree.sync(guild=guild)
    except discord.HTTPException as exc:
        log.error("Discord command sync (%s) failed: %s %s", scope, exc.status, exc.text)
        return False
    except discord.RateLimited as exc:
        log.error("Discord command sync (%s) rate limited; retry in %.0f s", scope, exc.retry_after)
        return False
    await meta.set(key, digest)
    log.info("synced %d Discord commands (%s)", len(synced), scope)
    return True
