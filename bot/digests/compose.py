"""What a digest says, composed from a briefing and one subscription's state. Pure functions.

A digest has a headline, a rotating spotlight actor (the next actor each run, no repeats until
every actor has had a turn), the summary, one or two key points not shown recently, what to
watch, the source and a hint to the commands. When the briefing changed since this channel's
last digest, "What changed" lists the claims added, changed or removed, per actor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.core.answers import Action, ActionKind, Answer, Item, Section, cites
from bot.core.briefing import Actor, Briefing, Claim

if TYPE_CHECKING:
    from bot.core.loader import LoadedBriefing

#: How many key points one digest shows.
POINTS_PER_DIGEST = 2
#: How many watch items one digest shows.
WATCH_PER_DIGEST = 3
#: At most this many changes are listed; the rest are counted.
MAX_CHANGES = 12

HINT = (
    "Ask for more with brief, actor <name>, compare <a> <b> or timeline. "
    "Manage this digest with digest list, pause or unsubscribe."
)

Snapshot = dict[str, Any]


@dataclass(frozen=True)
class DigestState:
    """What a subscription remembers between digests (stored as JSON)."""

    #: Actors that had their spotlight turn in the current round.
    spotlight_seen: tuple[str, ...] = ()
    #: Key points shown in the current round.
    points_seen: tuple[str, ...] = ()
    #: Fingerprint of the briefing the last digest was composed from.
    fingerprint: str | None = None
    briefing_id: str | None = None
    #: (id, fingerprint) of every briefing loaded at the last digest; ``None`` in states
    #: written before digests announced new briefings (nothing is announced for them).
    briefings: tuple[tuple[str, str], ...] | None = None

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "spotlight_seen": list(self.spotlight_seen),
            "points_seen": list(self.points_seen),
            "fingerprint": self.fingerprint,
            "briefing_id": self.briefing_id,
        }
        if self.briefings is not None:
            data["briefings"] = dict(self.briefings)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> DigestState:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            spotlight_seen=tuple(data.get("spotlight_seen", ())),
            points_seen=tuple(data.get("points_seen", ())),
            fingerprint=data.get("fingerprint"),
            briefing_id=data.get("briefing_id"),
            briefings=tuple(sorted(data["briefings"].items())) if "briefings" in data else None,
        )


@dataclass(frozen=True)
class DigestPlan:
    """The choices of one digest and the state to remember once it has been posted."""

    spotlight: Actor
    points: tuple[Claim, ...]
    next_state: DigestState


@dataclass(frozen=True)
class Change:
    kind: str  # added | changed | removed
    label: str  # interest, constraint, key point, …
    text: str
    before: str = ""


@dataclass(frozen=True)
class ActorChanges:
    name: str
    changes: tuple[Change, ...] = field(default_factory=tuple)


def plan_digest(loaded: LoadedBriefing, state: DigestState) -> DigestPlan:
    """Pick the spotlight actor and key points for the next digest, deterministically."""
    briefing = loaded.briefing
    actor_ids = [a.id for a in briefing.actors]
    (spotlight_id,), spotlight_seen = rotate(actor_ids, state.spotlight_seen, 1)
    point_keys = [_point_key(c) for c in briefing.key_points]
    picked, points_seen = rotate(point_keys, state.points_seen, POINTS_PER_DIGEST)
    by_key = {_point_key(c): c for c in briefing.key_points}
    return DigestPlan(
        spotlight=briefing.actor(spotlight_id),
        points=tuple(by_key[k] for k in picked),
        next_state=DigestState(
            spotlight_seen=spotlight_seen,
            points_seen=points_seen,
            fingerprint=loaded.fingerprint,
            briefing_id=briefing.id,
        ),
    )


def rotate(
    keys: Sequence[str], seen: Sequence[str], count: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Take the next ``count`` keys not yet seen in this round; start a new round when done.

    Returns ``(picked, seen_after)``. Keys that no longer exist are forgotten, new keys join
    the current round, and nothing repeats until every key has had a turn.
    """
    if not keys:
        return (), ()
    count = min(count, len(keys))
    known = set(keys)
    seen_now = [k for k in seen if k in known]
    done = set(seen_now)
    picked = [k for k in keys if k not in done][:count]
    seen_now += picked
    if len(seen_now) >= len(keys):  # the round is complete: the rest comes from a new one
        extra = [k for k in keys if k not in picked][: count - len(picked)]
        picked += extra
        seen_now = extra
    return tuple(picked), tuple(seen_now)


def compose_digest(
    loaded: LoadedBriefing,
    state: DigestState,
    previous_snapshot: Snapshot | None,
    *,
    plan: DigestPlan | None = None,
) -> Answer:
    """The digest this subscription gets next (does not change ``state``). ``plan`` is
    ``plan_digest(loaded, state)`` when the caller already has it."""
    briefing = loaded.briefing
    plan = plan or plan_digest(loaded, state)
    sections: list[Section] = []
    if (
        previous_snapshot is not None
        and state.fingerprint is not None
        and state.fingerprint != loaded.fingerprint
        and state.briefing_id in (None, briefing.id)
    ):
        sections.extend(_changes_sections(what_changed(previous_snapshot, snapshot(briefing))))
    sections.append(_spotlight_section(plan.spotlight))
    if plan.points:
        sections.append(Section(heading="Key points", items=tuple(_item(c) for c in plan.points)))
    if briefing.watch:
        sections.append(
            Section(
                heading="What to watch",
                items=tuple(_item(c) for c in briefing.watch[:WATCH_PER_DIGEST]),
            )
        )
    source = briefing.source
    return Answer(
        title=f"Digest: {briefing.title}",
        summary=briefing.summary.text,
        sections=tuple(sections),
        link=source.url,
        footer=f"{source.attribution} · {HINT}",
        actions=(
            Action(ActionKind.ACTOR, plan.spotlight.name, (plan.spotlight.id,), briefing.id),
            Action(ActionKind.BRIEF, "Full briefing", (), briefing.id),
        ),
        extra={"kind": "digest", "briefing": briefing.id, "spotlight": plan.spotlight.id},
    )


def map_changed(
    loaded: LoadedBriefing, state: DigestState, previous_snapshot: Snapshot | None
) -> bool:
    """Whether the stance map differs from the one of the channel's last digest: an actor's
    stance or relation added, changed or removed (an actor added or removed, too), in the same
    briefing. The first digest, or one after the channel moved to another briefing, says no."""
    if (
        previous_snapshot is None
        or state.fingerprint is None
        or state.fingerprint == loaded.fingerprint
        or state.briefing_id not in (None, loaded.briefing.id)
    ):
        return False
    return any(
        change.label == "stance" or change.label.startswith("relation")
        for group in what_changed(previous_snapshot, snapshot(loaded.briefing))
        for change in group.changes
    )


def briefing_news(
    state: DigestState, briefings: Mapping[str, LoadedBriefing], followed: LoadedBriefing
) -> str:
    """One line for the top of a digest: briefings added or updated since this channel's last
    digest, and the briefing it is about now when that changed ("" when nothing did)."""
    if state.briefings is None:  # the first digest, or one from before briefings were tracked
        return ""
    seen = dict(state.briefings)
    parts: list[str] = []
    added = [b.briefing.title for i, b in briefings.items() if i not in seen]
    if added:
        parts.append(
            f"New briefing{'s' if len(added) > 1 else ''}: {'; '.join(added)} "
            "— briefings to list them"
        )
    updated = [
        b.briefing.title for i, b in briefings.items() if i in seen and seen[i] != b.fingerprint
    ]
    if updated:
        parts.append("Updated since the last digest: " + "; ".join(updated))
    if state.briefing_id and state.briefing_id != followed.briefing.id:
        parts.append(f"This digest is now about {followed.briefing.title}")
    return " · ".join(parts)


def with_news(answer: Answer, news: str) -> Answer:
    """``answer`` with ``news`` as the first line of its summary."""
    return replace(answer, summary=f"{news}\n{answer.summary}") if news else answer


# -- "What changed" ------------------------------------------------------------------------------


def snapshot(briefing: Briefing) -> Snapshot:
    """A JSON-able snapshot of the briefing's claims, keyed so edits can be told from removals.

    ``{"overall": {"name": "Overall", "claims": {key: {"label", "text"}}}, actor_id: {...}}``.
    A claim's key is its ``id`` when it has one, else its text.
    """
    overall: dict[str, dict[str, str]] = {}
    _add(overall, "summary", [briefing.summary])
    _add(overall, "key point", briefing.key_points)
    _add(overall, "to watch", briefing.watch)
    out: Snapshot = {"overall": {"name": "Overall", "claims": overall}}
    for actor in briefing.actors:
        claims: dict[str, dict[str, str]] = {
            "stance": {
                "label": "stance",
                "text": f"{actor.stance.label}: {actor.stance.explanation}",
            }
        }
        _add(claims, "interest", actor.interests)
        _add(claims, "constraint", actor.constraints)
        _add(claims, "action", actor.actions)
        for rel in actor.relations:
            claims[f"relation:{rel.actor}:{rel.kind}:{rel.text}"] = {
                "label": f"relation ({rel.kind})",
                "text": rel.text,
            }
        out[f"actor:{actor.id}"] = {"name": actor.name, "claims": claims}
    return out


def what_changed(before: Snapshot, after: Snapshot) -> list[ActorChanges]:
    """Claims added, changed (same id, new text) or removed, per actor, in ``after``'s order."""
    out: list[ActorChanges] = []
    keys = list(after) + [k for k in before if k not in after]
    for key in keys:
        old: Mapping[str, Any] = before.get(key, {}).get("claims", {})
        new: Mapping[str, Any] = after.get(key, {}).get("claims", {})
        name = (after.get(key) or before.get(key) or {}).get("name", key)
        changes: list[Change] = []
        for ckey, claim in new.items():
            if ckey not in old:
                changes.append(Change("added", claim["label"], claim["text"]))
            elif old[ckey]["text"] != claim["text"]:
                changes.append(
                    Change("changed", claim["label"], claim["text"], before=old[ckey]["text"])
                )
        changes.extend(
            Change("removed", claim["label"], claim["text"])
            for ckey, claim in old.items()
            if ckey not in new
        )
        if changes:
            out.append(ActorChanges(name=name, changes=tuple(changes)))
    return out


def _changes_sections(groups: list[ActorChanges]) -> list[Section]:
    sections: list[Section] = []
    shown = 0
    total = sum(len(g.changes) for g in groups)
    for group in groups:
        items: list[Item] = []
        for change in group.changes:
            if shown >= MAX_CHANGES:
                break
            items.append(Item(_describe(change)))
            shown += 1
        if items:
            sections.append(Section(heading=f"What changed: {group.name}", items=tuple(items)))
    if total > shown and sections:
        last = sections[-1]
        sections[-1] = replace(
            last, text=f"…and {total - shown} more changes; see the full briefing."
        )
    return sections


def _describe(change: Change) -> str:
    if change.kind == "changed":
        return f"Changed {change.label}: {change.text} (was: {change.before})"
    return f"{change.kind.capitalize()} {change.label}: {change.text}"


# -- helpers -------------------------------------------------------------------------------------


def _add(into: dict[str, dict[str, str]], label: str, claims: Sequence[Claim]) -> None:
    for claim in claims:
        key = f"{label}:{claim.id}" if claim.id else f"{label}:text:{claim.text}"
        into[key] = {"label": label, "text": claim.text}


def _point_key(claim: Claim) -> str:
    return claim.id or claim.text


def _spotlight_section(actor: Actor) -> Section:
    items = [Item(actor.stance.explanation, cites(actor.stance.evidence))]
    for claims in (actor.interests, actor.constraints):
        if claims:
            items.append(_item(claims[0]))
    return Section(heading=f"Spotlight: {actor.name}", text=actor.stance.label, items=tuple(items))


def _item(claim: Claim) -> Item:
    return Item(claim.text, cites(claim.evidence))
