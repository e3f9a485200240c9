"""Hot content reload: watch ``content/`` and swap in each valid new version while running.

A change on disk (debounced) reloads the whole directory off the event loop. A valid result
whose fingerprints differ is swapped in atomically (``LibraryHolder.swap``) and each briefing
is recorded as a new version in the store, so digests can say what changed. An invalid
result is rejected with the same ``file:line: field: message`` problems ``briefbot validate``
prints, and the last good version keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.core import metrics
from bot.core.errors import ContentError
from bot.core.library import Library, LibraryHolder
from bot.core.loader import LoadedBriefing, load_directory

log = logging.getLogger(__name__)

#: Quiet time after the last change before reloading (editors write files in several steps).
DEBOUNCE_MS = 300

Recorder = Callable[[list[LoadedBriefing]], Awaitable[None]]


class ReloadOutcome(StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"
    UNCHANGED = "unchanged"


class ContentReloader:
    """Reloads ``directory`` into ``holder``; ``start()`` does it on every change on disk.

    ``record`` persists each newly applied version (the runtime records briefing versions in
    the store). It runs after the swap: a database that is down delays the record (the digest
    service records the version it composes from anyway), never the new content.
    """

    def __init__(
        self,
        directory: Path,
        holder: LibraryHolder,
        *,
        record: Recorder | None = None,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        self.directory = directory
        self.holder = holder
        self.record = record
        self.debounce_ms = debounce_ms
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watching = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()

    async def reload(self) -> ReloadOutcome:
        """Load the directory now; apply it if valid and different, else keep serving."""
        async with self._lock:
            try:
                loaded = await asyncio.to_thread(load_directory, self.directory)
            except ContentError as exc:
                metrics.CONTENT_RELOADS.labels(outcome=ReloadOutcome.REJECTED).inc()
                log.error(
                    "content change rejected, still serving version %s; %d problem(s):\n%s",
                    self.holder.current.version,
                    len(exc.problems),
                    "\n".join(str(p) for p in exc.problems),
                )
                return ReloadOutcome.REJECTED
            new = Library.from_loaded(loaded, default_id=self.holder.current.requested_default)
            if new.version == self.holder.current.version:
                metrics.CONTENT_RELOADS.labels(outcome=ReloadOutcome.UNCHANGED).inc()
                log.debug("content unchanged (version %s)", new.version)
                return ReloadOutcome.UNCHANGED
            old = self.holder.swap(new)
            metrics.record_content(loaded)
            metrics.CONTENT_RELOADS.labels(outcome=ReloadOutcome.APPLIED).inc()
            log.info(
                "content reloaded: version %s -> %s (%s)",
                old.version,
                new.version,
                ", ".join(new.briefings),
            )
            if self.record is not None:
                try:
                    await self.record(loaded)
                except Exception as exc:
                    log.warning("could not record content version %s: %r", new.version, exc)
            return ReloadOutcome.APPLIED

    def reload_soon(self) -> None:
        """Reload in the background (e.g. on SIGHUP); a failure is logged, not raised."""
        task = asyncio.create_task(self._reload_logged(), name="content-reload")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _reload_logged(self) -> None:
        try:
            await self.reload()
        except Exception:  # a bug: the last good version keeps serving
            log.exception("content reload failed; still serving the last good version")

    def start(self) -> None:
        """Start watching in the background."""
        self._stop.clear()
        self._task = asyncio.create_task(self._watch(), name="content-watcher")

    async def wait_watching(self) -> None:
        """Return once the watcher is running (changes from now on are seen)."""
        await self._watching.wait()

    async def stop(self) -> None:
        """Stop watching; a reload in progress finishes first."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.gather(*self._pending)

    async def _watch(self) -> None:
        log.info("watching %s for content changes", self.directory)
        import watchfiles  # ~1.4 MB: only once the watcher runs

        # watchfiles.watch in a thread of its own rather than awatch: awatch runs on anyio,
        # whose backend costs another ~1.2 MB resident and ~70 ms of start-up.
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        done: asyncio.Future[None] = loop.create_future()

        def settle(error: BaseException | None) -> None:
            if done.done():
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(None)

        def watch() -> None:
            error: BaseException | None = None
            try:
                for batch in watchfiles.watch(
                    self.directory,
                    stop_event=stop,
                    debounce=self.debounce_ms,
                    step=50,
                    yield_on_timeout=False,
                    raise_interrupt=False,
                ):
                    changed = ", ".join(sorted({p for _, p in batch}))
                    asyncio.run_coroutine_threadsafe(self._on_change(changed), loop).result()
            except BaseException as exc:  # handed to the task, which raises it as awatch did
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(settle, error)

        threading.Thread(target=watch, name="content-watcher", daemon=True).start()
        self._watching.set()
        stopping = asyncio.ensure_future(self._stop.wait())
        waits: set[asyncio.Future[Any]] = {stopping, done}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            stop.set()
            self._watching.clear()
        await done

    async def _on_change(self, changed: str) -> None:
        log.info("content changed on disk: %s", changed)
        await self._reload_logged()
