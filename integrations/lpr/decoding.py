"""Text from cameras: UTF-8 as the makers' documents say, GBK where a firmware (or a Dahua
camera set to GB2312) sends that instead, and JSON through the core's bounded parser."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.payload import PayloadError, loads


class PushError(ValueError):
    """A push that cannot be read: the message says why (never quoting the body)."""


def decode_text(body: bytes) -> str:
    """``body`` as text: UTF-8 (with or without a BOM), else GB18030 (a superset of GBK and GB2312)."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError as err:
        raise PushError(f"the body is neither UTF-8 nor GBK (byte {err.start})") from None


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object (UTF-8 or GBK)."""
    try:
        data = loads(decode_text(body))
    except PayloadError as err:
        raise PushError(f"the body is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise PushError("the body is JSON but not an object")
    return data


def text_of(value: Any) -> str:
    """A field that should be text, whatever the camera put there."""
    return value if isinstance(value, str) else "" if value is None else str(value)


def number_of(value: Any, default: float = 0.0) -> float:
    """A field that should be a number (cameras send ``"85"`` as often as ``85``)."""
    if isinstance(value, bool):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number == number and abs(number) != float("inf") else default


def ratio(value: Any, scale: float) -> float:
    """A confidence on the camera's scale as 0..1."""
    return min(max(number_of(value) / scale, 0.0), 1.0)
