"""``SlackUser``: a person using the app — ``/brief`` commands, clicks, message shortcuts and
the App Home — delivered over Socket Mode or as signed HTTP requests, with the app's ``Reply``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fakes.slack.models import SIGNING_SECRET, ResponsePost, maybe_json

if TYPE_CHECKING:
    from tests.fakes.slack.server import SlackFake


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
        ephemeral: bool | None = None,
    ) -> Reply:
        """Click a button (or pick ``selected`` in a select) from a message or the App Home.

        ``ephemeral`` overrides whether the message is one only this user sees (by default:
        its ``response_type``; see ``SlackFake.block_actions_payload``)."""
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
            ephemeral=ephemeral,
        )
        return await self.send("interactive", payload)

    async def followed(self, reply: Reply, *, timeout: float = 15.0) -> ResponsePost:
        """The first ``response_url`` post answering a click (``reply``)."""
        assert reply.status == 200 and reply.response_url is not None
        url = reply.response_url
        await self.fake.wait_for(lambda: self.fake.responses_for(url), timeout=timeout)
        return self.fake.responses_for(url)[0]

    async def walk_views(
        self, message: Mapping[str, Any], *, limit: int = 300
    ) -> list[dict[str, Any]]:
        """Every view reachable from ``message`` by its view buttons (block ``briefbot_views``),
        each button pressed once, from the message it appeared in; ``message`` first.

        Asserts that each press replaced its message in place (``replace_original``) and
        that none answered with more than one post."""
        views = [dict(message)]
        seen: set[str] = set()
        todo = [dict(message)]
        while todo:
            current = todo.pop(0)
            for element in view_buttons(current):
                key = str(element.get("value") or element.get("action_id"))
                if key in seen:
                    continue
                seen.add(key)
                assert len(seen) <= limit, f"more than {limit} view buttons"
                reply = await self.click(element, message=current)
                post = await self.followed(reply)
                label = element["text"]["text"]
                assert post.replaces, f"{label!r} did not replace the message in place"
                assert reply.response_url is not None
                assert len(self.fake.responses_for(reply.response_url)) == 1, label
                views.append(post.body)
                todo.append(post.body)
        return views

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


def view_buttons(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The view buttons of a message (its ``briefbot_views…`` actions block), in order."""
    return [
        e
        for block in maybe_json(message.get("blocks")) or []
        if block.get("type") == "actions"
        and str(block.get("block_id") or "").startswith("briefbot_views")
        for e in block.get("elements", [])
    ]
