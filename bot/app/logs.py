"""Logging set-up: readable text by default, one JSON object per line with ``LOG_FORMAT=json``.

Every record passes a redaction filter that replaces each configured secret (tokens, the
signing secret, the database password) with ``***`` in the message, its arguments, extras and
the formatted traceback, so a secret never reaches a log line, whatever library logged it.

Lines about a command or a delivery carry ``platform``, ``channel`` and ``subscription``:
either pass them as ``extra={...}`` or wrap the work in ``log_context(...)``, which tags every
record logged inside it (tasks started inside inherit it).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from bot.app.settings import Settings

log = logging.getLogger(__name__)

#: Values LOG_FORMAT may take (``bot.app.runtime`` rejects any other as a config error).
LOG_FORMATS = ("text", "json")
#: Extras shown on every line that has them, in this order.
CONTEXT_FIELDS = ("platform", "channel", "subscription")
REDACTED = "***"
#: Shorter "secrets" are ignored: replacing every "ab" would make logs unreadable.
MIN_SECRET_LENGTH = 4

_context: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar(
    "briefbot_log_context",
    default={},  # noqa: B039 - never mutated, only replaced
)
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Tag every record logged inside the block with ``fields`` (``None`` values skipped)."""
    merged = {**_context.get(), **{k: str(v) for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def parse_level(name: str) -> int | None:
    """The logging level called ``name`` (any case), or ``None`` if there is none."""
    level = logging.getLevelName(name.upper())
    return level if isinstance(level, int) else None


class Redactor:
    """Replaces secret values (and their URL-encoded forms) in strings with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_LENGTH:
                forms.update({secret, quote(secret, safe="")})
        # Longest first, so a secret containing another is replaced whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text


class RedactingFilter(logging.Filter):
    """Rewrites each record so no secret survives in its message, extras or traceback."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if not self.redact:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the line
            message = f"{record.msg!r} % {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in _extras(record).items():
            if isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _RECORD_ATTRS}


class TextFormatter(logging.Formatter):
    """``2025-01-01 12:00:00 INFO  bot.x: message [platform=slack channel=C1]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        tags = [f"{k}={getattr(record, k)}" for k in CONTEXT_FIELDS if hasattr(record, k)]
        return f"{line} [{' '.join(tags)}]" if tags else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, context fields, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


_installed: list[logging.Handler] = []
_saved_hooks: list[Any] = []  # (sys.excepthook, threading.excepthook) before setup_logging


def _log_uncaught(exc_type: Any, exc: Any, tb: Any) -> None:
    logging.getLogger("bot").critical("uncaught exception", exc_info=(exc_type, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("bot").error(
        "uncaught exception in thread %s", name, exc_info=args.exc_value or True
    )


def setup_logging(
    settings: Settings, *, stream: IO[str] | None = None, extra_secrets: Iterable[str] = ()
) -> Redactor:
    """Send every log record to ``stream`` (stderr) as text or JSON, with secrets redacted.

    Calling it again replaces the handler it installed before. An unknown ``LOG_FORMAT`` or
    ``LOG_LEVEL`` falls back to text and INFO (``bot.app.runtime`` reports it as a config error).
    Returns the redactor, for text shown outside logging.
    """
    redact = Redactor([*settings.secrets(), *extra_secrets])
    handler = logging.StreamHandler(stream or sys.stderr)
    fmt = settings.ops.log_format.lower()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(redact))
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
        old.close()
    _installed[:] = [handler]
    root.addHandler(handler)
    level = parse_level(settings.ops.log_level)
    root.setLevel(logging.INFO if level is None else level)
    logging.captureWarnings(True)
    # Tracebacks Python would print itself go through the redacting handler too.
    if not _saved_hooks:
        _saved_hooks[:] = [sys.excepthook, threading.excepthook]
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return redact


def reset_logging() -> None:
    """Undo ``setup_logging`` (tests)."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    logging.captureWarnings(False)
    if _saved_hooks:
        sys.excepthook, threading.excepthook = _saved_hooks
        _saved_hooks.clear()
