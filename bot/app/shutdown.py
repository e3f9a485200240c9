"""Stopping ``briefbot run``: the stop actions, newest first and each bounded, and the signals
that ask for a stop (SIGTERM, SIGINT) or a content reload (SIGHUP)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

#: Upper bound on a graceful stop; systemd's TimeoutStopSec must be above it.
SHUTDOWN_SECONDS = 25.0
#: The least a stop step gets, however little of ``SHUTDOWN_SECONDS`` is left.
STEP_SECONDS = 1.0

StopAction = Callable[[], Awaitable[object]]


class Stops:
    """What to stop, in the order added; ``run`` stops them newest first."""

    def __init__(self) -> None:
        self._actions: list[tuple[str, StopAction]] = []

    def add(self, name: str, action: StopAction) -> None:
        """Stop ``action`` before everything added earlier."""
        self._actions.append((name, action))

    def __bool__(self) -> bool:
        return bool(self._actions)

    @property
    def names(self) -> list[str]:
        """What is left to stop, in the order it will be stopped."""
        return [name for name, _ in reversed(self._actions)]

    async def run(self, *, seconds: float = SHUTDOWN_SECONDS) -> None:
        """Stop everything, newest first, within ``seconds`` in all (a step left with less than
        ``STEP_SECONDS`` still gets that); a step that fails or hangs is logged and skipped."""
        deadline = time.monotonic() + seconds
        while self._actions:
            name, action = self._actions.pop()
            budget = max(deadline - time.monotonic(), STEP_SECONDS)
            try:
                await asyncio.wait_for(action(), budget)
            except TimeoutError:
                log.error("%s did not stop within %.1f s; moving on", name, budget)
            except Exception:
                log.exception("%s failed to stop cleanly", name)


class Signals:
    """SIGTERM / SIGINT call ``on_stop(signal)``, SIGHUP calls ``on_reload()``, while installed
    (where the platform lets a loop handle signals)."""

    def __init__(
        self, on_stop: Callable[[signal.Signals], None], on_reload: Callable[[], None]
    ) -> None:
        self.on_stop = on_stop
        self.on_reload = on_reload
        self._installed: list[signal.Signals] = []

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.on_stop, sig)
                self._installed.append(sig)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, self.on_reload)
            self._installed.append(signal.SIGHUP)

    def remove(self) -> None:
        loop = asyncio.get_running_loop()
        while self._installed:
            loop.remove_signal_handler(self._installed.pop())
