"""core.payload: outside JSON bounded in depth, cleaned of lone surrogates, with finite numbers."""
from __future__ import annotations

import json
import math

import pytest

from xiaoqu.core.payload import MAX_DEPTH, REDACTED, TOO_DEEP, PayloadError, clean, clean_text, jsonable, loads


def test_a_lone_surrogate_becomes_the_replacement_character_and_the_rest_is_kept() -> None:
    value = loads(b'{"name": "lock \\ud800 A", "list": ["\\udfff"], "\\ud801key": 1}')
    assert value == {"name": "lock \ufffd A", "list": ["\ufffd"], "\ufffdkey": 1}
    json.dumps(value).encode("utf-8")  # serialisable again


def test_a_surrogate_pair_is_one_character_and_untouched() -> None:
    assert loads(b'"\\ud83d\\ude00"') == "\U0001f600"


def test_nesting_past_the_limit_is_refused_with_the_path() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(ok) is not None
    with pytest.raises(PayloadError, match=r"^\$\.a(\[0\])+: nested deeper than 32 levels"):
        loads('{"a": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}")


def test_nesting_past_the_recursion_limit_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="nested deeper"):
        loads("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"ts": -Infinity}'])
def test_non_finite_numbers_are_refused(text: str) -> None:
    with pytest.raises(PayloadError, match="is not a JSON number"):
        loads(text)


def test_bad_json_and_bad_utf8_say_where() -> None:
    with pytest.raises(PayloadError, match=r"not valid JSON: .* \(line 1, column 9\)"):
        loads(b'{"a": 1,')
    with pytest.raises(PayloadError, match=r"not UTF-8 \(byte 7\)"):
        loads(b'{"a": "\xff"}')
    with pytest.raises(PayloadError, match=r"^a number has more than 4300 digits$"):
        loads(b'{"n": ' + b"9" * 5000 + b"}")


def test_clean_walks_without_recursion() -> None:
    deep: list = []
    node = deep
    for _ in range(5000):
        node.append([])
        node = node[0]
    with pytest.raises(PayloadError):
        clean(deep)
    assert clean(deep, max_depth=10_000) is deep


def test_clean_text() -> None:
    assert clean_text("a\ud800b") == "a\ufffdb"
    assert clean_text("plain") == "plain"


class Hostile:
    """Everything that could be asked of it fails."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    __repr__ = __str__


class HostileMapping(dict):
    def items(self):
        raise RuntimeError("no items")


class HostileClass:
    @property
    def __class__(self):  # makes isinstance() itself raise
        raise RuntimeError("no class")


def _nested(depth: int) -> list:
    deep: list = []
    node = deep
    for _ in range(depth - 1):
        node.append([])
        node = node[0]
    return deep


def test_jsonable_writes_what_json_cannot() -> None:
    value = {"text": "a\ud800b", 1: [math.nan, math.inf, 2.5], ("t", 1): {"x", }, "big": 10**5000,
             "\udfffkey": (1, 2), "none": None, "flag": True}
    copy = jsonable(value)
    assert copy == {"text": "a\ufffdb", "1": [None, None, 2.5], "('t', 1)": ["x"], "big": "<unwritable int>",
                    "\ufffdkey": [1, 2], "none": None, "flag": True}
    json.dumps(copy, allow_nan=False, ensure_ascii=False).encode("utf-8")


def test_jsonable_never_raises_on_hostile_values() -> None:
    copy = jsonable({"a": Hostile(), "b": HostileMapping(x=1), "c": HostileClass(), "d": [Hostile(), 1]})
    assert copy == {"a": "<unwritable Hostile>", "b": "<unwritable HostileMapping>",
                    "c": "<unwritable HostileClass>", "d": ["<unwritable Hostile>", 1]}


def test_jsonable_caps_depth_without_recursion_and_survives_cycles() -> None:
    copy = jsonable({"deep": _nested(100_000)}, max_depth=3)
    assert copy == {"deep": [[TOO_DEEP]]}
    loop: list = []
    loop.append(loop)
    assert json.dumps(jsonable(loop, max_depth=4)) == '[[[["<nested too deep>"]]]]'


def test_jsonable_caps_size() -> None:
    copy = jsonable({"list": list(range(10)), "map": {str(n): n for n in range(10)}, "text": "x" * 50},
                    max_items=8, max_text=10)
    assert copy == {"list": [0, 1, 2, 3, 4, "<5 more left out>"], "map": {"…": "<10 more left out>"},
                    "text": "xxxxxxxxxx…"}


def test_jsonable_converts_with_default_and_redacts_secret_keys() -> None:
    class Reading:
        def as_dict(self) -> dict:
            return {"pin": "1234", "value": 3}

    copy = jsonable({"reading": Reading(), "PIN": "4321"}, default=lambda v: v.as_dict(),
                    secret=lambda key: key.lower() == "pin")
    assert copy == {"reading": {"pin": REDACTED, "value": 3}, "PIN": REDACTED}


def test_a_path_cannot_forge_a_log_line_or_bury_the_message() -> None:
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    with pytest.raises(PayloadError) as caught:
        loads('{"a\\nWARNING forged": {"' + "k" * 1000 + '": ' + nested + "}}")
    message = str(caught.value)
    assert message.startswith('$["a\\nWARNING forged"]["' + "k" * 40 + '"…][0]')
    assert "\n" not in message and len(message) < 200
