"""Which network failures of an HTTP post may still have delivered it (aiohttp's exceptions).

Both chat platforms are HTTP APIs reached through aiohttp. A post that never reached the
platform (no connection, connect timeout) certainly did not arrive; one whose answer was lost
after the request went out (server disconnected, reset mid-answer, read timeout) may have.
"""

from __future__ import annotations

import aiohttp


def maybe_delivered(exc: BaseException) -> bool:
    """Whether the request may have reached the platform although no answer came back."""
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return False  # never connected
    return isinstance(
        exc,
        aiohttp.ServerDisconnectedError
        | aiohttp.ClientPayloadError
        | aiohttp.ClientOSError
        | TimeoutError,
    )
