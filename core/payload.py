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
import re
from typing import Any, Final

#: How deep outside JSON may nest (objects and arrays). Home Assistant's discovery payloads,
#: vendors' camera pushes and the device protocol stay under ten.
MAX_DEPTH: Final = 32

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
                stack.extend((item, k, depth + 1, f"{path}.{k}") for k in item)
            else:
                stack.extend((item, i, depth + 1, f"{path}[{i}]") for i in range(len(item)))
    return root[0]
