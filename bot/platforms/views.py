"""Compact answers for every adapter: the first view of a fresh answer, and the view a control
opens (``bot.render.views``).

Adapters show ``first(answer, invocation)`` instead of the whole answer. A click on a view
control (an ``ActionKind.VIEW`` action) runs its command again through the engine — cached
answers make that cheap — and shows the view it names, so controls need no stored state and
work on any instance, after any restart.
"""

from __future__ import annotations

import dataclasses

from bot.commands.calls import Context, Invocation
from bot.commands.engine import Engine
from bot.core.answers import Action, ActionKind, Answer
from bot.render.views import Origin, first_view, view, view_target


def origin(invocation: Invocation) -> Origin:
    """What a control needs to run ``invocation`` again."""
    return Origin.of(invocation.command, invocation.args)


def pinned(invocation: Invocation, answer: Answer) -> Invocation:
    """``invocation`` naming the briefing ``answer`` came from, as its follow-ups do, so its
    view controls show that briefing even if the channel's default changes meanwhile."""
    briefing = answer.picker_briefing or next(
        (a.briefing for a in answer.actions if a.briefing), None
    )
    if not briefing or invocation.args.get("briefing"):
        return invocation
    return dataclasses.replace(invocation, args={**invocation.args, "briefing": briefing})


def first(answer: Answer, invocation: Invocation | None) -> Answer:
    """The first view of ``answer``; without an invocation it has no view controls."""
    return first_view(answer, origin(pinned(invocation, answer)) if invocation else None)


def is_view(action: Action) -> bool:
    """Whether ``action`` opens a view of an answer (rather than running another command)."""
    return action.kind is ActionKind.VIEW


async def open_view(engine: Engine, action: Action, context: Context) -> Answer:
    """The view a VIEW control names, of its command's answer as it is now.

    Raises ``ValueError`` for an action that is not a well-formed view control.
    """
    ref, source = view_target(action)
    answer = await engine.execute(Invocation(source.command, source.arguments(), context))
    return view(answer, ref, source)


async def answer_action(engine: Engine, action: Action, context: Context) -> Answer:
    """What a click on any control shows: a view of the same answer, or the first view of the
    follow-up command's answer."""
    if is_view(action):
        return await open_view(engine, action, context)
    invocation = engine.action_invocation(action, context)
    return first(await engine.execute(invocation), invocation)
