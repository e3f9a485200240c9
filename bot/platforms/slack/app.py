"""The bolt app: ``/brief``, block actions, the App Home and one error handler.

The app runs with ``process_before_response=True``: a listener's HTTP reply (or Socket Mode
ack) goes out when the listener returns. Core answers take milliseconds, so a slash command is
acked *with* its answer; anything slower (digest commands touch the database, ``users.info``,
``views.publish``, follow-up pages) is acked at once and finished in a background task that
answers through ``respond()`` (the command's ``response_url``) or the Web API.

Every answer is ONE message: the first view of the answer (``bot.platforms.views``). A view
button opens another view in place: an ephemeral answer is replaced for its asker; a shared
message is replaced only when the user who shared it clicks (their id is in the view buttons'
``block_id``, see ``messages.SHARED_BLOCK_PREFIX``), anyone else (and anyone on a digest) gets
the view privately.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.calls import Context, Invocation
from bot.commands.engine import Engine, apology_answer
from bot.commands.registry import CommandSpec
from bot.core.answers import Action, Answer, error_answer
from bot.core.errors import UserFacingError
from bot.digests.handlers import DIGESTS
from bot.platforms.slack import home, shortcuts
from bot.platforms.slack.client import slack_error
from bot.platforms.slack.images import upload_image
from bot.platforms.slack.messages import (
    SHARE_ACTION_ID,
    action_context,
    back_to_overview,
    clicked_action,
    command_context,
    ephemeral_message,
    in_home,
    share_value,
    shareable,
    shared_invocation,
    shared_message,
    shared_ref,
    sharer,
    unescape,
)
from bot.platforms.slack.settings import HasSlackSettings
from bot.platforms.views import first, is_view, open_view, origin, pinned
from bot.render.views import Origin, ViewRef, view, view_target

log = logging.getLogger(__name__)

#: How long a ``users.info`` admin answer is trusted.
ADMIN_CACHE_SECONDS = 60.0
EXPIRED = "This button has expired. Run {command} again for a fresh answer."
_MESSAGE_KEYS = ("text", "blocks", "response_type")

Respond = Callable[..., Awaitable[Any]]


class Listeners:
    """Bolt listeners that turn Slack requests into engine invocations and answers."""

    def __init__(self, settings: HasSlackSettings, engine: Engine, client: AsyncWebClient) -> None:
        self.settings = settings
        self.engine = engine
        self.client = client
        self._admins: dict[str, tuple[float, bool]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, app: AsyncApp) -> None:
        """Attach every listener and the global error handler to ``app``."""
        app.command(self.settings.slack.command)(self.on_command)
        app.action(re.compile(r".+"))(self.on_action)
        app.event("app_home_opened")(self.on_home_opened)
        shortcuts.register(app, self)  # "Briefing context" on a message
        app.error(self.on_error)

    # -- slash command ----------------------------------------------------------------------------

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Respond) -> None:
        """``/brief …``: answer fast commands in the ack; ack slow ones first, then respond."""
        context = command_context(body)
        text = unescape(str(body.get("text") or ""))
        try:
            invocation = self.engine.parse(text, context)
        except UserFacingError:
            answer = await self.engine.execute_text(text, context)  # the same error, counted
            await ack(**_message(ephemeral_message(answer)))
            return
        spec = self.engine.registry.get(invocation.command)
        # A manage command also waits for users.info (the admin check) before it can run.
        if spec is not None and (spec.slow or spec.manage):
            await ack()
            self.spawn(self._answer_later(invocation, spec, respond), respond=respond)
            return
        answer = await self.engine.execute(invocation)
        await ack(**_message(self.first_message(invocation, answer)))

    async def _answer_later(
        self, invocation: Invocation, spec: CommandSpec, respond: Respond
    ) -> None:
        if spec.manage:
            context = invocation.context
            allowed = await self.can_manage(context)
            context = dataclasses.replace(context, can_manage=allowed, manages_workspace=allowed)
            invocation = dataclasses.replace(invocation, context=context)
        answer = await self.engine.execute(invocation)
        await respond(**_message(self.first_message(invocation, answer)))
        channel = invocation.context.channel_id
        if answer.image is not None and channel:  # the map: its PNG follows, privately
            library = self.engine.library.current
            await upload_image(self.client, library, answer.image, channel, respond, private=True)

    def first_message(self, invocation: Invocation, answer: Answer) -> dict[str, Any]:
        """The first view of a fresh ``answer``, private, with a Share button if shareable."""
        invocation = pinned(invocation, answer)
        return self._private(invocation, first(answer, invocation), ViewRef())

    def _private(self, invocation: Invocation, shown: Answer, ref: ViewRef) -> dict[str, Any]:
        """View ``ref`` (``shown``) of ``invocation``'s answer as one private message."""
        spec = self.engine.registry.get(invocation.command)
        share = share_value(invocation, ref) if shareable(spec, shown) else None
        return ephemeral_message(shown, share=share)

    async def can_manage(self, context: Context) -> bool:
        """Workspace admins/owners and ``SLACK_ADMIN_USERS`` may change digests."""
        user_id = context.user_id
        if user_id in self.settings.slack.admin_users:
            return True
        cached = self._admins.get(user_id)
        now = time.monotonic()
        if cached and cached[0] > now:
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id)
        except Exception as exc:
            reason = slack_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning(
                "users.info failed for %s (%s); treating as not an admin",
                user_id,
                reason,
                extra={"platform": "slack", "channel": context.channel_id},
            )
            return False
        user = response.get("user") or {}
        allowed = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        self._admins[user_id] = (now + ADMIN_CACHE_SECONDS, allowed)
        return allowed

    # -- buttons and selects ----------------------------------------------------------------------

    async def on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond | None
    ) -> None:
        """A click on one of our buttons or selects: ack now, answer in the background."""
        await ack()
        if action.get("url"):  # a link button: Slack opens the link, nothing to answer
            return
        action_id = str(action.get("action_id") or "")
        if action_id == SHARE_ACTION_ID:
            self.spawn(self._share(body, action, respond), respond=respond)
        elif action_id.startswith(f"{home.HOME_DIGEST_PREFIX}|"):
            self.spawn(self._home_digest(body, action_id))
        else:
            self.spawn(self._follow_up(body, action, respond), respond=respond)

    async def _follow_up(
        self, body: dict[str, Any], element: dict[str, Any], respond: Respond | None
    ) -> None:
        context = action_context(body)
        action: Action | None
        invocation: Invocation | None
        target: tuple[ViewRef, Origin] | None
        try:
            action = clicked_action(element)
            target = view_target(action) if is_view(action) else None
            invocation = (
                Invocation(target[1].command, target[1].arguments(), context)
                if target is not None
                else self.engine.action_invocation(action, context)
            )
        except ValueError:
            log.info("expired or foreign action id %r", str(element.get("action_id"))[:60])
            action = invocation = target = None
        if in_home(body):
            await self._open_in_home(context, invocation, target and target[0])
            return
        if respond is None:
            log.warning("block action without a response_url; nothing to answer with")
            return
        if action is None or invocation is None:
            await self._say_expired(respond)
            return
        if target is None:  # a follow-up command: its answer's first view, in a new message
            answer = await self.engine.execute(invocation)
            await respond(
                **_message(self.first_message(invocation, answer)), replace_original=False
            )
            return
        ref = target[0]
        try:
            shown = await open_view(self.engine, action, context)
        except ValueError:
            await self._say_expired(respond)
            return
        container = body.get("container") or {}
        shared_by = sharer(element)
        if container.get("is_ephemeral"):  # only its asker can click it: change it in place
            await respond(**_message(self._private(invocation, shown, ref)), replace_original=True)
        elif shared_by is not None and shared_by == context.user_id:
            await respond(**_message(shared_message(shown, shared_by)), replace_original=True)
        else:  # someone else's shared message, or a digest: the view for the clicker only
            await respond(**_message(self._private(invocation, shown, ref)), replace_original=False)

    async def _say_expired(self, respond: Respond) -> None:
        await respond(
            **_message(ephemeral_message(error_answer(self._expired()))), replace_original=False
        )

    async def _open_in_home(
        self, context: Context, invocation: Invocation | None, ref: ViewRef | None = None
    ) -> None:
        """Show a click from the Home tab there: the brief again, or the answer on top (a
        view button there opens that view of it)."""
        user_id, workspace = context.user_id, context.workspace_id
        if invocation is None:
            await self.publish_home(
                user_id, workspace_id=workspace, focus=error_answer(self._expired())
            )
            return
        briefing = invocation.args.get("briefing")
        if invocation.command == "brief" and ref is None:  # the Home tab shows it anyway
            await self.publish_home(user_id, workspace_id=workspace, briefing=briefing)
        else:
            answer = await self.engine.execute(invocation)
            if ref is not None:
                answer = view(answer, ref, origin(invocation))
            await self.publish_home(
                user_id, workspace_id=workspace, focus=answer, briefing=briefing
            )

    async def _home_digest(self, body: dict[str, Any], action_id: str) -> None:
        """A Pause/Resume/Unsubscribe click in the Home: run ``digest <verb> <id>`` as the
        clicker (admins only, as for the slash commands), then publish the Home again."""
        context = action_context(body)
        parsed = home.parse_digest_action(action_id)
        note: str
        if parsed is None:
            note = self._expired()
        elif not await self.can_manage(context):
            note = home.NEEDS_ADMIN
        else:
            verb, sub_id = parsed
            context = dataclasses.replace(context, can_manage=True, manages_workspace=True)
            invocation = self.engine.parse(f"digest {verb} {sub_id}", context)
            answer = await self.engine.execute(invocation)
            note = f"{answer.title}: {answer.summary}" if answer.summary else answer.title
        await self.publish_home(context.user_id, workspace_id=context.workspace_id, note=note)

    async def _share(
        self, body: dict[str, Any], element: dict[str, Any], respond: Respond | None
    ) -> None:
        """Post the view the user is looking at for the channel (one message), then delete the
        private copy."""
        if respond is None:
            return
        context = action_context(body)
        value = str(element.get("value") or "")
        try:
            invocation = shared_invocation(value, context)
            ref = shared_ref(value)
        except ValueError:
            await self._say_expired(respond)
            return
        spec = self.engine.registry.get(invocation.command)
        answer = await self.engine.execute(invocation)
        if not shareable(spec, answer):  # e.g. the briefing is gone since: tell only the user
            await respond(**_message(ephemeral_message(answer)), replace_original=False)
            return
        shown = view(answer, ref, origin(invocation))
        message = shared_message(shown, context.user_id)
        await respond(**_message(message), replace_original=False)
        await respond(delete_original=True)
        if shown.image is not None and context.channel_id:  # shared now: into the channel
            library = self.engine.library.current
            await upload_image(
                self.client, library, shown.image, context.channel_id, respond, private=False
            )

    # -- App Home ---------------------------------------------------------------------------------

    async def on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """Publish the Home tab (the compact brief and the digests) when a user opens it."""
        if event.get("tab", "home") == "home" and event.get("user"):
            workspace = str(body.get("team_id") or event.get("team") or "")
            self.spawn(self.publish_home(str(event["user"]), workspace_id=workspace))

    async def publish_home(
        self,
        user_id: str,
        *,
        workspace_id: str = "",
        focus: Answer | None = None,
        briefing: str | None = None,
        note: str | None = None,
    ) -> None:
        """``views.publish`` the Home tab for ``user_id``: the compact brief (or ``focus``,
        under a Back button), then the workspace's digests (``note``: what a click did)."""
        context = Context(
            platform="slack", user_id=user_id, workspace_id=workspace_id, can_manage=False
        )
        back = None
        if focus is None:
            invocation = Invocation("brief", {"briefing": briefing} if briefing else {}, context)
            focus = first(await self.engine.execute(invocation), invocation)
        else:
            back = back_to_overview(briefing)
        subs = await home.subscriptions(self.engine, workspace_id)
        admin = bool(subs) and await self.can_manage(context)
        digests = home.digest_blocks(
            self.engine.services.get(DIGESTS), subs, admin=admin, note=note
        )
        await self.client.views_publish(
            user_id=user_id, view=home.home_page(focus, digests, back=back)
        )

    # -- errors and background work ---------------------------------------------------------------

    async def on_error(
        self,
        error: Exception,
        body: dict[str, Any],
        response: BoltResponse | None,
        respond: Respond | None,
    ) -> BoltResponse | None:
        """Log an unexpected failure with its traceback; apologise to the user; keep serving."""
        log.error(
            "Slack %s failed: %s",
            _kind(body),
            type(error).__name__,
            exc_info=error,
            extra={"platform": "slack", "channel": _channel(body)},
        )
        apology = _apology()
        if body.get("command") and response is not None:
            return BoltResponse(
                status=200,
                body=json.dumps(apology),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        if respond is not None and body.get("response_url"):
            self.spawn(respond(**apology, replace_original=False))
        if response is not None:
            return BoltResponse(status=200, body="")  # acked: Slack must not retry a failing event
        return None

    def _expired(self) -> str:
        return EXPIRED.format(command=self.settings.slack.command)

    def spawn(self, work: Awaitable[Any], *, respond: Respond | None = None) -> None:
        """Run ``work`` after the ack; failures are logged and apologised for, never raised."""
        task = asyncio.create_task(self._guard(work, respond))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, work: Awaitable[Any], respond: Respond | None) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Slack follow-up failed", extra={"platform": "slack"})
            if respond is not None:
                try:
                    await respond(**_apology(), replace_original=False)
                except Exception:
                    log.warning("could not send the apology either", exc_info=True)

    async def drain(self, timeout: float) -> None:
        """Let answers in flight finish (up to ``timeout`` s), then cancel the rest."""
        pending = set(self._tasks)
        if not pending:
            return
        _done, still = await asyncio.wait(pending, timeout=timeout)
        for task in still:
            task.cancel()
        if still:
            log.warning("cancelled %d Slack answers still running at shutdown", len(still))
            await asyncio.gather(*still, return_exceptions=True)


def _message(page: Mapping[str, Any]) -> dict[str, Any]:
    return {k: page[k] for k in _MESSAGE_KEYS if k in page}


def _apology() -> dict[str, Any]:
    """The private "Sorry, that failed" message for an unexpected error."""
    return _message(ephemeral_message(apology_answer()))


def _kind(body: Mapping[str, Any]) -> str:
    if body.get("command"):
        return f"command {body.get('command')}"
    if body.get("type") == "event_callback":
        return f"event {(body.get('event') or {}).get('type')}"
    return str(body.get("type") or "request")


def _channel(body: Mapping[str, Any]) -> str:
    channel = body.get("channel")
    if isinstance(channel, Mapping):
        return str(channel.get("id") or "")
    return str(body.get("channel_id") or "")
