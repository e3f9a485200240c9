"""“Briefing context” on a chat message: the message's words as an ``ask`` question.

Discord's message context-menu command and Slack's message shortcut both hand the engine the
text of someone's message ("Erdoğan says he'll meet Assad — https://…"). What ``ask`` should
search is the words a person wrote, so ``question_from_message`` drops what is not prose:

- links (bare URLs, Slack ``<https://…|label>`` and Markdown ``[label](https://…)`` keep only
  their label; ``<https://…>`` goes entirely),
- mentions and broadcasts (Discord ``<@1>``, ``<@!1>``, ``<@&2>``, ``<#3>``, ``@everyone``,
  ``@here``; Slack ``<@U1>``, ``<#C1|name>``, ``<!here>``, ``<!subteam^S1>``),
- custom emoji (Discord ``<:name:id>``/``<a:name:id>``, Slack ``:shortcode:``), Discord
  timestamps and command mentions,
- code blocks and inline code,

then joins the rest into one line of at most ``MAX_QUESTION_CHARS`` characters, cut at a word.
Slack's ``&amp;``/``&lt;``/``&gt;`` escapes are undone first. The result never contains a link
or a mention, and cleaning it again changes nothing.
"""

from __future__ import annotations

import re

from bot.commands.calls import Context, Invocation
from bot.core.answers import Answer, Section

#: The ``ask`` question's own limit (its option's ``max_length``).
MAX_QUESTION_CHARS = 500
#: The command the message's words are run as.
ASK = "ask"

NOTHING_TO_LOOK_UP = "That message has no words to look up in the briefing."
NOTHING_HINT = (
    "Links, mentions, emoji and code are left out. "
    "Pick a message with a headline or a sentence in it, or use ask with your own question."
)

_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_SCHEME = r"(?:https?|ftp|mailto|tel|slack)"
# Each rule is (pattern, replacement); applied in order, repeatedly, until nothing changes.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"```.*?```", re.S), " "),  # code blocks
    (re.compile(r"``[^`]+?``"), " "),  # inline code with backticks inside
    (re.compile(r"`[^`]+`"), " "),  # inline code
    (re.compile(rf"<{_SCHEME}:[^<>|]*\|([^<>]*)>", re.I), r" \1 "),  # Slack link, labelled
    (re.compile(rf"\[([^\[\]]*)\]\(\s*<?{_SCHEME}:[^()\s]*>?\s*\)", re.I), r" \1 "),  # Markdown
    (re.compile(rf"<{_SCHEME}:[^<>]*>", re.I), " "),  # <https://…>
    (re.compile(rf"\b{_SCHEME}:/*[^\s<>]+", re.I), " "),  # bare URLs
    (re.compile(r"\bwww\.[^\s<>]+", re.I), " "),
    (re.compile(r"<[@#!][^<>]*>"), " "),  # mentions, channels, roles, <!here>, <!subteam^…>
    (re.compile(r"</[^<>]*>"), " "),  # Discord command mention </digest list:123>
    (re.compile(r"<a?:[^<>\s]*:\d*>"), " "),  # Discord custom emoji
    (re.compile(r"<t:-?\d+(?::[a-zA-Z])?>"), " "),  # Discord timestamp
    (re.compile(r"@(?:everyone|here)", re.I), " "),
    (re.compile(r":[a-z0-9_+'-]*[a-z][a-z0-9_+'-]*:", re.I), " "),  # Slack emoji :shortcode:
    (re.compile(r"\|\||~~|\*\*|__"), " "),  # spoiler, strike, bold, underline marks
    (re.compile(r"(?m)^\s*>+\s?"), " "),  # quote markers at a line start
)
#: Links and mentions as the platforms recognise them; a cleaned question contains none.
LINK_OR_MENTION = re.compile(
    "|".join(
        (
            r"<[@#!/][^<>]*>",
            r"<a?:[^<>\s]*:\d*>",
            rf"<{_SCHEME}:[^<>]*>",
            rf"\b{_SCHEME}:/*[^\s<>]+",
            r"\bwww\.[^\s<>]+",
            r"@everyone|@here",
        )
    ),
    re.I,
)


def question_from_message(text: str) -> str:
    """The words of a chat message as an ``ask`` question ("" when none are left)."""
    previous = None
    while text != previous:
        previous = text
        for entity, char in _ENTITIES:
            text = text.replace(entity, char)
        for pattern, replacement in _RULES:
            text = pattern.sub(replacement, text)
        text = " ".join(text.split())
    return _cut(text, MAX_QUESTION_CHARS)


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut between words when it can be."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = head.rfind(" ")
    return (head[:space] if space > 0 else text[:limit]).rstrip()


def context_invocation(
    text: str, context: Context, *, briefing: str | None = None
) -> Invocation | None:
    """The ``ask`` invocation for a message's text, or ``None`` when it has no words."""
    question = question_from_message(text)
    if not question:
        return None
    args = {"question": question}
    if briefing:
        args["briefing"] = briefing
    return Invocation(ASK, args, context)


def nothing_to_look_up() -> Answer:
    """The private answer for a message with nothing but links, mentions, emoji or code."""
    return Answer(
        title="Nothing to look up",
        summary=NOTHING_TO_LOOK_UP,
        sections=(Section("Try", text=NOTHING_HINT),),
        private=True,
    )
