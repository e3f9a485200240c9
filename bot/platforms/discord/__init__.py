"""The Discord adapter: the only place that imports discord.py.

- ``service`` — ``DiscordService``: the client, command sync, gateway state, digest posts.
- ``commands`` — slash commands built from the shared command declarations; sync by hash.
- ``handlers`` — interactions → engine → answers; the adapter's one catch-all.
- ``messages`` — rendered pages handed to discord.py's send methods.
- ``invite`` — the OAuth2 invite URL (``briefbot discord-invite``).
"""
