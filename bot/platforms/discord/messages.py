"""Sending rendered answers (``bot.render.discord.to_discord`` pages) through discord.py.

The renderer produces plain payload dicts already inside Discord's limits; this module only
hands them to discord.py's send methods: embeds as ``discord.Embed``, component rows as they
are (through ``StaticComponents``), and the ephemeral flag as ``ephemeral=``. Mentions are
disabled client-wide (``AllowedMentions.none()``), so every message carries
``allowed_mentions: {"parse": []}``. An answer's image (``images.Picture``) goes with its first
page, as a file of the same request.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import discord

from bot.core.answers import Answer
from bot.platforms.discord.images import Picture
from bot.render.discord import to_discord

log = logging.getLogger(__name__)

Page = dict[str, Any]


@functools.lru_cache(maxsize=256)
def render(answer: Answer) -> list[Page]:
    """``to_discord(answer)``, remembered for the most recent answers.

    Answers are immutable values, and rendering a long one (a paged actor card) costs several
    milliseconds, while the same answers are asked for again and again. The pages are shared:
    callers must not modify them.
    """
    return to_discord(answer)


class StaticComponents(discord.ui.View):
    """The renderer's component rows, sent unchanged.

    discord.py only sends components through a view. This one is stopped from the start, so
    discord.py never stores it: clicks are handled statelessly from their custom ids (see
    ``bot.render.actions``), which keeps buttons working after a restart.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rows = rows
        self.stop()

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows


def send_kwargs(page: Page) -> dict[str, Any]:
    """Keyword arguments for discord.py's ``send``/``send_message``/``edit`` from one page."""
    kwargs: dict[str, Any] = {"embeds": [discord.Embed.from_dict(e) for e in page["embeds"]]}
    if page.get("content"):
        kwargs["content"] = page["content"]
    if page.get("components"):
        kwargs["view"] = StaticComponents(page["components"])
    return kwargs


def edit_kwargs(page: Page) -> dict[str, Any]:
    """Keyword arguments for ``edit_message``/``edit_original_response``: the whole message
    replaced, so content or components the new page lacks are removed."""
    kwargs = send_kwargs(page)
    kwargs.setdefault("content", None)
    kwargs.setdefault("view", None)
    return kwargs


async def respond(
    interaction: discord.Interaction,
    pages: list[Page],
    *,
    ephemeral: bool,
    deferred_ephemeral: bool | None = None,
    picture: Picture | None = None,
) -> None:
    """Answer an interaction with ``pages``: the first as the response, the rest as follow-ups.

    ``deferred_ephemeral`` is set when the interaction was deferred: the first page then
    replaces the "thinking…" message. A deferral's visibility cannot change afterwards, so an
    ephemeral answer to a public deferral (an error found late) deletes the placeholder and
    goes out as an ephemeral follow-up instead. ``picture`` goes with the first page.
    """
    first, *rest = pages
    if picture is not None:
        first = picture.show(first)
    if deferred_ephemeral is None:
        await interaction.response.send_message(
            **send_kwargs(first), **_file(picture), ephemeral=ephemeral
        )
    elif deferred_ephemeral == ephemeral:
        attachments: dict[str, Any] = {"attachments": [picture.file()]} if picture else {}
        await interaction.edit_original_response(**send_kwargs(first), **attachments)
    else:
        await interaction.delete_original_response()
        await interaction.followup.send(**send_kwargs(first), **_file(picture), ephemeral=ephemeral)
    for page in rest:
        await interaction.followup.send(**send_kwargs(page), ephemeral=ephemeral)


def _file(picture: Picture | None) -> dict[str, Any]:
    return {"file": picture.file()} if picture is not None else {}


async def post(
    channel: discord.abc.Messageable,
    pages: list[Page],
    *,
    posted: list[discord.Message],
    nonces: list[str] | None = None,
    picture: Picture | None = None,
) -> None:
    """Post ``pages`` to a channel, in order, appending each message to ``posted`` as it goes
    (so a caller whose post failed half-way knows how many pages did arrive).

    With ``nonces`` (one per page), each page is sent with its nonce and ``enforce_nonce``
    (discord.py sets it whenever a nonce is given): Discord answers a repeated create with the
    same nonce, within a few minutes, with the first message instead of posting another.

    ``picture`` is attached to the first of ``pages``, in the same create call (so its nonce
    covers the file too). Channel messages cannot be ephemeral: a page's ``flags`` are not sent.
    """
    for index, page in enumerate(pages):
        extra: dict[str, Any] = {"nonce": nonces[index]} if nonces else {}
        if index == 0 and picture is not None:
            page = picture.show(page)
            extra.update(_file(picture))
        posted.append(await channel.send(**send_kwargs(page), **extra))
