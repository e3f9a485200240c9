"""The Discord stand-in's gateway websocket: HELLO, heartbeat ACKs, IDENTIFY → READY (+
GUILD_CREATE for the shard that holds the guild), RESUME → missed events replayed + RESUMED (op 9
when the session is unknown or forgotten), dispatching events to the right shard's session, and
the gateway faults (``drop_gateway()``, ``forget_sessions()``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.models import (
    APPLICATION_ID,
    BOT_ROLE_ID,
    DISPATCH,
    GUILD_ID,
    HEARTBEAT,
    HEARTBEAT_ACK,
    HELLO,
    IDENTIFY,
    INVALID_SESSION,
    MEMBER_PERMS,
    OWNER_ID,
    RESUME,
    USER_ID,
    bot_user,
    member_json,
    user_json,
)


@dataclass
class Session:
    id: str
    shard: tuple[int, int]
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    resumable: bool = True  # False once ``forget_sessions()`` was called


class GatewayMixin:
    """Gateway sessions and the websocket handler, mixed into ``FakeDiscord``. (whose
    ``__init__`` holds the state these methods read and write)."""

    async def wait_for_identify(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` IDENTIFYs were answered with READY (one per shard)."""
        await self._wait(lambda: self.identifies >= count, timeout, f"{count} IDENTIFY")

    async def wait_for_resume(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` RESUMEs were answered with RESUMED."""
        await self._wait(lambda: self.resumes >= count, timeout, f"{count} RESUME")

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every gateway socket, as a network blip would; sessions stay resumable."""
        for session in self._sessions.values():
            if session.ws is not None:
                ws, session.ws = session.ws, None
                await ws.close(code=code)

    def forget_sessions(self) -> None:
        """Lose every current gateway session, as Discord sometimes does: open sockets stay up
        (``drop_gateway()`` closes them), but a RESUME of any of these sessions is answered with
        op 9 (not resumable), so the client must IDENTIFY again — which succeeds whenever it
        comes (discord.py waits 5 s first)."""
        for session in self._sessions.values():
            session.resumable = False

    def _guild(self) -> dict[str, Any]:
        bot_member = {**member_json(bot_user()), "roles": [BOT_ROLE_ID]}
        members = [bot_member, member_json(user_json(USER_ID))]
        return {
            "id": GUILD_ID,
            "name": "Briefing Room",
            "icon": None,
            "owner_id": OWNER_ID,  # not the invoking user: owners bypass every permission
            "unavailable": False,
            "large": False,
            "member_count": len(members),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "features": [],
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "afk_timeout": 300,
            "emojis": [],
            "stickers": [],
            "roles": [
                {
                    "id": GUILD_ID,
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": BOT_ROLE_ID,
                    "name": "Briefbot",
                    "permissions": str(self.bot_permissions),
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": True,
                    "mentionable": False,
                    "flags": 0,
                },
            ],
            "channels": list(self.channels.values()),
            "threads": [],
            "members": members,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
        }

    # --- internals: gateway -----------------------------------------------------------------

    def _session_for(self, guild_id: str) -> Session | None:
        shard = (int(guild_id) >> 22) % self.shard_count
        return next((s for s in self._sessions.values() if s.shard[0] == shard), None)

    async def _dispatch(self, event: str, data: dict[str, Any], *, guild_id: str) -> None:
        session = self._session_for(guild_id)
        if session is None:
            raise AssertionError("no gateway session: did the bot connect?")
        await self._send_event(session, event, data)

    async def _send_event(self, session: Session, event: str, data: Any) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.events.append(frame)  # kept for replay after a RESUME
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(json.dumps(frame))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval_ms}
            await ws.send_json({"op": HELLO, "d": hello})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.gateway_payloads.append(frame)
                await self._on_frame(ws, frame)
        finally:
            self._sockets.discard(ws)
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op, d = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            await ws.send_json({"op": HEARTBEAT_ACK, "d": None})
        elif op == IDENTIFY:
            await self._identify(ws, d)
        elif op == RESUME:
            await self._resume(ws, d)

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = tuple(d.get("shard") or (0, 1))
        session = Session(id=f"session-{self._snowflake()}", shard=(shard[0], shard[1]), ws=ws)
        self._sessions = {k: s for k, s in self._sessions.items() if s.shard != session.shard}
        self._sessions[session.id] = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**bot_user(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": GUILD_ID, "unavailable": True}]
            if self._session_for(GUILD_ID) is session
            else [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APPLICATION_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
        }
        if d.get("shard"):
            ready["shard"] = list(shard)
        await self._send_event(session, "READY", ready)
        if ready["guilds"]:
            await self._send_event(session, "GUILD_CREATE", self._guild())
        async with self._changed:
            self.identifies += 1
            self._changed.notify_all()

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        session = self._sessions.get(d.get("session_id", ""))
        if session is None or not session.resumable or d.get("token") != self.token:
            await ws.send_json({"op": INVALID_SESSION, "d": False})
            return
        session.ws = ws
        for frame in session.events:
            if frame["s"] > (d.get("seq") or 0):
                await ws.send_str(json.dumps(frame))
        await self._send_event(session, "RESUMED", {})
        async with self._changed:
            self.resumes += 1
            self._changed.notify_all()
