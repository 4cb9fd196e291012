"""core.payload: outside JSON bounded in depth, cleaned of lone surrogates, with finite numbers."""
from __future__ import annotations

import json

import pytest

from xiaoqu.core.payload import MAX_DEPTH, PayloadError, clean, clean_text, loads


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
