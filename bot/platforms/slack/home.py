"""The App Home tab: the compact brief (or a view opened there) and the workspace's digests.

The Home shows the first view of the default briefing (``bot.platforms.views.first``); its view
buttons open other views in the Home (``Listeners._open_in_home``). Below it, "Your channels'
digests" lists the workspace's digest subscriptions; admins get Pause/Resume and Unsubscribe
buttons whose stateless ids (``bbh|<verb>|<subscription id>``) the adapter turns back into the
``digest <verb> <id>`` command, run with the clicker's context.
"""

from __future__ import annotations

from typing import Any

from bot.commands.engine import Engine
from bot.core.answers import Action, Answer
from bot.digests.handlers import DIGESTS
from bot.digests.records import Subscription
from bot.digests.schedule import stored_schedule
from bot.digests.service import DigestService
from bot.platforms.slack.messages import back_row, fit_view
from bot.render.slack import HOME_MAX_BLOCKS, escape, to_slack_view

#: Prefix of a Home digest button's ``action_id``.
HOME_DIGEST_PREFIX = "bbh"
VERBS = ("pause", "resume", "unsubscribe")
DIGESTS_HEADING = "Your channels' digests"
NEEDS_ADMIN = "Changing a digest needs a workspace admin."
#: Subscriptions listed at most (two blocks each), so the Home keeps room for the brief.
MAX_LISTED = 20


def digest_action_id(verb: str, sub_id: str) -> str:
    """The ``action_id`` of a Home digest button."""
    return f"{HOME_DIGEST_PREFIX}|{verb}|{sub_id}"


def parse_digest_action(action_id: str) -> tuple[str, str] | None:
    """``(verb, subscription id)`` of a Home digest button, or None if it is not one."""
    prefix, _, rest = action_id.partition("|")
    verb, _, sub_id = rest.partition("|")
    if prefix != HOME_DIGEST_PREFIX or verb not in VERBS or not sub_id or "|" in sub_id:
        return None
    if not sub_id.replace("-", "").replace("_", "").isalnum() or len(sub_id) > 16:
        return None
    return verb, sub_id


async def subscriptions(engine: Engine, workspace_id: str) -> list[Subscription] | None:
    """The Slack workspace's subscriptions, by channel name; None if digests are not running."""
    service = engine.services.get(DIGESTS)
    if service is None or not workspace_id:
        return None
    subs = await service.store.subscriptions.find(platform="slack", workspace_id=workspace_id)
    return sorted(subs, key=lambda s: (s.channel_name, s.created_at))


def digest_blocks(
    service: DigestService | None,
    subs: list[Subscription] | None,
    *,
    admin: bool,
    note: str | None = None,
) -> list[dict[str, Any]]:
    """The "Your channels' digests" part: one section per subscription (channel, schedule,
    zone, next run or paused), with admin buttons under each; ``note`` (what the last click
    did) under the heading."""
    if subs is None or service is None:
        return []
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": DIGESTS_HEADING}}
    ]
    if note:
        blocks.append(_context(note))
    if not subs:
        blocks.append(_context("No channel here has a digest subscription yet."))
        return blocks
    for sub in subs[:MAX_LISTED]:
        blocks.append(
            {
                "type": "section",
                "block_id": f"briefbot_digest_{sub.id}",
                "text": {"type": "mrkdwn", "text": _describe(service, sub)},
            }
        )
        if admin:
            blocks.append(_buttons(sub))
    more = len(subs) - MAX_LISTED
    notes = [] if admin else [NEEDS_ADMIN]
    if more > 0:
        notes.append(f"{more} more: digest list shows them all.")
    if notes:
        blocks.append(_context(" ".join(notes)))
    return blocks


def home_page(
    main: Answer, digests: list[dict[str, Any]], *, back: Action | None = None
) -> dict[str, Any]:
    """The Home view: ``main`` (a view of an answer, under a ``back`` button if set), then the
    digests part; at most ``HOME_MAX_BLOCKS`` blocks (``main``'s last sections give way)."""
    view = to_slack_view(main)
    blocks = [back_row(back), *view["blocks"]] if back is not None else view["blocks"]
    tail = [{"type": "divider"}, *digests] if digests else []
    return {**view, "blocks": [*fit_view(blocks, HOME_MAX_BLOCKS - len(tail)), *tail]}


def _describe(service: DigestService, sub: Subscription) -> str:
    name = sub.channel_name or sub.channel_id
    channel = name if name.startswith("#") else f"#{name}"
    lines = [
        f"*{escape(channel)}* · `{escape(sub.id)}`",
        f"Schedule: {escape(stored_schedule(sub.schedule).describe())} · Zone: "
        f"{escape(sub.timezone)}" + (" · Thread: each digest opens one" if sub.thread else ""),
    ]
    if sub.active:
        nxt = service.next_run(sub)
        when = _when(nxt, sub.timezone) if nxt else "none"
        lines.append(f"Next run: {when} · Active")
    else:
        lines.append(f"Paused: {escape(sub.status_reason or 'no reason given')}")
    return "\n".join(lines)


def _when(moment: Any, zone: str) -> str:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(zone))
    return escape(local.strftime("%a %d %b %Y, %H:%M ") + (local.tzname() or ""))


def _buttons(sub: Subscription) -> dict[str, Any]:
    toggle = "pause" if sub.active else "resume"
    return {
        "type": "actions",
        "block_id": f"briefbot_digest_actions_{sub.id}",
        "elements": [
            {
                "type": "button",
                "action_id": digest_action_id(toggle, sub.id),
                "text": {"type": "plain_text", "text": toggle.capitalize()},
                "value": sub.id,
            },
            {
                "type": "button",
                "action_id": digest_action_id("unsubscribe", sub.id),
                "text": {"type": "plain_text", "text": "Unsubscribe"},
                "value": sub.id,
                "style": "danger",
                "confirm": _unsubscribe_confirm(sub),
            },
        ],
    }


def _unsubscribe_confirm(sub: Subscription) -> dict[str, Any]:
    """Slack's "are you sure?" dialog before an Unsubscribe click is sent."""
    # plain_text shows names as typed: the digest is named by its id and schedule, which
    # are ours, so no channel name needs escaping here.
    when = stored_schedule(sub.schedule).describe()
    text = f"Digest {sub.id} ({when}) stops for its channel. Subscribing again starts it afresh."
    return {
        "title": {"type": "plain_text", "text": "Unsubscribe?"},
        "text": {"type": "plain_text", "text": text[:300]},
        "confirm": {"type": "plain_text", "text": "Unsubscribe"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(text)}]}
