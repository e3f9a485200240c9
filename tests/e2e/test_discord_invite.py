"""``briefbot discord-invite``: the server and user install links, with the application id given
or asked for."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlparse

import pytest

from bot.app.settings import DiscordSettings, Settings
from bot.platforms.discord import invite
from tests.fakes.discord import APPLICATION_ID, TOKEN, FakeDiscord, Perm

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def no_application_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_APPLICATION_ID", raising=False)


def test_invite_asks_for_the_two_scopes_and_only_the_needed_permissions() -> None:
    query = parse_qs(urlparse(invite.invite_url(1234)).query)
    assert query["client_id"] == ["1234"]
    assert query["scope"] == ["bot applications.commands"]
    assert query["integration_type"] == ["0"]
    assert int(query["permissions"][0]) == (
        Perm.VIEW_CHANNEL
        | Perm.SEND_MESSAGES
        | Perm.EMBED_LINKS
        | Perm.SEND_MESSAGES_IN_THREADS
        | Perm.CREATE_PUBLIC_THREADS
        | Perm.READ_MESSAGE_HISTORY
    )


def test_the_user_install_asks_for_commands_only() -> None:
    query = parse_qs(urlparse(invite.user_install_url(1234)).query)
    assert query == {
        "client_id": ["1234"],
        "scope": ["applications.commands"],
        "integration_type": ["1"],
    }  # no bot user, no permissions


def test_both_links_are_printed_with_what_each_is_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "987654321")
    assert invite.main(Settings(discord=DiscordSettings())) == 0
    out = capsys.readouterr().out
    links = [line.strip() for line in out.splitlines() if line.strip().startswith("https://")]
    assert links == [invite.invite_url(987654321), invite.user_install_url(987654321)]
    server, user = out.split(links[0])
    assert "server" in server and "digests" in server
    assert "yourself" in user and "DMs" in user and "no digests" in user


def test_application_id_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "987654321")
    assert invite.main(Settings(discord=DiscordSettings())) == 0
    assert "client_id=987654321" in capsys.readouterr().out


def test_without_id_or_token_it_explains_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert invite.main(Settings(discord=DiscordSettings())) == 2
    assert "DISCORD_APPLICATION_ID" in capsys.readouterr().err


async def test_application_id_asked_from_discord_with_the_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with FakeDiscord() as fake:

        def settings(token: str) -> Settings:
            return Settings(discord=DiscordSettings(token=token, api_base=fake.api_base))

        # main() runs its own event loop, as the CLI does; the fake keeps serving in ours.
        assert await asyncio.to_thread(invite.main, settings(TOKEN)) == 0
        assert f"client_id={APPLICATION_ID}" in capsys.readouterr().out
        assert await asyncio.to_thread(invite.main, settings("wrong")) == 2
        assert "rejected DISCORD_TOKEN" in capsys.readouterr().err
        fake.assert_clean()
