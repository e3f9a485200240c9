"""The authoring commands of the ``briefbot`` command line: ``new``, ``paragraphs`` and
``validate --fix``. Each returns the process exit code and prints what it did."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

import yaml

from bot.core.textnorm import fold

__all__ = ["fixable_count", "new", "paragraphs", "validate_fix"]

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def new(
    slug: str,
    article_path: Path,
    directory: Path | None = None,
    *,
    fmt: str | None = None,
    force: bool = False,
    today: date | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """``briefbot new SLUG ARTICLE``: write ``SLUG.source.txt`` and the ``SLUG.yaml`` skeleton."""
    from bot.authoring.article import read_article
    from bot.authoring.candidates import find_candidates
    from bot.authoring.skeleton import render_skeleton
    from bot.core.loader_messages import TODO, slug_for

    if not _SLUG.fullmatch(slug):
        suggestion = slug_for(slug) or "my-briefing"
        print(
            f"briefbot new: {slug!r} cannot be a briefing id (lower-case letters, digits and "
            f"hyphens); try {suggestion!r}",
            file=err,
        )
        return 2
    directory = directory or _default_directory()
    try:
        article = read_article(article_path, fmt)
    except FileNotFoundError:
        print(f"briefbot new: no such file: {article_path}", file=err)
        return 1
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"briefbot new: cannot read {article_path}: {exc}", file=err)
        return 1
    source_path = directory / f"{slug}.source.txt"
    yaml_path = directory / f"{slug}.yaml"
    existing = [p for p in (source_path, yaml_path) if p.exists()]
    if existing and not force:
        names = " and ".join(str(p) for p in existing)
        print(f"briefbot new: {names} already exist(s); pass --force to overwrite", file=err)
        return 1

    candidates = find_candidates(article.paragraphs, title=article.title, author=article.author)
    skeleton = render_skeleton(
        slug,
        article,
        candidates,
        source_name=source_path.name,
        article_name=article_path.name,
        directory=str(directory),
        today=today or date.today(),
    )
    directory.mkdir(parents=True, exist_ok=True)
    source_path.write_text(article.source_text(), encoding="utf-8")
    yaml_path.write_text(skeleton, encoding="utf-8")

    sentences = sum(1 for _ in _sentences(article.paragraphs))
    print(
        f"Read {article_path} ({article.format_name}): {len(article.paragraphs)} paragraphs, "
        f"{sentences} sentences.",
        file=out,
    )
    if article.left_out:
        print(f"Left out, as not part of the article (listed in {yaml_path.name}):", file=out)
        for item in article.left_out[:8]:
            print(f"  - {item.summary(70)}", file=out)
        if len(article.left_out) > 8:
            print(f"  … and {len(article.left_out) - 8} more", file=out)
    print(f"Wrote {source_path} ({len(article.paragraphs)} paragraphs).", file=out)
    counts = [
        (len(candidates.actors), "actor"),
        (len(candidates.timeline), "timeline"),
        (len(candidates.figures), "figure"),
        (len(candidates.key_points), "key-point"),
        (len(candidates.watch), "watch"),
    ]
    offered = ", ".join(f"{n} {what}" for n, what in counts if n)
    todos = sum(line.count(TODO + ":") for line in skeleton.splitlines() if "quote:" not in line)
    print(
        f"Wrote {yaml_path}: a skeleton with {offered or 'no'} candidates and {todos} TODOs "
        "to write.",
        file=out,
    )
    print(
        "Next: write every TODO and keep the candidates you want (delete the rest), then run "
        f"`briefbot validate {directory}`.",
        file=out,
    )
    return 0


def paragraphs(
    file: Path, grep: str | None = None, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """``briefbot paragraphs FILE [--grep TEXT]``: the numbered paragraphs and their sentences.

    ``FILE`` is a source text (numbered as the validator numbers it), a briefing (its
    ``source.text_file``) or an article (as ``briefbot new`` would write it).
    """
    try:
        texts, note = _paragraphs_of(file)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        print(f"briefbot paragraphs: cannot read {file}: {exc}", file=err)
        return 1
    if note:
        print(note, file=out)
    needle = fold(grep) if grep else None
    hits: set[int] = set()
    count = 0
    for number, sentences in enumerate(_sentences_by_paragraph(texts), 1):
        if needle is None:
            print(f"¶{number}", file=out)
            for index, sentence in enumerate(sentences, 1):
                print(f"  {index}. {sentence}", file=out)
            continue
        for sentence in sentences:
            if needle in fold(sentence):
                print(f"¶{number}  {sentence}", file=out)
                hits.add(number)
                count += 1
    if needle is not None:
        if count:
            print(f"{count} sentence(s) in {len(hits)} paragraph(s) mention “{grep}”.", file=out)
        else:
            print(f"No sentence mentions “{grep}”.", file=out)
            return 1
    return 0


def validate_fix(directory: Path, *, out: TextIO = sys.stdout) -> list[str]:
    """Apply the unambiguous corrections in ``directory`` and print each; return them."""
    from bot.authoring.fix import fix_directory

    changes = fix_directory(directory)
    for change in changes:
        print(f"fixed {change}", file=out)
    if not changes:
        print("Nothing to fix automatically.", file=out)
    return [str(c) for c in changes]


def fixable_count(directory: Path) -> int:
    """How many corrections ``briefbot validate --fix`` would make in ``directory``."""
    from bot.authoring.fix import plan_directory

    try:
        return len(plan_directory(directory))
    except OSError:
        return 0


def _default_directory() -> Path:
    from bot.core.settings import ContentSettings

    return ContentSettings().content_dir or Path("content")


def _paragraphs_of(file: Path) -> tuple[tuple[str, ...], str]:
    from bot.core.loader import split_paragraphs

    suffix = file.suffix.lower()
    if suffix in {".yaml", ".yml"}:
        data = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
        source = data.get("source") if isinstance(data, dict) else None
        text_file = source.get("text_file") if isinstance(source, dict) else None
        if not isinstance(text_file, str):
            raise ValueError("the briefing names no source.text_file")
        path = file.parent / text_file.strip()
        return split_paragraphs(path.read_text(encoding="utf-8-sig")), f"{path}:"
    if suffix in {".html", ".htm", ".xhtml", ".md", ".markdown"}:
        from bot.authoring.article import read_article

        article = read_article(file)
        note = f"{file} as `briefbot new` would write it ({article.format_name}):"
        return tuple(article.paragraphs), note
    return split_paragraphs(file.read_text(encoding="utf-8-sig")), ""


def _sentences_by_paragraph(texts: tuple[str, ...] | list[str]) -> list[list[str]]:
    from bot.core.sentences import split_sentences

    return [split_sentences(text) for text in texts]


def _sentences(texts: list[str]) -> list[str]:
    return [s for group in _sentences_by_paragraph(texts) for s in group]
