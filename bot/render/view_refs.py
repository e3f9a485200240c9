"""The references a view control carries: which view (``ViewRef``) of which command's answer
(``Origin``), and the ``ActionKind.VIEW`` actions that hold them (see ``bot.render.views``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.core.answers import Action, ActionKind

#: ``ViewRef.section`` of the quotes behind the first view's claims.
LEAD = -1

_CODE = re.compile(r"f|([sq])(f|\d{1,3})p(\d{1,3})")


class ViewKind(StrEnum):
    FIRST = "f"
    SECTION = "s"
    QUOTES = "q"


@dataclass(frozen=True)
class ViewRef:
    """Which view of an answer: the first, a section's page, or a page of quotes."""

    kind: ViewKind = ViewKind.FIRST
    section: int = 0
    page: int = 0

    def code(self) -> str:
        """The short code a control carries: ``f``, ``s2p0``, ``q2p1``, ``qfp0``."""
        if self.kind is ViewKind.FIRST:
            return "f"
        where = "f" if self.section == LEAD else str(self.section)
        return f"{self.kind.value}{where}p{self.page}"

    @classmethod
    def parse(cls, code: str) -> ViewRef:
        """The view ``code`` names; ``ValueError`` for anything else."""
        match = _CODE.fullmatch(code)
        if match is None:
            raise ValueError(f"not a view code: {code[:20]!r}")
        if code == "f":
            return FIRST
        kind, where, page = match.groups()
        if where == "f" and kind != "q":
            raise ValueError(f"not a view code: {code!r}")
        return cls(ViewKind(kind), LEAD if where == "f" else int(where), int(page))


FIRST = ViewRef()


@dataclass(frozen=True)
class Origin:
    """The command an answer came from, so a control can run it again."""

    command: str
    #: Option name → value, as the user gave them (the briefing apart).
    args: tuple[tuple[str, str], ...] = ()
    briefing: str | None = None

    @classmethod
    def of(cls, command: str, args: Mapping[str, str]) -> Origin:
        """The origin of an invocation of ``command`` with ``args``."""
        rest = tuple((k, str(v)) for k, v in args.items() if k != "briefing")
        return cls(command, rest, args.get("briefing") or None)

    def arguments(self) -> dict[str, str]:
        """The invocation's arguments again, the briefing included."""
        args = dict(self.args)
        if self.briefing:
            args["briefing"] = self.briefing
        return args


def view_action(label: str, ref: ViewRef, origin: Origin) -> Action:
    """A control opening ``ref`` of the answer ``origin`` produces."""
    args = (ref.code(), origin.command, *(f"{k}={v}" for k, v in origin.args))
    return Action(ActionKind.VIEW, label, args, briefing=origin.briefing)


def view_target(action: Action) -> tuple[ViewRef, Origin]:
    """The view and the command a VIEW action stands for; ``ValueError`` if it is none."""
    if action.kind is not ActionKind.VIEW or len(action.args) < 2:
        raise ValueError("not a view action")
    code, command, *pairs = action.args
    args = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError("bad argument in a view action")
        args.append((key, value))
    return ViewRef.parse(code), Origin(command, tuple(args), action.briefing)
