"""The Slack Web API client Briefbot uses, and how its failures map to delivery errors.

``AsyncWebClient``'s default retry handlers cover connection errors only; ours also retry
HTTP 429 (sleeping ``Retry-After``) and every 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.digests.ports import (
    ChannelGone,
    DeliveryError,
    NoAccess,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Refused,
    Unavailable,
)
from bot.platforms.http_errors import maybe_delivered
from bot.platforms.slack.settings import SlackSettings

log = logging.getLogger(__name__)

DEFAULT_API_URL = AsyncWebClient.BASE_URL
#: Retries per Web API call for each kind of failure (429, 5xx, connection).
MAX_RETRIES = 2

#: Slack errors after which retrying cannot help: the kind of failure and the reason shown to
#: whoever manages digests.
PERMANENT_ERRORS: dict[str, tuple[type[PermanentError], str]] = {
    "channel_not_found": (
        ChannelGone,
        "Slack channel {channel} no longer exists or Briefbot cannot see it.",
    ),
    "is_archived": (ChannelGone, "Slack channel {channel} is archived."),
    "not_in_channel": (
        NoAccess,
        "Briefbot is not in channel {channel} — invite it with /invite @Briefbot.",
    ),
    "missing_scope": (
        NoAccess,
        "The Slack app lacks a permission it needs ({detail}); reinstall it.",
    ),
    "account_inactive": (NoAccess, "The Slack bot account is deactivated; reinstall the app."),
    "invalid_auth": (
        NoAccess,
        "Slack rejected the bot token (invalid_auth); check SLACK_BOT_TOKEN.",
    ),
    "token_revoked": (NoAccess, "The Slack bot token was revoked; reinstall the app."),
    "not_authed": (NoAccess, "No Slack bot token was sent; check SLACK_BOT_TOKEN."),
    "restricted_action": (
        NoAccess,
        "This workspace does not allow Briefbot to post in {channel}.",
    ),
}
#: Errors about the message itself: our rendering is wrong, and retrying would fail the same way.
REFUSED_ERRORS = frozenset({"msg_too_long", "msg_blocks_too_long", "invalid_blocks", "no_text"})


class ServerErrorRetryHandler(AsyncRetryHandler):
    """Retries any 5xx answer (the SDK's own handler only retries 500 and 503)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


def api_url(settings: SlackSettings) -> str:
    """The Web API base URL (``SLACK_API_URL`` or Slack's), always ending in ``/``."""
    url = settings.api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def build_client(
    settings: SlackSettings, *, max_retries: int = MAX_RETRIES, connection_retries: bool = True
) -> AsyncWebClient:
    """An ``AsyncWebClient`` for the bot token that retries 429, 5xx and (unless
    ``connection_retries`` is off: a broken connection may have delivered the post)
    connection errors."""
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    handlers: list[AsyncRetryHandler] = [
        AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries),
    ]
    if connection_retries:
        handlers.insert(0, AsyncConnectionErrorRetryHandler(max_retry_count=max_retries))
    return AsyncWebClient(
        token=token,
        base_url=api_url(settings),
        timeout=15,
        logger=logging.getLogger("slack_sdk.web"),
        retry_handlers=handlers,
    )


def slack_error(exc: SlackApiError) -> str:
    """The ``error`` code of a failed call, or ``HTTP <status>`` when the body was not JSON."""
    data = exc.response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {exc.response.status_code}"


def delivery_error(exc: BaseException, channel_id: str) -> DeliveryError:
    """Translate a failed Web API call into the ``DeliveryError`` it stands for."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = slack_error(exc)
        status = response.status_code
        if error in PERMANENT_ERRORS:
            data = response.data if isinstance(response.data, dict) else {}
            detail = str(data.get("needed") or error)
            kind, words = PERMANENT_ERRORS[error]
            return kind(words.format(channel=channel_id, detail=detail))
        if status == 429 or error == "ratelimited":
            return RateLimited(
                "Slack rate-limited the post (still limited after retrying).",
                retry_after=_retry_after(response.headers),
            )
        if status >= 500:
            return Unavailable(f"Slack answered HTTP {status}; will retry.")
        if error in REFUSED_ERRORS:
            return Refused(f"Slack refused the message ({error}).")
        return Unavailable(f"Slack refused the post ({error}).")
    if maybe_delivered(exc):  # sent, but the answer was lost on the way back
        return OutcomeUnknown(f"No answer from Slack ({type(exc).__name__}).")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return Unavailable(f"Slack could not be reached ({type(exc).__name__}).")
    return Unavailable(f"Posting to Slack failed ({type(exc).__name__}).")


def _retry_after(headers: object) -> float | None:
    if not isinstance(headers, Mapping):
        return None
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return None
    return None
