"""Shared helpers of the authoring tests: the articles, and running ``briefbot new``."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.authoring import commands

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_TEXT = FIXTURES / "inkstick-turkey-syria.txt"
SEED_HTML = FIXTURES / "inkstick-turkey-syria.html"
VESSEL_TEXT = FIXTURES / "vessel-river.txt"
VESSEL_MARKDOWN = FIXTURES / "vessel-river.md"
TODAY = date(2026, 12, 1)


@dataclass
class NewRun:
    """What ``briefbot new`` did: its exit code, output and the files it wrote."""

    code: int
    out: str
    err: str
    source: Path
    skeleton: Path


def run_new(slug: str, article: Path, directory: Path, **options: object) -> NewRun:
    out, err = io.StringIO(), io.StringIO()
    code = commands.new(
        slug,
        article,
        directory,
        today=TODAY,
        out=out,
        err=err,
        **options,  # type: ignore[arg-type]
    )
    return NewRun(
        code,
        out.getvalue(),
        err.getvalue(),
        directory / f"{slug}.source.txt",
        directory / f"{slug}.yaml",
    )
