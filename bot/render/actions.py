"""Stateless custom ids for follow-up buttons and select menus.

An id carries everything needed to run the follow-up, so buttons keep working after a restart
and no click state is stored anywhere::

    bb1|<kind>|<briefing>|<arg>|<arg>…

``bb1`` versions the format. An absent briefing is an empty field. ``%`` and ``|`` inside a
field are written ``%25`` and ``%7C``, so any text round-trips exactly. Ids are at most 100
characters (Discord's ``custom_id`` limit; Slack allows 255 for ``action_id`` and 2000 for a
button ``value``). The button label is presentation only and is not encoded: a decoded action
has ``label=""``.

A select menu's id is the picker's action without the chosen value; the adapter appends the
value the user picked with ``selection_action``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

from bot.core.answers import Action, ActionKind, Answer, Choice

log = logging.getLogger(__name__)

PREFIX = "bb1"
MAX_ID_LENGTH = 100
_SEPARATOR = "|"
_ESCAPES = {"%": "%25", "|": "%7C"}
_UNESCAPES = {code: char for char, code in _ESCAPES.items()}
_ESCAPE_RE = re.compile(r"[%|]")
_PERCENT_RE = re.compile(r"%(..)?")

#: Placeholder of a picker (select menu), by the kind of action it runs.
PLACEHOLDERS = {
    ActionKind.ACTOR: "Open another actor…",
    ActionKind.COMPARE: "Compare with…",
    ActionKind.TIMELINE: "Show the timeline of…",
    ActionKind.SOURCES: "Show the sources of…",
    ActionKind.BRIEF: "Open another briefing…",
}


def encode_action(action: Action, *, limit: int = MAX_ID_LENGTH) -> str:
    """The custom id for ``action``; raises ``ValueError`` if it would exceed ``limit``
    characters (100 by default: Discord's ``custom_id``; Slack's button ``value`` takes 2000)."""
    if action.briefing == "":
        raise ValueError("an action's briefing is None or a non-empty id, not ''")
    fields = [PREFIX, action.kind.value, _escape(action.briefing or "")]
    fields += [_escape(arg) for arg in action.args]
    custom_id = _SEPARATOR.join(fields)
    if len(custom_id) > limit:
        raise ValueError(
            f"action id is {len(custom_id)} characters, over the {limit} limit: {custom_id[:60]}…"
        )
    return custom_id


def decode_action(custom_id: str, *, limit: int = MAX_ID_LENGTH) -> Action:
    """The action encoded in ``custom_id``; raises ``ValueError`` for anything else."""
    if not isinstance(custom_id, str) or len(custom_id) > limit:
        raise ValueError("not a Briefbot action id")
    prefix, _, rest = custom_id.partition(_SEPARATOR)
    fields = rest.split(_SEPARATOR)
    if prefix != PREFIX or len(fields) < 2:
        raise ValueError(f"not a Briefbot action id: {custom_id[:40]!r}")
    try:
        kind = ActionKind(fields[0])
    except ValueError:
        raise ValueError(f"unknown action kind {fields[0][:20]!r}") from None
    briefing = _unescape(fields[1]) or None
    args = tuple(_unescape(field) for field in fields[2:])
    return Action(kind=kind, label="", args=args, briefing=briefing)


def picker_action(answer: Answer) -> Action | None:
    """The action behind the answer's picker (its chosen value is appended on selection)."""
    if not answer.picker or answer.picker_kind is None:
        return None
    return Action(kind=answer.picker_kind, label="", briefing=answer.picker_briefing or None)


def selection_action(custom_id: str, value: str) -> Action:
    """The action for a select menu: its id decoded, with the picked ``value`` appended."""
    action = decode_action(custom_id)
    return Action(kind=action.kind, label="", args=(*action.args, value), briefing=action.briefing)


def try_encode(action: Action, *, limit: int = MAX_ID_LENGTH) -> str | None:
    """``encode_action``, logging and returning None for an action that cannot be encoded.

    Renderers use this so one oversized action drops its button instead of the whole answer.
    A long question typed by a user is the usual cause, so it is logged once per action and
    limit (views are rendered several times while they are fitted), without a traceback.
    """
    try:
        return encode_action(action, limit=limit)
    except ValueError as exc:
        key = (action, limit)
        if key not in _dropped:
            if len(_dropped) >= 1024:
                _dropped.clear()
            _dropped.add(key)
            log.info("dropping a %s control: %s", action.kind.value, exc)
        return None


#: Actions already logged as dropped (bounded).
_dropped: set[tuple[Action, int]] = set()


def encoded_actions(
    answer: Answer, *, exclude: Iterable[str] = (), limit: int = MAX_ID_LENGTH
) -> Iterator[tuple[Action, str]]:
    """The answer's follow-ups with their ids, once per id.

    Actions whose id cannot be encoded (logged) or is in ``exclude`` (e.g. the picker's) are
    skipped.
    """
    seen = set(exclude)
    for action in answer.actions:
        custom_id = try_encode(action, limit=limit)
        if custom_id is not None and custom_id not in seen:
            seen.add(custom_id)
            yield action, custom_id


def picker_choices(answer: Answer, *, value_limit: int) -> Iterator[Choice]:
    """The picker's choices whose value has 1 to ``value_limit`` characters, once per value."""
    seen: set[str] = set()
    for choice in answer.picker:
        if 0 < len(choice.value) <= value_limit and choice.value not in seen:
            seen.add(choice.value)
            yield choice


def _escape(field: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], field)


def _unescape(field: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group()
        if code not in _UNESCAPES:
            raise ValueError(f"bad escape {code!r} in action id")
        return _UNESCAPES[code]

    return _PERCENT_RE.sub(replace, field)
