"""The ``briefbot`` command line.

    briefbot run                  start every configured platform, or the console when none is
    briefbot validate [DIR]       check content; print every problem as file:line: field: message
                                  (--fix: correct paragraph numbers and quote marks first)
    briefbot new SLUG ARTICLE     start a briefing from an article (text, Markdown or HTML)
    briefbot paragraphs FILE      the numbered paragraphs and sentences of a source text
    briefbot query TEXT…          answer one command as ``/brief TEXT…`` would
    briefbot digests              list digest subscriptions and recent deliveries
    briefbot discord-invite       print the server and user install links
    briefbot slack-manifest       print a Slack app manifest

Platform libraries are imported only by the subcommands that need them, so ``query`` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__

if TYPE_CHECKING:
    from bot.commands.calls import Context
    from bot.commands.engine import Engine
    from bot.core.answers import Answer

FORMATS = ("text", "discord", "slack", "json", "png")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="A cited, structured briefing of an article on Discord, Slack and a console.",
    )
    parser.add_argument("--version", action="version", version=f"briefbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help="run the bot (console when no platform tokens are set)")

    validate = sub.add_parser("validate", help="validate a content directory")
    validate.add_argument("directory", nargs="?", type=Path, help="default: the content directory")
    validate.add_argument(
        "--fix",
        action="store_true",
        help="first correct what is unambiguous: paragraph numbers and quote marks",
    )

    new = sub.add_parser(
        "new", help="start a briefing: SLUG.source.txt and a SLUG.yaml skeleton from an article"
    )
    new.add_argument("slug", help="the briefing's id, e.g. turkey-syria")
    new.add_argument("article", type=Path, help="the article: plain text, Markdown or saved HTML")
    new.add_argument(
        "--dir", type=Path, help="where to write (default: CONTENT_DIR, else ./content)"
    )
    new.add_argument(
        "--format",
        dest="article_format",
        choices=("text", "markdown", "html"),
        help="the article's format (default: from its name and content)",
    )
    new.add_argument("--force", action="store_true", help="overwrite existing files")

    paragraphs = sub.add_parser(
        "paragraphs", help="print a source text's numbered paragraphs and sentences"
    )
    paragraphs.add_argument("file", type=Path, help="a source text, a briefing or an article")
    paragraphs.add_argument("--grep", metavar="TEXT", help="only sentences mentioning TEXT")

    query = sub.add_parser("query", help="answer one command, e.g. briefbot query actor erdogan")
    query.add_argument("text", nargs="+", help="the command, as typed after /brief")
    query.add_argument("--format", choices=FORMATS, default="text", help="output format")
    query.add_argument("--content", type=Path, help="content directory (default: CONTENT_DIR)")
    query.add_argument(
        "--full", action="store_true", help="print the whole answer at once, every section"
    )

    digests = sub.add_parser("digests", help="list digest subscriptions and recent deliveries")
    digests.add_argument("--deliveries", type=int, default=20, help="recent deliveries to show")
    sub.add_parser("discord-invite", help="print the Discord server and user install links")
    manifest = sub.add_parser("slack-manifest", help="print a Slack app manifest (YAML)")
    mode = manifest.add_mutually_exclusive_group()
    mode.add_argument("--socket", action="store_true", help="Socket Mode (no public URL)")
    mode.add_argument("--http", metavar="URL", help="HTTP mode with this request URL")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``briefbot`` console script."""
    # Options of the bot's own commands (``--briefing X``) belong to the query text.
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "query":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.text += extra
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "new":
        from bot.authoring import commands as authoring

        return authoring.new(
            args.slug, args.article, args.dir, fmt=args.article_format, force=args.force
        )
    if args.command == "paragraphs":
        from bot.authoring import commands as authoring

        return authoring.paragraphs(args.file, args.grep)
    if args.command in {"validate", "query"}:
        # One-shot commands: collecting garbage while importing and again at exit costs
        # ~100 ms and frees nothing that matters in a process about to end.
        gc.disable()
        try:
            if args.command == "validate":
                return _validate(args.directory, fix=args.fix)
            return _query(" ".join(args.text), args.format, args.content, full=args.full)
        finally:
            gc.freeze()

    if args.command == "run":
        # Start-up allocates much and frees little: ``Runtime.start`` freezes what it built
        # and turns the collector back on.
        gc.disable()
    from bot.app.settings import load_settings
    from bot.core.errors import ConfigError

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        from bot.app import runtime

        return runtime.main(settings)
    if args.command == "digests":
        from bot.digests import cli as digests_cli

        return digests_cli.main(settings.ops.database_url, ["--deliveries", str(args.deliveries)])
    if args.command == "discord-invite":
        from bot.platforms.discord import invite

        return invite.main(settings)
    if args.command == "slack-manifest":
        from bot.platforms.slack import manifest as slack_manifest

        mode = ["--socket"] if args.socket else ["--http", args.http] if args.http else []
        from bot.app.composition import build_registry

        return slack_manifest.main(settings, mode, registry=build_registry())
    return 2


def _validate(directory: Path | None, *, fix: bool = False) -> int:
    from bot.core.errors import ContentError
    from bot.core.loader import default_content_dir, load_directory

    path = directory or default_content_dir()
    if fix:
        from bot.authoring import commands as authoring

        authoring.validate_fix(path)
    try:
        loaded = load_directory(path)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        summary = f"{len(exc.problems)} problem(s) in {path}"
        if not fix:
            from bot.authoring import commands as authoring

            fixable = authoring.fixable_count(path)
            if fixable:
                summary += f"; `briefbot validate --fix` corrects {fixable} of them"
        print(summary, file=sys.stderr)
        return 1
    for b in loaded:
        quotes = _count_quotes(b.briefing.model_dump())
        print(
            f"ok  {b.path.name}: {b.briefing.id} — {len(b.briefing.actors)} actors, "
            f"{quotes} quotes verified against {len(b.paragraphs)} paragraphs"
        )
    return 0


def _count_quotes(node: object) -> int:
    if isinstance(node, dict):
        return int("quote" in node and "paragraph" in node) + sum(
            _count_quotes(v) for v in node.values()
        )
    if isinstance(node, list):
        return sum(_count_quotes(v) for v in node)
    return 0


def load_engine(content: Path | None = None) -> Engine:
    """Load content (raising ``ContentError``) and build an engine around it."""
    from bot.app.composition import build_engine
    from bot.core.library import Library, LibraryHolder
    from bot.core.loader import default_content_dir, load_directory
    from bot.core.settings import ContentSettings

    wanted = ContentSettings().default_briefing
    library = Library.from_loaded(
        load_directory(content or default_content_dir()), default_id=wanted
    )
    return build_engine(LibraryHolder(library))


def _query(text: str, fmt: str, content: Path | None, *, full: bool = False) -> int:
    from bot.commands.calls import Context
    from bot.core.answers import Tone
    from bot.core.errors import ContentError

    try:
        engine = load_engine(content)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    context = Context(platform="cli", channel_id="cli")
    answer = asyncio.run(engine.execute_text(text, context))
    if fmt == "png":
        from bot.stance_map.cli import write_png

        return write_png(engine.library.current, answer, sys.stdout.buffer)
    if not full and fmt != "json":  # the first view, as chat shows it; --full for everything
        answer = _first_view(engine, text, context, answer)
    if fmt == "text":
        import shutil

        from bot.render.text import WIDTH, to_text

        out = to_text(answer, width=shutil.get_terminal_size((WIDTH, 24)).columns)
    elif fmt == "discord":
        from bot.render.discord import to_discord

        out = json.dumps(to_discord(answer), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "slack":
        from bot.render.slack import to_slack

        out = json.dumps(to_slack(answer), indent=2, ensure_ascii=False) + "\n"
    else:
        out = json.dumps(dataclasses.asdict(answer), indent=2, ensure_ascii=False) + "\n"
    _print_to_closable(out + "\n" if fmt == "text" else out)
    return 1 if answer.tone is Tone.ERROR else 0


def _first_view(engine: Engine, text: str, context: Context, answer: Answer) -> Answer:
    """The compact first view of ``answer``, with the controls chat would offer."""
    from bot.core.errors import UserFacingError
    from bot.render.views import Origin, first_view

    try:
        invocation = engine.parse(text, context)
    except UserFacingError:
        return first_view(answer, None)
    return first_view(answer, Origin.of(invocation.command, invocation.args))


def _print_to_closable(text: str) -> None:
    """Write ``text`` to stdout; a reader that stops early (``| head``) is no error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the lost flush at exit (exit code 120): send the rest nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
