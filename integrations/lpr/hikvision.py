"""Hikvision ANPR pushes: an ISAPI ``EventNotificationAlert`` (XML), usually in a
``multipart/form-data`` body with the pictures as further parts.

The camera posts each read to its "HTTP listening" host (any path: the URL typed into its
web page) and ignores the answer: a Hikvision gate is opened by an ISAPI call to the camera,
not by the reply, so :meth:`Lpr.set_reply` is False for its reads. It never resends, so the
route answers 200 for anything it could read. Chinese firmware puts the colour in front of
the plate (``蓝皖A7XG66``), which :mod:`.normalize` removes. A heartbeat is an alert with
``eventState`` ``inactive``.

The XML is parsed with defusedxml, refusing any DTD (so no entity can expand or reach a
file or a URL), namespace-blind (``hikvision.com/ver20`` and ``isapi.org/ver20`` both occur),
from text decoded first (UTF-8 or GBK: expat reads no GBK), at most :data:`MAX_XML` bytes.
"""
from __future__ import annotations

import re
from typing import Final
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .const import HIKVISION
from .decoding import PushError, decode_text, ratio
from .models import Camera, Read
from .multipart import Part, boundary_of, split_parts
from .push import Answer, Push, fixed

#: An alert is a few kB; anything larger in the XML part is not one.
MAX_XML: Final = 256 * 1024
COLOURS: Final = frozenset({"blue", "yellow", "white", "black", "green"})
#: Which picture becomes the snapshot: the scene first, then the plate close-up.
PICTURE_ORDER: Final = ("detectionPicture", "vehiclePicture", "licensePlatePicture")
_DECLARATION: Final = re.compile(r"^\s*<\?xml[^>]*\?>")
_ALERT: Final = re.compile(rb"<(?:\w+:)?EventNotificationAlert\b.*?</(?:\w+:)?EventNotificationAlert>", re.S)
OK: Final = Answer(b"", "text/plain")


def parse(camera: Camera, content_type: str, body: bytes) -> Push:
    """A push from a Hikvision camera; :class:`PushError` if it holds no alert."""
    parts = split_parts(body, boundary_of(content_type)) if "multipart" in content_type or body.startswith(b"--") else []
    xml = next((p.data for p in parts if _is_xml(p)), None)
    if xml is None and body.lstrip()[:1] == b"<":
        xml = body
    if xml is None:  # a mis-framed body: the alert is somewhere inside
        found = _ALERT.search(body[: MAX_XML * 4])
        if found is None:
            raise PushError("no EventNotificationAlert in the body")
        xml = found.group(0)
    alert = _element(xml)
    if _text(alert, "eventType") != "ANPR" or _text(alert, "eventState") == "inactive":
        return Push(None, fixed(OK))  # a heartbeat, or another event the camera was told to send here
    anpr = _child(alert, "ANPR")
    if anpr is None:
        raise PushError("an ANPR alert without its ANPR element")
    return Push(_read(camera, alert, anpr, parts), fixed(OK))


def _read(camera: Camera, alert: Element, anpr: Element, parts: list[Part]) -> Read:
    colour = _text(anpr, "plateColor").lower()
    believe = [c for c in _text(anpr, "plateCharBelieve").split(",") if c.strip()]
    uuid, mac = _text(alert, "UUID"), _text(alert, "macAddress")
    return Read(
        camera, HIKVISION, _text(anpr, "licensePlate"), ratio(_text(anpr, "confidenceLevel"), camera.confidence_scale),
        # eight per-character confidences: the plate has eight characters, a new-energy plate
        colour="green" if len(believe) == 8 else colour if colour in COLOURS else None,
        key=f"{mac}:{uuid}" if uuid else None,
        offline=_text(alert, "isDataRetransmission").lower() == "true",
        image=_picture(anpr, parts),
    )


def _picture(anpr: Element, parts: list[Part]) -> bytes | None:
    """The scene picture's part (named by ``pictureInfoList``), else any JPEG part."""
    names = {}
    for info in anpr.iter():
        if _local(info.tag) == "pictureInfo":
            names[_text(info, "type")] = _text(info, "fileName")
    images = {p.name or p.filename: p.data for p in parts if p.content_type.startswith("image/")}
    for kind in PICTURE_ORDER:
        if names.get(kind) in images:
            return images[names[kind]]
    return next(iter(images.values()), None)


def _is_xml(part: Part) -> bool:
    return "xml" in part.content_type or part.name.endswith(".xml") or part.data.lstrip()[:1] == b"<"


def _element(xml: bytes) -> Element:
    if len(xml) > MAX_XML:
        raise PushError(f"the alert is over {MAX_XML // 1024} kB")
    text = _DECLARATION.sub("", decode_text(xml), count=1)
    try:
        return fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise PushError(f"the XML declares what an alert never does ({type(err).__name__}): refused") from None
    except ParseError as err:
        raise PushError(f"the XML cannot be read: {err}") from None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _text(element: Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""
