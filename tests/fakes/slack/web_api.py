"""The Slack stand-in's Web API (``/api/<method>``): token checks, ``chat.*`` posts kept as
channel history (a post with ``thread_ts`` as a reply in that thread, not in the channel),
``conversations.history`` (scopes, paging, metadata), ``conversations.replies`` (the same),
``views.publish``,
``auth.test``, ``users.info``, ``apps.connections.open``, file uploads
(``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal``; refused with
``missing_scope`` without ``files:write``), and the Web API faults (``fail_next``,
``accept_next``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tests.fakes.slack.models import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    MESSAGE_METHODS,
    TEAM_ID,
    VIEW_BLOCK_LIMIT,
    ApiCall,
    Fault,
    Upload,
    maybe_json,
)


class WebApiMixin:
    """Web API routes, what they recorded and their fault injection, mixed into ``SlackFake``
    (whose ``__init__`` holds the state these methods read and write)."""

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one Web API method, oldest first."""
        return [c for c in self.calls if c.method == method]

    def messages(self) -> list[dict[str, Any]]:
        """Every message the bot sent: Web API posts and ``response_url`` posts, oldest first."""
        out = [c.args for c in self.calls if c.method in MESSAGE_METHODS]
        out += [r.body for r in self.responses if not r.body.get("delete_original")]
        return out

    async def wait_call(self, method: str, *, count: int = 1, timeout: float = 15.0) -> ApiCall:
        """Wait for the ``count``-th call of ``method``; return it."""
        await self.wait_for(lambda: len(self.calls_to(method)) >= count, timeout=timeout)
        return self.calls_to(method)[count - 1]

    # -- fault injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        after: int = 0,
    ) -> None:
        """Make the next call of ``method`` fail (each fault is used once, in order); with
        ``after``, the call after that many more have gone through.

        ``status=429`` answers HTTP 429 ``ratelimited`` with ``Retry-After`` (default 1 s);
        ``error="channel_not_found"`` answers HTTP 200 ``{"ok": false, "error": ...}``;
        ``status=500`` answers a server error.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if status == 429:
            error = error or "ratelimited"
        self._faults.setdefault(method, []).append(
            Fault(status=status, error=error, retry_after=retry_after, after=after)
        )

    def accept_next(
        self, method: str = "chat.postMessage", *, then: str = "drop", after: int = 0
    ) -> None:
        """Take the next call of ``method`` (the message is posted), then lose its answer:
        ``drop`` closes the connection without answering, ``hang`` never answers; with
        ``after``, the call after that many more have gone through."""
        assert then in {"drop", "hang"}
        self._faults.setdefault(method, []).append(Fault(then=then, after=after))

    def uploaded(self, channel: str) -> list[Upload]:
        """The files shared into ``channel`` (upload completed), oldest first."""
        return [u for u in self.uploads if u.completed and u.channel == channel]

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The messages in ``channel`` posted with chat.postMessage, oldest first (the history
        also holds the messages that shared files: ``uploaded``); replies in threads are not
        among them (``replies``)."""
        return [m for m in self.history.get(channel, []) if not m.get("upload")]

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies in the thread of message ``thread_ts`` of ``channel``, oldest first."""
        return list(self.thread_replies.get((channel, thread_ts), []))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or args.pop("token", None)
        call = ApiCall(method=method, args=args, token=token)
        await self._record(call)

        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return _ok_false("invalid_auth" if token else "not_authed")
        faults = self._faults.get(method)
        lose_answer: str | None = None
        if faults and faults[0].after:
            faults[0].after -= 1
        elif faults and faults[0].then:
            lose_answer = faults.pop(0).then
        elif faults:
            fault = faults.pop(0)
            call.failed = True
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            if fault.status >= 500:
                return web.Response(status=fault.status, text="upstream error", headers=headers)
            return _ok_false(fault.error or "fatal_error", status=fault.status, headers=headers)

        if method in MESSAGE_METHODS:
            self._check_message(f"{method} to {args.get('channel')}", args)
            ts = f"{time.time():.6f}"
            if method == "chat.postMessage":
                self._remember(str(args.get("channel")), ts, args)
            if lose_answer is not None:
                self.accepted.set()
                await self._lose_answer(request, lose_answer)
            return _ok(channel=args.get("channel"), ts=ts, message=args)
        if method == "conversations.history":
            return self._conversations_history(args)
        if method == "conversations.replies":
            return self._conversations_replies(args)
        if method == "views.publish":
            view = maybe_json(args.get("view")) or {}
            self._check_blocks(f"views.publish for {args.get('user_id')}", view, VIEW_BLOCK_LIMIT)
            return _ok(view={"id": "V1", **view})
        if method == "auth.test":
            return _ok(
                headers={"x-oauth-scopes": ",".join(sorted(self.scopes))},
                url="https://briefbot-test.slack.com/",
                team="Briefbot Test",
                user="briefbot",
                team_id=TEAM_ID,
                user_id=BOT_USER_ID,
                bot_id=BOT_ID,
                is_enterprise_install=False,
            )
        if method == "users.info":
            user_id = str(args.get("user", ""))
            if not user_id:
                return _ok_false("user_not_found")
            return _ok(
                user={
                    "id": user_id,
                    "team_id": TEAM_ID,
                    "name": user_id.lower(),
                    "is_admin": user_id in self.admin_users or user_id in self.owner_users,
                    "is_owner": user_id in self.owner_users,
                    "is_primary_owner": False,
                    "is_bot": False,
                }
            )
        if method == "files.getUploadURLExternal":
            return self._get_upload_url(args)
        if method == "files.completeUploadExternal":
            return await self._complete_upload(args)
        if method == "apps.connections.open":
            return _ok(url=f"ws://127.0.0.1:{self.port}/socket?ticket={next(self._ids)}")
        return _ok()

    def _remember(self, channel: str, ts: str, args: Mapping[str, Any]) -> None:
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "text": args.get("text") or "",
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "user": BOT_USER_ID,
        }
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        metadata = maybe_json(args.get("metadata"))
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        parent = str(args.get("thread_ts") or "")
        if parent:
            if not any(m["ts"] == parent for m in self.history.get(channel, [])):
                self.violations.append(f"chat.postMessage to {channel}: no message {parent}")
            message["thread_ts"] = parent
            self.thread_replies.setdefault((channel, parent), []).append(message)
            return
        self.history.setdefault(channel, []).append(message)

    def _missing_scope(self, needed: str) -> web.Response | None:
        if needed in self.scopes:
            return None
        return web.json_response(
            {
                "ok": False,
                "error": "missing_scope",
                "needed": needed,
                "provided": ",".join(sorted(self.scopes)),
            }
        )

    def _get_upload_url(self, args: Mapping[str, Any]) -> web.Response:
        refused = self._missing_scope("files:write")
        if refused is not None:
            return refused
        if not args.get("filename") or not str(args.get("length") or "").isdigit():
            return _ok_false("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self.uploads.append(
            Upload(
                file_id=file_id,
                filename=str(args["filename"]),
                length=int(args["length"]),
                alt_text=str(args.get("alt_txt") or ""),
            )
        )
        return _ok(upload_url=f"{self.base_url}/upload/{file_id}", file_id=file_id)

    async def _upload(self, request: web.Request) -> web.Response:
        """The ``upload_url``: like Slack's, no token; the body is the file's bytes."""
        file_id = request.match_info["file_id"]
        upload = next((u for u in self.uploads if u.file_id == file_id), None)
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload.data = await request.read()
        await self._notify()
        return web.Response(text=f"OK - {len(upload.data)}")

    async def _complete_upload(self, args: Mapping[str, Any]) -> web.Response:
        refused = self._missing_scope("files:write")
        if refused is not None:
            return refused
        files = maybe_json(args.get("files"))
        if not isinstance(files, list) or not files:
            return _ok_false("invalid_arguments")
        by_id = {u.file_id: u for u in self.uploads}
        shared: list[dict[str, Any]] = []
        for entry in files:
            upload = by_id.get(str(entry.get("id")))
            if upload is None or upload.data is None or upload.completed:
                return _ok_false("file_not_found")
            if len(upload.data) != upload.length:
                return _ok_false("file_upload_size_mismatch")
            upload.channel = str(args.get("channel_id") or "") or None
            upload.title = entry.get("title")
            upload.completed = True
            shared.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        channel = str(args.get("channel_id") or "")
        if channel:  # as Slack: sharing files into a channel posts a message of the bot
            self.history.setdefault(channel, []).append(
                {
                    "type": "message",
                    "ts": f"{time.time():.6f}",
                    "text": "",
                    "files": shared,
                    "upload": True,
                    "bot_id": BOT_ID,
                    "app_id": APP_ID,
                    "user": BOT_USER_ID,
                }
            )
        await self._notify()
        return _ok(files=shared)

    def _conversations_history(self, args: Mapping[str, Any]) -> web.Response:
        channel = str(args.get("channel") or "")
        needed = "groups:history" if channel.startswith("G") else "channels:history"
        refused = self._missing_scope(needed)
        if refused is not None:
            return refused
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or time.time() + 3600)
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        with_metadata = str(args.get("include_all_metadata")).lower() in {"true", "1"}
        messages = [
            m for m in reversed(self.history.get(channel, [])) if oldest < float(m["ts"]) <= latest
        ]
        page = messages[start : start + limit]
        if not with_metadata:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(messages)
        return _ok(
            messages=page,
            has_more=more,
            response_metadata={"next_cursor": str(start + limit) if more else ""},
        )

    def _conversations_replies(self, args: Mapping[str, Any]) -> web.Response:
        """A thread: its parent message first, then the replies, oldest first (paged)."""
        channel = str(args.get("channel") or "")
        needed = "groups:history" if channel.startswith("G") else "channels:history"
        refused = self._missing_scope(needed)
        if refused is not None:
            return refused
        ts = str(args.get("ts") or "")
        parent = [m for m in self.history.get(channel, []) if m["ts"] == ts]
        if not parent:
            return _ok_false("thread_not_found")
        limit = int(args.get("limit") or 1000)
        start = int(args.get("cursor") or 0)
        with_metadata = str(args.get("include_all_metadata")).lower() in {"true", "1"}
        messages = parent + self.thread_replies.get((channel, ts), [])
        page = messages[start : start + limit]
        if not with_metadata:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(messages)
        return _ok(
            messages=page,
            has_more=more,
            response_metadata={"next_cursor": str(start + limit) if more else ""},
        )


async def _read_args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        if request.can_read_body:
            args.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key in ("blocks", "view", "attachments", "metadata"):
        if key in args:
            args[key] = maybe_json(args[key])
    return args


def _ok(*, headers: Mapping[str, str] | None = None, **fields: Any) -> web.Response:
    return web.json_response({"ok": True, **fields}, headers=headers)


def _ok_false(
    error: str, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
