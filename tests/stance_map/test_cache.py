"""Maps are computed once per content version, off the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.core.library import Library
from bot.stance_map import MapCache, MapLayout


async def test_concurrent_requests_for_one_version_draw_once(library: Library) -> None:
    loaded = library.get(None)
    calls: list[str] = []
    release = threading.Event()

    def draw(lay: MapLayout) -> bytes:
        calls.append(lay.briefing_id)
        release.wait(10)
        return b"png of " + lay.briefing_id.encode()

    cache = MapCache(draw=draw)
    tasks = [asyncio.create_task(cache.png(loaded)) for _ in range(5)]
    await asyncio.sleep(0.05)
    assert cache.cached_png(loaded) is None
    release.set()
    results = await asyncio.gather(*tasks)
    assert set(results) == {b"png of " + loaded.briefing.id.encode()}
    assert calls == [loaded.briefing.id]
    assert await cache.png(loaded) is results[0]  # served from the cache
    assert cache.computed == {"layout": 1, "png": 1}


async def test_drawing_never_blocks_the_event_loop(library: Library) -> None:
    loaded = library.get(None)
    release = threading.Event()
    saw_release: list[bool] = []

    def draw(lay: MapLayout) -> bytes:
        # Released by the event loop: if drawing ran on the loop, nothing could release it.
        saw_release.append(release.wait(10))
        return b"png"

    cache = MapCache(draw=draw)
    task = asyncio.create_task(cache.png(loaded))
    await asyncio.sleep(0.01)
    release.set()
    assert await task == b"png"
    assert saw_release == [True]


async def test_a_cancelled_caller_does_not_cancel_the_drawing_for_the_others(
    library: Library,
) -> None:
    loaded = library.get(None)
    release = threading.Event()
    cache = MapCache(draw=lambda lay: release.wait(10) and b"png")  # type: ignore[arg-type, return-value]
    first = asyncio.create_task(cache.png(loaded))
    second = asyncio.create_task(cache.png(loaded))
    await asyncio.sleep(0.01)
    first.cancel()
    release.set()
    assert await second == b"png"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_failed_drawing_is_not_cached(library: Library) -> None:
    loaded = library.get(None)
    attempts: list[int] = []

    def draw(lay: MapLayout) -> bytes:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("out of memory")
        return b"png"

    cache = MapCache(draw=draw)
    with pytest.raises(RuntimeError):
        await cache.png(loaded)
    assert await cache.png(loaded) == b"png"
    assert len(attempts) == 2


async def test_versions_are_kept_apart_and_old_ones_age_out(tmp_path, content_dir) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from bot.core.loader import load_directory

    shutil.copytree(content_dir, tmp_path / "c", ignore=shutil.ignore_patterns("__*"))
    [old] = load_directory(tmp_path / "c")
    yaml = tmp_path / "c" / "turkey-syria-rapprochement.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace("side: unstated", "side: against", 1),
        encoding="utf-8",
    )
    [new] = load_directory(tmp_path / "c")
    assert old.fingerprint != new.fingerprint
    cache = MapCache(size=1, draw=lambda lay: repr(sorted(a.band for a in lay.actors)).encode())
    before, after = await cache.png(old), await cache.png(new)
    assert before != after  # an actor moved from unclear to opposed
    assert cache.cached_png(old) is None and cache.cached_png(new) == after
