"""Commands, declared once.

Every command (name, options, help, handler) is declared once, in its feature module, with
``@commands.command(...)``. The Discord adapter registers slash commands from these
declarations, the Slack adapter and the console parse ``/brief <command> …`` text against them,
and ``help`` is generated from them. Adding a command is one handler plus one declaration.

Handlers receive a ``Call`` (``bot.commands.calls``) and return an ``Answer`` (sync or async).
They raise ``UserFacingError`` for anything the user should be told.

Each feature module declares its commands on a module-level ``CommandRegistry`` and exposes
``register(registry)``; the application layer (``bot.app.composition``) composes them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.core.answers import Answer

if TYPE_CHECKING:
    from bot.commands.calls import Call


class OptionKind(StrEnum):
    """What an option holds; adapters pick widgets and autocompletion from it."""

    TEXT = "text"
    ACTOR = "actor"  # autocompleted with the briefing's actors
    BRIEFING = "briefing"  # autocompleted with loaded briefings
    TIMEZONE = "timezone"  # autocompleted with IANA zones
    CHOICE = "choice"  # one of ``choices``
    CHANNEL = "channel"  # a channel of the platform (defaults to the current one)
    INTEGER = "integer"
    FLAG = "flag"  # on or off: a Discord boolean, ``--NAME`` (or the word NAME) in text


@dataclass(frozen=True)
class OptionSpec:
    """One option of a command.

    ``greedy`` options swallow the rest of a text command line (``ask why does …``).
    """

    name: str
    description: str
    kind: OptionKind = OptionKind.TEXT
    required: bool = True
    greedy: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 200


Handler = Callable[["Call"], Answer | Awaitable[Answer]]


@dataclass(frozen=True)
class CommandSpec:
    """A command: its name, help, options and handler.

    ``group`` nests the command (``digest subscribe`` has group ``digest``, name ``subscribe``).
    ``manage`` marks commands that change shared state: adapters check the user may manage the
    channel (Discord: Manage Channels; Slack: admin or allow-list) before running them.
    """

    name: str
    description: str
    handler: Handler = field(compare=False, repr=False)
    options: tuple[OptionSpec, ...] = ()
    examples: tuple[str, ...] = ()
    group: str | None = None
    manage: bool = False
    private: bool = False  # answer only to the caller by default (e.g. previews)
    #: The answer depends only on the arguments and the loaded content (no caller, no clock,
    #: no database), so the engine may reuse it until the content changes.
    cacheable: bool = False
    #: The handler may take longer than a platform's acknowledgement window (it touches the
    #: database or the network): adapters acknowledge first and answer when it is done.
    slow: bool = False

    @property
    def qualified_name(self) -> str:
        return f"{self.group} {self.name}" if self.group else self.name

    def usage(self) -> str:
        """One-line usage, e.g. ``compare A B [briefing]``."""
        parts = [self.qualified_name]
        for opt in self.options:
            label = opt.name + ("…" if opt.greedy else "")
            parts.append(label if opt.required else f"[{label}]")
        return " ".join(parts)


GROUP_HELP: dict[str, str] = {
    "digest": "Scheduled digests for this channel",
    "briefing": "Choose the briefing this channel uses",
}


class CommandRegistry:
    """The one list of commands every adapter reads."""

    def __init__(self) -> None:
        self._specs: dict[str, CommandSpec] = {}

    def add(self, spec: CommandSpec) -> CommandSpec:
        if spec.qualified_name in self._specs:
            raise ValueError(f"command {spec.qualified_name!r} declared twice")
        self._specs[spec.qualified_name] = spec
        return spec

    def command(
        self,
        name: str,
        description: str,
        *,
        options: tuple[OptionSpec, ...] = (),
        examples: tuple[str, ...] = (),
        group: str | None = None,
        manage: bool = False,
        private: bool = False,
        cacheable: bool = False,
        slow: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator declaring a command handled by the decorated function."""

        def decorate(handler: Handler) -> Handler:
            self.add(
                CommandSpec(
                    name=name,
                    description=description,
                    handler=handler,
                    options=options,
                    examples=examples,
                    group=group,
                    manage=manage,
                    private=private,
                    cacheable=cacheable,
                    slow=slow,
                )
            )
            return handler

        return decorate

    def include(self, other: CommandRegistry) -> None:
        """Add every command declared in ``other`` (a feature module's own registry)."""
        for spec in other:
            self.add(spec)

    def get(self, qualified_name: str) -> CommandSpec | None:
        return self._specs.get(qualified_name)

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def top_level(self) -> list[CommandSpec]:
        """Commands without a group, in declaration order."""
        return [s for s in self if s.group is None]

    def groups(self) -> dict[str, list[CommandSpec]]:
        """Grouped commands by group name, in declaration order."""
        out: dict[str, list[CommandSpec]] = {}
        for s in self:
            if s.group:
                out.setdefault(s.group, []).append(s)
        return out

    def names(self) -> list[str]:
        """Every first word a text command may start with (commands and groups)."""
        return [s.name for s in self.top_level()] + list(self.groups())

    def describe(self) -> list[dict[str, Any]]:
        """A JSON-able description of every command (used for sync hashes and docs)."""
        return [
            {
                "name": s.qualified_name,
                "description": s.description,
                "manage": s.manage,
                "options": [
                    {
                        "name": o.name,
                        "description": o.description,
                        "kind": o.kind.value,
                        "required": o.required,
                        "choices": list(o.choices),
                    }
                    for o in s.options
                ],
            }
            for s in self
        ]
