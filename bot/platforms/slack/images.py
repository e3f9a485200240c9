"""Attach an answer's image (the stance map) to the channel it was asked in.

The text answer always goes first and stands on its own; the PNG follows as a file upload
(``files_upload_v2``: ``files.getUploadURLExternal``, a POST of the bytes to the returned URL,
``files.completeUploadExternal``), which needs the ``files:write`` scope. When the upload fails
the asker gets one private line saying so, and the failure is logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.answers import ImageRef
from bot.core.errors import UserFacingError
from bot.core.library import Library
from bot.platforms.slack.client import slack_error
from bot.stance_map import image_bytes

log = logging.getLogger(__name__)

NOT_ATTACHED = (
    "The map image could not be attached: {reason}; the text above lists every actor and stance."
)
#: What the common upload errors mean to the asker; any other is shown as its code.
REASONS = {
    "missing_scope": "the app lacks the files:write permission (missing_scope)",
    "not_in_channel": "Briefbot is not a member of this channel (not_in_channel)",
    "channel_not_found": "Briefbot cannot post in this conversation (channel_not_found)",
}
#: Slack's limit on a file's alt text.
ALT_TEXT_LIMIT = 1000

Respond = Callable[..., Awaitable[Any]]


def _alt(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


async def upload_image(
    client: AsyncWebClient,
    library: Library,
    image: ImageRef,
    channel_id: str,
    respond: Respond,
) -> bool:
    """Upload ``image`` into ``channel_id``; on failure tell the asker privately. Never raises
    (except cancellation); returns whether the file was shared."""
    unexpected: Exception | None = None
    try:
        data = await image_bytes(library, image)
        await client.files_upload_v2(
            channel=channel_id,
            file=data,
            filename=image.filename,
            alt_txt=_alt(image.alt_text),
            title=f"Stance map: {library.get(image.briefing).briefing.title}",
            initial_comment=None,
        )
        return True
    except SlackApiError as exc:
        code = slack_error(exc)
        reason = REASONS.get(code, code)
    except UserFacingError as exc:  # the briefing was unloaded in the meantime
        reason = str(exc)
    except (SlackClientError, OSError) as exc:  # a failed upload POST, a lost connection
        reason = type(exc).__name__
    except Exception as exc:  # the text answer is out already: an apology would only confuse
        reason, unexpected = "an unexpected error", exc
    log.warning(
        "could not attach the %s image to %s: %s",
        image.kind,
        channel_id,
        reason,
        exc_info=unexpected,
        extra={"platform": "slack", "channel": channel_id},
    )
    try:
        await respond(
            text=NOT_ATTACHED.format(reason=reason),
            response_type="ephemeral",
            replace_original=False,
        )
    except Exception:  # the response_url is spent or gone: the log line above is all we have
        log.debug("could not tell the asker the image is missing", exc_info=True)
    return False
