"""An answer's image (the stance map) on Discord: a file of the message, shown in its embed.

A message showing an answer with ``Answer.image`` attaches the PNG
(``discord.File(..., description=alt text)``) in the same request that creates it, and its first
embed's image is ``attachment://<filename>``. When a view control edits the message in place,
the image follows the view shown (every view of the map carries it):

- the view has the image and the message already holds that file: nothing is re-uploaded
  (Discord keeps a message's attachments unless the edit lists them);
- the view has an image the message lacks (a new content version): the file is replaced;
- the view has no image: ``attachments=[]`` removes the file the message had.

Fetching the bytes can fail (the briefing was unloaded meanwhile): the text is sent without the
image, which it never needs, and the failure is logged.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

import discord

from bot.core.answers import Answer, ImageRef
from bot.core.errors import UserFacingError
from bot.core.library import Library

log = logging.getLogger(__name__)

Page = dict[str, Any]
#: Discord's limit on an attachment's description (its alt text).
DESCRIPTION_LIMIT = 1024


@dataclass(frozen=True)
class Picture:
    """An answer's image as a message shows it. ``data`` is None when the message being edited
    holds the file already."""

    ref: ImageRef
    data: bytes | None = None

    def show(self, page: Page) -> Page:
        """``page`` (not modified: rendered pages are shared) with its first embed showing the
        image."""
        embeds = [dict(e) for e in page.get("embeds") or []]
        if not embeds:
            return page
        embeds[0]["image"] = {"url": f"attachment://{self.ref.filename}"}
        return {**page, "embeds": embeds}

    def file(self) -> discord.File:
        """A fresh ``discord.File`` of the image (a file is read once per request)."""
        assert self.data is not None, "a kept image has no bytes to upload"
        return discord.File(
            io.BytesIO(self.data),
            filename=self.ref.filename,
            description=self.ref.alt_text[:DESCRIPTION_LIMIT],
        )


async def picture(library: Library, answer: Answer) -> Picture | None:
    """The image ``answer`` shows, fetched (None: it has none, or it could not be drawn)."""
    ref = answer.image
    if ref is None:
        return None
    from bot.stance_map import image_bytes  # loaded already: the answer's command drew it

    try:
        data = await image_bytes(library, ref)
    except Exception as exc:  # the text stands on its own; never fail the answer for it
        log.warning(
            "could not attach the %s image of %s: %r",
            ref.kind,
            ref.briefing,
            exc,
            exc_info=not isinstance(exc, UserFacingError),
            extra={"platform": "discord"},
        )
        return None
    return Picture(ref, data)


async def picture_for_edit(
    library: Library, answer: Answer, message: discord.Message | None
) -> Picture | None:
    """The image of the view ``answer`` shown in place of ``message``: kept (no bytes) when
    the message holds that file already."""
    ref = answer.image
    if ref is None:
        return None
    if message is not None and any(a.filename == ref.filename for a in message.attachments):
        return Picture(ref)
    return await picture(library, answer)


def edit_files(shown: Picture | None, message: discord.Message | None) -> dict[str, Any]:
    """The ``attachments`` argument of an edit showing ``shown`` in place of ``message``:
    none to keep what it has, the new file, or ``[]`` to remove the file of a view without
    an image."""
    if shown is None:
        return {"attachments": []} if message is not None and message.attachments else {}
    if shown.data is None:
        return {}
    return {"attachments": [shown.file()]}
