"""The local console: the same commands as chat, in a terminal, when no platform is configured.

It is also the ``console`` digest poster, so digests scheduled from the console print here.
``service`` runs it, ``terminal`` is the prompt, pager and terminal handling (prompt_toolkit,
imported only at a terminal) and ``views`` turns ``more``, ``quotes`` and section words typed
after an answer into views of it.
"""

from bot.platforms.console.service import CONTEXT, ConsoleService
from bot.platforms.console.terminal_text import PROMPT

__all__ = ["CONTEXT", "PROMPT", "ConsoleService"]
