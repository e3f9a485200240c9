"""Slack's HTTP side of an app in HTTP mode: requests signed as Slack signs them
(``signature_headers``, ``encode_body``, ``http_send``) and the ``response_url``s the bot posts
to (``POST /response/<id>``, at most 5 posts per URL)."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack.models import SIGNING_SECRET, HttpReply, ResponsePost


class HttpDeliveryMixin:
    """Signed requests to the app and its ``response_url``s, mixed into ``SlackFake`` (whose
    ``__init__`` holds the state these methods read and write)."""

    def new_response_url(self) -> str:
        """A fresh ``response_url`` whose posts are recorded in ``responses``."""
        return f"{self.base_url}/response/{next(self._ids)}"

    async def wait_response(self, *, count: int = 1, timeout: float = 15.0) -> ResponsePost:
        """Wait for the ``count``-th ``response_url`` post; return it."""
        await self.wait_for(lambda: len(self.responses) >= count, timeout=timeout)
        return self.responses[count - 1]

    def responses_for(self, response_url: str) -> list[ResponsePost]:
        """Posts made to one ``response_url`` (from a payload the builders made)."""
        url_id = response_url.rstrip("/").rsplit("/", 1)[-1]
        return [r for r in self.responses if r.url_id == url_id]

    async def http_send(
        self,
        url: str,
        kind: str,
        payload: Mapping[str, Any],
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        signature: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> HttpReply:
        """POST ``payload`` to an app in HTTP mode, encoded and signed as Slack does.

        ``kind`` is ``slash_commands`` (form fields), ``interactive`` (``payload=<json>``) or
        ``events_api`` (JSON). The reply is checked like any message the bot sends.
        """
        body, content_type = encode_body(kind, payload)
        headers = signature_headers(secret, body, timestamp=timestamp)
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        headers["Content-Type"] = content_type
        if session is None:
            if self._session is None:
                self._session = aiohttp.ClientSession()
            session = self._session
        async with session.post(url, data=body.encode(), headers=headers) as resp:
            text = await resp.text()
            parsed = None
            if resp.content_type == "application/json" and text:
                parsed = json.loads(text)
                if resp.status == 200 and kind != "events_api":
                    self._check_message(f"HTTP reply to {kind}", parsed, ack=True)
            return HttpReply(status=resp.status, text=text, json=parsed)

    async def _response(self, request: web.Request) -> web.Response:
        url_id = request.match_info["url_id"]
        body = await request.json()
        count = self._response_counts.get(url_id, 0) + 1
        self._response_counts[url_id] = count
        if count > 5:
            self.violations.append(f"response_url {url_id} used more than 5 times")
            return web.Response(status=404, text="used_url")
        if not body.get("delete_original"):
            self._check_message(f"response_url {url_id}", body)
        await self._record(ResponsePost(url_id=url_id, body=body))
        return web.Response(text="ok")


def signature_headers(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    """The ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(signature)}


def encode_body(kind: str, payload: Mapping[str, Any]) -> tuple[str, str]:
    """Encode ``payload`` as Slack does over HTTP; return ``(body, content_type)``."""
    if kind == "slash_commands":
        return urllib.parse.urlencode(payload), "application/x-www-form-urlencoded"
    if kind == "interactive":
        return (
            urllib.parse.urlencode({"payload": json.dumps(payload)}),
            "application/x-www-form-urlencoded",
        )
    if kind == "events_api":
        return json.dumps(payload), "application/json"
    raise ValueError(f"unknown payload kind {kind!r}")
