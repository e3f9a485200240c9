"""Many briefings: list them, and choose which one a channel uses by default.

``briefings`` lists every loaded briefing (title, date added, actor count) and says which is the
default here; ``briefing use SLUG`` sets this channel's default (``briefing use default`` goes
back to the bot-wide one). Channel defaults live in the database's key-value ``meta`` table, so
they survive restarts and are shared by every instance; each instance caches a channel's choice
for ``CACHE_SECONDS`` (a change made on another instance shows within that time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands.calls import META_STORE, Call, Context, ServiceKey, Services
from bot.commands.registry import CommandRegistry, OptionKind, OptionSpec
from bot.core.answers import Action, ActionKind, Answer, Item, Section
from bot.core.errors import Unavailable, UserFacingError

log = logging.getLogger(__name__)

#: How long a channel's default is trusted before it is read again.
CACHE_SECONDS = 30.0
#: The word that clears a channel's choice.
RESET = "default"

commands = CommandRegistry()


def register(registry: CommandRegistry) -> None:
    """Add ``briefings`` and ``briefing use`` to ``registry``."""
    registry.include(commands)


def channel_key(context: Context) -> str | None:
    """The meta key of a channel's default briefing (None outside a channel)."""
    if not context.channel_id:
        return None
    return f"briefing.default:{context.platform}:{context.workspace_id}:{context.channel_id}"


@dataclass
class _Cached:
    value: str | None
    at: float


class ChannelBriefings:
    """Per-channel default briefings, read through a short cache from the ``META_STORE``
    service (memory when the bot runs without a database, e.g. ``briefbot query``)."""

    def __init__(self, services: Services, *, clock: Callable[[], float] | None = None) -> None:
        self._services = services
        self._cache: dict[str, _Cached] = {}
        self._memory: dict[str, str] = {}
        self._clock = clock or time.monotonic

    def cached(self, context: Context) -> str | None:
        """The channel's default if it is known without a lookup (for autocomplete)."""
        key = channel_key(context)
        hit = self._cache.get(key) if key else None
        return hit.value if hit else None

    async def get(self, context: Context) -> str | None:
        """The channel's default briefing id, or None for the bot-wide default."""
        key = channel_key(context)
        if key is None:
            return None
        hit = self._cache.get(key)
        now = self._clock()
        if hit is not None and now - hit.at < CACHE_SECONDS:
            return hit.value
        store = self._services.get(META_STORE)
        try:
            value = self._memory.get(key) if store is None else await store.get_meta(key)
        except Exception as exc:  # the database is down: use the bot-wide default meanwhile
            if not isinstance(exc, Unavailable):  # an outage is logged once, where it is found
                log.warning("channel default unavailable (%s); using the bot-wide default", exc)
            return hit.value if hit else None
        self._cache[key] = _Cached(value or None, now)
        return value or None

    async def set(self, context: Context, briefing_id: str | None) -> None:
        """Set (or with None, clear) the channel's default."""
        key = channel_key(context)
        if key is None:
            raise UserFacingError("A default briefing is set for a channel; run this in one.")
        store = self._services.get(META_STORE)
        value = briefing_id or ""
        if store is None:
            self._memory[key] = value
        else:
            await store.set_meta(key, value)
        self._cache[key] = _Cached(briefing_id, self._clock())


#: The channel defaults service; ``bot.app.composition.build_engine`` provides it.
CHANNEL_BRIEFINGS: ServiceKey[ChannelBriefings] = ServiceKey("channel briefings")


def _defaults(call: Call) -> ChannelBriefings:
    service = call.services.get(CHANNEL_BRIEFINGS)
    if service is None:  # pragma: no cover - build_engine always provides it
        raise UserFacingError("Channel defaults are not available on this bot.")
    return service


@commands.command(
    "briefings",
    "Every briefing this bot holds, and which one this channel uses",
    examples=("briefings",),
    slow=True,
)
async def briefings(call: Call) -> Answer:
    library = call.library
    chosen = await _defaults(call).get(call.context)
    here = chosen if chosen in library.briefings else library.default_id
    items = []
    for b in library.briefings.values():
        marks = []
        if b.briefing.id == here:
            marks.append("the default here")
        if b.briefing.id == library.default_id and library.several:
            marks.append("bot-wide default" if library.default_configured else "newest")
        mark = f" ({', '.join(marks)})" if marks else ""
        n = len(b.briefing.actors)
        items.append(
            Item(
                f"{b.briefing.title} — id {b.briefing.id}, added {b.briefing.added}, "
                f"{n} actor{'' if n == 1 else 's'}{mark}"
            )
        )
    if chosen and chosen in library.briefings:
        how = "This channel chose it with briefing use."
    elif library.default_configured:
        how = "Set bot-wide by DEFAULT_BRIEFING."
    else:
        how = "The newest briefing is the default unless a channel chooses another."
    count = len(library.briefings)
    return Answer(
        title=f"{count} briefing{'' if count == 1 else 's'}",
        summary=f"Commands here use “{library.get(here).briefing.title}”. {how}",
        sections=(
            Section("Briefings", tuple(items)),
            Section(
                "Choose",
                text="briefing use ID sets this channel's default; "
                "any command takes --briefing ID for one answer."
                if library.several
                else "Every command uses this one; once more briefings are loaded, "
                "briefing use ID chooses this channel's.",
            ),
        ),
        actions=tuple(
            Action(ActionKind.BRIEF, b.briefing.title[:60], briefing=b.briefing.id)
            for b in list(library.briefings.values())[:4]
        )
        if library.several
        else (),
    )


@commands.command(
    "use",
    "Choose the briefing this channel's commands use by default",
    options=(
        OptionSpec(
            "briefing",
            f"A briefing id, or “{RESET}” for the bot-wide default",
            OptionKind.BRIEFING,
        ),
    ),
    examples=("briefing use turkey-syria-rapprochement", f"briefing use {RESET}"),
    group="briefing",
    manage=True,
    slow=True,
)
async def use(call: Call) -> Answer:
    wanted = (call.arg("briefing") or "").strip()
    library = call.library
    if wanted.lower() == RESET:
        await _defaults(call).set(call.context, None)
        title = library.default.briefing.title
        return Answer(
            title="Channel default cleared",
            summary=f"Commands here use the bot-wide default again: “{title}”.",
        )
    loaded = library.get(wanted)  # NotFoundError with "did you mean" and the list
    await _defaults(call).set(call.context, loaded.briefing.id)
    return Answer(
        title="Channel default set",
        summary=f"Commands here now use “{loaded.briefing.title}” unless --briefing names another.",
        actions=(Action(ActionKind.BRIEF, "Open it", briefing=loaded.briefing.id),),
    )
