"""Reading a compact answer as a user would: press every view control of a message (the
``bb1|view|…`` buttons), each edit in place, and keep what each view showed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.discord.models import USER_ID, SentMessage

if TYPE_CHECKING:
    from tests.fakes.discord.server import FakeDiscord

VIEW_PREFIX = "bb1|view|"


def view_ids(body: dict[str, Any]) -> list[str]:
    """The custom ids of a message body's view controls, in order."""
    message = SentMessage(id="", channel_id="", body=body)
    return [c for c in message.custom_ids if c.startswith(VIEW_PREFIX)]


@dataclass
class Walk:
    """Every view one message led to: the bodies seen (the first included) and, per control
    pressed, the seconds from the click to the edit reaching Discord."""

    message: SentMessage
    bodies: list[dict[str, Any]] = field(default_factory=list)
    latencies: dict[str, float] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        return [SentMessage(id="", channel_id="", body=b).text for b in self.bodies]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def joined(self) -> SentMessage:
        """One message holding every view's embeds (its components: the first view's)."""
        first = self.bodies[0]
        return SentMessage(
            id=self.message.id,
            channel_id=self.message.channel_id,
            interaction_id=self.message.interaction_id,
            flags=self.message.flags,
            body={
                **first,
                "embeds": [e for b in self.bodies for e in b.get("embeds") or []],
            },
        )


async def walk_views(
    fake: FakeDiscord, message: SentMessage, *, user_id: str = USER_ID, limit: int = 400
) -> Walk:
    """Press each distinct view control reachable from ``message`` once (breadth first), as
    ``user_id``, waiting for each edit in place; fails if a press answers any other way."""
    walk = Walk(message, bodies=[dict(message.body)])
    pending = view_ids(message.body)
    seen = set(pending)
    while pending:
        custom_id = pending.pop(0)
        assert len(walk.latencies) < limit, f"more than {limit} views"
        start = time.perf_counter()
        iid = await fake.click(custom_id, message.id, user_id=user_id)
        updated = await fake.wait_for_update(iid)
        walk.latencies[custom_id] = time.perf_counter() - start
        assert updated is message, "the click edited another message"
        assert not fake.interactions[iid].messages, "the click also sent a new message"
        walk.bodies.append(dict(updated.body))
        for new in view_ids(updated.body):
            if new not in seen:
                seen.add(new)
                pending.append(new)
    return walk
