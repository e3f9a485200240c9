"""What the digests need from storage, as protocols: the database (``Store``) and the
in-memory store (``MemoryStore``) implement them, and pass the same contract tests.

Every time comes from the caller (``now=``), so a test on a virtual clock is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.digests.records import Delivery, Subscription


class Subscriptions(Protocol):
    """The subscriptions: the source of truth of what is owed to which channel."""

    async def add(
        self,
        *,
        platform: str,
        workspace_id: str,
        channel_id: str,
        channel_name: str,
        schedule: str,
        timezone: str,
        briefing_id: str | None,
        created_by: str,
        now: datetime,
        thread: bool = False,
    ) -> tuple[Subscription, bool]: ...

    async def get(self, sub_id: str) -> Subscription | None: ...

    async def find(
        self,
        *,
        platform: str | None = None,
        workspace_id: str | None = None,
        channel_id: str | None = None,
        status: str | None = None,
    ) -> list[Subscription]: ...

    async def delete(self, sub_id: str) -> bool: ...

    async def set_status(
        self, sub_id: str, status: str, reason: str | None = None, *, now: datetime
    ) -> bool: ...

    async def set_thread(self, sub_id: str, thread: bool, *, now: datetime) -> bool: ...


class Ledger(Protocol):
    """One row per (subscription, occurrence): claimed by one holder at a time, then settled.

    A claim wins only when the occurrence has no row, or its row is ``claimed``/``retry`` and
    expired (a take-over, counted in ``attempts``). Only the holder of a claim may renew,
    record progress on, settle or release it.
    """

    async def claim(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        claim_seconds: float,
        now: datetime,
        manual: bool = False,
    ) -> bool: ...

    async def claim_many(
        self,
        items: Sequence[tuple[str, datetime]],
        *,
        holder: str,
        claim_seconds: float,
        now: datetime,
        manual: bool = False,
    ) -> list[bool]: ...

    async def renew(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        claim_seconds: float,
        now: datetime,
    ) -> bool: ...

    async def record_progress(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        pages_sent: int,
        now: datetime,
        message_id: str | None = None,
    ) -> bool: ...

    async def finish(
        self,
        sub_id: str,
        occurrence: datetime,
        *,
        holder: str,
        status: str,
        now: datetime,
        reason: str | None = None,
        message_id: str | None = None,
        retry_at: datetime | None = None,
        state: str | None = None,
        pause_reason: str | None = None,
    ) -> bool: ...

    async def record_missed(
        self, items: Iterable[tuple[str, datetime, str]], *, now: datetime
    ) -> int: ...

    async def expire_stale(
        self, items: Iterable[tuple[str, datetime, str]], *, now: datetime
    ) -> int: ...

    async def release(
        self,
        items: Iterable[tuple[str, datetime]],
        *,
        holder: str,
        now: datetime,
        reason: str = ...,
    ) -> int: ...

    async def watermarks(self) -> dict[str, datetime]: ...

    async def seen_since(
        self, since: datetime, sub_ids: Sequence[str] | None = None
    ) -> set[tuple[str, datetime]]: ...

    async def claimable(self, *, now: datetime) -> list[Delivery]: ...

    async def last_deliveries(self, sub_ids: Sequence[str]) -> dict[str, Delivery]: ...

    async def recent_deliveries(
        self, *, limit: int = 20, subscription_id: str | None = None
    ) -> list[Delivery]: ...

    async def deliveries_of(self, sub_id: str) -> list[Delivery]: ...


class Versions(Protocol):
    """Briefing versions as plain data: a snapshot per (briefing, fingerprint)."""

    async def record(
        self, briefing_id: str, fingerprint: str, snapshot: Mapping[str, Any], *, now: datetime
    ) -> None: ...

    async def snapshot(self, briefing_id: str, fingerprint: str) -> dict[str, Any] | None: ...


class DigestStore(Protocol):
    """Everything the digest service keeps: subscriptions, the ledger and briefing versions."""

    @property
    def subscriptions(self) -> Subscriptions: ...

    @property
    def ledger(self) -> Ledger: ...

    @property
    def versions(self) -> Versions: ...
