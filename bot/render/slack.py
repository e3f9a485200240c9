"""Answer → Slack Block Kit payloads (plain dicts, as ``chat.postMessage`` expects them).

Each answer becomes one or more ``{"text": fallback, "blocks": [...]}`` messages ("pages"):
a header with the title on the first page; the summary and each section as ``section`` blocks
in mrkdwn (bold heading, bulleted items, citations quoted as ``> “sentence” (¶7)``); on the
last page a ``context`` block with the footer and the source link, then an ``actions`` block.

Limits kept on every page: at most 40 blocks (Slack allows 50) and 12,000 characters of
text, ids and values (Slack rejects long messages well below the sum of its per-block limits),
with room left in both for one more button of up to 2000 characters; section text
3000, header 150, button text 75, select option text/description 75 and value 150, fallback
``text`` (always present) 4000. Pages break between items; an item too long for one section
is split at sentences, and only as a last resort at words, with "…".

Documented shortening: the header is cut to 150 characters (the full title then opens the
body), the footer to 300; at most ``MAX_ANSWER_BUTTONS`` (4) buttons come from the answer, so
the Slack adapter can append its own "Share in channel" button to the block whose
``block_id`` is ``ACTIONS_BLOCK_ID`` (the Slack limit is 25 elements per actions block); select
options are capped at 100 and at ``SELECT_TEXT_CAP`` characters in all; options whose value
is longer than 150 characters and actions whose id cannot be encoded are dropped.

``&``, ``<`` and ``>`` are escaped in every piece of user text, so ``<!channel>``,
``<!here>`` or ``<@U123>`` typed into content can never ping; the only ``<…>`` sequence we
emit is the source link.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from bot.core.answers import Action, ActionKind, Answer, Choice
from bot.render._layout import (
    fit,
    has_text,
    one_line,
    paginate,
    section_lines,
    shorten,
    strip_controls,
)
from bot.render.actions import (
    PLACEHOLDERS,
    encoded_actions,
    picker_action,
    picker_choices,
    try_encode,
)

log = logging.getLogger(__name__)

# Slack's documented limits.
MAX_BLOCKS = 50
HOME_MAX_BLOCKS = 100
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
FALLBACK_LIMIT = 4000
BUTTON_TEXT_LIMIT = 75
ACTION_ID_LIMIT = 255
BUTTON_VALUE_LIMIT = 2000
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
PLACEHOLDER_LIMIT = 150
MAX_OPTIONS = 100
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25

# Our own, stricter caps.
BLOCKS_PER_MESSAGE = 40
TEXT_PER_MESSAGE = 12_000
TEXT_PER_VIEW = 30_000
FALLBACK_CAP = 500
FOOTER_CAP = 300
SELECT_TEXT_CAP = 4000
#: Buttons taken from ``answer.actions``; the adapter may append one more (Share in channel).
MAX_ANSWER_BUTTONS = 4
#: Characters of each page's text budget kept free for that button (its value is ≤ 2000).
ADAPTER_RESERVE = 2200
ACTIONS_BLOCK_ID = "briefbot_actions"
VIEWS_BLOCK_ID = "briefbot_views"
#: ``action_id`` of a view button whose id only fits in its ``value``.
VIEW_ACTION_PREFIX = "briefbot_view_"
MAX_VIEW_BUTTONS = 10
SOURCE_LABEL = "Source article"
TRIMMED_NOTE = "Shortened to fit here; ask the bot for the full answer."

_LINK = re.compile(r"https?://[^\s<>|]+")
_AT_EVERYONE = re.compile(r"@(?=channel|here|everyone)", re.IGNORECASE)
_PAGE_MARKER_RESERVE = 40


def escape(text: str) -> str:
    """Escape ``&``, ``<``, ``>`` (and drop control characters) so user text cannot ping.

    A zero-width space also follows the ``@`` of ``@channel``/``@here``/``@everyone``, which
    would ping if a message were ever sent with ``link_names``.
    """
    text = strip_controls(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _AT_EVERYONE.sub("@\u200b", text)


def to_slack(answer: Answer) -> list[dict[str, Any]]:
    """Render ``answer`` as one or more ``{"text", "blocks"}`` payloads within Slack's limits."""
    header = _header(answer)
    tail = _tail(answer)
    tail_size = sum(_text_size(b) for b in tail)
    capacity = (
        TEXT_PER_MESSAGE - HEADER_LIMIT - _PAGE_MARKER_RESERVE - ADAPTER_RESERVE - tail_size,
        BLOCKS_PER_MESSAGE - 2 - len(tail),
    )
    pages = paginate(_content_groups(answer), lambda b: (_text_size(b), 1), capacity)

    messages = []
    for number, content in enumerate(pages, start=1):
        last = number == len(pages)
        blocks = [*header] if number == 1 else []
        blocks += content
        if len(pages) > 1:
            blocks.append(_context([f"Page {number}/{len(pages)}"]))
        if last:
            blocks += tail
        if not blocks:
            blocks.append(_section("(no content)"))
        messages.append({"text": _fallback(answer, number, len(pages)), "blocks": blocks})
    return messages


def to_slack_view(*answers: Answer, view_type: str = "home") -> dict[str, Any]:
    """One Block Kit view (≤ 100 blocks) showing ``answers`` one after another.

    When they do not fit, body blocks are dropped from the end of the longest answer first and
    a note says so; headers, footers and actions always stay.
    """
    parts = [
        _ViewPart(_header(a), [b for group in _content_groups(a) for b in group], _tail(a))
        for a in answers
    ]
    while (
        len(parts) - 1 + sum(p.block_count() for p in parts) > HOME_MAX_BLOCKS
        or sum(p.text_size() for p in parts) > TEXT_PER_VIEW
    ):
        longest = max(parts, key=lambda part: len(part.body))
        if not longest.body:
            break
        longest.body.pop()
        longest.trimmed = True

    blocks: list[dict[str, Any]] = []
    for i, part in enumerate(parts):
        if i:
            blocks.append({"type": "divider"})
        for block in part.blocks():
            block_id = block.get("block_id")
            if i and block_id in (ACTIONS_BLOCK_ID, VIEWS_BLOCK_ID):  # unique per view
                block = {**block, "block_id": f"{block_id}_{i + 1}"}
            blocks.append(block)
    return {"type": view_type, "blocks": blocks}


@dataclass
class _ViewPart:
    """One answer's blocks in a view; ``body`` may be trimmed to make the view fit."""

    header: list[dict[str, Any]]
    body: list[dict[str, Any]]
    tail: list[dict[str, Any]]
    trimmed: bool = False

    def blocks(self) -> list[dict[str, Any]]:
        note = [_context([TRIMMED_NOTE])] if self.trimmed else []
        return [*self.header, *self.body, *note, *self.tail]

    def block_count(self) -> int:
        return len(self.header) + len(self.body) + len(self.tail) + 1  # room for the note

    def text_size(self) -> int:
        return sum(_text_size(b) for b in self.blocks()) + len(TRIMMED_NOTE)


def _header(answer: Answer) -> list[dict[str, Any]]:
    title = one_line(answer.title)
    if not title:
        return []
    return [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": shorten(title, HEADER_LIMIT, escape)},
        }
    ]


def _content_groups(answer: Answer) -> list[list[dict[str, Any]]]:
    """Body blocks, grouped so a page break falls between sections where it can."""
    groups: list[list[dict[str, Any]]] = []
    title = one_line(answer.title)
    if len(escape(title)) > HEADER_LIMIT:
        groups.append(_pack([[f"*{p}*" for p in fit(title, SECTION_TEXT_LIMIT - 2, escape)]]))
    if has_text(answer.summary):
        groups.append(_pack([fit(answer.summary, SECTION_TEXT_LIMIT, escape)]))
    for section in answer.sections:
        if blocks := _pack(
            section_lines(
                section,
                limit=SECTION_TEXT_LIMIT,
                render=escape,
                bold=lambda p: f"*{p}*",
                spacer=False,
                quotes=answer.quotes,
            )
        ):
            groups.append(blocks)
    return groups


def _pack(line_groups: list[list[str]]) -> list[dict[str, Any]]:
    """Section blocks holding the lines, each text within 3000 characters."""
    texts = paginate(line_groups, lambda line: (len(line) + 1,), (SECTION_TEXT_LIMIT + 1,))
    return [_section("\n".join(lines)) for lines in texts if lines]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(texts: list[str]) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts]}


def _tail(answer: Answer) -> list[dict[str, Any]]:
    """The last page's closing blocks: footer and link, then buttons and the picker."""
    notes = []
    if footer := one_line(answer.footer or ""):
        notes.append(shorten(footer, FOOTER_CAP, escape))
    if answer.link:
        if _LINK.fullmatch(answer.link) and len(answer.link) <= BUTTON_VALUE_LIMIT:
            notes.append(f"<{answer.link.replace('&', '&amp;')}|{SOURCE_LABEL}>")
        else:
            notes.append(shorten(f"Source: {one_line(answer.link)}", FOOTER_CAP, escape))
    tail = [_context(notes)] if notes else []
    if views := _view_elements(answer):
        tail.append({"type": "actions", "block_id": VIEWS_BLOCK_ID, "elements": views})
    if elements := _action_elements(answer):
        tail.append({"type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": elements})
    return tail


def _view_elements(answer: Answer) -> list[dict[str, Any]]:
    """Buttons opening other views of this answer (a section, a page, its quotes).

    Their full id travels in the button's ``value`` (≤ 2000 characters), so a long question
    still fits; the ``action_id`` is that id when it is short enough, else a numbered stand-in.
    """
    elements: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, action in enumerate(answer.actions):
        if action.kind is not ActionKind.VIEW:
            continue
        value = try_encode(action, limit=BUTTON_VALUE_LIMIT)
        if value is None or value in seen or len(elements) == MAX_VIEW_BUTTONS:
            continue
        seen.add(value)
        button = _button(action, value)
        if len(value) > ACTION_ID_LIMIT:
            button["action_id"] = f"{VIEW_ACTION_PREFIX}{number}"
        elements.append(button)
    return elements


def _action_elements(answer: Answer) -> list[dict[str, Any]]:
    select = _select(answer)
    elements: list[dict[str, Any]] = []
    for action, custom_id in encoded_actions(
        answer, exclude=[select["action_id"]] if select else []
    ):
        if action.kind is ActionKind.VIEW:
            continue
        if len(elements) == MAX_ANSWER_BUTTONS:
            log.info("Slack shows %d follow-up buttons; dropping the rest", MAX_ANSWER_BUTTONS)
            break
        elements.append(_button(action, custom_id))
    if select:
        elements.append(select)
    return elements


def _button(action: Action, custom_id: str) -> dict[str, Any]:
    label = one_line(action.label) or action.kind.value.capitalize()
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(label, BUTTON_TEXT_LIMIT, escape)},
        "action_id": custom_id,
        "value": custom_id,
    }


def _select(answer: Answer) -> dict[str, Any] | None:
    action = picker_action(answer)
    custom_id = try_encode(action) if action else None
    if action is None or custom_id is None:
        return None
    options: list[dict[str, Any]] = []
    size = 0
    for choice in picker_choices(answer, value_limit=OPTION_VALUE_LIMIT):
        option = _option(choice)
        size += _text_size(option)
        if len(options) == MAX_OPTIONS or size > SELECT_TEXT_CAP:
            log.info("picker shows %d of %d choices", len(options), len(answer.picker))
            break
        options.append(option)
    if not options:
        return None
    placeholder = PLACEHOLDERS.get(action.kind, "Choose…")
    return {
        "type": "static_select",
        "action_id": custom_id,
        "placeholder": {"type": "plain_text", "text": placeholder},
        "options": options,
    }


def _option(choice: Choice) -> dict[str, Any]:
    label = one_line(choice.label) or choice.value
    option: dict[str, Any] = {
        "text": {"type": "plain_text", "text": shorten(label, OPTION_TEXT_LIMIT, escape)},
        "value": choice.value,
    }
    if description := one_line(choice.description):
        text = shorten(description, OPTION_TEXT_LIMIT, escape)
        option["description"] = {"type": "plain_text", "text": text}
    return option


def _fallback(answer: Answer, number: int, total: int) -> str:
    """Notification text: title and summary on the first page, the title after."""
    title = one_line(answer.title) or "Briefbot"
    if number > 1:
        return shorten(title, FALLBACK_CAP - 30, escape) + f" (continued, {number}/{total})"
    summary = one_line(answer.summary)
    return shorten(f"{title}: {summary}" if summary else title, FALLBACK_CAP, escape)


def visible_length(message: dict[str, Any]) -> int:
    """Characters a reader sees in a message's blocks: every text object's text."""
    size = 0
    stack: list[Any] = [message.get("blocks") or []]
    while stack:  # iterative: this runs for every candidate page of every view
        obj = stack.pop()
        if isinstance(obj, dict):
            for key, value in obj.items():
                if isinstance(value, str):
                    if key == "text":
                        size += len(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(obj, list):
            stack.extend(v for v in obj if isinstance(v, dict | list))
    return size


def _text_size(obj: Any) -> int:
    """Characters of every string in a block (text, ids, values, types), for the message cap."""
    size = 0
    stack = [obj]
    while stack:  # iterative: this runs for every block of every candidate page
        item = stack.pop()
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return size
