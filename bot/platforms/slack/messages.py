"""Slack payloads around the renderer's blocks: contexts, ephemeral pages, sharing, App Home.

Pure functions on dicts (no network), so they are tested on plain values. Every piece of text
here goes through ``bot.render.slack``, which escapes ``&``, ``<`` and ``>``; nothing a user
types can become a ``<!channel>`` or a ping.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from typing import Any

from bot.commands.calls import Context, Invocation
from bot.commands.registry import CommandSpec
from bot.core.answers import Action, ActionKind, Answer
from bot.render.actions import decode_action, encode_action, selection_action
from bot.render.slack import (
    BUTTON_VALUE_LIMIT,
    HOME_MAX_BLOCKS,
    MAX_ACTIONS_ELEMENTS,
    MAX_BLOCKS,
    VIEWS_BLOCK_ID,
    to_slack,
)
from bot.render.views import ViewRef

log = logging.getLogger(__name__)

SHARE_ACTION_ID = "briefbot.share"
SHARE_LABEL = "Share in channel"
_SHARE_VERSION = 1
#: The view buttons of a shared (in-channel) message sit in a block whose id names who shared
#: it: ``briefbot_views.by.<user id>``. A click there comes back with that ``block_id``, so
#: the bot knows, without storing anything, whether the clicker may change the message.
SHARED_BLOCK_PREFIX = f"{VIEWS_BLOCK_ID}.by."


def unescape(text: str) -> str:
    """Undo Slack's escaping of ``&``, ``<``, ``>`` in text it sends (slash command text)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def command_context(body: Mapping[str, Any]) -> Context:
    """Who ran a slash command, and where."""
    return Context(
        platform="slack",
        user_id=str(body.get("user_id") or ""),
        user_name=str(body.get("user_name") or ""),
        channel_id=str(body.get("channel_id") or ""),
        channel_name=str(body.get("channel_name") or ""),
        workspace_id=str(body.get("team_id") or ""),
        can_manage=False,
    )


def action_context(body: Mapping[str, Any]) -> Context:
    """Who clicked a button or picked an option, and where (no channel in the App Home)."""
    user = body.get("user") or {}
    channel = body.get("channel") or {}
    team = body.get("team") or {}
    return Context(
        platform="slack",
        user_id=str(user.get("id") or ""),
        user_name=str(user.get("username") or user.get("name") or ""),
        channel_id=str(channel.get("id") or ""),
        channel_name=str(channel.get("name") or ""),
        workspace_id=str(team.get("id") or user.get("team_id") or ""),
        can_manage=False,
    )


def in_home(body: Mapping[str, Any]) -> bool:
    """Whether a block action came from the App Home tab."""
    view = body.get("view") or {}
    return (body.get("container") or {}).get("type") == "view" and view.get("type") == "home"


def clicked_action(element: Mapping[str, Any]) -> Action:
    """The neutral action behind a clicked button or a picked select option.

    Raises ``ValueError`` for anything that is not one of our (current-format) ids.
    """
    action_id = str(element.get("action_id") or "")
    selected = element.get("selected_option")
    if isinstance(selected, Mapping):
        value = str(selected.get("value") or "")
        try:
            return decode_action(value)
        except ValueError:
            return selection_action(action_id, value)
    try:
        return decode_action(action_id)
    except ValueError:
        # View buttons carry their full id in ``value`` (up to 2,000 characters).
        return decode_action(str(element.get("value") or ""), limit=BUTTON_VALUE_LIMIT)


# -- sharing ----------------------------------------------------------------------------------


def shareable(spec: CommandSpec | None, answer: Answer) -> bool:
    """Only plain read-only answers get a Share button (never errors, previews or changes)."""
    return (
        spec is not None
        and spec.group is None
        and not spec.manage
        and not spec.private
        and not answer.private
    )


def share_value(invocation: Invocation, ref: ViewRef | None = None) -> str | None:
    """A button value that lets a click re-run ``invocation`` and share view ``ref`` of its
    answer (the first view without one); None if it would be too long."""
    data: dict[str, Any] = {
        "v": _SHARE_VERSION,
        "c": invocation.command,
        "a": dict(invocation.args),
    }
    if ref is not None and ref != ViewRef.parse("f"):
        data["r"] = ref.code()
    value = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return value if len(value) <= BUTTON_VALUE_LIMIT else None


def shared_ref(value: str) -> ViewRef:
    """The view a Share button shares (the first view for values without one)."""
    try:
        code = json.loads(value).get("r", "f")
        return ViewRef.parse(code if isinstance(code, str) else "")
    except (TypeError, ValueError, AttributeError):
        raise ValueError("not a share value") from None


def shared_invocation(value: str, context: Context) -> Invocation:
    """The invocation a Share button stands for; ``ValueError`` if the value is not ours."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        raise ValueError("not a share value") from None
    if (
        not isinstance(data, dict)
        or data.get("v") != _SHARE_VERSION
        or not isinstance(data.get("c"), str)
        or not isinstance(data.get("a"), dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in data["a"].items())
    ):
        raise ValueError("not a share value")
    return Invocation(data["c"], dict(data["a"]), context)


def share_button(value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": SHARE_ACTION_ID,
        "text": {"type": "plain_text", "text": SHARE_LABEL},
        "value": value,
        "style": "primary",
    }


# -- messages ---------------------------------------------------------------------------------


def render(answer: Answer) -> list[dict[str, Any]]:
    """``to_slack(answer)``, memoised: the same answer (by value) renders once.

    Many users ask the same things (the overview, the main actors), and rendering costs more
    than answering. The cached pages are shared: callers copy before changing anything.
    """
    try:
        # ``extra`` is left out of an Answer's hash and equality, so it joins the key here.
        return list(_render_cached(answer, tuple(sorted(answer.extra.items()))))
    except TypeError:  # an answer holding something unhashable: render it afresh
        return to_slack(answer)


@functools.lru_cache(maxsize=256)
def _render_cached(
    answer: Answer, extra: tuple[tuple[str, str], ...]
) -> tuple[dict[str, Any], ...]:
    return tuple(to_slack(answer))


def ephemeral_pages(answer: Answer, *, share: str | None = None) -> list[dict[str, Any]]:
    """The answer as ephemeral messages; the last one gets a Share button when ``share`` is set."""
    pages = [{**page, "response_type": "ephemeral"} for page in render(answer)]
    if share is not None and pages:
        pages[-1] = with_button(pages[-1], share_button(share))
    return pages


def channel_pages(answer: Answer) -> list[dict[str, Any]]:
    """The answer as messages everyone in the channel sees."""
    return [{**page, "response_type": "in_channel"} for page in render(answer)]


def ephemeral_message(view: Answer, *, share: str | None = None) -> dict[str, Any]:
    """A view (``bot.platforms.views``) as ONE private message, with a Share button if set."""
    page = {**_one_page(view), "response_type": "ephemeral"}
    return with_button(page, share_button(share)) if share is not None else page


def shared_message(view: Answer, shared_by: str) -> dict[str, Any]:
    """A view as ONE in-channel message whose view buttons remember who shared it."""
    page = _one_page(view)
    blocks = [
        {**b, "block_id": SHARED_BLOCK_PREFIX + shared_by}
        if b.get("block_id") == VIEWS_BLOCK_ID
        else b
        for b in page["blocks"]
    ]
    return {**page, "blocks": blocks, "response_type": "in_channel"}


def sharer(element: Mapping[str, Any]) -> str | None:
    """Who shared the message a clicked element is in (None: not a shared message of ours)."""
    block_id = str(element.get("block_id") or "")
    if block_id.startswith(SHARED_BLOCK_PREFIX):
        return block_id.removeprefix(SHARED_BLOCK_PREFIX) or None
    return None


def _one_page(view: Answer) -> dict[str, Any]:
    pages = render(view)
    if len(pages) > 1:  # views fit one message by construction; never send several
        log.warning("view %r renders as %d messages; sending the first", view.title, len(pages))
    return pages[0]


def with_button(page: Mapping[str, Any], button: dict[str, Any]) -> dict[str, Any]:
    """``page`` with ``button`` added to its last actions block (or a new one, if room); never
    to the view buttons' block, which holds only view buttons."""
    blocks = [dict(b) for b in page.get("blocks", [])]
    last = blocks[-1] if blocks else None
    if (
        last
        and last.get("type") == "actions"
        and not str(last.get("block_id") or "").startswith(VIEWS_BLOCK_ID)
        and len(last["elements"]) < MAX_ACTIONS_ELEMENTS
    ):
        last["elements"] = [*last["elements"], button]
    elif len(blocks) < MAX_BLOCKS:
        blocks.append({"type": "actions", "elements": [button]})
    else:
        log.warning("no room for the %s button in a full message", button.get("action_id"))
    return {**page, "blocks": blocks}


def back_row(back: Action) -> dict[str, Any]:
    """The actions block holding a Home view's ``back`` button."""
    button = {
        "type": "button",
        "action_id": encode_action(back),
        "text": {"type": "plain_text", "text": back.label},
    }
    return {"type": "actions", "block_id": "briefbot_back", "elements": [button]}


def back_to_overview(briefing: str | None) -> Action:
    return Action(ActionKind.BRIEF, "← Back to the overview", briefing=briefing)


def fit_view(blocks: list[dict[str, Any]], room: int = HOME_MAX_BLOCKS) -> list[dict[str, Any]]:
    """At most ``room`` blocks: the last body (``section``) blocks give way, so the header,
    the notes and the buttons at the end stay."""
    blocks = list(blocks)
    while len(blocks) > room:
        sections = [i for i, block in enumerate(blocks) if block.get("type") == "section"]
        if not sections:
            return blocks[:room]
        del blocks[sections[-1]]
    return blocks
