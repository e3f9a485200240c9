"""Answer → plain text for a terminal (the console adapter, ``briefbot query`` and logs).

Layout, wrapped to ``width`` columns (100 unless the caller passes the terminal's width)::

    Title
    =====
    Summary paragraph.

    Heading
    -------
    Section text.
    • Item text
      ¶7 “The quoted sentence.”

    Source: https://…
    Footer
    Next:
      → Label: actor russia --briefing some-briefing

Control characters in answer text (terminal escape sequences included) are dropped. Lines break
between words only; a word longer than the room on its line is the one thing split. Width is
counted in characters, so a line of double-width (CJK) characters can look wider on screen.
"""

from __future__ import annotations

import functools
import logging
import textwrap

from bot.core.answers import Action, ActionKind, Answer, Citation, Item, Section, Tone
from bot.render._layout import marked, one_line, shorten, strip_controls

log = logging.getLogger(__name__)

WIDTH = 100
#: Narrower widths are rendered at this width (a bullet and a paragraph marker must fit).
MIN_WIDTH = 20
#: A compact view's picker hint: two lines at 80 columns, the same words at any width.
PICKER_HINT_CAP = 140
TONE_MARKERS = {Tone.INFO: "", Tone.WARNING: "! ", Tone.ERROR: "✖ "}


def to_text(answer: Answer, *, width: int = WIDTH) -> str:
    """Render ``answer`` for a terminal: no line wider than ``width`` (at least ``MIN_WIDTH``)."""
    width = max(width, MIN_WIDTH)
    lines: list[str] = []
    title = TONE_MARKERS.get(answer.tone, "") + one_line(answer.title)
    if title.strip():
        wrapped = _wrap(title, width)
        lines += [*wrapped, "=" * max(len(line) for line in wrapped)]
    lines += _paragraphs(answer.summary, width)
    for section in answer.sections:
        lines += ["", *_section(section, width, quotes=answer.quotes)]

    closing: list[str] = []
    if answer.link:
        closing += _wrap(f"Source: {one_line(answer.link)}", width)
    if footer := one_line(answer.footer or ""):
        closing += _wrap(footer, width)
    closing += _follow_ups(answer, width)
    if closing:
        lines += ["", *closing]
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + "\n"


def command_text(action: Action) -> str:
    """The text command a follow-up stands for, e.g. ``compare turkey vs syria``."""
    args = [one_line(arg) for arg in action.args]
    if action.kind is ActionKind.COMPARE and len(args) == 2:
        words = [action.kind.value, args[0], "vs", args[1]]
    else:
        words = [action.kind.value, *args]
    if action.briefing:
        words += ["--briefing", action.briefing]
    return " ".join(word for word in words if word)


def _section(section: Section, width: int, *, quotes: bool = True) -> list[str]:
    lines: list[str] = []
    if heading := one_line(section.heading):
        wrapped = _wrap(heading, width)
        lines += [*wrapped, "-" * max(len(line) for line in wrapped)]
    lines += _paragraphs(section.text, width)
    for item in section.items:
        lines += item_text(item, width, quotes=quotes)
    return lines


def item_text(item: Item, width: int, *, quotes: bool = True) -> list[str]:
    """An item's lines: ``• text`` and its quotes, or ``• text ¶7 ¶9`` without them."""
    lines: list[str] = []
    for i, paragraph in enumerate(_split_paragraphs(item.text if quotes else marked(item))):
        lines += _wrap(paragraph, width, first="• " if i == 0 else "  ", rest="  ")
    if not quotes:
        return lines
    for citation in item.citations:
        lines += _citation(citation, width)
    return lines


def _citation(citation: Citation, width: int) -> list[str]:
    marker = f"¶{citation.paragraph} "
    text = f"“{one_line(citation.quote)}”"
    return _wrap(text, width, first="  " + marker, rest="  " + " " * len(marker))


def _follow_ups(answer: Answer, width: int) -> list[str]:
    views = [one_line(a.label).lower() for a in answer.actions if a.kind is ActionKind.VIEW]
    opened = _wrap("Open: " + " · ".join(views), width, rest="  ") if views else []
    hints = [
        f"{one_line(a.label)}: {command_text(a)}"
        for a in answer.actions
        if a.kind is not ActionKind.VIEW
    ]
    if answer.picker and answer.picker_kind is not None:
        slot = Action(
            kind=answer.picker_kind,
            label="",
            args=("<choice>",),
            briefing=answer.picker_briefing or None,
        )
        if answer.quotes:
            names = ", ".join(_choice_text(c.label, c.value) for c in answer.picker)
            hints.append(f"{command_text(slot)}, where <choice> is one of: {names}")
        else:  # a compact view names the choices by their values, on two lines at most
            names = ", ".join(one_line(c.value) for c in answer.picker)
            hint = shorten(f"{command_text(slot)}: {names}", PICKER_HINT_CAP)
            hints.append(hint)
    lines: list[str] = []
    for hint in hints:
        lines += _wrap(hint, width, first="  → ", rest="    ")
    return opened + (["Next:", *lines] if lines else [])


def _choice_text(label: str, value: str) -> str:
    label, value = one_line(label), one_line(value)
    return value if not label or label == value else f"{label} ({value})"


def _paragraphs(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in _split_paragraphs(text):
        lines += _wrap(paragraph, width)
    return lines


def _split_paragraphs(text: str) -> list[str]:
    """Non-blank lines of ``text``, whitespace collapsed within each."""
    return [line for raw in strip_controls(text).split("\n") if (line := one_line(raw))]


def _wrap(text: str, width: int, *, first: str = "", rest: str = "") -> list[str]:
    return list(_wrapped(text, width, first, rest))


@functools.lru_cache(maxsize=512)
def _wrapped(text: str, width: int, first: str, rest: str) -> tuple[str, ...]:
    """``_wrap``, remembered: measuring a compact view's pages wraps the same paragraphs once
    per candidate page (a view has far fewer than 512 paragraphs)."""
    if max(len(first), len(rest)) > width // 2:
        # An indent that leaves too little room (a huge ¶ number): it becomes text instead.
        text, first, rest = f"{first.strip()} {text}".strip(), "", ""
    return tuple(
        textwrap.wrap(
            text,
            width=width,
            initial_indent=first,
            subsequent_indent=rest,
            break_on_hyphens=False,
        )
        or [first.rstrip()]
    )
