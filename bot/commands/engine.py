"""The engine: parses commands, runs their handlers, and never lets an error escape as a crash.

Adapters hand it an ``Invocation`` (or raw ``/brief …`` text) and get back an ``Answer``.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import shlex
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from bot.commands.briefings import CHANNEL_BRIEFINGS
from bot.commands.calls import Call, Context, Invocation, Services
from bot.commands.registry import CommandRegistry, CommandSpec, OptionKind, OptionSpec
from bot.core import metrics
from bot.core.answers import Action, ActionKind, Answer, Choice, error_answer, unnamed_briefing
from bot.core.errors import PermissionDenied, UserFacingError
from bot.core.library import ActorIndex, LibraryHolder
from bot.core.textnorm import fold
from bot.core.zones import picker_zones

log = logging.getLogger(__name__)

#: Words that separate the two sides of ``compare``.
COMPARE_SEPARATORS = frozenset({"vs", "v", "versus", "and", "&", ",", "with", "to"})

#: Answers of cacheable commands kept per content version (a reload makes old keys unreachable).
ANSWER_CACHE_SIZE = 512

APOLOGY = (
    "Something went wrong on our side while answering that. It has been logged; please try again."
)


def apology_answer() -> Answer:
    """What the user sees when answering failed unexpectedly (the error itself is logged)."""
    return error_answer(APOLOGY, title="Sorry, that failed")


class Engine:
    """Runs commands against the current library. One per process, shared by every adapter."""

    def __init__(
        self,
        library: LibraryHolder,
        *,
        registry: CommandRegistry,
        services: Services | None = None,
    ) -> None:
        """``registry`` is the command set (``bot.app.composition.build_registry()`` for the
        built-in one); ``services`` what the runtime provides to handlers."""
        self.library = library
        self.registry = registry
        self.services = services or Services()
        self._answers: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        # Metric children bound once per label set: ``labels()`` costs a lock and a lookup.
        self._counted: dict[tuple[str, str, str], Any] = {}
        self._timed: dict[str, Any] = {}

    # -- running ----------------------------------------------------------------------------

    async def execute(self, invocation: Invocation) -> Answer:
        """Run one invocation. User errors become a private error answer; bugs an apology."""
        started = time.perf_counter()
        spec = self.registry.get(invocation.command)
        platform = invocation.context.platform
        outcome = "ok"
        try:
            if spec is None:
                raise UserFacingError(
                    f"Unknown command “{invocation.command}”.", hint="Try the help command."
                )
            if spec.manage and not invocation.context.can_manage:
                raise PermissionDenied(
                    "Only people who can manage this channel can change its digests.",
                    hint="Ask a channel manager or a workspace admin.",
                )
            args = await self._with_channel_briefing(spec, invocation)
            self._check_options(spec, args)
            key = self._cache_key(spec, args)
            answer = self._answers.get(key) if key else None
            if answer is None:
                call = Call(
                    spec,
                    args,
                    invocation.context,
                    library=self.library.current,
                    services=self.services,
                    registry=self.registry,
                )
                result = spec.handler(call)
                answer = await result if inspect.isawaitable(result) else result
                if isinstance(answer, Answer) and not call.library.several:
                    answer = unnamed_briefing(answer)
                if key:
                    self._remember(key, answer)
            if spec.private and not answer.private:
                answer = dataclasses.replace(answer, private=True)
            return answer
        except UserFacingError as exc:
            outcome = "user_error"
            return error_answer(exc.message, hint=exc.hint)
        except Exception:
            outcome = "error"
            log.exception(
                "command %s failed",
                invocation.command,
                extra={"platform": platform, "channel": invocation.context.channel_id},
            )
            return apology_answer()
        finally:
            labels = (invocation.command, platform, outcome)
            if (counter := self._counted.get(labels)) is None:
                counter = self._counted[labels] = metrics.COMMANDS.labels(*labels)
            if (timer := self._timed.get(platform)) is None:
                timer = self._timed[platform] = metrics.ANSWER_LATENCY.labels(platform)
            counter.inc()
            timer.observe(time.perf_counter() - started)

    async def _with_channel_briefing(
        self, spec: CommandSpec, invocation: Invocation
    ) -> Mapping[str, str]:
        """The arguments, with this channel's default briefing when none is named."""
        args = invocation.args
        if args.get("briefing") or not self.library.current.several:
            return args
        if not any(o.name == "briefing" and not o.required for o in spec.options):
            return args
        defaults = self.services.get(CHANNEL_BRIEFINGS)
        chosen = await defaults.get(invocation.context) if defaults else None
        if chosen and chosen in self.library.current.briefings:
            return {**args, "briefing": chosen}
        return args

    def _cache_key(self, spec: CommandSpec, args: Mapping[str, str]) -> tuple[Any, ...] | None:
        if not spec.cacheable:
            return None
        return (spec.qualified_name, tuple(sorted(args.items())), self.library.current.version)

    def _remember(self, key: tuple[Any, ...], answer: Answer) -> None:
        self._answers[key] = answer
        if len(self._answers) > ANSWER_CACHE_SIZE:
            self._answers.popitem(last=False)

    async def execute_text(self, text: str, context: Context) -> Answer:
        """Parse ``text`` as a ``/brief …`` line and run it."""
        try:
            invocation = self.parse(text, context)
        except UserFacingError as exc:
            metrics.COMMANDS.labels("parse", context.platform, "user_error").inc()
            return error_answer(exc.message, hint=exc.hint)
        return await self.execute(invocation)

    def _check_options(self, spec: CommandSpec, args: Mapping[str, str]) -> None:
        known = {o.name: o for o in spec.options}
        for name in args:
            if name not in known:
                raise UserFacingError(
                    f"“{spec.qualified_name}” has no option “{name}”.",
                    hint=f"Usage: {spec.usage()}",
                )
        for opt in spec.options:
            value = args.get(opt.name)
            if opt.required and not (value or "").strip():
                raise UserFacingError(
                    f"“{spec.qualified_name}” needs {opt.name} ({opt.description.rstrip('.')}).",
                    hint=f"Usage: {spec.usage()}" + _example(spec),
                )
            if value and len(value) > opt.max_length:
                raise UserFacingError(
                    f"{opt.name} is too long ({len(value)} characters; "
                    f"the limit is {opt.max_length})."
                )
            if value and opt.choices and value not in opt.choices:
                raise UserFacingError(
                    f"{opt.name} must be one of: {', '.join(opt.choices)}.",
                    hint=f"Usage: {spec.usage()}",
                )

    # -- parsing text commands -----------------------------------------------------------------

    def parse(self, text: str, context: Context) -> Invocation:
        """Parse ``actor russia``, ``/compare turkey vs syria`` or ``digest list``."""
        words = _split(text)
        if words and words[0].startswith("/"):
            words[0] = words[0][1:]
            if not words[0]:
                words.pop(0)
        if not words:
            return Invocation("brief", {}, context)
        head = words[0].lower()
        groups = self.registry.groups()
        if head in groups:
            if len(words) < 2:
                return Invocation("help", {"command": head}, context)
            sub = words[1].lower()
            spec = self.registry.get(f"{head} {sub}")
            if spec is None:
                names = [s.name for s in groups[head]]
                raise UserFacingError(
                    f"“{head} {words[1]}” is not a command."
                    + _did_you_mean(sub, names, prefix=head),
                    hint="Commands: " + ", ".join(f"{head} {n}" for n in names),
                )
            return Invocation(spec.qualified_name, self._bind(spec, words[2:], context), context)
        spec = self.registry.get(head)
        if spec is None or spec.group is not None:
            return self._unknown(words, context)
        return Invocation(spec.qualified_name, self._bind(spec, words[1:], context), context)

    def _unknown(self, words: list[str], context: Context) -> Invocation:
        # "/brief russia" is a natural thing to type: treat a bare actor name as "actor NAME".
        if self.registry.get("actor") is not None:
            index = self._newest_index()
            if index is not None and index.exact(" ".join(words)):
                return Invocation("actor", {"name": " ".join(words)}, context)
        suggestion = _did_you_mean(words[0].lower(), self.registry.names())
        if suggestion:
            raise UserFacingError(
                f"“{words[0]}” is not a command.{suggestion}", hint="Try “help” for every command."
            )
        return Invocation("help", {"command": " ".join(words)}, context)

    def _bind(self, spec: CommandSpec, words: list[str], context: Context) -> dict[str, str]:
        """Assign words to options: ``--name value`` / ``name=value`` first, then by position."""
        by_name = {o.name: o for o in spec.options}
        args: dict[str, str] = {}
        positional: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            if word.startswith("--") and len(word) > 2:
                name, _, value = word[2:].partition("=")
                if name in by_name:
                    if by_name[name].kind is OptionKind.FLAG:
                        value = value or "true"  # a flag takes no value of its own
                    elif not value and i + 1 < len(words):
                        value, i = words[i + 1], i + 1
                    args[name] = value
                    i += 1
                    continue
            name, eq, value = word.partition("=")
            if eq and name in by_name and not by_name[name].greedy:
                args[name] = value
                i += 1
                continue
            positional.append(word)
            i += 1
        free = [o for o in spec.options if o.name not in args and o.kind is not OptionKind.FLAG]
        actor_pair = [o for o in free[:2] if o.kind is OptionKind.ACTOR]
        if len(actor_pair) == 2 and len(positional) >= 2:
            first, second = self._split_pair(positional, context)
            args[actor_pair[0].name], args[actor_pair[1].name] = first, second
            return args
        for n, opt in enumerate(free):
            if not positional:
                break
            last = n == len(free) - 1 or opt.greedy
            if last:
                args[opt.name] = " ".join(positional)
                positional = []
            else:
                args[opt.name] = positional.pop(0)
        if positional:
            raise UserFacingError(
                f"Too many words for “{spec.qualified_name}”: {' '.join(positional)}",
                hint=f"Usage: {spec.usage()}",
            )
        return args

    def _split_pair(self, words: list[str], context: Context) -> tuple[str, str]:
        """Split ``united states vs turkey`` / ``united states turkey`` into two actor names."""
        if words[-1].lower() in COMPARE_SEPARATORS:  # "compare turkey vs": the second is missing
            return " ".join(words[:-1]), ""
        for i, word in enumerate(words):
            if word.lower() in COMPARE_SEPARATORS and 0 < i < len(words) - 1:
                return " ".join(words[:i]), " ".join(words[i + 1 :])
        joined = " ".join(words)
        if "," in joined:
            left, _, right = joined.partition(",")
            return left.strip(), right.strip()
        index = self._newest_index()
        if index is not None:
            for i in range(1, len(words)):
                left, right = " ".join(words[:i]), " ".join(words[i:])
                if index.exact(left) and index.exact(right):
                    return left, right
        return words[0], " ".join(words[1:])

    def _newest_index(self) -> ActorIndex | None:
        """The actor index of the newest briefing (None when nothing is loaded)."""
        library = self.library.current
        try:
            return library.index(library.get(None))
        except UserFacingError:
            return None

    # -- completion and follow-ups ------------------------------------------------------------

    def complete(
        self,
        kind: OptionKind,
        value: str,
        *,
        briefing: str | None = None,
        context: Context | None = None,
        limit: int = 25,
    ) -> list[Choice]:
        """Ranked suggestions for an option being typed (≤ ``limit``); actors come from
        ``briefing``, else the channel's chosen briefing, else the default one."""
        library = self.library.current
        if kind is OptionKind.ACTOR:
            if not briefing and context is not None and library.several:
                defaults = self.services.get(CHANNEL_BRIEFINGS)
                briefing = defaults.cached(context) if defaults else None
            try:
                loaded = library.get(briefing)
            except UserFacingError:
                loaded = library.get(None)
            matches = library.index(loaded).ranked(value, limit=limit)
            if value.strip():
                matches = [m for m in matches if m.score >= 50]
            return [
                Choice(
                    label=m.actor.name
                    if fold(m.matched) == fold(m.actor.name)
                    else f"{m.actor.name} ({m.matched})",
                    value=m.actor.id,
                    description=m.actor.stance.label,
                )
                for m in matches
            ]
        if kind is OptionKind.BRIEFING:
            items = [(b.briefing.id, b.briefing.title) for b in library.briefings.values()]
            return _rank(value, items, limit)
        if kind is OptionKind.TIMEZONE:
            return _rank(value, [(z, z) for z in picker_zones()], limit)
        return []

    def action_invocation(self, action: Action, context: Context) -> Invocation:
        """The invocation a follow-up button or picker choice stands for."""
        args: dict[str, str] = {}
        if action.briefing:
            args["briefing"] = action.briefing
        if action.kind is ActionKind.ACTOR:
            args["name"] = action.args[0] if action.args else ""
        elif action.kind is ActionKind.COMPARE:
            if len(action.args) >= 2:
                args["first"], args["second"] = action.args[0], action.args[1]
        elif action.kind is ActionKind.TIMELINE and action.args:
            args["actor"] = action.args[0]
        return Invocation(action.kind.value, args, context)


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError:  # an unbalanced quote: fall back to plain words
        return text.split()


def _did_you_mean(word: str, names: list[str], *, prefix: str = "") -> str:
    from rapidfuzz import fuzz, process  # only for a mistyped command: kept out of start-up

    close = [
        n
        for n, score, _ in process.extract(word, names, scorer=fuzz.WRatio, limit=2)
        if score >= 70
    ]
    if not close:
        return ""
    full = [f"{prefix} {c}".strip() for c in close]
    return " Did you mean " + " or ".join(f"“{c}”" for c in full) + "?"


def _example(spec: CommandSpec) -> str:
    return f" — e.g. {spec.examples[0]}" if spec.examples else ""


def _rank(value: str, items: list[tuple[str, str]], limit: int) -> list[Choice]:
    query = fold(value)
    if not query:
        return [Choice(label=label[:100], value=key) for key, label in items[:limit]]
    from rapidfuzz import fuzz  # autocomplete only: kept out of start-up

    scored: list[tuple[float, str, str]] = []
    for key, label in items:
        folded = fold(label)
        if folded.startswith(query) or fold(key).startswith(query):
            score = 200.0
        elif query in folded:
            score = 150.0
        else:
            score = fuzz.WRatio(query, folded)
        if score >= 60:
            scored.append((score, key, label))
    scored.sort(key=lambda s: (-s[0], s[2]))
    return [Choice(label=label[:100], value=key) for _, key, label in scored[:limit]]


__all__ = ["APOLOGY", "Engine", "OptionSpec", "apology_answer"]
