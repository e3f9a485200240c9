"""Load briefings from a content directory and check every quote against its source article.

A content directory holds one briefing per ``*.yaml``/``*.yml`` file; each names its article
text in ``source.text_file`` (relative to the YAML file). Loading collects *every* problem of
every file before failing, each as ``file:line: field: message``:

- malformed YAML (the line to look at, and what is wrong there in plain words) and duplicate
  mapping keys;
- schema violations (missing, unknown or wrong-typed fields), with the dotted field path
  (``actors[2].stance.evidence``; list indexes count from 0) and the line of the field, found
  through the marks of PyYAML's composed nodes; "did you mean …?" for a misspelt field or kind;
- a missing or empty source text file;
- a quote that is not in the source, or is in another paragraph than the one cited, or cites a
  paragraph past the end (quotes are compared with whitespace, typographic quotes, apostrophes
  and dashes normalised; case and wording must match); a quote that is not found gets the
  closest sentence of the source with the differing words marked, or is named as a case,
  accent, punctuation or quote-mark slip;
- a ``TODO`` that ``briefbot new`` left for the author to write;
- unknown actor references (an actor's name instead of its id gets the id), a name/alias
  shared by two actors (compared the way ``bot.core.library`` resolves names: case-, accent-
  and punctuation-insensitively), duplicate actor ids and duplicate claim ids (these checks
  are in ``bot.core.consistency``), and duplicate briefing ids across files;
- a directory with no briefings at all.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.briefing import Briefing
from bot.core.consistency import actor_problems, id_problems
from bot.core.errors import ConfigError, ContentError, ContentProblem
from bot.core.settings import ContentSettings
from bot.core.textnorm import normalise_quote

# The wording of problems (bot.core.loader_messages, quote_messages, yaml_messages) is imported
# only when there is one, so a valid start-up does not pay for it.

log = logging.getLogger(__name__)

__all__ = [
    "LoadedBriefing",
    "default_content_dir",
    "load_directory",
    "normalise_for_match",
    "split_paragraphs",
    "validate_directory",
]

BRIEFING_SUFFIXES = (".yaml", ".yml")
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is ~10× faster
#: Characters ``bot.core.textnorm`` leaves alone that still differ only typographically.
_MORE_TYPOGRAPHY = str.maketrans(
    {"ʼ": "'", "′": "'", "″": '"', "‐": "-", "‑": "-", "―": "-", "−": "-"}
)

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedBriefing:
    """A validated briefing, the file it came from and its source article's paragraphs."""

    briefing: Briefing
    path: Path
    #: The source text's paragraphs; paragraph ``n`` of an ``Evidence`` is ``paragraphs[n - 1]``.
    paragraphs: tuple[str, ...]
    #: sha256 over the YAML file and the source text: changes whenever either changes.
    fingerprint: str

    def paragraph(self, number: int) -> str:
        """Paragraph ``number`` (counted from 1) of the source text."""
        if not 1 <= number <= len(self.paragraphs):
            raise IndexError(f"paragraph {number} (the source has {len(self.paragraphs)})")
        return self.paragraphs[number - 1]


def default_content_dir() -> Path:
    """Where briefings are read from.

    ``$CONTENT_DIR`` if set; else ``./content`` if it holds briefings; else the briefings
    shipped in the package (``bot.content``); else, in a source checkout, the ``content/``
    directory next to the ``bot`` package.
    """
    configured = ContentSettings().content_dir
    if configured is not None:
        return configured
    local = Path("content")
    if _has_briefings(local):
        return local.resolve()
    packaged = _packaged_content_dir()
    if packaged is not None and _has_briefings(packaged):
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "content"
    if _has_briefings(checkout):
        return checkout
    raise ConfigError(
        "No briefings found: set CONTENT_DIR to a directory of briefing YAML files "
        "(none in ./content and none shipped in the package)."
    )


def load_directory(path: Path | str) -> list[LoadedBriefing]:
    """Load and check every briefing in ``path`` (sorted by file name).

    Raises ``ContentError`` listing every problem found in every file.
    """
    loaded, problems = _load(Path(path))
    if problems:
        raise ContentError(problems)
    log.info("loaded %d briefing(s) from %s", len(loaded), path)
    return loaded


def validate_directory(path: Path | str) -> list[ContentProblem]:
    """Every problem of the briefings in ``path``, sorted by file and line (empty = valid)."""
    return ContentError(_load(Path(path))[1]).problems


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Paragraphs of a source text: blocks of non-empty lines separated by blank lines.

    Lines inside a block keep their line breaks; trailing spaces are dropped.
    """
    paragraphs: list[str] = []
    block: list[str] = []
    for line in text.splitlines():
        if line.strip():
            block.append(line.rstrip())
        elif block:
            paragraphs.append("\n".join(block))
            block = []
    if block:
        paragraphs.append("\n".join(block))
    return tuple(paragraphs)


def normalise_for_match(text: str) -> str:
    """The form quotes and paragraphs are compared in (see the module docstring)."""
    return normalise_quote(unicodedata.normalize("NFC", text).translate(_MORE_TYPOGRAPHY))


# --- loading ---------------------------------------------------------------------------------


def _has_briefings(directory: Path) -> bool:
    return directory.is_dir() and any(_briefing_files(directory))


def _briefing_files(directory: Path) -> Iterator[Path]:
    for entry in sorted(directory.iterdir()):
        if entry.suffix in BRIEFING_SUFFIXES and entry.is_file() and entry.name[0] not in "._":
            yield entry


def _packaged_content_dir() -> Path | None:
    try:
        traversable = resources.files("bot.content")
    except ModuleNotFoundError:
        return None
    # A regular (or editable) install keeps the package on disk; a zipped one cannot be read
    # as a directory and is not supported.
    return traversable if isinstance(traversable, Path) else None


def _load(directory: Path) -> tuple[list[LoadedBriefing], list[ContentProblem]]:
    if not directory.is_dir():
        return [], [ContentProblem(str(directory), 0, "(directory)", "not a directory")]
    files = list(_briefing_files(directory))
    if not files:
        message = "no briefings here (expected *.yaml or *.yml files)"
        return [], [ContentProblem(str(directory), 0, "(directory)", message)]
    loaded: list[LoadedBriefing] = []
    problems: list[ContentProblem] = []
    first_file_of_id: dict[str, str] = {}
    for file in files:
        result = _BriefingFile(file)
        briefing_id = result.raw_id
        if briefing_id is not None and briefing_id in first_file_of_id:
            other = first_file_of_id[briefing_id]
            result.report(("id",), f"briefing id {briefing_id!r} is also used by {other}")
        elif briefing_id is not None:
            first_file_of_id[briefing_id] = file.name
        problems.extend(result.problems)
        if result.loaded is not None and not result.problems:
            loaded.append(result.loaded)
    return loaded, problems


class _BriefingFile:
    """One briefing file, checked on construction: ``loaded`` is set when it has no problems."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[ContentProblem] = []
        self.lines: dict[FieldPath, int] = {(): 1}
        self.raw_id: str | None = None
        self._yaml_text = ""
        self.loaded: LoadedBriefing | None = None
        self._check()

    # -- reporting --

    def report(self, location: FieldPath, message: str, *, line: int | None = None) -> None:
        """Record a problem at the line of ``location`` (or of its nearest present parent)."""
        if line is None:
            line = self.line_of(location)
        self.problems.append(ContentProblem(str(self.path), line, dotted(location), message))

    def line_of(self, location: FieldPath) -> int:
        for end in range(len(location), -1, -1):
            line = self.lines.get(location[:end])
            if line is not None:
                return line
        return 1

    def first(self, location: FieldPath) -> str:
        """Where something was first seen, for "duplicate" messages."""
        return f"first at line {self.line_of(location)}, {dotted(location)}"

    # -- the checks --

    def _check(self) -> None:
        try:
            yaml_bytes = self.path.read_bytes()
            yaml_text = yaml_bytes.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            self.report((), f"cannot read the file: {exc}")
            return
        self._yaml_text = yaml_text
        data = self._parse(yaml_text)
        if data is None:
            return
        if not isinstance(data, dict):
            self.report((), f"a briefing must be a mapping of fields, not {_kind(data)}")
            return
        if isinstance(data.get("id"), str):
            self.raw_id = data["id"]

        briefing = self._validate_schema(data)
        source = self._read_source(data)
        paragraphs = split_paragraphs(source[1]) if source is not None else None
        if paragraphs is not None:
            self._check_quotes(data, paragraphs)
        for location, message in actor_problems(data, self.first):
            self.report(location, message)
        for location, message in id_problems(data, self.first):
            self.report(location, message)
        self._check_todos(data)

        if briefing is not None and source is not None and paragraphs and not self.problems:
            digest = hashlib.sha256(yaml_bytes)
            digest.update(b"\0")
            digest.update(source[0])
            self.loaded = LoadedBriefing(briefing, self.path, paragraphs, digest.hexdigest())

    def _parse(self, text: str) -> Any:
        loader = _YamlLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                self.report((), "the file is empty")
                return None
            self._index(node, ())
            return loader.construct_document(node)
        except yaml.YAMLError as exc:
            from bot.core.yaml_messages import yaml_error

            line, field, message = yaml_error(exc, text)
            self.problems.append(ContentProblem(str(self.path), line, field, message))
            return None
        finally:
            loader.dispose()

    def _index(self, node: yaml.Node, location: FieldPath) -> None:
        """Record the line of every field and list item (1-based), and flag duplicate keys."""
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
                child = (*location, key)
                line = key_node.start_mark.line + 1
                if child in self.lines and key != "<<":
                    self.report(
                        child,
                        f"duplicate key (also on line {self.lines[child]}); the last one wins",
                        line=line,
                    )
                self.lines[child] = line
                self._index(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*location, index)
                self.lines[child] = item.start_mark.line + 1
                self._index(item, child)

    def _validate_schema(self, data: dict[str, Any]) -> Briefing | None:
        try:
            return Briefing.model_validate(data)
        except ValidationError as exc:
            from bot.core.loader_messages import schema_message

            for error in exc.errors(include_url=False):
                value = error.get("input")
                if isinstance(value, str) and value.lstrip().startswith("TODO"):
                    continue  # the TODO check says what to write there
                message = schema_message(dict(error), data)
                if message is not None:
                    self.report(tuple(error["loc"]), message)
            return None

    def _read_source(self, data: dict[str, Any]) -> tuple[bytes, str] | None:
        """The source text file's bytes (for the fingerprint) and text, or None if unusable."""
        source = data.get("source")
        text_file = source.get("text_file") if isinstance(source, dict) else None
        if not isinstance(text_file, str) or not text_file.strip():
            return None  # the schema check reports it
        location: FieldPath = ("source", "text_file")
        path = self.path.parent / text_file.strip()
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            self.report(location, f"source text file not found: {path}")
            return None
        except OSError as exc:
            self.report(location, f"cannot read the source text file {path}: {exc}")
            return None
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.report(location, f"the source text file is not UTF-8: {exc}")
            return None
        if not text.strip():
            self.report(location, f"the source text file is empty: {path}")
            return None
        return content, text

    def _check_quotes(self, data: dict[str, Any], paragraphs: tuple[str, ...]) -> None:
        normalised = [normalise_for_match(p) for p in paragraphs]
        for location, evidence in _evidence(data):
            quote, number = evidence.get("quote"), evidence.get("paragraph")
            if not isinstance(quote, str) or not quote.strip():
                continue
            if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                continue  # the schema check reports it
            needle = normalise_for_match(quote)
            if number <= len(normalised) and needle in normalised[number - 1]:
                continue
            found = [i + 1 for i, text in enumerate(normalised) if needle in text]
            if number > len(normalised):
                message = (
                    f"paragraph {number} is out of range (the source has {len(normalised)} "
                    "paragraphs)"
                )
                if found:
                    message += f"; the quote is in {_paragraphs(found)}"
                else:
                    message += "; and " + _not_found(quote, paragraphs, number)
                self.report((*location, "paragraph"), message)
            elif found:
                self.report(
                    (*location, "paragraph"),
                    f"quote is in {_paragraphs(found)}, not in paragraph {number}",
                )
            else:
                self.report((*location, "quote"), _not_found(quote, paragraphs, number))

    def _check_todos(self, data: dict[str, Any]) -> None:
        """A ``TODO`` left by ``briefbot new`` is something the author has not written yet."""
        if "TODO" not in self._yaml_text:
            return
        from bot.core.loader_messages import todo_fields, todo_message

        for location in todo_fields(data):
            self.report(location, todo_message(location))


# --- helpers ---------------------------------------------------------------------------------


def dotted(location: FieldPath) -> str:
    """``("actors", 2, "stance")`` → ``actors[2].stance``; the whole file is ``(root)``."""
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _not_found(quote: str, paragraphs: tuple[str, ...], cited: int) -> str:
    from bot.core.quote_messages import quote_not_found_message

    return quote_not_found_message(quote, paragraphs, cited)


def _evidence(node: Any, location: FieldPath = ()) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    """Every evidence item anywhere in the raw briefing, with its location."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "evidence" and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        yield (*location, key, i), item
            else:
                yield from _evidence(value, (*location, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _evidence(item, (*location, i))


def _paragraphs(numbers: list[int]) -> str:
    """``[7]`` → ``paragraph 7``; ``[7, 9, 14]`` → ``paragraphs 7, 9 and 14``."""
    if len(numbers) == 1:
        return f"paragraph {numbers[0]}"
    return f"paragraphs {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )
