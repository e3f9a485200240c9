"""What a handler is given: who asked, where, the arguments, the content and the services.

``Call`` carries the library snapshot and a typed ``Services`` container instead of the engine,
so handlers depend only on what they use and nothing here imports the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from bot.commands.registry import CommandRegistry, CommandSpec
    from bot.core.library import Library

T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """Who asked, where. Adapters fill it in; the core never looks at platform objects."""

    platform: str = "console"  # console | discord | slack | cli
    user_id: str = ""
    user_name: str = ""
    channel_id: str = ""
    channel_name: str = ""
    workspace_id: str = ""  # Discord guild id / Slack team id
    #: Whether the user may change this channel's subscriptions (checked by the adapter).
    can_manage: bool = True
    #: Whether that holds for every channel of the workspace (Discord: Manage Channels
    #: server-wide; Slack: admins and the allow-list, which are workspace-wide already).
    #: Needed to change a subscription of another channel by its id.
    manages_workspace: bool = True


@dataclass(frozen=True)
class Invocation:
    """A command to run: its qualified name and raw string arguments."""

    command: str
    args: Mapping[str, str] = field(default_factory=dict)
    context: Context = field(default_factory=Context)


@dataclass(frozen=True)
class Call:
    """What a handler gets: the invocation, the content it runs on and the services.

    ``library`` is the snapshot current when the call started (a reload mid-call does not
    change it); ``registry`` is the command set (for help); ``services`` what the runtime
    provides (digests, the key-value store), each looked up by its type.
    """

    spec: CommandSpec
    args: Mapping[str, str]
    context: Context
    library: Library
    services: Services
    registry: CommandRegistry

    def arg(self, name: str, default: str | None = None) -> str | None:
        value = self.args.get(name)
        return value if value not in (None, "") else default


class MetaStore(Protocol):
    """A small persistent key-value store (the database's ``meta`` table)."""

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class ServiceKey(Generic[T]):
    """A typed name for a service: ``services.get(DIGESTS)`` is a ``DigestService | None``.

    Each key is declared once, next to the code that uses the service, so a lookup is checked
    by mypy and cannot be misspelt.
    """

    name: str


#: The persistent key-value store (the runtime provides the database's ``meta`` table).
META_STORE: ServiceKey[MetaStore] = ServiceKey("meta store")


@dataclass
class Services:
    """Services the runtime provides to handlers and adapters, each under a ``ServiceKey``."""

    _items: dict[ServiceKey[Any], Any] = field(default_factory=dict)

    def provide(self, key: ServiceKey[T], service: T) -> None:
        """Make ``service`` available under ``key``."""
        self._items[key] = service

    def get(self, key: ServiceKey[T]) -> T | None:
        """The service provided under ``key``, or ``None`` when it is not running."""
        return self._items.get(key)
