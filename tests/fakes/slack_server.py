"""A local Slack on 127.0.0.1 for end-to-end tests: Web API, ``response_url``s and Socket Mode.

It speaks the real protocols, so the real slack-bolt app and slack-sdk clients talk to it
unchanged (``SLACK_API_URL=fake.api_url``), and it records everything the bot sends.

    async with SlackFake(admin_users={"UADMIN"}) as slack:
        # start the bot with SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN=BOT_TOKEN and either
        # SLACK_APP_TOKEN=APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET=SIGNING_SECRET (HTTP)
        await slack.wait_socket_connected()                 # Socket Mode only
        user = SlackUser(slack)                             # or SlackUser(slack, events_url=url)
        message = await user.answer("digest list")          # the ack, or the first respond() post
        await user.click(elements(message)[0])              # a button from that message
        await slack.wait_call("chat.postMessage")           # e.g. a digest arriving
        slack.assert_clean()                                # nothing broke Slack's rules

What it serves
- Web API ``/api/<method>`` (POSTed form or JSON, or GET; ``Authorization: Bearer``), every call
  recorded as an ``ApiCall``: ``auth.test``, ``chat.postMessage``, ``chat.postEphemeral``,
  ``chat.update``, ``views.publish``, ``users.info`` (``admin_users``/``owner_users`` are admins),
  ``apps.connections.open`` (returns the URL of its Socket Mode websocket); any other method
  answers ``{"ok": true}``.
- ``POST /response/<id>``: a ``response_url`` (from ``new_response_url()``, put into every payload
  the builders make); posts are recorded as ``ResponsePost``; like Slack, at most 5 per URL.
- ``GET /socket``: a Socket Mode websocket. It sends ``hello`` on connect, sends envelopes
  (``socket_send``) and collects the acks (``{"envelope_id", "payload"?}``); ``send_disconnect()``
  asks the client to reconnect, as Slack does every few hours; ``drop_socket()`` cuts it.
- ``conversations.history`` of the messages posted with ``chat.postMessage`` (newest first;
  ``oldest``/``latest``/``limit``/``cursor``; ``metadata`` only with ``include_all_metadata``),
  refused with ``missing_scope`` unless ``scopes`` (sent by ``auth.test`` as
  ``x-oauth-scopes``) has ``channels:history`` (``groups:history`` for ``G…`` channels).
- Fault injection: ``fail_next(method, status=429, retry_after=1)`` (HTTP 429 with
  ``Retry-After``), ``fail_next(method, error="channel_not_found")`` (``ok: false``) or
  ``fail_next(method, status=500)``; each fault is used once, in order.
  ``accept_next("chat.postMessage", then="drop")`` posts the next message and then closes the
  connection without answering (the answer is lost); ``then="hang"`` posts it and never
  answers (``accepted`` is set: kill the bot now, as if it died right after Slack took it).

Checks on what the bot sends (recorded in ``violations``; ``assert_clean()`` fails a test on any):
every message (Web API and ``response_url``) has fallback ``text``; at most 50 blocks (100 in a
view); every block validates with ``slack_sdk.models.blocks.Block.parse(b).to_dict()``; no
``block_id`` repeats in a message or view, no ``action_id`` within a block; and, with
``forbid_mentions`` (the default), no text contains a broadcast or user mention
(``<!channel>``, ``<!here>``, ``<!everyone>``, ``<@U…>``, ``<!subteam…>``) — Briefbot never pings.

Signed HTTP requests: ``signature_headers(secret, body)`` and ``http_send(...)`` sign like Slack
(``v0:{timestamp}:{body}``, HMAC-SHA256) for an app in HTTP mode; pass ``timestamp=`` to send a
stale request or ``signature=`` to send a forged one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T0TEST"
BOT_USER_ID = "UBRIEFBOT"
BOT_ID = "BBRIEFBOT"
APP_ID = "ABRIEFBOT"

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
_MENTION = re.compile(r"<(?:!channel|!here|!everyone|!subteam\^?[^>]*|@[UW][A-Z0-9]*)[^>]*>", re.I)
_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
#: The scopes of the manifest ``briefbot slack-manifest`` prints.
DEFAULT_SCOPES = frozenset(
    {"commands", "chat:write", "users:read", "channels:history", "groups:history"}
)


@dataclass
class ApiCall:
    """One Web API call the bot made."""

    method: str
    args: dict[str, Any]
    token: str | None
    failed: bool = False  # answered with an injected fault (``fail_next``)
    #: Wall-clock time the stand-in received it (for "arrived on time" checks).
    received_at: float = field(default_factory=time.time)


@dataclass
class ResponsePost:
    """One post to a ``response_url`` (``respond()`` in bolt)."""

    url_id: str
    body: dict[str, Any]

    @property
    def response_type(self) -> str:
        return str(self.body.get("response_type") or "ephemeral")


@dataclass
class SocketAck:
    """The client's acknowledgement of an envelope (``payload`` is the ack's response body)."""

    envelope_id: str
    payload: dict[str, Any] | None


@dataclass
class HttpReply:
    """The bot's HTTP answer to a signed request (``json`` when the body is JSON)."""

    status: int
    text: str
    json: dict[str, Any] | None = None


@dataclass
class _Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    after: int = 0  # calls to let through first
    then: str | None = None  # accepted, then the answer is lost: "drop" or "hang"


@dataclass
class _Socket:
    ws: web.WebSocketResponse
    number: int
    closed: asyncio.Event = field(default_factory=asyncio.Event)


class SlackFake:
    """Slack's Web API, ``response_url``s and a Socket Mode server on one loopback port."""

    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
        admin_users: Iterable[str] = (),
        owner_users: Iterable[str] = (),
        forbid_mentions: bool = True,
        scopes: Iterable[str] = DEFAULT_SCOPES,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.admin_users = set(admin_users)
        self.owner_users = set(owner_users)
        self.forbid_mentions = forbid_mentions
        self.scopes = set(scopes)
        #: Messages posted with chat.postMessage, per channel, oldest first.
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.accepted = asyncio.Event()
        self._hung = asyncio.Event()
        self.calls: list[ApiCall] = []
        self.responses: list[ResponsePost] = []
        self.violations: list[str] = []
        self.socket_connections = 0
        self._faults: dict[str, list[_Fault]] = {}
        self._response_counts: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._sockets: list[_Socket] = []
        self._acks: dict[str, asyncio.Future[SocketAck]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> SlackFake:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)  # the SDK GETs some methods
        app.router.add_post("/response/{url_id}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        """Close every websocket and stop listening."""
        self._hung.set()
        for sock in self._sockets:
            await sock.ws.close()
        for future in self._acks.values():
            future.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> SlackFake:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL for ``SLACK_API_URL`` / ``AsyncWebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    # -- what the bot did ---------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one Web API method, oldest first."""
        return [c for c in self.calls if c.method == method]

    def messages(self) -> list[dict[str, Any]]:
        """Every message the bot sent: Web API posts and ``response_url`` posts, oldest first."""
        out = [c.args for c in self.calls if c.method in _MESSAGE_METHODS]
        out += [r.body for r in self.responses if not r.body.get("delete_original")]
        return out

    def assert_clean(self) -> None:
        """Fail if anything the bot sent broke Slack's rules or could ping someone."""
        assert not self.violations, "\n".join(self.violations)

    async def wait_for(self, predicate: Callable[[], Any], *, timeout: float = 15.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked whenever something is recorded)."""

        async def waiting() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(waiting(), timeout)

    async def wait_call(self, method: str, *, count: int = 1, timeout: float = 15.0) -> ApiCall:
        """Wait for the ``count``-th call of ``method``; return it."""
        await self.wait_for(lambda: len(self.calls_to(method)) >= count, timeout=timeout)
        return self.calls_to(method)[count - 1]

    async def wait_response(self, *, count: int = 1, timeout: float = 15.0) -> ResponsePost:
        """Wait for the ``count``-th ``response_url`` post; return it."""
        await self.wait_for(lambda: len(self.responses) >= count, timeout=timeout)
        return self.responses[count - 1]

    def responses_for(self, response_url: str) -> list[ResponsePost]:
        """Posts made to one ``response_url`` (from a payload the builders made)."""
        url_id = response_url.rstrip("/").rsplit("/", 1)[-1]
        return [r for r in self.responses if r.url_id == url_id]

    async def _record(self, item: ApiCall | ResponsePost) -> None:
        if isinstance(item, ApiCall):
            self.calls.append(item)
        else:
            self.responses.append(item)
        async with self._changed:
            self._changed.notify_all()

    # -- fault injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        after: int = 0,
    ) -> None:
        """Make the next call of ``method`` fail (each fault is used once, in order); with
        ``after``, the call after that many more have gone through.

        ``status=429`` answers HTTP 429 ``ratelimited`` with ``Retry-After`` (default 1 s);
        ``error="channel_not_found"`` answers HTTP 200 ``{"ok": false, "error": ...}``;
        ``status=500`` answers a server error.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if status == 429:
            error = error or "ratelimited"
        self._faults.setdefault(method, []).append(
            _Fault(status=status, error=error, retry_after=retry_after, after=after)
        )

    def accept_next(
        self, method: str = "chat.postMessage", *, then: str = "drop", after: int = 0
    ) -> None:
        """Take the next call of ``method`` (the message is posted), then lose its answer:
        ``drop`` closes the connection without answering, ``hang`` never answers; with
        ``after``, the call after that many more have gone through."""
        assert then in {"drop", "hang"}
        self._faults.setdefault(method, []).append(_Fault(then=then, after=after))

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The messages in ``channel`` (posted with chat.postMessage), oldest first."""
        return list(self.history.get(channel, []))

    # -- payload builders ---------------------------------------------------------------------

    def new_response_url(self) -> str:
        """A fresh ``response_url`` whose posts are recorded in ``responses``."""
        return f"{self.base_url}/response/{next(self._ids)}"

    def command_payload(
        self,
        text: str,
        *,
        command: str = "/brief",
        user_id: str = "U100",
        user_name: str = "ada",
        channel_id: str = "C100",
        channel_name: str = "general",
        team_id: str = TEAM_ID,
    ) -> dict[str, str]:
        """The fields Slack sends for a slash command (form-encoded over HTTP)."""
        return {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "briefbot-test",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.new_response_url(),
            "trigger_id": f"{next(self._ids)}.{next(self._ids)}.trigger",
        }

    def block_actions_payload(
        self,
        action: Mapping[str, Any],
        *,
        user_id: str = "U100",
        user_name: str = "ada",
        channel_id: str = "C100",
        team_id: str = TEAM_ID,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A ``block_actions`` payload for a click on ``action`` (a button or select element).

        ``action`` is the element as the bot sent it (``action_id``, ``value`` or
        ``selected_option``…). A click in a message carries ``message`` (ephemeral by default)
        and a ``response_url``; a click in the App Home carries ``view`` and no response URL.
        """
        clicked = dict(action)
        clicked.setdefault("block_id", "b1")
        clicked.setdefault("action_ts", f"{time.time():.6f}")
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": f"{next(self._ids)}.{next(self._ids)}.trigger",
            "team": {"id": team_id, "domain": "briefbot-test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [clicked],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = {"id": "V1", "type": "home", **view}
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": "1700000000.000100",
                "channel_id": channel_id,
                "is_ephemeral": message is None,
            }
            payload["channel"] = {"id": channel_id, "name": "general"}
            payload["message"] = dict(message) if message is not None else None
            payload["response_url"] = self.new_response_url()
            payload["state"] = {"values": {}}
        return payload

    def message_action_payload(
        self,
        text: str,
        *,
        callback_id: str = "briefing_context",
        attachments: list[dict[str, Any]] | None = None,
        user_id: str = "U100",
        user_name: str = "ada",
        channel_id: str = "C100",
        channel_name: str = "general",
        team_id: str = TEAM_ID,
        response_url: bool = True,
    ) -> dict[str, Any]:
        """A ``message_action`` payload: message shortcut ``callback_id`` used on a teammate's
        message saying ``text`` (as Slack sends it: escaped, mentions as ``<@U…>``)."""
        ts = f"{time.time():.6f}"
        message: dict[str, Any] = {
            "type": "message",
            "user": "U200",
            "ts": ts,
            "text": text,
            "client_msg_id": f"msg-{next(self._ids)}",
            "team": team_id,
        }
        if attachments:
            message["attachments"] = attachments
        payload: dict[str, Any] = {
            "type": "message_action",
            "token": "legacy-verification-token",
            "action_ts": ts,
            "team": {"id": team_id, "domain": "briefbot-test"},
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
            "channel": {"id": channel_id, "name": channel_name},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": f"{next(self._ids)}.{next(self._ids)}.trigger",
            "message_ts": ts,
            "message": message,
        }
        if response_url:
            payload["response_url"] = self.new_response_url()
        return payload

    def app_home_opened_payload(
        self, user_id: str = "U100", *, tab: str = "home"
    ) -> dict[str, Any]:
        """An Events API ``event_callback`` body for ``app_home_opened``."""
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": {
                "type": "app_home_opened",
                "user": user_id,
                "channel": f"D{user_id}",
                "tab": tab,
                "event_ts": f"{time.time():.6f}",
            },
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids)}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }

    # -- Socket Mode ----------------------------------------------------------------------------

    async def wait_socket_connected(self, *, count: int = 1, timeout: float = 15.0) -> None:
        """Wait until the client has opened its ``count``-th websocket (and got ``hello``)."""
        await self.wait_for(lambda: self.socket_connections >= count, timeout=timeout)

    async def socket_send(
        self, kind: str, payload: Mapping[str, Any], *, timeout: float = 15.0
    ) -> SocketAck:
        """Send an envelope (``slash_commands``, ``interactive``, ``events_api``) on the newest
        open socket and wait for its ack."""
        live = [s for s in self._sockets if not s.ws.closed]
        if not live:
            raise AssertionError("no Socket Mode client is connected")
        envelope_id = f"env-{next(self._ids)}"
        future: asyncio.Future[SocketAck] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": dict(payload),
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope["retry_attempt"] = 0
            envelope["retry_reason"] = ""
        await live[-1].ws.send_str(json.dumps(envelope))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(envelope_id, None)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect (it calls ``apps.connections.open``, opens a new socket)."""
        live = [s for s in self._sockets if not s.ws.closed]
        if live:
            await live[-1].ws.send_str(
                json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})
            )

    async def drop_socket(self) -> None:
        """Close the newest socket abruptly (a network drop)."""
        live = [s for s in self._sockets if not s.ws.closed]
        if live:
            await live[-1].ws.close(code=1011, message=b"dropped")

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.socket_connections += 1
        sock = _Socket(ws=ws, number=self.socket_connections)
        self._sockets.append(sock)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len([s for s in self._sockets if not s.ws.closed]),
                    "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": APP_ID},
                }
            )
        )
        async with self._changed:
            self._changed.notify_all()
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                ack = SocketAck(
                    envelope_id=data.get("envelope_id", ""), payload=data.get("payload")
                )
                if ack.payload is not None:
                    self._check_message(f"socket ack {ack.envelope_id}", ack.payload, ack=True)
                future = self._acks.get(ack.envelope_id)
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            sock.closed.set()
        return ws

    # -- HTTP mode --------------------------------------------------------------------------

    async def http_send(
        self,
        url: str,
        kind: str,
        payload: Mapping[str, Any],
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        signature: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> HttpReply:
        """POST ``payload`` to an app in HTTP mode, encoded and signed as Slack does.

        ``kind`` is ``slash_commands`` (form fields), ``interactive`` (``payload=<json>``) or
        ``events_api`` (JSON). The reply is checked like any message the bot sends.
        """
        body, content_type = encode_body(kind, payload)
        headers = signature_headers(secret, body, timestamp=timestamp)
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        headers["Content-Type"] = content_type
        if session is None:
            if self._session is None:
                self._session = aiohttp.ClientSession()
            session = self._session
        async with session.post(url, data=body.encode(), headers=headers) as resp:
            text = await resp.text()
            parsed = None
            if resp.content_type == "application/json" and text:
                parsed = json.loads(text)
                if resp.status == 200 and kind != "events_api":
                    self._check_message(f"HTTP reply to {kind}", parsed, ack=True)
            return HttpReply(status=resp.status, text=text, json=parsed)

    # -- Web API ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or args.pop("token", None)
        call = ApiCall(method=method, args=args, token=token)
        await self._record(call)

        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return _ok_false("invalid_auth" if token else "not_authed")
        faults = self._faults.get(method)
        lose_answer: str | None = None
        if faults and faults[0].after:
            faults[0].after -= 1
        elif faults and faults[0].then:
            lose_answer = faults.pop(0).then
        elif faults:
            fault = faults.pop(0)
            call.failed = True
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            if fault.status >= 500:
                return web.Response(status=fault.status, text="upstream error", headers=headers)
            return _ok_false(fault.error or "fatal_error", status=fault.status, headers=headers)

        if method in _MESSAGE_METHODS:
            self._check_message(f"{method} to {args.get('channel')}", args)
            ts = f"{time.time():.6f}"
            if method == "chat.postMessage":
                self._remember(str(args.get("channel")), ts, args)
            if lose_answer is not None:
                self.accepted.set()
                if lose_answer == "hang":
                    await self._hung.wait()
                if request.transport is not None:
                    request.transport.close()  # the answer is lost on the way back
            return _ok(channel=args.get("channel"), ts=ts, message=args)
        if method == "conversations.history":
            return self._conversations_history(args)
        if method == "views.publish":
            view = _maybe_json(args.get("view")) or {}
            self._check_blocks(f"views.publish for {args.get('user_id')}", view, VIEW_BLOCK_LIMIT)
            return _ok(view={"id": "V1", **view})
        if method == "auth.test":
            return _ok(
                headers={"x-oauth-scopes": ",".join(sorted(self.scopes))},
                url="https://briefbot-test.slack.com/",
                team="Briefbot Test",
                user="briefbot",
                team_id=TEAM_ID,
                user_id=BOT_USER_ID,
                bot_id=BOT_ID,
                is_enterprise_install=False,
            )
        if method == "users.info":
            user_id = str(args.get("user", ""))
            if not user_id:
                return _ok_false("user_not_found")
            return _ok(
                user={
                    "id": user_id,
                    "team_id": TEAM_ID,
                    "name": user_id.lower(),
                    "is_admin": user_id in self.admin_users or user_id in self.owner_users,
                    "is_owner": user_id in self.owner_users,
                    "is_primary_owner": False,
                    "is_bot": False,
                }
            )
        if method == "apps.connections.open":
            return _ok(url=f"ws://127.0.0.1:{self.port}/socket?ticket={next(self._ids)}")
        return _ok()

    def _remember(self, channel: str, ts: str, args: Mapping[str, Any]) -> None:
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "text": args.get("text") or "",
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "user": BOT_USER_ID,
        }
        metadata = _maybe_json(args.get("metadata"))
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        self.history.setdefault(channel, []).append(message)

    def _conversations_history(self, args: Mapping[str, Any]) -> web.Response:
        channel = str(args.get("channel") or "")
        needed = "groups:history" if channel.startswith("G") else "channels:history"
        if needed not in self.scopes:
            return web.json_response(
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": ",".join(sorted(self.scopes)),
                }
            )
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or time.time() + 3600)
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        with_metadata = str(args.get("include_all_metadata")).lower() in {"true", "1"}
        messages = [
            m for m in reversed(self.history.get(channel, [])) if oldest < float(m["ts"]) <= latest
        ]
        page = messages[start : start + limit]
        if not with_metadata:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(messages)
        return _ok(
            messages=page,
            has_more=more,
            response_metadata={"next_cursor": str(start + limit) if more else ""},
        )

    async def _response(self, request: web.Request) -> web.Response:
        url_id = request.match_info["url_id"]
        body = await request.json()
        count = self._response_counts.get(url_id, 0) + 1
        self._response_counts[url_id] = count
        if count > 5:
            self.violations.append(f"response_url {url_id} used more than 5 times")
            return web.Response(status=404, text="used_url")
        if not body.get("delete_original"):
            self._check_message(f"response_url {url_id}", body)
        await self._record(ResponsePost(url_id=url_id, body=body))
        return web.Response(text="ok")

    # -- checks -------------------------------------------------------------------------------

    def _check_message(self, where: str, message: Mapping[str, Any], *, ack: bool = False) -> None:
        if ack and not message:
            return
        if not str(message.get("text") or "").strip():
            self.violations.append(f"{where}: no fallback text")
        self._check_blocks(where, message, MESSAGE_BLOCK_LIMIT)

    def _check_blocks(self, where: str, container: Mapping[str, Any], limit: int) -> None:
        blocks = _maybe_json(container.get("blocks")) or []
        if len(blocks) > limit:
            self.violations.append(f"{where}: {len(blocks)} blocks (limit {limit})")
        block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
        for block_id in {b for b in block_ids if block_ids.count(b) > 1}:
            self.violations.append(f"{where}: duplicate block_id {block_id!r}")
        for n, block in enumerate(blocks):
            action_ids = [
                e.get("action_id") for e in block.get("elements", []) if isinstance(e, dict)
            ]
            action_ids = [a for a in action_ids if a]
            if len(action_ids) != len(set(action_ids)):
                self.violations.append(f"{where}: block {n} repeats an action_id")
            try:
                parsed = Block.parse(block)
                if parsed is None:
                    raise ValueError(f"unknown block type {block.get('type')!r}")
                parsed.to_dict()
            except Exception as exc:  # the SDK raises SlackObjectFormationError and friends
                self.violations.append(f"{where}: block {n} invalid: {exc}")
        if self.forbid_mentions:
            for text in _strings({"text": container.get("text"), "blocks": blocks}):
                for mention in _MENTION.findall(text):
                    self.violations.append(f"{where}: mention {mention!r} in {text[:80]!r}")


# -- helpers shared with tests and benchmarks ---------------------------------------------------


def signature_headers(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    """The ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(signature)}


def encode_body(kind: str, payload: Mapping[str, Any]) -> tuple[str, str]:
    """Encode ``payload`` as Slack does over HTTP; return ``(body, content_type)``."""
    if kind == "slash_commands":
        return urllib.parse.urlencode(payload), "application/x-www-form-urlencoded"
    if kind == "interactive":
        return (
            urllib.parse.urlencode({"payload": json.dumps(payload)}),
            "application/x-www-form-urlencoded",
        )
    if kind == "events_api":
        return json.dumps(payload), "application/json"
    raise ValueError(f"unknown payload kind {kind!r}")


def visible_text(message: Mapping[str, Any] | None) -> str:
    """Everything a user reads in a message or view: fallback text and every block's text."""
    if not message:
        return ""
    return "\n".join(_strings({"text": message.get("text"), "blocks": message.get("blocks")}))


def elements(message: Mapping[str, Any], *, kind: str | None = None) -> list[dict[str, Any]]:
    """Interactive elements (buttons, selects) of a message or view, in order."""
    out: list[dict[str, Any]] = []
    for block in _maybe_json(message.get("blocks")) or []:
        candidates = list(block.get("elements", [])) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        out += [e for e in candidates if kind is None or e.get("type") == kind]
    return out


def _strings(value: Any) -> list[str]:
    """Every human-readable string in a message (skips ids, URLs, action values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        skip = {"type", "action_id", "block_id", "value", "url", "image_url", "style"}
        return [s for k, v in value.items() if k not in skip for s in _strings(v)]
    return []


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


async def _read_args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        if request.can_read_body:
            args.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key in ("blocks", "view", "attachments", "metadata"):
        if key in args:
            args[key] = _maybe_json(args[key])
    return args


def _ok(*, headers: Mapping[str, str] | None = None, **fields: Any) -> web.Response:
    return web.json_response({"ok": True, **fields}, headers=headers)


def _ok_false(
    error: str, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status, headers=headers)


@dataclass
class Reply:
    """What the app answered to one request: HTTP status (200 for a Socket Mode ack), the ack's
    body (a message when the app answered in the ack) and the request's ``response_url``."""

    status: int
    message: dict[str, Any] | None
    response_url: str | None


class SlackUser:
    """A Slack user driving the app, in Socket Mode (through the fake) or HTTP mode.

    ``events_url=None`` sends envelopes over the fake's Socket Mode websocket; otherwise each
    request is POSTed, signed with ``secret``, to ``events_url`` (the app's ``/slack/events``).

        user = SlackUser(slack)                       # or SlackUser(slack, events_url=url)
        message = await user.answer("actor russia")   # the answer, from the ack or respond()
        reply = await user.click(button, message=message)
    """

    def __init__(
        self,
        fake: SlackFake,
        *,
        events_url: str | None = None,
        secret: str = SIGNING_SECRET,
        user_id: str = "U100",
        user_name: str = "ada",
        channel_id: str = "C100",
        channel_name: str = "general",
    ) -> None:
        self.fake = fake
        self.events_url = events_url
        self.secret = secret
        self.user_id = user_id
        self.user_name = user_name
        self.channel_id = channel_id
        self.channel_name = channel_name

    async def send(self, kind: str, payload: Mapping[str, Any]) -> Reply:
        """Deliver one payload the way the app's mode expects; return its reply."""
        response_url = payload.get("response_url")
        if self.events_url is None:
            ack = await self.fake.socket_send(kind, payload)
            return Reply(200, ack.payload, response_url)
        reply = await self.fake.http_send(self.events_url, kind, payload, secret=self.secret)
        message = (
            reply.json if reply.json is not None else ({"text": reply.text} if reply.text else None)
        )
        return Reply(reply.status, message, response_url)

    async def command(self, text: str, *, command: str = "/brief") -> Reply:
        """Run ``/brief text``; the reply holds the ack (the answer, for fast commands)."""
        payload = self.fake.command_payload(
            text,
            command=command,
            user_id=self.user_id,
            user_name=self.user_name,
            channel_id=self.channel_id,
            channel_name=self.channel_name,
        )
        return await self.send("slash_commands", payload)

    async def answer(
        self, text: str, *, command: str = "/brief", timeout: float = 15.0
    ) -> dict[str, Any]:
        """The first message the user sees for ``/brief text``: the ack, or the first
        ``respond()`` post when the app acked empty and answered later."""
        reply = await self.command(text, command=command)
        assert reply.status == 200, f"/brief {text} → HTTP {reply.status}"
        if reply.message and (reply.message.get("blocks") or reply.message.get("text")):
            return reply.message
        assert reply.response_url is not None
        url = reply.response_url
        await self.fake.wait_for(lambda: self.fake.responses_for(url), timeout=timeout)
        return self.fake.responses_for(url)[0].body

    async def click(
        self,
        element: Mapping[str, Any],
        *,
        selected: str | None = None,
        message: Mapping[str, Any] | None = None,
        in_home: bool = False,
    ) -> Reply:
        """Click a button (or pick ``selected`` in a select) from a message or the App Home."""
        action = dict(element)
        if selected is not None:
            option = next(
                (o for o in action.get("options", []) if o.get("value") == selected), None
            )
            assert option is not None, f"no option {selected!r} in {action.get('action_id')}"
            action["selected_option"] = option
        payload = self.fake.block_actions_payload(
            action,
            user_id=self.user_id,
            user_name=self.user_name,
            channel_id=self.channel_id,
            message=message if not in_home else None,
            view={"type": "home"} if in_home else None,
        )
        return await self.send("interactive", payload)

    async def message_shortcut(self, text: str, **fields: Any) -> Reply:
        """Use a message shortcut (default ``briefing_context``) on a message saying ``text``."""
        payload = self.fake.message_action_payload(
            text,
            user_id=self.user_id,
            user_name=self.user_name,
            channel_id=self.channel_id,
            channel_name=self.channel_name,
            **fields,
        )
        return await self.send("interactive", payload)

    async def open_home(self) -> Reply:
        """Open the app's Home tab (an ``app_home_opened`` event)."""
        return await self.send("events_api", self.fake.app_home_opened_payload(self.user_id))
