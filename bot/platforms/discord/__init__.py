"""The Discord adapter: the only place that imports discord.py.

- ``service`` — ``DiscordService``: the client, command sync, gateway state, digest posts.
- ``commands`` — slash commands built from the shared command declarations; sync by hash.
- ``handlers`` — interactions → engine → answers; the adapter's one catch-all.
- ``messages`` — rendered pages handed to discord.py's send methods.
- ``invite`` — the server and user install links (``briefbot discord-invite``).
- ``reach`` — where commands work (servers, DMs, user installs); private answers where due.
- ``context_menu`` — the "Briefing context" message command.
"""
