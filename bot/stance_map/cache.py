"""Stance maps per content version, computed off the event loop, each at most once.

A map depends only on the loaded briefing, so it is kept per content fingerprint (a reload
makes a new fingerprint, and the old entries age out of a small LRU). Layout and drawing run on
one dedicated worker thread rather than the loop's shared default pool: drawing takes a few
hundred milliseconds that must never block the event loop, matplotlib's settings are
process-global so two drawings must not overlap anyway, and a burst of map requests then
cannot starve other ``to_thread`` work. Requests for a version already being computed wait for
that one computation (single flight); a caller that gives up (cancelled) does not cancel it for
the others.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bot.stance_map.layout import layout
from bot.stance_map.parts import MapLayout

if TYPE_CHECKING:
    from bot.core.answers import ImageRef
    from bot.core.library import Library
    from bot.core.loader import LoadedBriefing

T = TypeVar("T")

_executor: concurrent.futures.ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _worker() -> concurrent.futures.ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="stance-map"
            )
        return _executor


def _draw(layout_: MapLayout) -> bytes:
    from bot.stance_map.png import render_png  # matplotlib loads with the first drawing

    return render_png(layout_)


class MapCache:
    """Layouts and PNGs of stance maps, by briefing version."""

    def __init__(self, *, size: int = 8, draw: Callable[[MapLayout], bytes] = _draw) -> None:
        self.size = size
        self._draw = draw
        self._lock = threading.Lock()
        self._done: dict[str, OrderedDict[str, Any]] = {
            "layout": OrderedDict(),
            "png": OrderedDict(),
        }
        self._inflight: dict[tuple[str, str], concurrent.futures.Future[Any]] = {}
        #: How many layouts and drawings were computed (not served from the cache).
        self.computed = {"layout": 0, "png": 0}

    @staticmethod
    def key(loaded: LoadedBriefing) -> str:
        return f"{loaded.briefing.id}:{loaded.fingerprint}"

    def cached_png(self, loaded: LoadedBriefing) -> bytes | None:
        """The PNG if it has been drawn already, else None (never draws)."""
        with self._lock:
            data: bytes | None = self._done["png"].get(self.key(loaded))
            return data

    async def layout(self, loaded: LoadedBriefing) -> MapLayout:
        """The layout of ``loaded``'s map (computed on the worker thread the first time)."""
        result: MapLayout = await self._get("layout", loaded, self._layout_now)
        return result

    async def png(self, loaded: LoadedBriefing) -> bytes:
        """The PNG of ``loaded``'s map (drawn on the worker thread the first time)."""
        result: bytes = await self._get("png", loaded, self._png_now)
        return result

    def _layout_now(self, loaded: LoadedBriefing) -> MapLayout:
        key = self.key(loaded)
        with self._lock:
            found: MapLayout | None = self._done["layout"].get(key)
        if found is None:
            found = layout(loaded.briefing)
            self._store("layout", key, found)
        return found

    def _png_now(self, loaded: LoadedBriefing) -> bytes:
        return self._draw(self._layout_now(loaded))

    def _store(self, stage: str, key: str, value: Any) -> None:
        with self._lock:
            done = self._done[stage]
            if key not in done:
                self.computed[stage] += 1
            done[key] = value
            done.move_to_end(key)
            while len(done) > self.size:
                done.popitem(last=False)

    async def _get(
        self, stage: str, loaded: LoadedBriefing, compute: Callable[[LoadedBriefing], T]
    ) -> T:
        key = self.key(loaded)
        with self._lock:
            done = self._done[stage]
            if key in done:
                done.move_to_end(key)
                hit: T = done[key]
                return hit
            future = self._inflight.get((stage, key))
            if future is None:
                future = _worker().submit(self._run, stage, key, loaded, compute)
                self._inflight[(stage, key)] = future
        result: T = await asyncio.shield(asyncio.wrap_future(future))
        return result

    def _run(
        self, stage: str, key: str, loaded: LoadedBriefing, compute: Callable[[LoadedBriefing], T]
    ) -> T:
        try:
            value = compute(loaded)
            self._store(stage, key, value)
            return value
        finally:
            with self._lock:
                self._inflight.pop((stage, key), None)


#: The process's maps: the ``map`` command and the adapters share it.
maps = MapCache()


async def render_map(loaded: LoadedBriefing) -> bytes:
    """The PNG of ``loaded``'s stance map, drawn off the event loop once per content version."""
    return await maps.png(loaded)


async def map_layout(loaded: LoadedBriefing) -> MapLayout:
    """The layout of ``loaded``'s stance map, computed off the event loop once per version."""
    return await maps.layout(loaded)


async def image_bytes(library: Library, ref: ImageRef) -> bytes:
    """The PNG an answer's ``image`` stands for, from the current library.

    Raises ``ValueError`` for an image kind this module does not draw, and
    ``UserFacingError`` (like every command) when the briefing is no longer loaded.
    """
    from bot.stance_map.views import IMAGE_KIND

    if ref.kind != IMAGE_KIND:
        raise ValueError(f"not a stance map: {ref.kind!r}")
    return await render_map(library.get(ref.briefing))
