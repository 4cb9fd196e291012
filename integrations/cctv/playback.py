"""What a viewer's player needs to play a span (or an NVR to export it): a reference built from
the NVR's URL template, or by its vendor's plugin.

This is the place a vendor plugin plugs in: ``get_cctv(hub).players.register("hikvision",
build)``, where ``build(nvr, camera, start, end, purpose)`` answers a dict (a URL, a token of the
vendor's platform, a file name...) for ``purpose`` ``"playback"`` or ``"export"``. The reference
goes to the viewer alone: the audit records the camera, the NVR, the channel and the span, never
the reference, which may hold the NVR's credentials.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any, Final
from urllib.parse import quote

from .models import Camera, Nvr

GENERIC: Final = "generic"
PLAYBACK: Final = "playback"
EXPORT: Final = "export"

Builder = Callable[[Nvr, Camera, datetime, datetime, str], dict[str, Any]]


def url_reference(nvr: Nvr, camera: Camera, start: datetime, end: datetime, purpose: str) -> dict[str, Any]:
    """The NVR's ``playback_url`` (or ``export_url`` for an export) filled in: times in UTC as
    ``{start}``/``{end}`` (formatted as the template says) and local as ``{start_local}``; the
    credentials URL-quoted. No template: the reference names the NVR, channel and span only."""
    template = (nvr.export_url or nvr.playback_url) if purpose == EXPORT else nvr.playback_url
    reference: dict[str, Any] = {"vendor": nvr.vendor, "nvr": nvr.id, "channel": camera.channel,
                                 "start": start.isoformat(timespec="seconds"), "end": end.isoformat(timespec="seconds")}
    if template is not None:
        reference["url"] = template.format(
            username=quote(nvr.username, safe=""), password=quote(nvr.password, safe=""), channel=camera.channel,
            camera=camera.id, start=start.astimezone(UTC), end=end.astimezone(UTC), start_local=start, end_local=end)
    return reference


class Players:
    """The reference builders by vendor; ``generic`` (the URL templates) unless a plugin registered one."""

    def __init__(self) -> None:
        self._builders: dict[str, Builder] = {GENERIC: url_reference}

    def register(self, vendor: str, builder: Builder) -> Callable[[], None]:
        """Build the references of NVRs whose ``vendor`` is ``vendor``; returns the undo."""
        self._builders[vendor] = builder

        def undo() -> None:
            if self._builders.get(vendor) is builder:
                del self._builders[vendor]

        return undo

    def reference(self, nvr: Nvr, camera: Camera, start: float, end: float, tz: tzinfo, purpose: str) -> dict[str, Any]:
        builder = self._builders.get(nvr.vendor, url_reference)
        return builder(nvr, camera, datetime.fromtimestamp(start, tz), datetime.fromtimestamp(end, tz), purpose)
