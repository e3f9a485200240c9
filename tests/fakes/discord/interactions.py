"""Interactions the Discord stand-in sends as a user would: slash commands (with subcommands
and CHANNEL options resolved), autocomplete, component clicks, message commands, and the same
from a DM or through a user install elsewhere — checked against the synced commands'
``contexts``/``integration_types`` — and the waits for the bot's callback and messages."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from tests.fakes.discord.models import (
    APPLICATION_COMMAND,
    APPLICATION_ID,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    BOT_DM_CONTEXT,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    FOREIGN_CHANNEL_ID,
    FOREIGN_GUILD_ID,
    GUILD_CONTEXT,
    GUILD_ID,
    GUILD_INSTALL,
    MANAGER_PERMS,
    MEMBER_PERMS,
    MESSAGE_COMMAND,
    MESSAGE_COMPONENT,
    OPTION_TYPES,
    POSTER_ID,
    SUBCOMMAND,
    USER_ID,
    USER_INSTALL,
    InteractionRecord,
    Perm,
    SentMessage,
    bot_user,
    channel_json,
    member_json,
    now_iso,
    user_json,
)


class InteractionsMixin:
    """Building and dispatching interactions, mixed into ``FakeDiscord``. (whose
    ``__init__`` holds the state these methods read and write)."""

    async def invoke_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS,
        channel_id: str = CHANNEL_ID,
        guild_id: str = GUILD_ID,
        target_perms: int | None = None,
    ) -> str:
        """Dispatch a slash command (``"actor"`` or ``"digest subscribe"``); returns its id.

        Option types come from the synced definition; a CHANNEL option takes a channel id, and
        its resolved channel carries the user's permissions there (``target_perms``, default
        the same as in the current channel).
        """
        data = self._command_data(
            name,
            options or {},
            guild_id=guild_id,
            channel_perms=user_perms if target_perms is None else target_perms,
        )
        return await self._interact(
            APPLICATION_COMMAND,
            data,
            user_id=user_id,
            user_perms=user_perms,
            channel_id=channel_id,
            guild_id=guild_id,
        )

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        timeout: float = 15.0,
        **where: Any,
    ) -> list[dict[str, Any]]:
        """Ask the bot for autocomplete choices of option ``focused``; returns the choices."""
        data = self._command_data(
            name, options, guild_id=where.get("guild_id", GUILD_ID), focused=focused
        )
        iid = await self._interact(AUTOCOMPLETE, data, **where)
        callback = await self.wait_for_response(iid, timeout=timeout)
        assert callback["type"] == AUTOCOMPLETE_RESULT, callback
        return list(callback["data"]["choices"])

    async def click(
        self,
        custom_id: str,
        message_id: str,
        *,
        values: list[str] | None = None,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS,
    ) -> str:
        """Click a button (or pick ``values`` in a select) of a message the bot sent."""
        message = self._messages[message_id]
        component = message.component(custom_id) or {"type": 3 if values else 2}
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        return await self._interact(
            MESSAGE_COMPONENT,
            data,
            user_id=user_id,
            user_perms=user_perms,
            channel_id=message.channel_id,
            guild_id=GUILD_ID,
            message=message.payload(bot_user()),
        )

    # --- message commands, DMs and user installs ---------------------------------------------

    async def invoke_message_command(
        self,
        name: str,
        content: str,
        *,
        embeds: list[dict[str, Any]] | None = None,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS,
        channel_id: str = CHANNEL_ID,
    ) -> str:
        """Run the message command ``name`` (Apps → name) on a message saying ``content``, in
        the server that added Briefbot; returns the interaction id."""
        synced = self._reachable(name, GUILD_ID, GUILD_CONTEXT, GUILD_INSTALL, check=True)
        data = self._message_command_data(synced, content, embeds, channel_id)
        return await self._interact(
            APPLICATION_COMMAND,
            data,
            user_id=user_id,
            user_perms=user_perms,
            channel_id=channel_id,
            guild_id=GUILD_ID,
        )

    async def invoke_in_dm(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        message: str | None = None,
        user_id: str = USER_ID,
        user_installed: bool = True,
        check_reach: bool = True,
    ) -> str:
        """Run ``name`` in the user's DM with Briefbot (context 1, no guild, ``user`` instead of
        ``member``): a slash command with ``options``, or with ``message`` the message command
        ``name`` on a message saying that. ``check_reach=False`` sends it even where the synced
        command's ``contexts`` leave it out (as an outdated client might)."""
        synced = self._reachable(
            name if message is not None else name.partition(" ")[0],
            "",
            BOT_DM_CONTEXT,
            USER_INSTALL if user_installed else GUILD_INSTALL,
            check=check_reach,
        )
        if message is None:
            data = self._command_data(name, options or {}, guild_id="")
        else:
            data = self._message_command_data(synced, message, None, DM_CHANNEL_ID)
        user = user_json(user_id)
        payload = self._interaction_payload(
            data,
            channel={
                "id": DM_CHANNEL_ID,
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user],
            },
            # Discord: a guild install's key holds "0" in the bot's DM.
            owners={"1": user_id} if user_installed else {"0": "0"},
            context=BOT_DM_CONTEXT,
        )
        payload["user"] = user
        return await self._deliver(payload, shard_of="0")

    async def invoke_as_user_app(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        message: str | None = None,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS | Perm.USE_EXTERNAL_APPS,
        check_reach: bool = True,
    ) -> str:
        """Run ``name`` through the user's own install in a server that did not add Briefbot
        (context 0, ``authorizing_integration_owners`` without a guild install)."""
        top = name if message is not None else name.partition(" ")[0]
        synced = self._reachable(top, "", GUILD_CONTEXT, USER_INSTALL, check=check_reach)
        if message is None:
            data = self._command_data(name, options or {}, guild_id="")
        else:
            data = self._message_command_data(synced, message, None, FOREIGN_CHANNEL_ID)
        channel = {
            **channel_json(FOREIGN_CHANNEL_ID, "elsewhere", 0),
            "guild_id": FOREIGN_GUILD_ID,
            "permissions": str(user_perms),
        }
        payload = self._interaction_payload(
            data, channel=channel, owners={"1": user_id}, context=GUILD_CONTEXT
        )
        payload.update(
            guild_id=FOREIGN_GUILD_ID,
            guild={"id": FOREIGN_GUILD_ID, "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member_json(user_json(user_id), user_perms),
        )
        return await self._deliver(payload, shard_of=FOREIGN_GUILD_ID)

    def _reachable(
        self, name: str, guild_id: str, context: int, install: int, *, check: bool
    ) -> dict[str, Any]:
        """The synced command ``name``; with ``check``, fail unless Discord would offer it in
        ``context`` through an ``install`` (its ``contexts`` and ``integration_types``)."""
        synced = self._synced(name, guild_id)
        if synced is None:
            raise AssertionError(f"{name!r} was never synced; synced: {self.commands}")
        if check:
            # Discord's defaults when a command leaves them out: guild installs; guild + bot DM.
            contexts = synced.get("contexts") or [GUILD_CONTEXT, BOT_DM_CONTEXT]
            installs = synced.get("integration_types") or [GUILD_INSTALL]
            if context not in contexts or install not in installs:
                raise AssertionError(
                    f"Discord would not offer {name!r} in context {context} through install "
                    f"type {install}: contexts {contexts}, integration_types {installs}"
                )
        return synced

    def _message_command_data(
        self,
        synced: dict[str, Any],
        content: str,
        embeds: list[dict[str, Any]] | None,
        channel_id: str,
    ) -> dict[str, Any]:
        if synced.get("type") != MESSAGE_COMMAND:
            raise AssertionError(f"{synced['name']!r} is not a message command")
        target = self._snowflake()
        message = {
            "id": target,
            "channel_id": channel_id,
            "author": {**user_json(POSTER_ID), "username": "teammate", "global_name": "Teammate"},
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": embeds or [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        data: dict[str, Any] = {
            "id": synced["id"],
            "name": synced["name"],
            "type": MESSAGE_COMMAND,
            "target_id": target,
            "resolved": {"messages": {target: message}},
        }
        if synced.get("guild_id"):
            data["guild_id"] = synced["guild_id"]
        return data

    def _interaction_payload(
        self,
        data: dict[str, Any],
        *,
        channel: dict[str, Any],
        owners: dict[str, str],
        context: int,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND interaction outside the server that added Briefbot."""
        iid = self._snowflake()
        return {
            "id": iid,
            "application_id": APPLICATION_ID,
            "type": APPLICATION_COMMAND,
            "data": data,
            "channel_id": channel["id"],
            "channel": channel,
            "token": f"itoken-{iid}",
            "version": 1,
            "locale": "en-US",
            # What a user-installed app may do where it is not a member.
            "app_permissions": str(Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS),
            "entitlements": [],
            "authorizing_integration_owners": owners,
            "context": context,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    async def _deliver(self, payload: dict[str, Any], *, shard_of: str) -> str:
        """Record and dispatch an interaction payload; DMs go to shard 0 (``shard_of="0"``)."""
        iid, token = payload["id"], payload["token"]
        record = InteractionRecord(
            id=iid,
            token=token,
            type=payload["type"],
            payload=payload,
            dispatched_at=time.perf_counter(),
        )
        self.interactions[iid] = self._by_token[token] = record
        await self._dispatch("INTERACTION_CREATE", payload, guild_id=shard_of)
        record.dispatched_at = time.perf_counter()
        return iid

    async def wait_for_response(self, interaction_id: str, timeout: float = 15.0) -> dict[str, Any]:
        """The first callback body the bot sent for this interaction."""
        record = self.interactions[interaction_id]
        await self._wait(
            lambda: record.callback is not None,
            timeout,
            f"a response to interaction {interaction_id}",
        )
        assert record.callback is not None
        return record.callback

    async def wait_for_messages(
        self, interaction_id: str, count: int = 1, timeout: float = 15.0
    ) -> list[SentMessage]:
        """The first ``count`` messages an interaction produced, once none is still loading."""
        record = self.interactions[interaction_id]

        def done() -> bool:
            shown = [m for m in record.messages if not m.deleted]
            return len(shown) >= count and not any(m.loading for m in shown[:count])

        await self._wait(done, timeout, f"{count} message(s) for interaction {interaction_id}")
        return [m for m in record.messages if not m.deleted][:count]

    async def wait_for_update(self, interaction_id: str, timeout: float = 15.0) -> SentMessage:
        """The clicked message once this click edited it in place: a type 7 callback, or an
        edit of ``@original`` after a type 6 (deferred update)."""
        record = self.interactions[interaction_id]
        await self._wait(
            lambda: record.updated is not None,
            timeout,
            f"an in-place update for interaction {interaction_id}",
        )
        assert record.updated is not None
        return record.updated

    def _synced(self, name: str, guild_id: str) -> dict[str, Any] | None:
        for scope in (guild_id, "global"):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        return None

    def _command_data(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        guild_id: str,
        focused: str | None = None,
        channel_perms: int = MANAGER_PERMS,
    ) -> dict[str, Any]:
        top, _, sub = name.partition(" ")
        synced = self._synced(top, guild_id)
        if synced is None:
            raise AssertionError(f"/{top} was never synced; synced: {self.commands}")
        defs = synced.get("options") or []
        if sub:
            group = next((o for o in defs if o["name"] == sub), None)
            if group is None:
                raise AssertionError(f"/{top} has no subcommand {sub!r}")
            defs = group.get("options") or []
        resolved: dict[str, Any] = {}
        built = []
        for key, value in options.items():
            spec = next((o for o in defs if o["name"] == key), None)
            kind = spec["type"] if spec else OPTION_TYPES[type(value)]
            if kind == 7:  # channel: the value is an id, the channel goes in `resolved`
                channel = self.channels[str(value)]
                allowed = (spec or {}).get("channel_types")
                if allowed and channel["type"] not in allowed:  # Discord would not offer it
                    self.violations.append(
                        f"/{name}: option {key} takes channel types {allowed}, "
                        f"not {channel['type']}"
                    )
                resolved.setdefault("channels", {})[str(value)] = {
                    **channel,
                    "permissions": str(channel_perms),
                }
                value = str(value)
            option = {"name": key, "type": kind, "value": value}
            if key == focused:
                option["focused"] = True
                option["type"] = 3
            built.append(option)
        if sub:
            built = [{"name": sub, "type": SUBCOMMAND, "options": built}]
        data: dict[str, Any] = {"id": synced["id"], "name": top, "type": 1, "options": built}
        if synced.get("guild_id"):
            data["guild_id"] = synced["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def _interact(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: str = USER_ID,
        user_perms: int = MEMBER_PERMS,
        channel_id: str = CHANNEL_ID,
        guild_id: str = GUILD_ID,
        message: dict[str, Any] | None = None,
    ) -> str:
        iid = self._snowflake()
        token = f"itoken-{iid}"
        channel = self.channels[channel_id]
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": APPLICATION_ID,
            "type": kind,
            "data": data,
            "guild_id": guild_id,
            "channel_id": channel_id,
            "channel": {**channel, "permissions": str(user_perms)},
            "member": member_json(user_json(user_id), user_perms),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(MEMBER_PERMS),
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild_id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(
            id=iid, token=token, type=kind, payload=payload, dispatched_at=time.perf_counter()
        )
        self.interactions[iid] = self._by_token[token] = record
        await self._dispatch("INTERACTION_CREATE", payload, guild_id=guild_id)
        record.dispatched_at = time.perf_counter()  # the clock starts once the frame is out
        return iid
