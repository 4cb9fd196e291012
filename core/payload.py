"""Data from outside — HTTP bodies, MQTT payloads, discovery configs — read one way.

Whatever a client or a device sends is bounded before the rest of the hub sees it:

- nested no deeper than ``MAX_DEPTH`` levels, so no later walk over it (the audit's redaction,
  a template, ``json.dumps``) can hit Python's recursion limit;
- text free of lone surrogates (``"\\ud800"``), which JSON allows but UTF-8 cannot encode: one
  such character kept in a state would make every later serialisation of a list that holds it
  fail. Each is replaced by U+FFFD, so the rest of the value is kept;
- numbers finite: ``NaN`` and ``Infinity`` are not JSON and are refused.

A refusal is a ``PayloadError`` (a ``ValueError``) whose message names what is wrong and
where (``$.a.b[3]``), fit to go back to the sender.
"""
from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any, Final

#: How deep outside JSON may nest (objects and arrays). Home Assistant's discovery payloads,
#: vendors' camera pushes and the device protocol stay under ten.
MAX_DEPTH: Final = 32

#: How much of a key a path shows.
_MAX_KEY_SHOWN: Final = 40
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_SURROGATE_RUN: Final = re.compile("[\ud800-\udfff]+")
_ESCAPED_SURROGATE: Final = re.compile(rb"\\u[dD][89a-fA-F]")


class PayloadError(ValueError):
    """Outside data that is refused; the message says what and where."""


def clean_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (the replacement character)."""
    return _SURROGATE.sub("\ufffd", text)


def first_surrogates(text: str) -> str:
    """The first run of surrogates in ``text``, '' when there is none: what a refusal names."""
    found = _SURROGATE_RUN.search(text)
    return found.group() if found else ""


def _refuse_constant(name: str) -> Any:
    raise PayloadError(f"{name} is not a JSON number")


def _key_step(key: str) -> str:
    """How a key appears in a path: ``.name``, or quoted (``["a\\nb"]``, escaped and cut) when
    it could forge a log line or bury the message."""
    if key.isidentifier() and key.isascii() and len(key) <= _MAX_KEY_SHOWN:
        return f".{key}"
    return f"[{json.dumps(key[:_MAX_KEY_SHOWN])}{'…' if len(key) > _MAX_KEY_SHOWN else ''}]"


def loads(data: bytes | bytearray | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON that came from outside, bounded as the module says."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise PayloadError(f"nested deeper than {max_depth} levels") from None
    except UnicodeDecodeError as err:
        raise PayloadError(f"not UTF-8 (byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise PayloadError(f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from None
    except PayloadError:
        raise
    except ValueError:  # the one other refusal: an integer longer than Python converts
        raise PayloadError(f"a number has more than {sys.get_int_max_str_digits()} digits") from None
    # Cheap tests first: most payloads are small and plain, and need no walk at all.
    deep = raw.count(b"[") + raw.count(b"{") > max_depth
    surrogates = _ESCAPED_SURROGATE.search(raw) is not None
    if deep or surrogates:
        value = clean(value, max_depth=max_depth)
    return value


def clean(value: Any, *, max_depth: int = MAX_DEPTH) -> Any:
    """``value`` (parsed JSON) with its text cleaned; ``PayloadError`` if it nests too deep.

    Walks with an explicit stack, so the walk itself cannot exceed the recursion limit.
    """
    root: list[Any] = [value]
    stack: list[tuple[Any, Any, int, str]] = [(root, 0, 0, "$")]
    while stack:
        parent, key, depth, path = stack.pop()
        item = parent[key]
        if isinstance(item, str):
            parent[key] = clean_text(item)
        elif isinstance(item, (dict, list)):
            if depth >= max_depth:
                raise PayloadError(f"{path}: nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                if any(_SURROGATE.search(k) for k in item):
                    item = parent[key] = {clean_text(k): v for k, v in item.items()}
                stack.extend((item, k, depth + 1, path + _key_step(k)) for k in item)
            else:
                stack.extend((item, i, depth + 1, f"{path}[{i}]") for i in range(len(item)))
    return root[0]


#: What :func:`jsonable` writes for a value nested deeper than it goes.
TOO_DEEP: Final = "<nested too deep>"
#: What :func:`jsonable` writes for the value of a key ``secret`` names.
REDACTED: Final = "***"
#: Key under which :func:`jsonable` says how many entries of a mapping it left out.
LEFT_OUT_KEY: Final = "…"
#: Bits of the longest integer ``json.dumps`` writes (Python converts at most 4300 digits).
_MAX_INT_BITS: Final = 14_000
_TYPE_NAME: Final = type.__dict__["__name__"]


def jsonable(
    value: Any,
    *,
    default: Callable[[Any], Any] = str,
    secret: Callable[[str], bool] | None = None,
    max_depth: int = MAX_DEPTH,
    max_items: int | None = None,
    max_text: int | None = None,
) -> Any:
    """A copy of ``value`` that ``json.dumps(..., allow_nan=False)`` writes and UTF-8 encodes,
    whatever ``value`` holds. It never raises.

    For data from *inside* the hub that must be written even when part of it cannot be — a
    state attribute a plugin set, an audit record's details — where :func:`clean` is for data
    from outside, which is refused instead. Text is cleaned as :func:`clean_text` does; a
    number that is not finite becomes None; mappings become objects with text keys, and lists,
    tuples and sets lists; anything else is ``default(item)``, itself copied. What even that
    cannot write becomes ``"<unwritable TYPE>"``, deeper than ``max_depth`` :data:`TOO_DEEP`,
    and the value of a key that ``secret`` names :data:`REDACTED`. ``max_items`` bounds the
    values copied (the rest is left out and counted: a list ends with ``"<N more left out>"``,
    a mapping gets a :data:`LEFT_OUT_KEY` entry saying so) and ``max_text`` the length of text.

    Walks with an explicit stack, so neither depth nor cycles can exceed the recursion limit.
    """
    return _Copy(default, secret, max_depth, max_items, max_text).run(value)


class _Copy:
    """One :func:`jsonable` walk; ``_left`` is how many more values it may copy."""

    def __init__(
        self,
        default: Callable[[Any], Any],
        secret: Callable[[str], bool] | None,
        max_depth: int,
        max_items: int | None,
        max_text: int | None,
    ) -> None:
        self._default = default
        self._secret = secret
        self._max_depth = max_depth
        self._left = max_items
        self._max_text = max_text
        self._stack: list[tuple[Any, Any, Any, int]] = []

    def run(self, value: Any) -> Any:
        root: list[Any] = [None]
        self._stack.append((root, 0, value, 0))
        while self._stack:
            parent, key, item, depth = self._stack.pop()
            try:
                parent[key] = self._copy(item, depth)
            except Exception:  # a hostile __str__, __len__, items()... : the value, not the walk, is lost
                parent[key] = f"<unwritable {_TYPE_NAME.__get__(type(item))}>"
        return root[0]

    def _copy(self, item: Any, depth: int, converted: bool = False) -> Any:
        """``item`` itself if JSON can hold it, or its copy; containers' items are pushed to walk."""
        if item is None or isinstance(item, bool):
            return item
        if isinstance(item, str):
            return self._text(item)
        if isinstance(item, int):
            if item.bit_length() > _MAX_INT_BITS:
                raise ValueError("too long")
            return int(item)
        if isinstance(item, float):
            return float(item) if math.isfinite(item) else None
        if isinstance(item, (Mapping, list, tuple, set, frozenset)):
            return TOO_DEEP if depth >= self._max_depth else self._container(item, depth)
        if converted:
            raise TypeError("default() gave something JSON cannot hold")
        return self._copy(self._default(item), depth, converted=True)

    def _text(self, text: str) -> str:
        if self._max_text is not None and len(text) > self._max_text:
            text = text[: self._max_text] + "…"
        return clean_text(text)

    def _container(self, item: Any, depth: int) -> dict[str, Any] | list[Any]:
        size = len(item)
        taken = size if self._left is None else min(size, self._left)
        if self._left is not None:
            self._left -= taken
        children: list[tuple[Any, Any, Any, int]] = []
        copy: dict[str, Any] | list[Any]
        if isinstance(item, Mapping):
            copy = {}
            for key, child in islice(item.items(), taken):
                name = self._text(key if isinstance(key, str) else str(key))
                if self._secret is not None and self._secret(name):
                    copy[name] = REDACTED
                else:
                    copy[name] = None
                    children.append((copy, name, child, depth + 1))
            if taken < size:
                copy[LEFT_OUT_KEY] = f"<{size - taken} more left out>"
        else:
            copy = [None] * taken
            children.extend((copy, index, child, depth + 1) for index, child in enumerate(islice(item, taken)))
            if taken < size:
                copy.append(f"<{size - taken} more left out>")
        self._stack.extend(reversed(children))
        return copy
