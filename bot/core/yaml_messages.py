"""The validator's words for a YAML syntax error: the line to look at and what is wrong there.

PyYAML's own message ("mapping values are not allowed here") is read, never shown: ``yaml_error``
turns it into plain words ("the value contains a colon and a space: put the whole value in
quotes"), moves the mark to where the author has to look (the quote or bracket that opened the
trouble) and names the field from the indentation alone, since the file could not be parsed.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.loader_messages import shorten

__all__ = ["yaml_error"]


_KEY = re.compile(r"""([A-Za-z_][\w-]*|"[^"]*"|'[^']*')[ \t]*:(?:[ \t]|$)""")


def yaml_error(exc: Any, text: str) -> tuple[int, str, str]:
    """A PyYAML error as ``(line, field, message)`` in plain words; ``line`` counts from 1."""
    problem = f"{exc.context or ''} {exc.problem or ''}" if hasattr(exc, "problem") else str(exc)
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = problem_mark or context_mark
    lines = text.splitlines()
    if mark is None:
        return 1, "(root)", "malformed YAML: " + _FALLBACK
    line, column = mark.line, mark.column
    message = _FALLBACK
    here = lines[line] if line < len(lines) else ""
    if "mapping values are not allowed" in problem:
        key = _KEY.match(here.lstrip(" -"))
        key_colon = len(here) - len(here.lstrip(" -")) + (key.end(1) if key else -9)
        if key and column in {key_colon, key_colon + 1}:
            message = "this line is indented more than the field above it; line them up"
        else:
            message = _colon_message(here)
    elif "cannot start any token" in problem or "tab character" in problem:
        char = here[column] if column < len(here) else ""
        if char == "\t" or "tab" in problem:
            message = "a tab character: indent with spaces only"
        else:
            message = f"a value cannot start with {char!r}: put the whole value in quotes"
    elif "quoted scalar" in problem and "end of stream" in problem and context_mark:
        line, column = context_mark.line, context_mark.column
        message = "the quote that opens this value is never closed"
    elif "escape character" in problem:
        message = (
            "a backslash in a double-quoted value starts an escape: write \\\\ for a "
            "backslash, or put the value in single quotes"
        )
    elif "could not find expected ':'" in problem and context_mark:
        line, column = context_mark.line, context_mark.column
        message = (
            "this line is neither a field (name: value) nor a list item (- …); if it "
            "continues the value above, indent it more than that field's name"
        )
    elif "flow sequence" in problem or "flow mapping" in problem or "flow node" in problem:
        opened = _opening_bracket(lines, line, column)
        if opened is not None:
            line, column = opened
        bracket = lines[line][column] if line < len(lines) and column < len(lines[line]) else "["
        closing = {"[": "]", "{": "}"}.get(bracket, "]")
        message = (
            f"the {bracket} opened here is never closed with {closing} (a value that starts "
            f"with {bracket} must be a whole list, or be put in quotes)"
        )
    elif "expected key" in problem or "block end" in problem or "expected '-'" in problem:
        before = here[:column].rstrip()
        opened = _unbalanced_quote_before(lines, line, before)
        if opened is not None:
            line, column = opened
            message = (
                "the quote that opens this value is not closed on its line, so the value runs "
                f"on to the next quote mark (line {mark.line + 1})"
            )
        elif before.endswith(("'", '"')) and _KEY.match(here.lstrip(" -")):
            message = (
                "the value's closing quote is followed by more text: to use quote marks inside "
                "a value, put it in the other kind of quotes (or use “curly” ones)"
            )
        elif here.lstrip().startswith("-"):
            message = "this list item does not line up with the items or fields above it"
        else:
            message = "this line is not indented like the fields above it"
    elif "sequence entries are not allowed" in problem:
        message = "a list cannot start on the same line as its field: put each '- item' below it"
    elif "alias" in problem or "anchor" in problem:
        message = "a value cannot start with '*' or '&': put the whole value in quotes"
    elif "constructor for the tag" in problem:
        message = "a value cannot start with '!': put the whole value in quotes"
    elif "another document" in problem:
        message = "a second document ('---') starts here; a briefing file holds one"
    elif "comment or line break" in problem:
        message = "unexpected text after the value on this line"
    field = _path_at_line(lines, line)
    return line + 1, field, f"malformed YAML (column {column + 1}): {message}"


_FALLBACK = "the file cannot be read here: check this line's quotes, colons and indentation"


def _colon_message(line: str) -> str:
    key = _KEY.match(line.lstrip(" -"))
    message = "the value contains a colon and a space: put the whole value in quotes"
    if key:
        value = line.lstrip(" -")[key.end() :].strip()
        if value and '"' not in value:
            message += f', like {key.group(1)}: "{shorten(value, 50)}"'
    return message


def _unbalanced_quote_before(lines: list[str], line: int, before: str) -> tuple[int, int] | None:
    """Where a quoted value opened when the quote closing it on ``line`` has no opener there."""
    if not before.endswith(('"', "'")):
        return None
    char = before[-1]
    if before.count(char) % 2 == 0:
        return None  # opened and closed on this line
    for number in range(line - 1, -1, -1):
        text = lines[number]
        item = text.lstrip(" -")
        key = _KEY.match(item)
        value = item[key.end() :].lstrip() if key else item
        if value.startswith(char) and value.count(char) % 2 == 1:
            return number, text.index(char)
    return None


def _opening_bracket(lines: list[str], line: int, column: int) -> tuple[int, int] | None:
    """Where the unclosed ``[`` or ``{`` before ``line``/``column`` is (outside quotes)."""
    for number in range(min(line, len(lines) - 1), -1, -1):
        text = lines[number][: column if number == line else None]
        depth, in_quote = 0, ""
        last: int | None = None
        for index, char in enumerate(text):
            if in_quote:
                in_quote = "" if char == in_quote else in_quote
            elif char in "'\"" and (index == 0 or text[index - 1] in " :[{,-"):
                in_quote = char
            elif char == "#" and (index == 0 or text[index - 1] == " "):
                break
            elif char in "[{":
                depth += 1
                last = index
            elif char in "]}":
                depth -= 1
        if depth > 0 and last is not None:
            return number, last
    return None


def _path_at_line(lines: list[str], line: int) -> str:
    """The dotted field path a block-style YAML line belongs to, read from indentation alone.

    Good enough to say where a syntax error is when the file cannot be parsed; ``(root)`` when
    the line belongs to no field.
    """
    frames: list[tuple[int, str | int]] = []  # (column, key or list index), outermost first
    block_scalar_of: int | None = None
    for number, raw in enumerate(lines[: line + 1]):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        column = len(raw) - len(raw.lstrip(" "))
        if block_scalar_of is not None and column > block_scalar_of:
            continue  # the text of a | or > value
        block_scalar_of = None
        rest = raw[column:]
        placed = False
        while rest == "-" or rest.startswith("- "):
            while frames and frames[-1][0] > column:
                frames.pop()
            index = 0
            if frames and frames[-1][0] == column and isinstance(frames[-1][1], int):
                index = int(frames.pop()[1]) + 1
            frames.append((column, index))
            placed = True
            after = rest[1:]
            column += 1 + len(after) - len(after.lstrip(" "))
            rest = after.lstrip(" ")
        key = _KEY.match(rest)
        if key:
            while frames and frames[-1][0] >= column:
                frames.pop()
            frames.append((column, key.group(1).strip("'\"")))
            if rest[key.end() :].strip().startswith(("|", ">")):
                block_scalar_of = column
        elif number == line and not placed and (not frames or column <= frames[-1][0]):
            while frames and frames[-1][0] >= column:
                frames.pop()  # not a continuation of the field above: it belongs to a parent
    out = ""
    for _, part in frames:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"
