"""``multipart/form-data`` as cameras really send it, read leniently from the whole body.

Hikvision's ANPR push is a multipart body: the XML, then one to three JPEG parts. Real
cameras frame it loosely: no closing boundary when the dump was cut, the first delimiter on
the body's first line with nothing before it, LF where CRLF belongs, a ``Content-Length`` per
part (ioBroker hikvision-alarmserver issues #5 and #7, hikvision.md). So the parts are cut
at the delimiters, each part's own ``Content-Length`` is trusted where it fits, and a part
that runs to the end of the body is kept as far as it goes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

_PARAM: Final = re.compile(r'(\w+)\s*=\s*"([^"]*)"|(\w+)\s*=\s*([^";\s]+)')
#: Parts read at most (a camera sends the XML and three pictures).
MAX_PARTS: Final = 16


@dataclass(slots=True)
class Part:
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes = b""

    @property
    def name(self) -> str:
        return _params(self.headers.get("content-disposition", "")).get("name", "")

    @property
    def filename(self) -> str:
        return _params(self.headers.get("content-disposition", "")).get("filename", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _params(header: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for quoted_key, quoted, bare_key, bare in _PARAM.findall(header):
        found[(quoted_key or bare_key).lower()] = quoted if quoted_key else bare
    return found


def boundary_of(content_type: str) -> str | None:
    """The ``boundary`` parameter of a Content-Type header."""
    return _params(content_type).get("boundary") or None


def split_parts(body: bytes, boundary: str | None) -> list[Part]:
    """The parts of ``body``; the boundary is taken from the body's first line when not given."""
    if boundary is None:
        first = body.lstrip().split(b"\n", 1)[0].rstrip(b"\r")
        if not first.startswith(b"--"):
            return []
        delimiter = first
    else:
        delimiter = b"--" + boundary.encode("latin-1")
    parts = []
    for chunk in body.split(delimiter)[1:MAX_PARTS + 1]:
        if chunk.startswith(b"--"):
            break
        part = _part(chunk)
        if part is not None:
            parts.append(part)
    return parts


def _part(chunk: bytes) -> Part | None:
    chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk[1:] if chunk.startswith(b"\n") else chunk
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, data = chunk.partition(separator)
        if found:
            break
    else:
        return None
    headers = {}
    for line in head.decode("latin-1").splitlines():
        key, colon, value = line.partition(":")
        if colon:
            headers[key.strip().lower()] = value.strip()
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) <= len(data):
        data = data[: int(length)]
    elif data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    return Part(headers, data)
