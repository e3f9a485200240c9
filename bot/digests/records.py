"""The digests' records and statuses, free of database and scheduler imports.

``bot.digests.handlers`` is imported by every ``briefbot`` command that builds an engine (its
declarations feed help and parsing), so what it needs at import time lives here, light.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Schedules shown in help and error messages.
EXAMPLES = (
    "daily 09:00 Europe/Istanbul",
    "weekdays 08:30 America/New_York",
    "weekly mon 09:00 Asia/Tokyo",
    "0 9 * * 1-5 UTC",
)

# Ledger statuses.
CLAIMED = "claimed"  # a process is posting it (until claim_expires_at)
SENT = "sent"
FAILED = "failed"  # final: permanent error, or transient errors outlasted the grace window
MISSED = "missed"  # final: nobody could post it within the grace window
RETRY = "retry"  # transient failure; claimable again from claim_expires_at

# Subscription statuses.
ACTIVE = "active"
PAUSED = "paused"


# -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """One channel's subscription to a digest schedule."""

    id: str
    platform: str
    workspace_id: str
    channel_id: str
    channel_name: str
    schedule: str
    timezone: str
    briefing_id: str | None
    status: str
    status_reason: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    active_since: datetime
    state: str | None = None
    #: Each digest opens a thread for discussion, its details posted in it.
    thread: bool = False

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


@dataclass(frozen=True)
class Delivery:
    """One row of the ledger."""

    subscription_id: str
    occurrence: datetime
    status: str
    attempts: int
    reason: str | None
    message_id: str | None
    manual: bool
    holder: str | None
    claim_expires_at: datetime | None
    updated_at: datetime
    pages_sent: int = 0  # of a multi-page digest, posted before a failure
    #: When the occurrence was first claimed: no attempt to post it began earlier.
    created_at: datetime | None = None
