"""Answer → Discord message payloads (plain dicts, as Discord's HTTP API expects them).

Each answer becomes one or more messages ("pages"), each holding one embed:

- the title (linked to the source article when ``answer.link`` is a URL), coloured by tone;
- the description: summary, then each section as a bold heading, its text, bulleted items and
  their citations as quotes (``> “sentence” (¶7)``);
- a footer with ``answer.footer`` and, when there are several pages, ``Page i/n``.

Pages break between items (an item stays with its citations, a heading with its first item).
A single item too long for a page is split at sentences, and only as a last resort at words,
with "…". Documented shortening: a title over 256 characters is cut in the embed title (the
full title opens the description), a footer is cut to 1024 characters, button labels to 80,
select labels and descriptions to 100; select options beyond 25, buttons beyond the rows left,
and actions whose id cannot be encoded are dropped (the latter logged).

Buttons (from ``answer.actions``) and a string select (from ``answer.picker``) go on the last
page. Every message has ``allowed_mentions: {"parse": []}``; in addition, user text is
escaped as Discord markdown and mentions are defused (a zero-width space after ``<`` and after
the ``@`` of ``@everyone``/``@here``), so nothing renders as a ping even where
``allowed_mentions`` would not apply. Private answers get ``flags: 64`` (ephemeral).
"""

from __future__ import annotations

import logging
import re
from itertools import islice
from typing import Any

from bot.core.answers import Action, ActionKind, Answer, Choice, Tone
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

# Discord's documented limits.
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000
MAX_EMBEDS = 10
MAX_FIELDS = 25
MAX_ACTION_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_SELECT_OPTIONS = 25
BUTTON_LABEL_LIMIT = 80
SELECT_TEXT_LIMIT = 100
PLACEHOLDER_LIMIT = 150
CUSTOM_ID_LIMIT = 100
URL_LIMIT = 2048

#: Our own cap on the footer text, leaving room for the page marker.
FOOTER_TEXT_CAP = 1024
EPHEMERAL = 64
COLOURS = {Tone.INFO: 0x5865F2, Tone.WARNING: 0xFEE75C, Tone.ERROR: 0xED4245}
BUTTON_PRIMARY = 1
BUTTON_SECONDARY = 2
CONTINUED = " (continued)"

_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]])")
_TOKEN = re.compile(r"\S+")
_URL_TOKEN = re.compile(r"https?://[^\s<>\\|`~*]+")
_MASS_MENTION = re.compile(r"@(?=everyone|here)", re.IGNORECASE)
_LINK = re.compile(r"https?://[^\s<>\"]+")


def defuse_mentions(text: str) -> str:
    """Stop ``@everyone``, ``@here``, ``<@…>``, ``<@&…>``, ``<#…>`` (and emoji) from rendering."""
    return _MASS_MENTION.sub("@\u200b", text.replace("<", "<\u200b"))


def escape_markdown(text: str) -> str:
    """Escape Discord markdown in user text and defuse mentions; bare URLs stay clickable."""
    text = strip_controls(text)
    if "://" not in text:  # the common case: no URL to keep intact, escape in one pass
        return defuse_mentions(_MARKDOWN.sub(r"\\\1", text))
    return _TOKEN.sub(lambda m: _escape_token(m.group()), text)


def _escape_token(token: str) -> str:
    if not _URL_TOKEN.fullmatch(token):
        token = _MARKDOWN.sub(r"\\\1", token)
    return defuse_mentions(token)


def _label(text: str) -> str:
    """Render text for a field Discord shows without markdown (labels, footers)."""
    return defuse_mentions(strip_controls(text))


def to_discord(answer: Answer) -> list[dict[str, Any]]:
    """Render ``answer`` as one or more Discord message payloads, each within every limit."""
    full_title = one_line(answer.title)
    title = shorten(full_title, TITLE_LIMIT, escape_markdown)
    groups: list[list[str]] = []
    if len(escape_markdown(full_title)) > TITLE_LIMIT:
        groups.append([f"**{p}**" for p in fit(full_title, DESCRIPTION_LIMIT - 4, escape_markdown)])
    if has_text(answer.summary):
        groups.append(fit(answer.summary, DESCRIPTION_LIMIT, escape_markdown))
    for section in answer.sections:
        groups.extend(
            section_lines(
                section,
                limit=DESCRIPTION_LIMIT,
                render=escape_markdown,
                bold=lambda p: f"**{p}**",
                spacer=True,
                quotes=answer.quotes,
            )
        )
    url = _link_url(answer.link)
    if answer.link and (url is None or not title):
        source = f"Source: {one_line(answer.link)}"
        groups.append(["", *fit(source, DESCRIPTION_LIMIT, escape_markdown)])

    pages = paginate(groups, cost=lambda line: (len(line) + 1,), capacity=(DESCRIPTION_LIMIT + 1,))
    footer = shorten(one_line(answer.footer or ""), FOOTER_TEXT_CAP, _label)
    components = _components(answer)
    messages = []
    for number, lines in enumerate(pages, start=1):
        embed: dict[str, Any] = {}
        if number == 1 and title:
            embed["title"] = title
            if url:
                embed["url"] = url
        elif title:
            embed["title"] = shorten(full_title, TITLE_LIMIT - len(CONTINUED), escape_markdown)
            embed["title"] += CONTINUED
        description = "\n".join(lines).strip("\n")
        if description or not title:
            embed["description"] = description or "(no content)"
        embed["color"] = COLOURS.get(answer.tone, COLOURS[Tone.INFO])
        marker = f"Page {number}/{len(pages)}" if len(pages) > 1 else ""
        footer_text = " · ".join(part for part in (footer, marker) if part)
        if footer_text:
            embed["footer"] = {"text": footer_text}
        message: dict[str, Any] = {
            "embeds": [embed],
            "components": components if number == len(pages) else [],
            "allowed_mentions": {"parse": []},
        }
        if answer.private:
            message["flags"] = EPHEMERAL
        messages.append(message)
    return messages


def embed_length(embed: dict[str, Any]) -> int:
    """Characters an embed counts towards the 6000 per message (as Discord and discord.py count)."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields") or [])
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def _link_url(link: str | None) -> str | None:
    """``link`` if Discord will accept it as an embed URL, else None."""
    if link and len(link) <= URL_LIMIT and _LINK.fullmatch(link):
        return link
    return None


def _components(answer: Answer) -> list[dict[str, Any]]:
    """Action rows: buttons for the answer's actions, then a select for its picker."""
    select = _select(answer)
    # Controls that open views of this answer get their own rows, before the follow-ups.
    views: list[dict[str, Any]] = []
    follow_ups: list[dict[str, Any]] = []
    for action, custom_id in encoded_actions(
        answer, exclude=[select["custom_id"]] if select else []
    ):
        button = {
            "type": 2,
            "style": BUTTON_PRIMARY if action.kind is ActionKind.VIEW else BUTTON_SECONDARY,
            "label": _button_label(action),
            "custom_id": custom_id,
        }
        (views if action.kind is ActionKind.VIEW else follow_ups).append(button)
    rows: list[dict[str, Any]] = []
    room = MAX_ACTION_ROWS - (1 if select else 0)
    for buttons in (views, follow_ups):
        for i in range(0, len(buttons), MAX_BUTTONS_PER_ROW):
            if len(rows) == room:
                log.warning("dropping follow-up buttons over Discord's limit of rows")
                break
            rows.append({"type": 1, "components": buttons[i : i + MAX_BUTTONS_PER_ROW]})
    if select:
        rows.append({"type": 1, "components": [select]})
    return rows


def _button_label(action: Action) -> str:
    label = one_line(action.label) or action.kind.value.capitalize()
    return shorten(label, BUTTON_LABEL_LIMIT, _label)


def _select(answer: Answer) -> dict[str, Any] | None:
    action = picker_action(answer)
    custom_id = try_encode(action) if action else None
    if action is None or custom_id is None:
        return None
    choices = picker_choices(answer, value_limit=SELECT_TEXT_LIMIT)
    options = [_option(choice) for choice in islice(choices, MAX_SELECT_OPTIONS)]
    if not options:
        return None
    return {
        "type": 3,
        "custom_id": custom_id,
        "placeholder": PLACEHOLDERS.get(action.kind, "Choose…"),
        "options": options,
    }


def _option(choice: Choice) -> dict[str, str]:
    option = {
        "label": shorten(one_line(choice.label) or choice.value, SELECT_TEXT_LIMIT, _label),
        "value": choice.value,
    }
    if description := one_line(choice.description):
        option["description"] = shorten(description, SELECT_TEXT_LIMIT, _label)
    return option
