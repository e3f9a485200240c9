"""``briefbot slack-manifest``: a Slack app manifest for Socket Mode or HTTP mode (no network)."""

from __future__ import annotations

import pytest
import yaml
from pydantic import SecretStr

from bot.app.cli import main as cli_main
from bot.app.composition import build_registry
from bot.app.settings import Settings, SlackSettings
from bot.platforms.slack import manifest


def settings(**slack: object) -> Settings:
    return Settings(slack=SlackSettings(**slack))


def urls(data: dict) -> list[str]:
    """Every request URL in the manifest."""
    found = [c.get("url") for c in data["features"]["slash_commands"]]
    found += [data["settings"]["interactivity"].get("request_url")]
    found += [data["settings"]["event_subscriptions"].get("request_url")]
    return [u for u in found if u]


def test_socket_mode_manifest_needs_no_public_url() -> None:
    data = manifest.manifest(settings(), build_registry(), socket_mode=True, request_url=None)

    assert data["settings"]["socket_mode_enabled"] is True
    assert urls(data) == []
    assert data["features"]["slash_commands"][0]["command"] == "/brief"
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]


def test_only_the_scopes_briefbot_uses_are_requested() -> None:
    data = manifest.manifest(settings(), build_registry(), socket_mode=True, request_url=None)
    assert data["oauth_config"]["scopes"] == {
        "bot": [
            "commands",
            "chat:write",
            "users:read",
            "channels:history",
            "groups:history",
            "files:write",
        ]
    }


def test_http_mode_points_commands_clicks_and_events_at_slack_events() -> None:
    data = manifest.manifest(
        settings(), build_registry(), socket_mode=False, request_url="https://bot.example.org"
    )

    assert data["settings"]["socket_mode_enabled"] is False
    assert urls(data) == ["https://bot.example.org/slack/events"] * 3


def test_the_cli_prints_yaml_for_the_configured_mode(capsys: pytest.CaptureFixture[str]) -> None:
    configured = settings(app_token=SecretStr("xapp-1"), command="/briefing")

    assert manifest.main(configured, [], registry=build_registry()) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Briefbot Slack app manifest")
    assert "users:read: check that whoever changes a digest" in out  # each scope says why
    data = yaml.safe_load(out)
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["features"]["slash_commands"][0]["command"] == "/briefing"
    hint = data["features"]["slash_commands"][0]["usage_hint"]
    assert "actor" in hint and "compare" in hint and "ask" in hint


@pytest.mark.parametrize(
    "argv",
    [
        ["slack-manifest", "--http", "https://bot.example.org/hooks/slack"],
    ],
)
def test_briefbot_slack_manifest_http(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    assert cli_main(argv) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert urls(data) == ["https://bot.example.org/hooks/slack"] * 3


def test_a_bad_url_is_refused() -> None:
    with pytest.raises(SystemExit, match="full URL"):
        manifest.main(settings(), ["--http", "bot.example.org"], registry=build_registry())
