"""Launching the services of ``briefbot run``: each start bounded and its failure put in one
sentence, the platforms connected concurrently, and digest posts held until their platform is
connected.

The digest service starts before any platform connects (so that nothing but answering is left
for after "ready"); a digest it finds due meanwhile is composed at once and its post waits at
the platform's ``HeldPoster`` until that platform has started — or fails as ``Unavailable``
(retried, or handed back on shutdown) when it never does.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.core.errors import ConfigError
from bot.digests.ports import Unavailable

if TYPE_CHECKING:
    from bot.core.answers import Answer
    from bot.digests.ports import (
        ChannelRef,
        Poster,
        PostKey,
        PostResult,
        RateLimits,
        Service,
        ThreadPlan,
    )

log = logging.getLogger(__name__)

#: How long a service may take to start (log in, open its socket) before start-up fails.
START_SECONDS = 60.0


async def start_service(service: Service, *, seconds: float = START_SECONDS) -> None:
    """Start ``service`` within ``seconds``; raise a ``StartupError`` saying why it did not."""
    from bot.app.startup import EXIT_CONFIG, StartupError

    try:
        await asyncio.wait_for(service.start(), seconds)
    except TimeoutError:
        raise StartupError(f"{service.name}: did not start within {seconds:.0f} s") from None
    except ConfigError as exc:
        raise StartupError(f"{service.name}: {exc}", exit_code=EXIT_CONFIG) from None
    except Exception as exc:
        from bot.app.health import reason

        raise StartupError(f"{service.name}: cannot start: {reason(exc)}") from None
    log.info("%s started", service.name)


async def all_at_once(*starting: asyncio.Task[None]) -> None:
    """Wait for every start; on the first failure cancel the others and raise it."""
    try:
        await asyncio.gather(*starting)
    except BaseException:
        for task in starting:
            task.cancel()
        await asyncio.gather(*starting, return_exceptions=True)
        raise


class HeldPoster:
    """A platform's poster whose posts wait until ``open()`` (the platform has started); after
    ``refuse()`` instead (it will not start, or the process is stopping) they fail as
    ``Unavailable`` without reaching the platform. Once open it stays open."""

    def __init__(self, poster: Poster) -> None:
        self.poster = poster
        self.platform: str = poster.platform
        self.limits: RateLimits = poster.limits
        self._decided = asyncio.Event()
        self._open = False

    def open(self) -> None:
        self._open = True
        self._decided.set()

    def refuse(self) -> None:
        self._decided.set()

    def parse_channel(self, text: str) -> ChannelRef | None:
        return self.poster.parse_channel(text)

    async def post(
        self,
        channel_id: str,
        answer: Answer,
        *,
        skip_pages: int = 0,
        key: PostKey | None = None,
        uncertain: bool = False,
        thread: ThreadPlan | None = None,
    ) -> PostResult:
        """The platform's ``post``, once it has started."""
        if not self._decided.is_set():
            log.info("a digest post waits for %s to connect", self.platform)
            await self._decided.wait()
        if not self._open:
            raise Unavailable(f"{self.platform} is not connected", pages_sent=skip_pages)
        extra = {"thread": thread} if thread is not None else {}
        return await self.poster.post(
            channel_id, answer, skip_pages=skip_pages, key=key, uncertain=uncertain, **extra
        )

    def thread_refusal(self, channel_id: str) -> str | None:
        """The platform's ``ThreadChecker`` answer, where it has one."""
        check = getattr(self.poster, "thread_refusal", None)
        return check(channel_id) if callable(check) else None

    def thread_required(self, channel_id: str) -> bool:
        """The platform's ``ThreadChecker`` answer, where it has one."""
        check = getattr(self.poster, "thread_required", None)
        return bool(check(channel_id)) if callable(check) else False
