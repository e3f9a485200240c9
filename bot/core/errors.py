"""Errors shared by the core and every adapter.

    BriefbotError
    ├── UserFacingError      shown to the user as is (ephemeral where the platform allows)
    │   ├── NotFoundError    an actor / briefing / subscription that does not exist
    │   ├── PermissionDenied the user may not do this here
    │   └── Unavailable      a service it needs is down for now (e.g. the database): try later
    ├── ContentError         content files are invalid; carries every problem found
    └── ConfigError          the process is configured wrongly; start-up stops with the message

Anything else that escapes a handler is a bug: adapters log it with its traceback and answer
with a short apology.
"""

from __future__ import annotations

from dataclasses import dataclass


class BriefbotError(Exception):
    """Base of every error Briefbot raises on purpose."""


class UserFacingError(BriefbotError):
    """An expected failure whose message is safe and useful to show to the user."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotFoundError(UserFacingError):
    """Something the user named does not exist."""


class PermissionDenied(UserFacingError):
    """The user is not allowed to do this."""


class Unavailable(UserFacingError):
    """A service the command needs is down for now; ``cause`` says why (for logs, not users).
    Whoever found it down has logged it: callers with a fallback need not log it again."""

    def __init__(self, message: str, *, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


class ConfigError(BriefbotError):
    """Invalid configuration; the process refuses to start."""


@dataclass(frozen=True)
class ContentProblem:
    """One problem in a content file, printed as ``file:line: field: message``."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ContentError(BriefbotError):
    """Content failed validation; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.field))
        super().__init__("\n".join(str(p) for p in self.problems))
