"""The Discord stand-in's REST API v10: login and gateway lookups, command sync, interaction
callbacks and webhook follow-ups/edits, channel posts (with ``enforce_nonce`` de-duplication),
the recording middleware and spec checks, and the REST faults (429s, failing channels, posts
whose answer is lost)."""

from __future__ import annotations

import json
import re
import time
from typing import Any, ClassVar

from aiohttp import web

from tests.fakes.discord.files import (
    FILES_KEY,
    FormError,
    Upload,
    attachments_after,
    read_multipart,
)
from tests.fakes.discord.models import (
    APPLICATION_ID,
    BODY_KEY,
    CHANNEL_MESSAGE,
    DEFAULT_CODES,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    EPHEMERAL,
    ERROR_TEXT,
    FORUM_CHANNEL,
    GUILD_ID,
    LOADING,
    MESSAGE_COMPONENT,
    THREAD_EXISTS,
    UPDATE_MESSAGE,
    USER_ID,
    Attachment,
    Perm,
    RecordedRequest,
    SentMessage,
    bot_user,
    error_response,
    json_response,
    rate_limited_response,
    thread_json,
    user_json,
)
from tests.fakes.discord.rules import command_problems, message_problems, spec_validator


class RestMixin:
    """REST routes, recording and REST fault injection, mixed into ``FakeDiscord`` (whose
    ``__init__`` holds the state these methods read and write)."""

    def rate_limit_next_callback(self, retry_after: float = 0.3) -> None:
        """Answer the next interaction callback with a 429 (Retry-After, Via, JSON body)."""
        self._callback_429.append(retry_after)

    def rate_limit_next_post(self, retry_after: float = 0.3) -> None:
        """Answer the next channel post with a 429 (Retry-After, Via, JSON body)."""
        self._post_429.append(retry_after)

    def fail_next_post(self, channel_id: str, status: int = 503, *, after: int = 0) -> None:
        """Fail one post to ``channel_id`` with ``status`` (a 5xx discord.py does not retry
        itself by default), once ``after`` more posts to it have gone through."""
        self._post_faults.setdefault(channel_id, []).append([after, status])

    def accept_next_post(self, channel_id: str, *, then: str = "drop") -> None:
        """Create the next post to ``channel_id``, then lose the answer: ``drop`` closes the
        connection without answering, ``hang`` never answers (``post_accepted`` is set)."""
        assert then in {"drop", "hang"}
        self._accept_modes.setdefault(channel_id, []).append(then)

    def fail_next_thread_post(self, status: int = 503, *, after: int = 0) -> None:
        """Fail one post into a thread (any thread) with ``status``, once ``after`` more posts
        into threads have gone through."""
        self._thread_post_faults.append([after, status])

    def fail_next_thread(self, status: int = 503) -> None:
        """Fail the next thread start or forum post with ``status``."""
        self._thread_faults.append(status)

    def accept_next_thread(self, *, then: str = "drop") -> None:
        """Create the next thread (or forum post), then lose the answer (see
        ``accept_next_post``)."""
        assert then in {"drop", "hang"}
        self._thread_accepts.append(then)

    def fail_channel(self, channel_id: str, status: int = 404, code: int | None = None) -> None:
        """Make every post to ``channel_id`` fail with ``status``: 404 Unknown Channel, 403
        Missing Access (``code=50013``: Missing Permissions), or a 5xx."""
        self._channel_faults[channel_id] = (status, code or DEFAULT_CODES.get(status, 0))

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        """Recorded requests whose path matches the regular expression ``pattern``."""
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/api/v10/"):
            body: Any = None
            uploads: list[Upload] = []
            if request.content_type == "multipart/form-data":
                body, uploads = await read_multipart(request)
            elif request.can_read_body:
                raw = await request.read()
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
            request[BODY_KEY] = body
            request[FILES_KEY] = uploads
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path.removeprefix("/api/v10"),
                    query=dict(request.query),
                    body=body,
                    at=time.perf_counter(),
                    files=uploads,
                )
            )
        return await handler(request)

    def _check(self, method: str, route: str, body: Any) -> None:
        if not self.validate:
            return
        self.violations += spec_validator().problems(method, route, _index_ids_as_text(body))
        if isinstance(body, dict):
            payload = body.get("data") if route.endswith("/callback") else body
            if isinstance(payload, dict):
                self.violations += [f"{method} {route}: {p}" for p in message_problems(payload)]

    def _attachments(
        self,
        request: web.Request,
        body: dict[str, Any],
        channel_id: str,
        existing: list[Attachment] | None = None,
    ) -> list[Attachment]:
        """The attachments of a message this request creates (``existing`` None) or edits;
        raises ``FormError`` with the answer for a request Discord refuses."""
        uploads: list[Upload] = request.get(FILES_KEY) or []  # type: ignore[assignment]
        return attachments_after(
            body, uploads, existing=existing, new_id=self._snowflake, channel_id=channel_id
        )

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix("/api/v10")
        method = request.method
        body = request.get(BODY_KEY)
        for pattern, handler in self._ROUTES:
            match = re.fullmatch(pattern, f"{method} {path}")
            if match:
                if handler.__name__.startswith("_bot_") and (
                    request.headers.get("Authorization") != f"Bot {self.token}"
                ):
                    return error_response(401, 0, "401: Unauthorized")
                try:
                    response: web.StreamResponse = await handler(
                        self, request, body, **match.groupdict()
                    )
                except FormError as refused:
                    self.refused.append(f"{method} {path}: {refused.response.text}")
                    return refused.response
                await self._notify()
                return response
        self.unhandled.append(f"{method} {path}")
        return error_response(404, 0, "404: Not Found")

    async def _bot_me(self, request: web.Request, body: Any) -> web.Response:
        return json_response({**bot_user(), "verified": True, "mfa_enabled": False, "flags": 0})

    async def _bot_application(self, request: web.Request, body: Any) -> web.Response:
        return json_response(
            {
                "id": APPLICATION_ID,
                "name": "Briefbot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": user_json(USER_ID),
                "team": None,
                "flags": 0,
                "summary": "",
                "rpc_origins": [],
                "interactions_endpoint_url": None,
                "bot": bot_user(),
            }
        )

    async def _bot_gateway(self, request: web.Request, body: Any) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _bot_put_commands(
        self, request: web.Request, body: Any, guild_id: str | None = None
    ) -> web.Response:
        route = "/applications/{application_id}/" + (
            "guilds/{guild_id}/commands" if guild_id else "commands"
        )
        self._check("PUT", route, body)
        if self.validate:
            self.violations += command_problems(body or [])
        self.syncs += 1
        scope = guild_id or "global"
        self.commands[scope] = [
            {
                **cmd,
                "id": self._snowflake(),
                "application_id": APPLICATION_ID,
                "version": self._snowflake(),
                "type": cmd.get("type") or 1,
                "description": cmd.get("description") or "",  # "" for context-menu commands
                "default_member_permissions": cmd.get("default_member_permissions"),
                **({"guild_id": guild_id} if guild_id else {}),
            }
            for cmd in body or []
        ]
        return json_response(self.commands[scope])

    async def _bot_get_commands(
        self, request: web.Request, body: Any, guild_id: str | None = None
    ) -> web.Response:
        return json_response(self.commands.get(guild_id or "global", []))

    async def _callback(
        self, request: web.Request, body: Any, iid: str, token: str
    ) -> web.Response:
        arrived = time.perf_counter()
        if self._callback_429:
            return rate_limited_response(self._callback_429.pop(0))
        record = self.interactions.get(iid)
        if record is None or record.token != token:
            return error_response(404, 10062, "Unknown interaction")
        self._check("POST", "/interactions/{interaction_id}/{interaction_token}/callback", body)
        if record.callback is not None:
            return error_response(400, 40060, "Interaction has already been acknowledged.")
        if arrived - record.dispatched_at > self.response_window:
            self.violations.append(
                f"interaction {iid} answered after {arrived - record.dispatched_at:.2f} s"
            )
            return error_response(404, 10062, "Unknown interaction")
        kind, data = body.get("type"), body.get("data") or {}
        channel_id = record.payload["channel_id"]
        attached: list[Attachment] = []
        if kind == CHANNEL_MESSAGE:
            attached = self._attachments(request, data, channel_id)
        elif kind == UPDATE_MESSAGE and "message" in record.payload:
            clicked_message = self._messages[record.payload["message"]["id"]]
            attached = self._attachments(
                request, data, channel_id, existing=clicked_message.attachments
            )
        record.callback, record.responded_at = body, arrived
        resource: dict[str, Any] = {"type": kind}
        if kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE):
            flags = int(data.get("flags") or 0) | (LOADING if kind == DEFERRED_MESSAGE else 0)
            message = self._new_message(channel_id, data, flags, iid)
            message.attachments = attached
            clicked = (record.payload.get("message") or {}).get("id")
            message.interaction_metadata = record.metadata(
                **({"interacted_message_id": clicked} if clicked else {})
            )
            record.original = message
            record.messages.append(message)
            resource["message"] = message.payload(bot_user())
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE):
            if record.type != MESSAGE_COMPONENT or "message" not in record.payload:
                self.violations.append(
                    f"interaction {iid}: callback type {kind} answers only component clicks"
                )
                return error_response(400, 40004, "Interaction callback type invalid")
            clicked = self._messages[record.payload["message"]["id"]]
            record.original = clicked  # Discord: @original is now the clicked message
            if kind == UPDATE_MESSAGE:
                clicked.edit(data, by=iid)
                clicked.attachments = attached
                record.updated = clicked
                resource["message"] = clicked.payload(bot_user())
        interaction = {"id": iid, "type": record.type}
        if "message" in resource:
            interaction.update(
                response_message_id=resource["message"]["id"],
                response_message_loading=kind == DEFERRED_MESSAGE,
                response_message_ephemeral=bool(resource["message"]["flags"] & EPHEMERAL),
            )
        return json_response({"interaction": interaction, "resource": resource})

    def _new_message(
        self, channel_id: str, body: dict[str, Any], flags: int, iid: str | None
    ) -> SentMessage:
        message = SentMessage(
            id=self._snowflake(),
            channel_id=channel_id,
            body=dict(body),
            interaction_id=iid,
            flags=flags & (EPHEMERAL | LOADING),
        )
        self._messages[message.id] = message
        return message

    async def _followup(
        self, request: web.Request, body: Any, app: str, token: str
    ) -> web.Response:
        record = self._by_token.get(token)
        if record is None or app != APPLICATION_ID:
            return error_response(404, 10015, "Unknown Webhook")
        self._check("POST", "/webhooks/{webhook_id}/{webhook_token}", body)
        if record.callback is None:
            return error_response(400, 40060, "Interaction has not been acknowledged.")
        original = record.original
        attached = self._attachments(request, body, record.payload["channel_id"])
        if original is not None and original.loading and not original.deleted:
            # Discord: the first follow-up after a defer replaces the "thinking" message.
            original.body, original.flags = dict(body), original.flags & ~LOADING
            original.attachments = attached
            message = original
        else:
            message = self._new_message(
                record.payload["channel_id"], body, int(body.get("flags") or 0), record.id
            )
            message.attachments = attached
            if original is not None:
                message.interaction_metadata = record.metadata(
                    original_response_message_id=original.id
                )
            record.messages.append(message)
        if request.query.get("wait") in ("true", "True", "1"):
            return json_response(message.payload(bot_user()))
        return web.Response(status=204)

    async def _webhook_message(
        self, request: web.Request, body: Any, app: str, token: str, message_id: str
    ) -> web.Response:
        record = self._by_token.get(token)
        if record is None or app != APPLICATION_ID:
            return error_response(404, 10015, "Unknown Webhook")
        message = record.original if message_id == "@original" else self._messages.get(message_id)
        own = message is not None and (
            message.interaction_id == record.id or message is record.original
        )
        if message is None or not own or message.deleted:
            return error_response(404, 10008, "Unknown Message")
        if request.method == "PATCH":
            route = "/webhooks/{webhook_id}/{webhook_token}/messages/" + (
                "@original" if message_id == "@original" else "{message_id}"
            )
            self._check("PATCH", route, body)
            attached = self._attachments(
                request, body or {}, message.channel_id, existing=message.attachments
            )
            message.edit(body or {}, by=record.id)
            message.attachments = attached
            message.flags &= ~LOADING
            if message.interaction_id != record.id:  # the clicked message, after a type 6
                record.updated = message
        elif request.method == "DELETE":
            message.deleted = True
            return web.Response(status=204)
        return json_response(message.payload(bot_user()))

    async def _bot_post_message(
        self, request: web.Request, body: Any, channel_id: str
    ) -> web.Response:
        self._check("POST", "/channels/{channel_id}/messages", body)
        if self._post_429:
            return rate_limited_response(self._post_429.pop(0))
        if once := self._post_faults.get(channel_id):
            if once[0][0] == 0:
                status = once.pop(0)[1]
                return error_response(status, 0, f"{status}: Discord error")
            once[0][0] -= 1
        fault = self._channel_faults.get(channel_id)
        if fault is None and channel_id not in self.channels and channel_id not in self.threads:
            fault = (404, 10003)
        if fault is None and channel_id in self.threads:
            if once := self._thread_post_faults:
                if once[0][0] == 0:
                    status = once.pop(0)[1]
                    return error_response(status, 0, f"{status}: Discord error")
                once[0][0] -= 1
            if not self.bot_permissions & Perm.SEND_MESSAGES_IN_THREADS:
                fault = (403, 50013)
        elif fault is None and self.channels[channel_id]["type"] == FORUM_CHANNEL:
            return error_response(400, 50008, "Cannot send messages in a non-text channel")
        if fault is not None:
            status, code = fault
            return error_response(status, code, ERROR_TEXT.get(code, f"{status}: Discord error"))
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        author = request.headers.get("Authorization", "")
        if nonce is not None:
            known = self._nonces.get((author, str(nonce)))
            if known is not None and time.monotonic() - known[1] <= self.nonce_window:
                self.nonce_hits += 1  # Discord returns the first message, creates nothing
                return json_response(known[0].payload(bot_user()))
        attached = self._attachments(request, body, channel_id)
        message = self._new_message(channel_id, body, int(body.get("flags") or 0), None)
        message.attachments = attached
        self.channel_messages.setdefault(channel_id, []).append(message)
        if nonce is not None:
            self._nonces[(author, str(nonce))] = (message, time.monotonic())
        if modes := self._accept_modes.get(channel_id):
            self.post_accepted.set()
            await self._notify()
            await self._lose_answer(request, modes.pop(0))
        return json_response(message.payload(bot_user()))

    async def _thread_fault(self) -> web.Response | None:
        if self._thread_faults:
            status = self._thread_faults.pop(0)
            return error_response(status, 0, f"{status}: Discord error")
        return None

    async def _thread_created(
        self, request: web.Request, thread: dict[str, Any], **extra: Any
    ) -> web.Response:
        self.threads[thread["id"]] = thread
        if self._thread_accepts:
            await self._notify()
            await self._lose_answer(request, self._thread_accepts.pop(0))
        return json_response({**thread, **extra})

    async def _bot_start_thread(
        self, request: web.Request, body: Any, channel_id: str, message_id: str
    ) -> web.Response:
        self._check("POST", "/channels/{channel_id}/messages/{message_id}/threads", body)
        if fault := await self._thread_fault():
            return fault
        if channel_id not in self.channels:
            return error_response(404, 10003, ERROR_TEXT[10003])
        if not any(m.id == message_id for m in self.channel_messages.get(channel_id, [])):
            return error_response(404, 10008, ERROR_TEXT[10008])
        if not self.bot_permissions & Perm.CREATE_PUBLIC_THREADS:
            return error_response(403, 50013, ERROR_TEXT[50013])
        if message_id in self.threads:
            return error_response(400, THREAD_EXISTS, ERROR_TEXT[THREAD_EXISTS])
        thread = thread_json(
            message_id, channel_id, body["name"], int(body.get("auto_archive_duration") or 4320)
        )
        return await self._thread_created(request, thread)

    async def _bot_forum_post(
        self, request: web.Request, body: Any, channel_id: str
    ) -> web.Response:
        self._check("POST", "/channels/{channel_id}/threads", body)
        if fault := await self._thread_fault():
            return fault
        channel = self.channels.get(channel_id)
        if channel is None:
            return error_response(404, 10003, ERROR_TEXT[10003])
        if channel["type"] != FORUM_CHANNEL or "message" not in body:
            return error_response(400, 50035, "Invalid Form Body")
        if isinstance(body.get("message"), dict):
            self.violations += [
                f"POST /channels/{{channel_id}}/threads: {p}"
                for p in message_problems(body["message"])
            ]
        thread_id = self._snowflake()
        thread = thread_json(
            thread_id, channel_id, body["name"], int(body.get("auto_archive_duration") or 4320)
        )
        starter = SentMessage(id=thread_id, channel_id=thread_id, body=dict(body["message"]))
        self._messages[thread_id] = starter
        self.channel_messages.setdefault(thread_id, []).append(starter)
        # Discord answers a forum post with the thread and its starter message.
        return await self._thread_created(
            request, thread, message=starter.payload(bot_user()), applied_tags=[]
        )

    async def _bot_active_threads(
        self, request: web.Request, body: Any, guild_id: str
    ) -> web.Response:
        threads = list(self.threads.values()) if guild_id == GUILD_ID else []
        return json_response({"threads": threads, "members": []})

    async def _bot_get_messages(
        self, request: web.Request, body: Any, channel_id: str
    ) -> web.Response:
        if channel_id not in self.channels and channel_id not in self.threads:
            return error_response(404, 10003, ERROR_TEXT[10003])
        limit = int(request.query.get("limit") or 50)
        newest_first = list(reversed(self.channel_messages.get(channel_id, [])))[:limit]
        return json_response([m.payload(bot_user()) for m in newest_first])

    _ROUTES: ClassVar[list[tuple[str, Any]]] = [
        (r"GET /users/@me", _bot_me),
        (r"GET /oauth2/applications/@me", _bot_application),
        (r"GET /gateway(?:/bot)?", _bot_gateway),
        (r"PUT /applications/\d+(?:/guilds/(?P<guild_id>\d+))?/commands", _bot_put_commands),
        (r"GET /applications/\d+(?:/guilds/(?P<guild_id>\d+))?/commands", _bot_get_commands),
        (r"POST /interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", _callback),
        (r"POST /webhooks/(?P<app>\d+)/(?P<token>[^/]+)", _followup),
        (
            r"(?:GET|PATCH|DELETE) /webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/"
            r"(?P<message_id>@original|\d+)",
            _webhook_message,
        ),
        (r"POST /channels/(?P<channel_id>\d+)/messages", _bot_post_message),
        (r"GET /channels/(?P<channel_id>\d+)/messages", _bot_get_messages),
        (
            r"POST /channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)/threads",
            _bot_start_thread,
        ),
        (r"POST /channels/(?P<channel_id>\d+)/threads", _bot_forum_post),
        (r"GET /guilds/(?P<guild_id>\d+)/threads/active", _bot_active_threads),
    ]


def _index_ids_as_text(body: Any) -> Any:
    """``body`` with each new file's ``attachments`` id (the index n of ``files[n]``) as text.

    Discord's docs send it as a number (``{"id": 0, "filename": …}``, as discord.py does), the
    spec types every id as a snowflake string: where they disagree, the docs win.
    """
    if not isinstance(body, dict):
        return body
    if isinstance(body.get("data"), dict):
        return {**body, "data": _index_ids_as_text(body["data"])}
    listed = body.get("attachments")
    if not isinstance(listed, list):
        return body
    fixed = [
        {**a, "id": str(a["id"])} if isinstance(a, dict) and isinstance(a.get("id"), int) else a
        for a in listed
    ]
    return {**body, "attachments": fixed}
