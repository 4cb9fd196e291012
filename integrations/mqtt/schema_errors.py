"""Why a device's payload breaks its schema, told without the value that broke it.

jsonschema's own messages quote the rejected value (``'QRSECRET…' is too long``), and the
router logs its refusals and answers them on the device's reply topic: a QR pass, a PIN or
an upload of card numbers would go to the hub's log and back over the broker in clear. So
a refusal names the field by its path and the rule by what the schema says
(``$.value: longer than 256 characters``, ``$.events: more than 500 items``), both taken from
the schema, never from the payload.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from jsonschema.exceptions import ValidationError


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _types(types: str | list[str]) -> str:
    return f"not of type {' or '.join([types] if isinstance(types, str) else types)}"


def _below(what: str) -> Callable[[int], str]:
    return lambda n: "empty" if n == 1 else f"fewer than {n} {what}"


#: Each keyword's rule, from the value the schema gives it.
_RULES: Final[Mapping[str, Callable[[Any], str]]] = {
    "type": _types,
    "enum": lambda values: f"not one of {', '.join(_json(v) for v in values)}",
    "const": lambda value: f"not {_json(value)}",
    "maxLength": lambda n: f"longer than {n} characters",
    "minLength": _below("characters"),
    "maxItems": lambda n: f"more than {n} items",
    "minItems": _below("items"),
    "maxProperties": lambda n: f"more than {n} properties",
    "minProperties": _below("properties"),
    "maximum": lambda n: f"greater than the maximum {n}",
    "minimum": lambda n: f"less than the minimum {n}",
    "exclusiveMaximum": lambda n: f"not below {n}",
    "exclusiveMinimum": lambda n: f"not above {n}",
    "multipleOf": lambda n: f"not a multiple of {n}",
    "pattern": lambda pattern: f"does not match {pattern}",
    "format": lambda name: f"not a '{name}'",
    "uniqueItems": lambda _: "has repeated items",
    "additionalProperties": lambda _: "has a property the schema does not allow",
    "unevaluatedProperties": lambda _: "has a property the schema does not allow",
    "anyOf": lambda _: "fits none of the allowed forms",
    "not": lambda _: "has a form the schema forbids",
}


def describe(error: ValidationError) -> str:
    """``<path>: <rule broken>`` for one schema error, with no part of the rejected value in it."""
    return f"{_where(error.absolute_path)}: {_rule(error)}{_cause(error)}"


def _where(path: Iterable[str | int]) -> str:
    """A JSON path such as ``$.events[3].value``."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def _rule(error: ValidationError) -> str:
    keyword = str(error.validator)
    if keyword == "required":
        required: list[str] = list(error.schema["required"]) if isinstance(error.schema, dict) else []
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in required if name not in present]
        return f"{', '.join(repr(name) for name in missing)} is a required property"
    if keyword == "oneOf":  # no alternative's error under it: the payload fits more than one
        return "fits none of the allowed forms" if error.context else "fits more than one of the allowed forms"
    rule = _RULES.get(keyword)
    return rule(error.validator_value) if rule is not None else f"breaks the schema's {keyword!r} rule"


def _cause(error: ValidationError) -> str:
    """A format check's reason (``day is out of range for month``), unless it repeats the value,
    as Python's ``Invalid isoformat string: '…'`` does."""
    if error.cause is None:
        return ""
    text = str(error.cause)
    return "" if str(error.instance) in text else f" ({text})"
