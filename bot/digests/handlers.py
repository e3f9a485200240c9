"""The ``digest …`` commands: subscribe, list, unsubscribe, pause, resume, thread, preview, send.

Discord shows them as the ``/digest`` group, Slack as ``/brief digest …``, the console as
``digest …``. Commands that change a channel's subscriptions are ``manage=True``: the engine
refuses them unless the adapter found the user may manage the channel.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.commands.calls import Call, ServiceKey
from bot.commands.registry import CommandRegistry, OptionKind, OptionSpec
from bot.core.answers import Answer, Item, Section
from bot.core.errors import NotFoundError, PermissionDenied, UserFacingError
from bot.digests.records import (
    ACTIVE,
    CLAIMED,
    EXAMPLES,
    FAILED,
    MISSED,
    RETRY,
    SENT,
    Delivery,
    Subscription,
)

if TYPE_CHECKING:  # the service pulls in SQLAlchemy and APScheduler; import it only to run
    from bot.digests.service import DigestService

GROUP = "digest"
#: The subscribe option (and the word in text) that opens a thread on each digest.
THREAD = "thread"
MAX_LISTED = 25
#: ``--briefing newest``: the subscription follows the bot's default briefing, whichever it is
#: at each run (the newest unless DEFAULT_BRIEFING names one). Stored as no briefing id.
NEWEST = "newest"

#: The running digest service, provided by the runtime.
DIGESTS: ServiceKey[DigestService] = ServiceKey("digests")

#: The digest commands; ``register`` adds them to the application's registry.
commands = CommandRegistry()


def register(registry: CommandRegistry) -> None:
    """Add the ``digest …`` commands to ``registry``."""
    registry.include(commands)


_ID = OptionSpec(
    "id",
    "The subscription's id (shown by digest list); optional if the channel has only one.",
    required=False,
    max_length=16,
)


@commands.command(
    "subscribe",
    "Post a digest of the briefing to this channel on a schedule.",
    group=GROUP,
    slow=True,
    manage=True,
    options=(
        OptionSpec(
            "schedule",
            "daily HH:MM, weekdays HH:MM, weekly DAY HH:MM, or a cron expression.",
            greedy=True,
        ),
        OptionSpec(
            "timezone", "IANA time zone, e.g. Europe/Istanbul.", OptionKind.TIMEZONE, required=False
        ),
        OptionSpec(
            "briefing",
            f"A briefing id, or “{NEWEST}” to follow the newest (default: this channel's, "
            "else the newest).",
            OptionKind.BRIEFING,
            False,
        ),
        OptionSpec("channel", "Post to this channel instead.", OptionKind.CHANNEL, False),
        OptionSpec(
            THREAD, "Open a thread on each digest, with its details.", OptionKind.FLAG, False
        ),
    ),
    examples=(
        *(f"digest subscribe {e}" for e in EXAMPLES),
        f"digest subscribe {EXAMPLES[0]} --briefing {NEWEST}",
        f"digest subscribe {EXAMPLES[0]} thread",
    ),
)
async def subscribe(call: Call) -> Answer:
    """Subscribe a channel; confirms with the next three run times in local time."""
    from bot.digests.schedule import next_runs, parse_schedule
    from bot.digests.timezones import parse_timezone, split_zone

    service = _service(call)
    words = (call.arg("schedule") or "").split()
    thread = _flag(call.arg(THREAD)) or any(w.lower() == THREAD for w in words)
    text, trailing_zone = split_zone(" ".join(w for w in words if w.lower() != THREAD))
    zone_name = call.arg("timezone")
    if zone_name and trailing_zone and parse_timezone(zone_name).key != trailing_zone:
        raise UserFacingError(
            f"Two time zones were given ({zone_name} and {trailing_zone}); give one.",
            hint=f"digest subscribe {EXAMPLES[0]}",
        )
    zone = parse_timezone(zone_name or trailing_zone or service.settings.digest.default_timezone)
    schedule = parse_schedule(text)
    briefing_id = call.arg("briefing")
    if (briefing_id or "").strip().lower() == NEWEST:
        briefing_id = None
    loaded = call.library.get(briefing_id)  # NotFoundError names the choices
    channel_id, channel_name = _channel(call, service)
    forum = service.thread_required(call.context.platform, channel_id)
    thread = thread or forum  # a forum takes each digest as a post of its own
    if thread:
        _check_threads(call, service, channel_id)
    sub, created = await service.subscribe(
        platform=call.context.platform,
        workspace_id=call.context.workspace_id,
        channel_id=channel_id,
        channel_name=channel_name,
        schedule=schedule,
        timezone=zone.key,
        briefing_id=loaded.briefing.id if briefing_id else None,
        created_by=call.context.user_id or call.context.user_name,
        thread=thread,
    )
    where = _channel_label(sub)
    turned_on = thread and not created and not sub.thread
    if turned_on:  # the same schedule again, now with a thread
        sub = await service.set_thread(sub.id, True)
    if not sub.active:  # the same subscription exists but is paused: do not say it runs
        return Answer(
            title=f"Already subscribed, paused: {where}",
            summary=f"{where} has this digest already, but it is paused "
            f"({sub.status_reason or 'no reason given'}). Nothing was changed.",
            sections=(Section(heading="Turn it back on", text=f"digest resume {sub.id}"),),
        )
    runs = next_runs(schedule, zone, after=service.clock.now(), count=3)
    title = f"Digest subscribed: {where}" if created else f"Already subscribed: {where}"
    if turned_on:
        changed = " Each digest now opens a thread."
    elif created and forum:
        changed = " Each digest is a post of its own in the forum."
    elif created:
        changed = " Each digest opens a thread for discussion." if sub.thread else ""
    else:
        changed = " Nothing was changed."
    return Answer(
        title=title,
        summary=(
            f"{where} gets a digest of “{loaded.briefing.title}” {schedule.describe()} "
            f"({zone.key})."
            + (f" It follows {_newest_words(call)}." if sub.briefing_id is None else "")
            + changed
        ),
        sections=(
            Section(heading="Next runs", items=tuple(Item(_when(r, zone.key)) for r in runs)),
            Section(
                heading="Manage it",
                text=f"Subscription id {sub.id}: digest list · digest preview {sub.id} · "
                f"digest pause {sub.id} · digest unsubscribe {sub.id}",
            ),
        ),
    )


@commands.command("list", "Show this workspace's digest subscriptions.", group=GROUP, slow=True)
async def list_subscriptions(call: Call) -> Answer:
    """Every subscription of this workspace: schedule, zone, next run and last delivery."""
    service = _service(call)
    subs = await service.store.subscriptions.find(
        platform=call.context.platform, workspace_id=call.context.workspace_id
    )
    if not subs:
        return Answer(
            title="No digests yet",
            summary="No channel here has a digest subscription.",
            sections=(Section(heading="Try", text=f"digest subscribe {EXAMPLES[0]}"),),
        )
    here = call.context.channel_id
    subs.sort(key=lambda s: (s.channel_id != here, s.channel_name, s.created_at))
    last = await service.store.ledger.last_deliveries([s.id for s in subs[:MAX_LISTED]])
    follows = _newest_words(call) if call.library.several else ""
    sections = tuple(
        _describe(service, s, last.get(s.id), follows=follows) for s in subs[:MAX_LISTED]
    )
    more = len(subs) - MAX_LISTED
    return Answer(
        title="Digest subscriptions",
        summary=f"{len(subs)} subscription{'s' if len(subs) != 1 else ''}"
        + (f"; the first {MAX_LISTED} are shown." if more > 0 else "."),
        sections=sections,
        footer="Change one with digest pause / resume / unsubscribe / send / thread <id>.",
    )


@commands.command(
    "unsubscribe",
    "Stop a digest subscription.",
    group=GROUP,
    slow=True,
    manage=True,
    options=(_ID,),
)
async def unsubscribe(call: Call) -> Answer:
    service = _service(call)
    sub = await _target(call, service)
    await service.unsubscribe(sub.id)
    return Answer(
        title="Digest unsubscribed",
        summary=f"{_channel_label(sub)} no longer gets the {_schedule_words(sub)} digest.",
    )


@commands.command(
    "pause", "Pause a digest subscription.", group=GROUP, slow=True, manage=True, options=(_ID,)
)
async def pause(call: Call) -> Answer:
    service = _service(call)
    sub = await _target(call, service)
    if not sub.active:
        return Answer(title="Already paused", summary=f"{sub.id} is paused: {sub.status_reason}.")
    who = call.context.user_name or call.context.user_id or "someone"
    await service.pause(sub.id, f"paused by {who}")
    return Answer(
        title="Digest paused",
        summary=f"The {_schedule_words(sub)} digest of {_channel_label(sub)} is paused. "
        f"Resume it with digest resume {sub.id}.",
    )


@commands.command(
    "resume",
    "Resume a paused digest subscription.",
    group=GROUP,
    slow=True,
    manage=True,
    options=(_ID,),
)
async def resume(call: Call) -> Answer:
    service = _service(call)
    sub = await _target(call, service)
    if sub.active:
        return Answer(title="Not paused", summary=f"{sub.id} is already active.")
    sub = await service.resume(sub.id)
    nxt = service.next_run(sub)
    return Answer(
        title="Digest resumed",
        summary=f"The {_schedule_words(sub)} digest of {_channel_label(sub)} is on again."
        + (f" Next run: {_when(nxt, sub.timezone)}." if nxt else ""),
    )


@commands.command(
    THREAD,
    "Open a thread on each digest (on), or post the digest alone (off).",
    group=GROUP,
    slow=True,
    manage=True,
    options=(
        OptionSpec("setting", "on or off.", OptionKind.CHOICE, choices=("on", "off")),
        _ID,
    ),
    examples=("digest thread on", "digest thread off a1b2c3"),
)
async def thread_setting(call: Call) -> Answer:
    """Turn a subscription's digest threads on or off."""
    service = _service(call)
    sub = await _target(call, service)
    on = call.arg("setting") == "on"
    where = _channel_label(sub)
    if not on and service.thread_required(sub.platform, sub.channel_id):
        raise UserFacingError(
            f"{where} is a forum: each digest has to be a post of its own there.",
            hint="Subscribe a text channel for digests without a thread.",
        )
    if on == sub.thread:
        state = "opens a thread" if on else "is posted without a thread"
        return Answer(
            title="Nothing to change", summary=f"Each digest of {sub.id} {state} already."
        )
    if on:
        _check_threads(call, service, sub.channel_id)
    await service.set_thread(sub.id, on)
    return Answer(
        title="Digest threads on" if on else "Digest threads off",
        summary=(
            f"Each {_schedule_words(sub)} digest of {where} now opens a thread with its details."
            if on
            else f"The {_schedule_words(sub)} digest of {where} is posted alone from now on."
        ),
    )


@commands.command(
    "preview",
    "Show the next digest privately.",
    group=GROUP,
    slow=True,
    private=True,
    options=(_ID,),
)
async def preview(call: Call) -> Answer:
    service = _service(call)
    sub = await _target(call, service)
    answer = await service.preview(sub)
    return dataclasses.replace(answer, title=f"Preview: {answer.title}", private=True)


@commands.command(
    "send",
    "Post a digest now, outside the schedule.",
    group=GROUP,
    slow=True,
    manage=True,
    options=(_ID,),
)
async def send(call: Call) -> Answer:
    service = _service(call)
    sub = await _target(call, service)
    status = await service.send_now(sub)
    where = _channel_label(sub)
    if status == "sent":
        return Answer(title="Digest sent", summary=f"Posted a digest to {where}.")
    if status == "queued":
        return Answer(title="Digest queued", summary=f"A digest to {where} goes out shortly.")
    return Answer(title="Digest not sent", summary=f"Could not post to {where}: {status}.")


# -- helpers -------------------------------------------------------------------------------------


def _service(call: Call) -> DigestService:
    service = call.services.get(DIGESTS)
    if service is None:
        raise UserFacingError("Scheduled digests are not running on this bot right now.")
    return service


async def _target(call: Call, service: DigestService) -> Subscription:
    """The subscription named by ``id``, or this channel's only one."""
    ctx = call.context
    sub_id = call.arg("id")
    if sub_id:
        sub = await service.store.subscriptions.get(sub_id.strip().lower())
        if sub is None or (sub.platform, sub.workspace_id) != (ctx.platform, ctx.workspace_id):
            raise NotFoundError(
                f"There is no digest subscription “{sub_id}” here.",
                hint="digest list shows every subscription and its id.",
            )
        if call.spec.manage and sub.channel_id != ctx.channel_id and not ctx.manages_workspace:
            # Managing this channel says nothing about the subscription's own channel.
            raise PermissionDenied(
                f"Subscription {sub.id} posts to {_channel_label(sub)}; change it from there.",
                hint="Or ask someone who can manage every channel.",
            )
        return sub
    subs = await service.store.subscriptions.find(
        platform=ctx.platform, workspace_id=ctx.workspace_id, channel_id=ctx.channel_id
    )
    if not subs:
        raise NotFoundError(
            "This channel has no digest subscription.",
            hint=f"digest subscribe {EXAMPLES[0]}",
        )
    if len(subs) > 1:
        ids = ", ".join(s.id for s in subs)
        raise UserFacingError(
            f"This channel has {len(subs)} digest subscriptions ({ids}); say which one.",
            hint=f"e.g. digest {call.spec.name} {subs[0].id}",
        )
    return subs[0]


def _channel(call: Call, service: DigestService) -> tuple[str, str]:
    """(id, name) of the channel to post to: the named one, else the current one. What names
    a channel is the platform's business: its poster parses the reference."""
    ctx = call.context
    value = call.arg("channel")
    if not value:
        return ctx.channel_id, ctx.channel_name or ctx.channel_id
    ref = service.parse_channel(ctx.platform, value)
    if ref is None:
        raise UserFacingError(
            f"“{value.strip()}” is not a channel I can post to.",
            hint="Mention the channel (type # and pick it from the list).",
        )
    return ref.id, ref.name


def _flag(value: str | None) -> bool:
    """A FLAG option's value: ``True`` from Discord, ``true``/``on``/``yes`` in text."""
    return (value or "").strip().lower() in {"true", "on", "yes", "1", THREAD}


def _check_threads(call: Call, service: DigestService, channel_id: str) -> None:
    """Refuse, in plain words, threads the bot could not open in that channel."""
    refusal = service.thread_refusal(call.context.platform, channel_id)
    if refusal:
        raise UserFacingError(
            refusal, hint="Or subscribe without thread: the digest alone is posted."
        )


def _channel_label(sub: Subscription) -> str:
    name = sub.channel_name or sub.channel_id
    return name if name.startswith("#") else f"#{name}"


def _schedule_words(sub: Subscription) -> str:
    from bot.digests.schedule import stored_schedule

    return stored_schedule(sub.schedule).describe()


def _when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%a %d %b %Y, %H:%M") + f" {_zone_abbrev(local)}"


def _zone_abbrev(local: datetime) -> str:
    name = local.tzname() or ""
    return name if name and name[0] not in "+-" else f"UTC{name}"


_STATUS_WORDS = {
    SENT: "delivered",
    MISSED: "missed",
    FAILED: "failed",
    RETRY: "retrying",
    CLAIMED: "being posted",
}


def _newest_words(call: Call) -> str:
    """What a subscription without a briefing follows, e.g. "the newest briefing (now …)"."""
    library = call.library
    which = "the bot-wide default briefing" if library.default_configured else "the newest briefing"
    return f"{which} (now “{library.default.briefing.title}”)"


def _describe(
    service: DigestService, sub: Subscription, last: Delivery | None, *, follows: str = ""
) -> Section:
    """One subscription in ``digest list``; ``follows`` says what a subscription without a
    briefing follows (only worth saying when several briefings are loaded)."""
    items = [Item(f"Schedule: {_schedule_words(sub)} ({sub.timezone})")]
    if sub.briefing_id:
        items.append(Item(f"Briefing: {sub.briefing_id}"))
    elif follows:
        items.append(Item(f"Briefing: follows {follows}"))
    items.append(
        Item("Thread: each digest opens one" if sub.thread else "Thread: off (the digest alone)")
    )
    if sub.status == ACTIVE:
        nxt = service.next_run(sub)
        items.append(Item(f"Next run: {_when(nxt, sub.timezone)}" if nxt else "Next run: none"))
    else:
        items.append(Item(f"Paused: {sub.status_reason or 'no reason given'}"))
    if last is None:
        items.append(Item("Last delivery: none yet"))
    else:
        words = _STATUS_WORDS.get(last.status, last.status)
        line = f"Last delivery: {words}, {_when(last.occurrence, sub.timezone)}"
        if last.manual:
            line += " (sent on request)"
        if last.reason and last.status != SENT:
            line += f": {last.reason}"
        items.append(Item(line))
    return Section(heading=f"{sub.id} · {_channel_label(sub)}", items=tuple(items))
