"""The payloads Slack sends an app, built as Slack builds them: slash commands,
``block_actions`` clicks (in a message or the App Home), message shortcuts and
``app_home_opened`` events; each gets a fresh ``response_url`` where Slack gives one."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from tests.fakes.slack.models import APP_ID, BOT_USER_ID, TEAM_ID, maybe_json


class PayloadsMixin:
    """Payload builders, mixed into ``SlackFake`` (``new_response_url`` comes from
    ``HttpDeliveryMixin``)."""

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
        ephemeral: bool | None = None,
    ) -> dict[str, Any]:
        """A ``block_actions`` payload for a click on ``action`` (a button or select element).

        ``action`` is the element as the bot sent it (``action_id``, ``value`` or
        ``selected_option``…). A click in a message carries ``message`` and a ``response_url``;
        a click in the App Home carries ``view`` and no response URL. The clicked element gets
        the ``block_id`` of its block in ``message``, as Slack sends it. The container is
        ephemeral (``is_ephemeral``) unless ``ephemeral`` says otherwise or ``message`` is one
        everyone sees: ``response_type`` ``in_channel``, or posted with chat.postMessage.
        """
        clicked = dict(action)
        if message is not None and "block_id" not in clicked:
            clicked["block_id"] = _block_of(message, clicked) or "b1"
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
                "is_ephemeral": (
                    ephemeral
                    if ephemeral is not None
                    else message is None or message.get("response_type") == "ephemeral"
                ),
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


def _block_of(message: Mapping[str, Any], element: Mapping[str, Any]) -> str | None:
    """The ``block_id`` of the block in ``message`` holding ``element`` (by ``action_id``)."""
    for block in maybe_json(message.get("blocks")) or []:
        candidates = list(block.get("elements", []))
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        if any(e.get("action_id") == element.get("action_id") for e in candidates):
            return block.get("block_id")
    return None
