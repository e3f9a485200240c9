"""``briefbot slack-manifest [--socket | --http URL]``: a ready Slack app manifest (YAML).

Paste the output into https://api.slack.com/apps → Create New App → From a manifest. Socket Mode
needs no public URL (then create an app-level token with ``connections:write`` for
``SLACK_APP_TOKEN``); HTTP mode sends commands, clicks and events to ``URL`` (…/slack/events).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.commands.registry import CommandRegistry
from bot.platforms.slack import shortcuts
from bot.platforms.slack.settings import HasSlackSettings

EVENTS_PATH = "/slack/events"
PLACEHOLDER_URL = "https://YOUR-PUBLIC-HOST" + EVENTS_PATH

#: Bot scopes, each with why it is needed. Nothing else is requested.
BOT_SCOPES: dict[str, str] = {
    # The /brief slash command and the "Briefing context" message shortcut.
    "commands": "the /brief slash command and the Briefing context message shortcut",
    # Digests: chat.postMessage into channels Briefbot was invited to. (Answers to /brief and
    # buttons go through response_url and the App Home through views.publish: no scope.)
    "chat:write": "post scheduled digests in channels it was invited to",
    # users.info → is_admin / is_owner, only when someone changes a channel's digests.
    "users:read": "check that whoever changes a digest is a workspace admin or owner",
    # conversations.history, only when a digest post's outcome is unknown (an instance died
    # mid-post, an answer was lost): find the post before posting it again.
    "channels:history": "never post a digest twice: look for it in a public channel first",
    "groups:history": "never post a digest twice: look for it in a private channel first",
    # files_upload_v2 (files.getUploadURLExternal + files.completeUploadExternal): the PNG of
    # `/brief map`, after its text answer. Without it the text stands and the asker is told.
    "files:write": "attach the stance map picture to a map answer in the channel",
}
# Not requested: chat:write.public (posting in channels without an invitation — Briefbot asks
# to be invited instead), channels:read, im:write, app_mentions:read and every user scope.


def manifest(
    settings: HasSlackSettings,
    registry: CommandRegistry,
    *,
    socket_mode: bool,
    request_url: str | None,
) -> dict[str, Any]:
    """The app manifest for Socket Mode, or for HTTP mode at ``request_url``."""
    url = None if socket_mode else _events_url(request_url or PLACEHOLDER_URL)
    command: dict[str, Any] = {
        "command": settings.slack.command,
        "description": "Query the briefing: actors, compare, timeline, figures, ask…",
        "usage_hint": _usage_hint(registry),
        # Escaped: a channel picked with # arrives as <#C…|name>, which `digest subscribe …
        # channel` needs; user text stays inert because every renderer re-escapes it.
        "should_escape": True,
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": ["app_home_opened"]}
    if url is not None:
        command["url"] = url
        interactivity["request_url"] = url
        events["request_url"] = url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Briefbot",
            "description": "A cited, structured briefing of an analysis article, in chat.",
            "background_color": "#1f3a5f",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "Briefbot", "always_online": True},
            "slash_commands": [command],
            # Answered through the shortcut's response_url: no scope beyond `commands`.
            "shortcuts": [shortcuts.manifest_entry()],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def main(settings: HasSlackSettings, argv: list[str], *, registry: CommandRegistry) -> int:
    """Print the manifest; the mode comes from ``--socket``/``--http URL`` or the settings."""
    parser = argparse.ArgumentParser(prog="briefbot slack-manifest")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--socket", action="store_true", help="Socket Mode (no public URL)")
    mode.add_argument("--http", metavar="URL", help="HTTP mode at this public URL")
    args = parser.parse_args(argv)
    socket_mode = args.socket or (args.http is None and settings.slack.socket_mode)
    if not socket_mode and args.http is None:
        print(
            f"# HTTP mode: replace {PLACEHOLDER_URL} with your public URL "
            "(or pass --http URL, or --socket for Socket Mode)",
            file=sys.stderr,
        )
    data = manifest(settings, registry, socket_mode=socket_mode, request_url=args.http)
    print(render(data), end="")
    return 0


def render(data: dict[str, Any]) -> str:
    """The manifest as YAML, headed by why each scope is requested."""
    header = ["# Briefbot Slack app manifest", "# Bot scopes:"]
    header += [f"#   {scope}: {why}" for scope, why in BOT_SCOPES.items()]
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + "\n" + body


def _events_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SystemExit(f"briefbot slack-manifest: --http needs a full URL, got {url!r}")
    return url if parts.path not in {"", "/"} else url.rstrip("/") + EVENTS_PATH


def _usage_hint(registry: CommandRegistry) -> str:
    names = [n for n in registry.names() if n != "brief"]
    return "[" + " | ".join(names) + "]"
