"""A local Slack for end-to-end tests (see ``server.py``): ``SlackFake``, ``SlackUser`` and the
tokens, records and helpers tests use.

    server.py         SlackFake: state, start/stop, waits — composed of the parts below
    web_api.py        the Web API (/api/<method>): chat.*, history, views, auth, users, faults
    socket_mode.py    the Socket Mode websocket: hello, envelopes and acks, disconnects, drops
    http_delivery.py  signed HTTP requests to an app in HTTP mode, and its response_urls
    payloads.py       slash command, block_actions, message shortcut and app_home_opened payloads
    checks.py         the rules every message, view and block the bot sends must keep
    user.py           SlackUser (a person driving the app) and the app's Reply
    models.py         ids and tokens, the records, visible_text/elements
"""

from tests.fakes.slack.http_delivery import encode_body, signature_headers
from tests.fakes.slack.models import (
    APP_ID,
    APP_TOKEN,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    DEFAULT_SCOPES,
    MESSAGE_BLOCK_LIMIT,
    SIGNING_SECRET,
    TEAM_ID,
    VIEW_BLOCK_LIMIT,
    ApiCall,
    HttpReply,
    ResponsePost,
    SocketAck,
    Upload,
    elements,
    visible_text,
)
from tests.fakes.slack.server import SlackFake
from tests.fakes.slack.user import Reply, SlackUser, view_buttons

__all__ = [
    "APP_ID",
    "APP_TOKEN",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "DEFAULT_SCOPES",
    "MESSAGE_BLOCK_LIMIT",
    "SIGNING_SECRET",
    "TEAM_ID",
    "VIEW_BLOCK_LIMIT",
    "ApiCall",
    "HttpReply",
    "Reply",
    "ResponsePost",
    "SlackFake",
    "SlackUser",
    "SocketAck",
    "Upload",
    "elements",
    "encode_body",
    "signature_headers",
    "view_buttons",
    "visible_text",
]
