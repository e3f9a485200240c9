"""``briefbot validate --fix``: apply the corrections the validator can make without doubt.

Two kinds, and only where there is exactly one right answer:

- a paragraph number that does not hold the quote, when exactly one paragraph does;
- a quote that differs from the source only in its quote marks, apostrophes, dashes or dots
  («…» for “…”, ... for …), when exactly one place of the source matches: the source's
  characters are copied into the quote.

Everything else (a case slip, a typo, an unknown field) is left to the author. The YAML is
edited in place, value by value, so its comments and layout stay as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.loader import dotted, normalise_for_match, split_paragraphs
from bot.core.quote_messages import find_slip

__all__ = ["Change", "fix_directory", "plan_directory"]


@dataclass(frozen=True)
class Change:
    """One correction: where, and what changed."""

    file: Path
    line: int
    field: str
    description: str
    start: int
    end: int
    replacement: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.description}"


def plan_directory(directory: Path) -> list[Change]:
    """The corrections ``fix_directory`` would make, without making them."""
    changes: list[Change] = []
    for path in _briefing_files(directory):
        changes += _plan_file(path)
    return changes


def fix_directory(directory: Path) -> list[Change]:
    """Make the unambiguous corrections in every briefing of ``directory``; return them."""
    changes = plan_directory(directory)
    by_file: dict[Path, list[Change]] = {}
    for change in changes:
        by_file.setdefault(change.file, []).append(change)
    for path, edits in by_file.items():
        text = path.read_text(encoding="utf-8-sig")
        for edit in sorted(edits, key=lambda c: c.start, reverse=True):
            text = text[: edit.start] + edit.replacement + text[edit.end :]
        path.write_text(text, encoding="utf-8")
    return changes


def _briefing_files(directory: Path) -> Iterator[Path]:
    if directory.is_file():
        yield directory
        return
    for entry in sorted(directory.iterdir()):
        if entry.suffix in {".yaml", ".yml"} and entry.is_file() and entry.name[0] not in "._":
            yield entry


def _plan_file(path: Path) -> list[Change]:
    try:
        text = path.read_text(encoding="utf-8-sig")
        # The pure-Python loader: its marks count characters, which the edits need.
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # `briefbot validate` says why
    if not isinstance(root, yaml.MappingNode):
        return []
    paragraphs = _source_paragraphs(path, root)
    if not paragraphs:
        return []
    normalised = [normalise_for_match(p) for p in paragraphs]
    changes: list[Change] = []
    for location, quote_node, paragraph_node in _evidence_nodes(root, ()):
        changes += _plan_evidence(
            path, text, location, quote_node, paragraph_node, paragraphs, normalised
        )
    return changes


def _plan_evidence(
    path: Path,
    text: str,
    location: tuple[str | int, ...],
    quote_node: yaml.ScalarNode,
    paragraph_node: yaml.ScalarNode,
    paragraphs: tuple[str, ...],
    normalised: list[str],
) -> list[Change]:
    quote = quote_node.value
    try:
        cited = int(paragraph_node.value)
    except ValueError:
        return []
    needle = normalise_for_match(quote)
    if not needle or (1 <= cited <= len(normalised) and needle in normalised[cited - 1]):
        return []
    found = [n for n, p in enumerate(normalised, 1) if needle in p]
    if len(found) == 1:
        return [_paragraph_change(path, location, paragraph_node, cited, found[0])]
    if found:
        return []  # in several paragraphs: which one is meant is the author's call
    slip = find_slip(quote, paragraphs, cited)
    if slip is None or slip.kind != "typography" or len(slip.paragraphs) != 1:
        return []
    start, end = quote_node.start_mark.index, quote_node.end_mark.index
    original = text[start:end]
    trailing = original[len(original.rstrip()) :] if quote_node.style in {">", "|"} else ""
    changes = [
        Change(
            path,
            quote_node.start_mark.line + 1,
            dotted((*location, "quote")),
            f"copied the source's quote marks, apostrophes, dashes and dots: “{slip.source}”",
            start,
            end,
            _render(slip.source, quote_node.style) + trailing,
        )
    ]
    if slip.paragraphs[0] != cited:
        changes.append(_paragraph_change(path, location, paragraph_node, cited, slip.paragraphs[0]))
    return changes


def _paragraph_change(
    path: Path, location: tuple[str | int, ...], node: yaml.ScalarNode, cited: int, found: int
) -> Change:
    return Change(
        path,
        node.start_mark.line + 1,
        dotted((*location, "paragraph")),
        f"paragraph {cited} → {found} (the quote is in paragraph {found})",
        node.start_mark.index,
        node.end_mark.index,
        str(found),
    )


def _source_paragraphs(path: Path, root: yaml.MappingNode) -> tuple[str, ...]:
    source = _child(root, "source")
    text_file = _child(source, "text_file") if isinstance(source, yaml.MappingNode) else None
    if not isinstance(text_file, yaml.ScalarNode) or not text_file.value.strip():
        return ()
    try:
        text = (path.parent / text_file.value.strip()).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ()
    return split_paragraphs(text)


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value
    return None


def _evidence_nodes(
    node: yaml.Node, location: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], yaml.ScalarNode, yaml.ScalarNode]]:
    """Every evidence item's quote and paragraph scalars, with the item's location."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
            if key == "evidence" and isinstance(value, yaml.SequenceNode):
                for index, item in enumerate(value.value):
                    quote, paragraph = _child(item, "quote"), _child(item, "paragraph")
                    if isinstance(quote, yaml.ScalarNode) and isinstance(
                        paragraph, yaml.ScalarNode
                    ):
                        yield (*location, key, index), quote, paragraph
            else:
                yield from _evidence_nodes(value, (*location, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _evidence_nodes(item, (*location, index))


def _render(value: str, style: str | None) -> str:
    """``value`` as a one-line scalar, in the quoting style it had where that style can hold it."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style in {'"', ">", "|"}:
        return json.dumps(value, ensure_ascii=False)
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10**9)
    return dumped.removesuffix("\n...\n").removesuffix("\n")
