"""Whether each camera answers: a TCP connect to its address every ``check_interval`` (never
blocking the loop: the connect is asyncio's, with a timeout), and for the cameras whose status
is pushed, silence longer than ``stale_after`` taken as offline."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Camera

_LOGGER = logging.getLogger(__name__)


async def connect(host: str, port: int, timeout: float) -> str | None:
    """None when a TCP connection to ``host:port`` opens within ``timeout`` seconds; else why not."""
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except TimeoutError:
        return f"no answer from {host}:{port} within {timeout:g} s"
    except OSError as err:
        return f"cannot connect to {host}:{port}: {err.strerror or err}"
    writer.close()
    try:
        await writer.wait_closed()
    except OSError as err:  # reset while closing: it answered, which is all that was asked
        _LOGGER.debug("%s:%s reset on close: %s", host, port, err)
    return None


def silence(camera: Camera, last_seen: float | None, started: float, now: float) -> str | None:
    """Why a camera whose status is pushed counts as offline now, or None: nothing heard for
    ``stale_after`` seconds (since the hub started, for one never heard)."""
    heard = last_seen if last_seen is not None else started
    if now - heard < camera.stale_after:
        return None
    return f"no status for {round(now - heard)} s (a camera reports at least every {camera.stale_after:g} s)"
