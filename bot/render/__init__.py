"""Pure renderers: an ``Answer`` in, plain text or platform JSON out.

Nothing here touches the network or imports a platform library; the adapters send what these
functions return. ``text`` is for the console, ``discord`` builds message payloads (embeds and
components), ``slack`` builds Block Kit payloads, ``actions`` encodes follow-up buttons as
stateless custom ids shared by both platforms.
"""
