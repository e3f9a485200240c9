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
  ``apps.connections.open`` (returns the URL of its Socket Mode websocket),
  ``files.getUploadURLExternal`` (an ``upload_url`` on the stand-in and a ``file_id``; the bytes
  POSTed there are kept) and ``files.completeUploadExternal`` (shares the files into
  ``channel_id``: ``uploads`` / ``uploaded(channel)``); both answer ``missing_scope`` unless
  ``scopes`` has ``files:write``; any other method
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
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.base import LoopbackServer
from tests.fakes.slack.checks import ChecksMixin
from tests.fakes.slack.http_delivery import HttpDeliveryMixin
from tests.fakes.slack.models import (
    APP_TOKEN,
    BOT_TOKEN,
    DEFAULT_SCOPES,
    ApiCall,
    Fault,
    ResponsePost,
    SocketAck,
    Upload,
)
from tests.fakes.slack.payloads import PayloadsMixin
from tests.fakes.slack.socket_mode import Socket, SocketModeMixin
from tests.fakes.slack.web_api import WebApiMixin


class SlackFake(
    WebApiMixin, SocketModeMixin, HttpDeliveryMixin, PayloadsMixin, ChecksMixin, LoopbackServer
):
    """Slack's Web API, ``response_url``s and a Socket Mode server on one loopback port.

    It holds the state; the mixins hold the behaviour (``web_api.py``, ``socket_mode.py``,
    ``http_delivery.py``, ``payloads.py``, ``checks.py``), ``LoopbackServer`` the start/stop."""

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
        super().__init__()
        self.bot_token = bot_token
        self.app_token = app_token
        self.admin_users = set(admin_users)
        self.owner_users = set(owner_users)
        self.forbid_mentions = forbid_mentions
        self.scopes = set(scopes)
        #: Messages posted with chat.postMessage, per channel, oldest first.
        self.history: dict[str, list[dict[str, Any]]] = {}
        #: Replies in threads: (channel, parent ts) → messages, oldest first.
        self.thread_replies: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.accepted = asyncio.Event()
        self.calls: list[ApiCall] = []
        self.responses: list[ResponsePost] = []
        #: Files the bot uploaded (files.getUploadURLExternal onwards), oldest first.
        self.uploads: list[Upload] = []
        self.violations: list[str] = []
        self.socket_connections = 0
        self._faults: dict[str, list[Fault]] = {}
        self._response_counts: dict[str, int] = {}
        self._sockets: list[Socket] = []
        self._acks: dict[str, asyncio.Future[SocketAck]] = {}
        self._session: aiohttp.ClientSession | None = None

    # -- life cycle -------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)  # the SDK GETs some methods
        app.router.add_post("/response/{url_id}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        return app

    async def _close_connections(self) -> None:
        for sock in self._sockets:
            await sock.ws.close()
        for future in self._acks.values():
            future.cancel()
        if self._session is not None:
            await self._session.close()

    async def close(self) -> None:
        """Close every websocket and stop listening."""
        await self.stop()

    @property
    def api_url(self) -> str:
        """The Web API base URL for ``SLACK_API_URL`` / ``AsyncWebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

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

    async def _record(self, item: ApiCall | ResponsePost) -> None:
        if isinstance(item, ApiCall):
            self.calls.append(item)
        else:
            self.responses.append(item)
        async with self._changed:
            self._changed.notify_all()
