"""Slack as a ``Service`` (Socket Mode or HTTP mode) and a ``Poster`` (digests).

``SlackService(settings, engine)`` runs the bolt app in the current event loop:

- **Socket Mode** when ``SLACK_APP_TOKEN`` is set: an outbound websocket, no public URL.
- **HTTP mode** otherwise: ``POST /slack/events`` on ``SLACK_HOST:SLACK_PORT``, every request
  signature-checked with ``SLACK_SIGNING_SECRET`` (stale or forged requests get 401).

To serve ``/slack/events`` from another aiohttp server (e.g. the health server) instead of its
own port, add ``service.routes()`` to that application before it starts and do not call
``start()``; ``service.web_app()`` is a ready ``web.Application`` with the same route.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient

from bot.commands.engine import Engine
from bot.core import metrics
from bot.core.answers import Answer
from bot.core.errors import ConfigError
from bot.digests.ports import ChannelRef, PostKey, PostResult, ThreadPlan
from bot.platforms.slack.app import Listeners
from bot.platforms.slack.client import build_client, slack_error
from bot.platforms.slack.digests import POST_LIMITS, SlackPoster
from bot.platforms.slack.manifest import EVENTS_PATH
from bot.platforms.slack.settings import HasSlackSettings
from bot.render.slack import to_slack

log = logging.getLogger(__name__)

#: How long ``stop()`` lets answers in flight finish.
DRAIN_SECONDS = 5.0
#: How long ``start()`` waits for the first Socket Mode connection.
CONNECT_SECONDS = 30.0
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive"})


class SlackService:
    """Briefbot on Slack: serves ``/brief``, buttons and the App Home; posts digests."""

    name = "slack"
    platform = "slack"
    limits = POST_LIMITS

    def __init__(self, settings: HasSlackSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.client = build_client(settings.slack)
        #: Digests go through a client of their own, which never re-posts blindly.
        self.poster = SlackPoster(
            build_client(settings.slack, connection_retries=False),
            render=to_slack,
            library=engine.library,
        )
        self.listeners = Listeners(settings, engine, self.client)
        self._app: AsyncApp | None = None
        self._socket: _SocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._serving = False
        #: The port HTTP mode listens on (useful with ``SLACK_PORT=0``).
        self.port: int | None = None

    # -- the bolt app -----------------------------------------------------------------------------

    @property
    def app(self) -> AsyncApp:
        """The bolt app (built on first use; ``ConfigError`` if the settings cannot work)."""
        if self._app is None:
            self._app = self._build_app()
        return self._app

    def _build_app(self) -> AsyncApp:
        slack = self.settings.slack
        if not slack.enabled:
            raise ConfigError("Slack needs SLACK_BOT_TOKEN (xoxb-…)")
        secret = slack.signing_secret.get_secret_value() if slack.signing_secret else ""
        if not slack.socket_mode and not secret:
            raise ConfigError(
                "Slack HTTP mode needs SLACK_SIGNING_SECRET to verify requests "
                "(or set SLACK_APP_TOKEN to use Socket Mode instead)"
            )
        app = AsyncApp(
            name="briefbot",
            client=self.client,
            signing_secret=secret,
            # Socket Mode requests are not signed; HTTP mode always verifies.
            request_verification_enabled=not slack.socket_mode,
            process_before_response=True,
            logger=_bolt_logger(),
        )
        self.listeners.register(app)
        return app

    def routes(self) -> list[web.RouteDef]:
        """``POST /slack/events`` for mounting on an existing aiohttp application."""
        return [web.post(EVENTS_PATH, self.handle_http)]

    def web_app(self) -> web.Application:
        """An aiohttp application serving ``/slack/events``."""
        application = web.Application()
        application.add_routes(self.routes())
        return application

    async def handle_http(self, request: web.Request) -> web.Response:
        """One HTTP request from Slack, dispatched through bolt (signature checked there)."""
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    # -- Service ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (Socket Mode) or listen (HTTP mode) in the running event loop."""
        slack = self.settings.slack
        app = self.app  # raises ConfigError before anything is opened
        await self._check_token()
        if slack.socket_mode:
            assert slack.app_token is not None
            self._socket = _SocketModeHandler(app, slack.app_token.get_secret_value())
            try:
                await asyncio.wait_for(self._connect_socket(self._socket), CONNECT_SECONDS)
            except BaseException as exc:
                await self._socket.close_async()
                self._socket = None
                if isinstance(exc, TimeoutError):
                    raise ConnectionError(
                        f"no Socket Mode connection to Slack within {CONNECT_SECONDS:.0f} s"
                    ) from None
                raise
            log.info("Slack connected in Socket Mode", extra={"platform": "slack"})
        else:
            self._runner = web.AppRunner(self.web_app(), handle_signals=False, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, slack.host, slack.port)
            try:
                await site.start()
            except OSError as exc:
                await self._runner.cleanup()
                self._runner = None
                # Not a ConfigError: a port still held by a previous instance frees up, so a
                # supervisor should retry (exit 1, not 2).
                raise OSError(
                    exc.errno,
                    f"Slack HTTP mode cannot listen on {slack.host}:{slack.port}: {exc.strerror}",
                ) from None
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            log.info(
                "Slack HTTP mode on %s:%d%s",
                slack.host,
                self.port,
                EVENTS_PATH,
                extra={"platform": "slack"},
            )
        self._serving = True

    async def _connect_socket(self, handler: _SocketModeHandler) -> None:
        """Get the websocket URL ourselves (so a bad app token is a clear error, not the SDK
        retrying forever), then let the SDK connect to it."""
        try:
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as exc:
            error = slack_error(exc)
            if error in AUTH_ERRORS:
                raise ConfigError(f"Slack rejected SLACK_APP_TOKEN ({error})") from None
            raise ConnectionError(f"apps.connections.open failed ({error})") from None
        await handler.connect_async()

    async def _check_token(self) -> None:
        """Fail fast on a token Slack rejects; tolerate Slack being briefly unreachable."""
        try:
            response = await self.client.auth_test()
        except SlackApiError as exc:
            error = slack_error(exc)
            if error in AUTH_ERRORS:
                raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN ({error})") from None
            log.warning("auth.test failed (%s); starting anyway", error)
        except Exception as exc:
            log.warning("Slack unreachable at start-up (%s); starting anyway", type(exc).__name__)
        else:
            scopes = _header(response.headers, "x-oauth-scopes")
            if scopes is not None:
                self.poster.granted({s.strip() for s in scopes.split(",") if s.strip()})

    async def stop(self) -> None:
        """Stop taking requests, let answers in flight finish (bounded), close connections."""
        self._serving = False
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
            await asyncio.sleep(0)  # let the cancelled socket tasks unwind
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.listeners.drain(DRAIN_SECONDS)

    def is_ready(self) -> bool:
        """Serving: the websocket is open (Socket Mode) or the HTTP site is listening."""
        if not self._serving:
            return False
        if self._socket is not None:
            session = self._socket.client.current_session
            return session is not None and not session.closed
        return self._runner is not None

    # -- Poster -----------------------------------------------------------------------------------

    def parse_channel(self, text: str) -> ChannelRef | None:
        """A channel picked with ``#`` (``<#C…|name>``, as Slack escapes it) or a bare id."""
        return self.poster.parse_channel(text)

    def readiness_note(self) -> str | None:
        """What ``/readyz`` adds about digests (a missing history scope), if anything."""
        return self.poster.readiness_note()

    async def post(
        self,
        channel_id: str,
        answer: Answer,
        *,
        skip_pages: int = 0,
        key: PostKey | None = None,
        uncertain: bool = False,
        thread: ThreadPlan | None = None,
    ) -> PostResult:
        """Post ``answer`` to a channel with ``chat.postMessage`` (one call per page, the first
        ``skip_pages`` left out: an earlier attempt posted them; see
        ``bot.platforms.slack.digests`` for ``key``, ``uncertain`` and ``thread``).

        Raises a ``DeliveryError``: ``ChannelGone`` / ``NoAccess`` when the channel is gone,
        archived, the bot is not in it or lacks a scope/valid token; ``RateLimited`` /
        ``Unavailable`` for 429, 5xx and connection failures that survived the client's own
        retries; ``OutcomeUnknown`` when the answer to a post was lost. Its ``pages_sent``
        counts the pages in the channel, so a retry can go on from there.
        """
        return await self.poster.post(
            channel_id,
            answer,
            skip_pages=skip_pages,
            key=key,
            uncertain=uncertain,
            thread=thread,
        )


def _header(headers: object, name: str) -> str | None:
    if not isinstance(headers, Mapping):
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _TokenNoticeFilter) for f in logger.filters):
        logger.addFilter(_TokenNoticeFilter())
    return logger


class _TokenNoticeFilter(logging.Filter):
    """bolt warns "`token` will be unused" whenever ``SLACK_BOT_TOKEN`` is set and a client is
    passed; our client is built from that very token, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class _CountingSocketModeClient(SocketModeClient):
    """The SDK's aiohttp Socket Mode client, counting reconnects for ``/metrics``."""

    connects = 0

    async def connect(self) -> None:
        await super().connect()
        if self.current_session is not None and not self.current_session.closed:
            self.connects += 1
            if self.connects > 1:
                metrics.GATEWAY_RECONNECTS.labels("slack").inc()
                log.info("Slack Socket Mode reconnected", extra={"platform": "slack"})


class _SocketModeHandler(AsyncSocketModeHandler):
    """bolt's Socket Mode handler on the counting client (same behaviour otherwise)."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self.app = app
        self.app_token = app_token
        self.client = _CountingSocketModeClient(
            app_token=app_token, logger=app.logger, web_client=app.client, ping_interval=10
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
