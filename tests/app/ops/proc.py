"""``briefbot run`` as a real subprocess, for tests that signal it, probe it and read its logs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[3]
HEALTH_LINE = re.compile(r"health server on http://[^:]+:(\d+)")


def bot_env(**values: object) -> dict[str, str]:
    """A clean environment: none of the caller's tokens, health on a free port, text logs."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "HEALTH_HOST": "127.0.0.1",
        "HEALTH_PORT": "0",
        "LOG_LEVEL": "INFO",
    }
    env.update({k: str(v) for k, v in values.items() if v is not None})
    return env


class BotProcess:
    """``python -m bot run`` with ``env`` in ``cwd``; stdout and stderr collected as they come."""

    def __init__(self, env: dict[str, str], cwd: Path, *, stdin: bool = False) -> None:
        self.env = env
        self.cwd = cwd
        self.with_stdin = stdin
        self.lines: list[str] = []
        self.stdout_lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._new_line = asyncio.Event()
        self.health_port: int | None = None

    @property
    def output(self) -> str:
        """Everything the process printed so far (stderr and stdout)."""
        return "\n".join(self.lines)

    async def start(self) -> BotProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.cwd,
            env=self.env,
            stdin=asyncio.subprocess.PIPE if self.with_stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(self.proc.stderr, None)),
            asyncio.create_task(self._read(self.proc.stdout, self.stdout_lines)),
        ]
        return self

    async def _read(self, stream: asyncio.StreamReader, also: list[str] | None) -> None:
        async for raw in stream:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            if also is not None:
                also.append(line)
            if self.health_port is None and (m := HEALTH_LINE.search(line)):
                self.health_port = int(m.group(1))
            self._new_line.set()

    async def wait_for(self, pattern: str, *, timeout: float = 20.0) -> re.Match[str]:
        """The first output line matching ``pattern`` (waiting for it); fails on exit."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for line in self.lines[seen:]:
                if m := regex.search(line):
                    return m
            seen = len(self.lines)
            if self.proc is not None and self.proc.returncode is not None:
                await asyncio.gather(*self._readers)
                if any(regex.search(line) for line in self.lines[seen:]):
                    continue
                code = self.proc.returncode
                pytest.fail(f"bot exited ({code}) before {pattern!r}:\n{self.output}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no line matching {pattern!r} within {timeout:g} s:\n{self.output}")
            self._new_line.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_line.wait(), min(remaining, 0.2))

    async def get(self, path: str) -> tuple[int, str]:
        """GET ``path`` on the bot's health server: (status, body)."""
        if self.health_port is None:
            await self.wait_for(HEALTH_LINE.pattern)
        url = f"http://127.0.0.1:{self.health_port}{path}"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, await response.text()

    async def wait_ready(self, *, timeout: float = 20.0) -> None:
        """Wait until ``/readyz`` answers 200."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.returncode is not None:
                pytest.fail(f"bot exited ({self.proc.returncode}) before ready:\n{self.output}")
            status, body = await self.get("/readyz")
            if status == 200:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"not ready within {timeout:g} s: {body}\n{self.output}")
            await asyncio.sleep(0.05)

    async def send(self, line: str) -> None:
        """Type ``line`` into the console."""
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    def signal(self, sig: signal.Signals = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def wait(self, *, timeout: float = 30.0) -> int:
        """Wait for the exit code (and all output)."""
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.gather(*self._readers)
        return code

    async def close(self) -> None:
        """Kill the process if it still runs and release its pipes."""
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()
        await asyncio.gather(*self._readers, return_exceptions=True)
        if self.proc.stdin is not None:
            self.proc.stdin.close()


async def run_to_exit(env: dict[str, str], cwd: Path, *, timeout: float = 30.0) -> BotProcess:
    """Start the bot and wait for it to exit by itself (start-up failures)."""
    bot = await BotProcess(env, cwd).start()
    try:
        await bot.wait(timeout=timeout)
    finally:
        await bot.close()
    return bot
