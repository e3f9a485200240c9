"""Briefbot on Slack (slack-bolt): ``/brief`` over Socket Mode or HTTP, Block Kit answers, App Home.

- ``service``  — ``SlackService``: the runtime's ``Service`` and the digests' ``Poster``.
- ``app``      — the bolt listeners: slash command, block actions, App Home, error handler.
- ``messages`` — pure payload helpers: contexts, ephemeral pages, Share button, Home view.
- ``client``   — the Web API client (retries 429/5xx) and Slack errors → ``DeliveryError``.
- ``manifest`` — ``briefbot slack-manifest``.

Configuration (environment):

=======================  ========================================================================
``SLACK_BOT_TOKEN``      ``xoxb-…`` bot token; Slack starts only when it is set.
``SLACK_APP_TOKEN``      ``xapp-…`` app-level token (``connections:write``): Socket Mode.
``SLACK_SIGNING_SECRET`` HTTP mode (no app token): verifies every request; required there.
``SLACK_PORT``           HTTP mode port for ``/slack/events`` (default 3000).
``SLACK_HOST``           HTTP mode bind address (default 0.0.0.0).
``SLACK_API_URL``        Web API base URL (default ``https://slack.com/api/``): a proxy or a
                         local stand-in.
``SLACK_COMMAND``        the slash command (default ``/brief``).
``SLACK_ADMIN_USERS``    user ids (comma/space separated) allowed to change digests besides
                         workspace admins and owners.
=======================  ========================================================================
"""
