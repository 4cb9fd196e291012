"""What the integration passes around: a camera as configured, a read as it came, a reply."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .const import DAHUA


@dataclass(frozen=True, slots=True)
class Camera:
    """One camera of ``lpr: cameras:``."""

    id: str
    name: str
    format: str
    lane: str | None = None
    direction: str | None = None
    secret: str | None = None
    codes: str = "vzenith"
    confidence_scale: float = 100.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Camera:
        scale = config.get("confidence_scale", 255.0 if config["format"] == DAHUA else 100.0)
        return cls(config["id"], config.get("name", config["id"]), config["format"], config.get("lane"),
                   config.get("direction"), config.get("secret"), config["codes"], scale)


@dataclass(slots=True)
class Read:
    """A read as a camera gave it, before the rules: ``raw`` text, ``confidence`` 0..1.

    ``key`` is the camera's own id of the read (Vzenith ``plateid``, Hikvision ``UUID``,
    Dahua ``UploadNum``): a read sent again with the same key is the same read. ``offline``
    reads were stored by the camera while it could not reach the hub and are sent late:
    they happened, but no gate may open on them. ``image`` is a JPEG (bytes, or base64 text
    as the JSON pushes carry it) to keep as the snapshot; ``image_url`` where the camera keeps one.
    """

    camera: Camera
    source: str
    raw: str
    confidence: float
    colour: str | None = None
    direction: str | None = None
    camera_time: float | None = None
    key: str | None = None
    offline: bool = False
    double_row: bool = False
    image: bytes | str | None = None
    image_url: str | None = None


@dataclass(frozen=True, slots=True)
class GateReply:
    """Parking's answer to a read, carried back on the camera's own HTTP request where its
    format has one (Vzenith, Dahua); see :meth:`Lpr.set_reply`.

    ``open`` pulses the camera's relay (the gate); ``serial_data`` are frames for the lane's
    LED or voice board, written to the camera's RS-485 port as they are (the board's
    protocol is the display plugin's business); ``voice`` is text the camera speaks where it
    can; ``text`` is free text some integrations log.
    """

    open: bool = False
    serial_data: tuple[bytes, ...] = ()
    voice: str | None = None
    text: str | None = None
    channel: int = 0


#: The answer a camera gets when nobody answered in time: the gate stays as it is.
NO_REPLY = GateReply()
