"""Follow-up words after an answer: ``more``, ``quotes`` and section words open views of it.

The console remembers what it showed last: the command, that command's whole answer and the
view of it on screen. A line is then, in this order:

1. a command when it starts with ``/`` or is a command name followed by arguments;
2. ``quotes``: the exact quotes behind the claims on screen, each with its paragraph (¶10);
3. ``more``: the whole answer when a part of it is on screen (the console's pager handles
   ``more`` itself while a paged answer has lines left);
4. one of the answer's actions or picker choices, by its label or the view it opens
   (``timeline``, ``compare``, ``syria``): it runs the very invocation the button or select runs
   on Discord and Slack (``engine.action_invocation``), so views an answer offers as actions open
   here the same way;
5. the answer's sections by their heading (``interests``, ``constraints``, ``unknowns``,
   ``turkey interests``): the last command runs again and only those sections are shown;
6. anything else is a command, as typed.

A label or heading that only contains the words (``turkey`` in "Turkey · interest") yields to an
actor's name, which the engine answers as ``actor turkey``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.commands.calls import Context, Invocation
from bot.commands.engine import Engine
from bot.core.answers import Action, Answer, Section
from bot.core.errors import UserFacingError
from bot.core.textnorm import fold
from bot.platforms.views import first, is_view, open_view
from bot.render.text import command_text
from bot.render.views import NEXT
from bot.render.views import QUOTES as QUOTES_LABEL

MORE = "more"
_COUNT = re.compile(r"\s*\(\d+\)\s*$")
QUOTES = "quotes"
#: Words that only move between views (the controls ◀ Prev, Next ▶, Back); never commands.
_VIEW_WORDS = frozenset({("back",), ("next",), ("prev",), ("previou",)})
#: Words that leave the console rather than open a view.
EXIT_WORDS = frozenset({"quit", "exit", ":q"})


@dataclass(frozen=True)
class Shown:
    """What the console showed last."""

    #: The text command that answered (run again to open one of its sections).
    command: str
    #: That command's whole answer.
    answer: Answer
    #: What is on screen: a compact view of it (the first view, a section, its quotes), or
    #: the whole answer after ``more`` on a view with nothing further to page to.
    view: Answer


class FollowUps:
    """Answers console lines, turning follow-up words into views of the last answer."""

    def __init__(self, engine: Engine, context: Context) -> None:
        self.engine = engine
        self.context = context
        self.shown: Shown | None = None

    async def answer(self, line: str) -> Answer:
        """The answer to one console line (see the module docstring for the order)."""
        text = line.strip()
        words = text.split()
        shown = self.shown
        if shown is None and _key(text) in {(MORE,), _key(QUOTES), *_VIEW_WORDS}:
            return Answer(
                title="Nothing to open yet",
                summary=f"“{text}” opens part of an answer; ask something first, e.g. brief.",
            )
        if (
            shown is None
            or text.startswith("/")
            or (len(words) > 1 and _is_command(self.engine, words[0]))
        ):
            return await self._command(text)
        key = _key(text)
        if key == _key(QUOTES):
            control = _control(shown.view, QUOTES_LABEL)
            if control is not None:  # the view's own Quotes control: the same view as a click
                return await self._action(control)
            return self._show(shown, quotes_view(shown.view))
        if key == (MORE,):
            return await self._more(shown)
        command_word = _is_command(self.engine, words[0])
        # A command's name runs that command, or a follow-up button of that name, never a view.
        actions = [
            (_action_score(key, a), a)
            for a in _actions(shown.view)
            if not (command_word and is_view(a))
        ]
        best_action = max((s for s, _ in actions), default=0)
        # A command's name opens only a view of the answer's own actions (its buttons).
        sections: list[tuple[int, Section]] = []
        if not _is_command(self.engine, words[0]):
            sections = [(_score(key, _key(s.heading)), s) for s in shown.answer.sections]
        best_section = max((s for s, _ in sections), default=0)
        if max(best_action, best_section) == 1 and self._names_actor(text):
            return await self._command(text)  # "turkey" is Turkey, not "Turkey · interest"
        if best_action and best_action >= best_section:
            action = next(a for s, a in actions if s == best_action)
            return await self._action(action)
        if best_section:
            return await self._sections(shown, key, best_section)
        if key in _VIEW_WORDS:
            return _nothing_to_open(text, shown.view)  # not "“back” is not a command" + help
        return await self._command(text)

    def _names_actor(self, text: str) -> bool:
        """Whether the engine reads ``text`` as a bare actor name (``syria`` → ``actor syria``)."""
        try:
            return self.engine.parse(text, self.context).command == "actor"
        except UserFacingError:
            return False

    async def _command(self, text: str) -> Answer:
        answer = await self.engine.execute_text(text, self.context)
        shown = first(answer, self._invocation(text))
        self.shown = Shown(text, answer, shown)
        return shown

    def _invocation(self, text: str) -> Invocation | None:
        """The invocation ``text`` stands for (None for text the engine answered as an error)."""
        try:
            return self.engine.parse(text, self.context)
        except UserFacingError:
            return None

    async def _action(self, action: Action) -> Answer:
        if is_view(action) and self.shown is not None:  # a view of the answer on screen
            return self._show(self.shown, await open_view(self.engine, action, self.context))
        invocation = self.engine.action_invocation(action, self.context)
        answer = await self.engine.execute(invocation)
        shown = first(answer, invocation)
        self.shown = Shown(command_text(action), answer, shown)
        return shown

    async def _sections(self, shown: Shown, key: tuple[str, ...], score: int) -> Answer:
        """Run the last command again and show the sections ``key`` names."""
        fresh = await self.engine.execute_text(shown.command, self.context)
        picked = tuple(s for s in fresh.sections if _score(key, _key(s.heading)) == score)
        if not picked:  # the content changed under us: the headings are gone
            return self._show(Shown(shown.command, fresh, fresh), fresh)
        view = dataclasses.replace(
            fresh,
            summary="",
            sections=picked,
            picker=(),
            footer=_hint(fresh, picked),
        )
        return self._show(Shown(shown.command, fresh, view), view)

    async def _more(self, shown: Shown) -> Answer:
        following = _control(shown.view, NEXT)
        if following is not None:  # page on, as the Next button does
            return await self._action(following)
        if shown.view is not shown.answer:
            return self._show(shown, shown.answer)
        # An answer that shows only part of itself offers the rest as an action ("More").
        more = next((a for a in _actions(shown.answer) if _key(a.label)[:1] == (MORE,)), None)
        if more is not None:
            return await self._action(more)
        headings = " · ".join(h for s in shown.answer.sections if (h := s.heading.strip()))
        return Answer(
            title="That was all of it",
            summary="The whole answer is above."
            + (f" Type a part's name to see only it: {headings}." if headings else ""),
        )

    def _show(self, shown: Shown, view: Answer) -> Answer:
        self.shown = dataclasses.replace(shown, view=view)
        return view


def _nothing_to_open(word: str, view: Answer) -> Answer:
    """What ``back``/``next``/``prev`` say when the answer on screen has no such control."""
    labels = [_COUNT.sub("", a.label).strip().lower() for a in view.actions if is_view(a)]
    offer = (
        f" Open: {', '.join(dict.fromkeys(labels))}."
        if labels
        else " The whole answer is on screen; type a command for another."
    )
    return Answer(title="Nothing to open", summary=f"“{word}” opens nothing here.{offer}")


def quotes_view(view: Answer) -> Answer:
    """The claims on screen that cite the article, each with its exact quotes."""
    sections = tuple(
        Section(s.heading, items=cited)
        for s in view.sections
        if (cited := tuple(item for item in s.items if item.citations))
    )
    if not sections:
        return Answer(
            title=f"Quotes — {view.title}",
            summary="Nothing on screen quotes the article.",
        )
    count = len({c for s in sections for i in s.items for c in i.citations})
    return Answer(
        title=f"Quotes — {view.title}",
        summary=f"{count} passage(s) of the article, under the claims they support.",
        sections=sections,
        link=view.link,
        footer=view.footer,
    )


def _actions(answer: Answer) -> Iterator[Action]:
    """The answer's buttons, then its picker's choices as the actions they stand for."""
    yield from answer.actions
    if answer.picker_kind is not None:
        for choice in answer.picker:
            yield Action(
                answer.picker_kind,
                choice.label,
                (choice.value,),
                briefing=answer.picker_briefing or None,
            )


def _action_score(key: tuple[str, ...], action: Action) -> int:
    """How well ``key`` names an action, by its label without a count (``Interests (6)``)."""
    return _score(key, _key(_COUNT.sub("", action.label)))


def _control(view: Answer, label: str) -> Action | None:
    """The view control labelled ``label`` on screen, if there is one."""
    return next((a for a in view.actions if is_view(a) and a.label == label), None)


def _hint(answer: Answer, picked: tuple[Section, ...]) -> str:
    others = len(answer.sections) - len(picked)
    return f"{others} more section(s): type more for the whole answer, quotes for the quotes."


def _is_command(engine: Engine, word: str) -> bool:
    return word.lstrip("/").lower() in engine.registry.names()


def _key(text: str) -> tuple[str, ...]:
    """Folded words, each without a plural "s" (interests → interest)."""
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in fold(text).split())


def _score(words: tuple[str, ...], target: tuple[str, ...]) -> int:
    """2 when ``words`` are exactly ``target``'s, 1 when all of them are among its words."""
    if not words or not target:
        return 0
    if words == target:
        return 2
    return 1 if set(words) <= set(target) else 0
