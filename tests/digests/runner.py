"""A digest-only bot process for restart and multi-process tests.

    python -m tests.digests.runner --db URL --out posts.jsonl --instance NAME

Starts a ``Store`` and a ``DigestService`` over the fixture briefing with a poster that appends
one JSON line per post to ``--out`` (one ``write`` per line, so several processes can share the
file). Prints ``READY`` once started; stops gracefully on SIGTERM; tests also SIGKILL it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from bot.app.composition import build_engine
from bot.app.settings import DigestSettings, OpsSettings, Settings
from bot.commands.calls import META_STORE
from bot.core.answers import Answer
from bot.core.library import Library, LibraryHolder
from bot.core.loader import load_directory
from bot.digests.handlers import DIGESTS
from bot.digests.ports import PostResult
from bot.digests.service import DigestService
from bot.digests.store import Store

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "briefings" / "valid"


class FilePoster:
    """Appends every post to a JSON-lines file."""

    platform = "console"

    def __init__(self, path: Path, instance: str) -> None:
        self.path = path
        self.instance = instance
        self.count = 0

    async def post(self, channel_id: str, answer: Answer, *, skip_pages: int = 0) -> PostResult:
        if skip_pages:  # one page per answer: already posted
            return PostResult()
        self.count += 1
        line = json.dumps(
            {
                "instance": self.instance,
                "channel": channel_id,
                "title": answer.title,
                "spotlight": answer.extra.get("spotlight"),
                "at": time.time(),
            }
        )
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        return PostResult(message_id=f"{self.instance}-{self.count}")


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--instance", default="runner")
    parser.add_argument("--grace-minutes", type=int, default=60)
    parser.add_argument("--claim-seconds", type=int, default=10)
    parser.add_argument("--sweep", type=float, default=0.5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    settings = Settings(
        digest=DigestSettings(grace_minutes=args.grace_minutes, claim_seconds=args.claim_seconds),
        ops=OpsSettings(database_url=args.db),
    )
    engine = build_engine(LibraryHolder(Library.from_loaded(load_directory(FIXTURE))))
    store = await Store.open(args.db)
    service = DigestService(
        settings,
        engine,
        store,
        {"console": FilePoster(args.out, args.instance)},
        sweep_seconds=args.sweep,
        instance=args.instance,
    )
    engine.services.provide(DIGESTS, service)
    engine.services.provide(META_STORE, store)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await service.start()
    print("READY", flush=True)
    await stop.wait()
    await service.stop()
    await store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
