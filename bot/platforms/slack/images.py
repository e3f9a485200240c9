"""Show an answer's image (the stance map) where its text is: privately, or in the channel.

The text answer always goes first and stands on its own; the PNG follows as a file upload
(``files_upload_v2``: ``files.getUploadURLExternal``, a POST of the bytes to the returned URL,
``files.completeUploadExternal``), which needs the ``files:write`` scope.

Answers are private (ephemeral) until shared, and so is their image: for a private answer the
file is uploaded *without* sharing it into any conversation (it stays the app's own file) and
shown to the asker alone in a second ephemeral message, as an image block naming the file
(``slack_file``). Only **Share in channel** uploads it into the channel, after the shared text.
No DM and no extra scope. When the upload fails the asker gets one private line saying so, and
the failure is logged once.
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


def private_image(file_id: str, title: str, alt: str) -> dict[str, Any]:
    """The ephemeral message showing the uploaded file ``file_id`` to the asker alone."""
    return {
        "text": title,
        "blocks": [
            {
                "type": "image",
                "slack_file": {"id": file_id},
                "alt_text": alt,
                "title": {"type": "plain_text", "text": title[:2000]},
            }
        ],
        "response_type": "ephemeral",
        "replace_original": False,
    }


def fit_alt(text: str) -> str:
    """``text`` within Slack's limit on a file's alt text."""
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


async def upload_image(
    client: AsyncWebClient,
    library: Library,
    image: ImageRef,
    channel_id: str,
    respond: Respond,
    *,
    private: bool,
) -> bool:
    """Show ``image`` to the asker alone (``private``: an unshared upload in an ephemeral
    message) or share it into ``channel_id``; on failure tell the asker privately. Never raises
    (except cancellation); returns whether the image is shown."""
    unexpected: Exception | None = None
    try:
        data = await image_bytes(library, image)
        alt = fit_alt(image.alt_text)
        title = f"Stance map: {library.get(image.briefing).briefing.title}"
        if not private:
            await client.files_upload_v2(
                channel=channel_id,
                file=data,
                filename=image.filename,
                alt_txt=alt,
                title=title,
                initial_comment=None,
            )
            return True
        # No channel: the file is not shared anywhere; the block shows it to the asker only.
        uploaded = await client.files_upload_v2(
            file=data, filename=image.filename, alt_txt=alt, title=title
        )
        file_id = str(((uploaded.get("files") or [{}])[0]).get("id") or "")
        await respond(**private_image(file_id, title, alt))
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
