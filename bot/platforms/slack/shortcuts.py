"""The “Briefing context” message shortcut (⋯ More actions on a message → Briefing context).

Slack sends a ``message_action`` with the message, a ``response_url`` and the user. Briefbot
acks at once, runs ``ask`` on the message's words (``bot.commands.message_context`` drops links,
mentions, emoji and code) and answers only to that user in that channel: an ephemeral post to
the ``response_url`` (no scope needed, works in channels Briefbot was not invited to), or
``chat.postEphemeral`` (``chat:write``, already requested for digests) when a payload has none.
The answer carries the usual Share in channel button; a message without words gets a private
one-line explanation.

The shortcut is declared in the manifest (``manifest_entry()``, under ``features.shortcuts``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.commands.message_context import context_invocation, nothing_to_look_up
from bot.platforms.slack.messages import action_context, ephemeral_message

if TYPE_CHECKING:
    from bot.platforms.slack.app import Listeners

CALLBACK_ID = "briefing_context"
NAME = "Briefing context"
DESCRIPTION = "What the briefing says about this message"
_MESSAGE_KEYS = ("text", "blocks", "response_type")

Respond = Callable[..., Awaitable[Any]]


def manifest_entry() -> dict[str, str]:
    """The shortcut as the app manifest declares it."""
    return {"name": NAME, "type": "message", "callback_id": CALLBACK_ID, "description": DESCRIPTION}


def message_text(message: Mapping[str, Any] | None) -> str:
    """What a message says: its text, then the titles and texts of its unfurled links."""
    if not message:
        return ""
    parts = [str(message.get("text") or "")]
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, Mapping):
            parts += [str(attachment.get("title") or ""), str(attachment.get("text") or "")]
    return "\n".join(p for p in parts if p)


class BriefingContextShortcut:
    """The shortcut's listener, answering through the app's ``Listeners`` (engine, background
    tasks and their apologies)."""

    def __init__(self, listeners: Listeners) -> None:
        self.listeners = listeners

    async def on_shortcut(self, ack: Any, body: dict[str, Any], respond: Respond) -> None:
        """Ack now (Slack allows 3 s); answer privately right after."""
        await ack()
        reply = respond if body.get("response_url") else None
        self.listeners.spawn(self.answer(body, reply), respond=reply)

    async def answer(self, body: Mapping[str, Any], respond: Respond | None) -> None:
        """Run ``ask`` on the message's words and post the answer only to the user."""
        context = action_context(body)  # a shortcut carries user/channel/team as a click does
        invocation = context_invocation(message_text(body.get("message")), context)
        if invocation is None:
            message = ephemeral_message(nothing_to_look_up())
        else:  # one message: the answer's first view, its details opened in place
            answer = await self.listeners.engine.execute(invocation)
            message = self.listeners.first_message(invocation, answer)
        message = {k: message[k] for k in _MESSAGE_KEYS if k in message}
        if respond is not None:
            await respond(**message)
        else:
            message.pop("response_type", None)
            await self.listeners.client.chat_postEphemeral(
                channel=context.channel_id, user=context.user_id, **message
            )


def register(app: AsyncApp, listeners: Listeners) -> None:
    """Attach the shortcut's listener to ``app``."""
    app.message_shortcut(CALLBACK_ID)(BriefingContextShortcut(listeners).on_shortcut)
