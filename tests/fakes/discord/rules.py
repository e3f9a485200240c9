"""Checks a local Discord stand-in applies to what the bot sends.

Two independent sources of truth:

* ``SpecValidator`` validates request bodies against Discord's own OpenAPI description
  (``tests/specs/discord-openapi.json``, JSON Schema 2020-12), which neither the bot nor
  its tests wrote.
* ``command_problems`` checks synced application commands against the rules Discord documents
  for them but the spec does not express (lowercase names, required options first, sizes).

Both return human-readable problems; an empty list means Discord would accept the body.
"""

from __future__ import annotations

import json
import os
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(
    os.environ.get(
        "DISCORD_OPENAPI_SPEC",
        Path(__file__).resolve().parents[2] / "specs" / "discord-openapi.json",
    )
)
_SPEC_URI = "urn:discord-openapi"

#: (method, path template in the spec) of every body the stand-in validates.
VALIDATED_ROUTES = {
    ("PUT", "/applications/{application_id}/commands"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("POST", "/channels/{channel_id}/messages"),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"),
    ("POST", "/channels/{channel_id}/threads"),
}


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class SpecValidator:
    """Validates JSON request bodies against the request schema of a route in the spec."""

    def __init__(self, spec_path: Path = SPEC_PATH) -> None:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        resource = Resource(contents=spec, specification=DRAFT202012)
        self._registry: Registry = Registry().with_resource(_SPEC_URI, resource)
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}
        for method, path in VALIDATED_ROUTES:
            ref = f"{_SPEC_URI}#/" + _pointer(
                "paths",
                path,
                method.lower(),
                "requestBody",
                "content",
                "application/json",
                "schema",
            )
            self._validators[(method, path)] = Draft202012Validator(
                {"$ref": ref}, registry=self._registry
            )

    def problems(self, method: str, route: str, body: Any) -> list[str]:
        """Every schema violation of ``body`` sent to ``route`` (a spec path template)."""
        validator = self._validators[(method, route)]
        out = []
        for error in validator.iter_errors(body):
            detail = _closest(error)
            where = "/".join(str(p) for p in detail.absolute_path) or "(body)"
            out.append(f"{method} {route}: {where}: {_short(detail)}")
        return out


def _short(error: ValidationError, limit: int = 160) -> str:
    if len(error.message) <= limit:
        return error.message
    return f"{error.message[:80]}… ({error.validator}: {error.validator_value!r})"


def _closest(error: ValidationError) -> ValidationError:
    """For an anyOf/oneOf failure, the problem in the branch the sender meant.

    A union reports one vague "is not valid under any of the given schemas". The meant branch
    is the one whose discriminator (an ``enum``/``const`` such as ``type``) matched and that has
    the fewest errors; descend into it until a concrete error is left.
    """
    while error.context:
        branches: dict[object, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        depth = len(error.absolute_path)

        def mismatch(errs: list[ValidationError], depth: int = depth) -> tuple[bool, bool, int]:
            wrong_kind = any(e.validator == "type" and len(e.absolute_path) == depth for e in errs)
            wrong_tag = any(e.validator in ("enum", "const") for e in errs)
            return wrong_tag, wrong_kind, len(errs)

        best = min(branches.values(), key=mismatch)
        error = max(best, key=lambda e: len(e.absolute_path))
    return error


@cache
def spec_validator() -> SpecValidator:
    """The validator for the shared spec, built once per process (it takes ~0.2 s)."""
    return SpecValidator()


# --- Discord's documented rules for application commands ---------------------------------

MAX_COMMANDS = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_COMMAND_CHARS = 4000  # name + description + every option's name, description and choices
CHAT_INPUT = 1
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2


def valid_name(name: object) -> bool:
    """``^[-_\\p{L}\\p{N}]{1,32}$``, lowercase where the letter has a lowercase form."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    allowed = all(c in "-_" or unicodedata.category(c)[0] in ("L", "N") for c in name)
    return allowed and name == name.lower()


def _option_problems(where: str, options: list[dict[str, Any]], depth: int) -> list[str]:
    out: list[str] = []
    if len(options) > MAX_OPTIONS:
        out.append(f"{where}: {len(options)} options (max {MAX_OPTIONS})")
    names = [o.get("name") for o in options]
    if len(set(names)) != len(names):
        out.append(f"{where}: duplicate option names {names}")
    seen_optional = False
    for opt in options:
        name = opt.get("name")
        here = f"{where} {name}"
        if not valid_name(name):
            out.append(f"{here}: invalid option name")
        desc = opt.get("description")
        if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
            out.append(f"{here}: description must be 1-100 characters, got {desc!r}")
        kind = opt.get("type")
        if kind in (SUBCOMMAND, SUBCOMMAND_GROUP):
            if depth >= (1 if kind == SUBCOMMAND_GROUP else 2):
                out.append(f"{here}: subcommands nested too deep")
            out += _option_problems(here, opt.get("options") or [], depth + 1)
            continue
        if opt.get("required"):
            if seen_optional:
                out.append(f"{here}: required option after an optional one")
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > MAX_CHOICES:
            out.append(f"{here}: {len(choices)} choices (max {MAX_CHOICES})")
        if choices and opt.get("autocomplete"):
            out.append(f"{here}: autocomplete and choices are exclusive")
        for choice in choices:
            if not 1 <= len(str(choice.get("name", ""))) <= 100:
                out.append(f"{here}: choice name must be 1-100 characters")
    kinds = {o.get("type") for o in options}
    if kinds & {SUBCOMMAND, SUBCOMMAND_GROUP} and kinds - {SUBCOMMAND, SUBCOMMAND_GROUP}:
        out.append(f"{where}: subcommands mixed with plain options")
    return out


def _chars(cmd: dict[str, Any]) -> int:
    total = len(cmd.get("name", "")) + len(cmd.get("description") or "")
    for opt in cmd.get("options") or []:
        total += _chars(opt)
        total += sum(
            len(str(c.get("name", ""))) + len(str(c.get("value", "")))
            for c in opt.get("choices") or []
        )
    return total


def command_problems(commands: list[dict[str, Any]]) -> list[str]:
    """Every way ``commands`` (a bulk-overwrite body) breaks Discord's documented rules."""
    out: list[str] = []
    chat = [c for c in commands if c.get("type", CHAT_INPUT) == CHAT_INPUT]
    if len(chat) > MAX_COMMANDS:
        out.append(f"{len(chat)} chat commands (max {MAX_COMMANDS})")
    names = [c.get("name") for c in chat]
    if len(set(names)) != len(names):
        out.append(f"duplicate command names {names}")
    for cmd in chat:
        where = f"/{cmd.get('name')}"
        if not valid_name(cmd.get("name")):
            out.append(f"{where}: invalid command name")
        desc = cmd.get("description")
        if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
            out.append(f"{where}: description must be 1-100 characters, got {desc!r}")
        if _chars(cmd) > MAX_COMMAND_CHARS:
            out.append(f"{where}: {_chars(cmd)} characters (max {MAX_COMMAND_CHARS})")
        out += _option_problems(where, cmd.get("options") or [], 0)
    out += context_menu_problems(commands)
    return out


MAX_CONTEXT_MENUS = 5  # per type (user, message)
USER_COMMAND, MESSAGE_COMMAND = 2, 3


def context_menu_problems(commands: list[dict[str, Any]]) -> list[str]:
    """Discord's rules for user and message commands: names of 1-32 characters (spaces and
    capitals allowed), unique per type, at most 5 per type, no description and no options."""
    out: list[str] = []
    for kind in (USER_COMMAND, MESSAGE_COMMAND):
        menus = [c for c in commands if c.get("type") == kind]
        if len(menus) > MAX_CONTEXT_MENUS:
            out.append(f"{len(menus)} type-{kind} commands (max {MAX_CONTEXT_MENUS})")
        names = [c.get("name") for c in menus]
        if len(set(names)) != len(names):
            out.append(f"duplicate type-{kind} command names {names}")
        for cmd in menus:
            name = cmd.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= 32 or name != name.strip():
                out.append(f"{name!r}: a context-menu name must be 1-32 characters")
            if cmd.get("description"):
                out.append(f"{name!r}: context-menu commands take no description")
            if cmd.get("options"):
                out.append(f"{name!r}: context-menu commands take no options")
    return out


# --- Discord's documented limits for a message that a JSON schema cannot express ---------

MAX_EMBED_CHARS = 6000  # across every embed of one message
_EMBED_TEXT = ("title", "description")


def embed_chars(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6000 limit for one embed."""
    total = sum(len(embed.get(k) or "") for k in _EMBED_TEXT)
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def message_problems(body: dict[str, Any]) -> list[str]:
    """Limits on a whole message: 6000 embed characters, 10 embeds, 5 component rows."""
    out: list[str] = []
    embeds = body.get("embeds") or []
    chars = sum(embed_chars(e) for e in embeds)
    if chars > MAX_EMBED_CHARS:
        out.append(f"embeds hold {chars} characters (max {MAX_EMBED_CHARS})")
    if len(embeds) > 10:
        out.append(f"{len(embeds)} embeds (max 10)")
    if len(body.get("components") or []) > 5:
        out.append(f"{len(body['components'])} component rows (max 5)")
    return out
