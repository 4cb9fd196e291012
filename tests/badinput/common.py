"""What every bad-input test shares: how hard hypothesis tries, and the hostile values it draws.

The examples are derandomized and no example database is kept, so a CI run tries exactly what a
local run tries; each test's ``max_examples`` is chosen so the whole directory stays near a minute.
"""
from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


@contextlib.contextmanager
def logged_tracebacks() -> Iterator[list[str]]:
    """The messages of every record logged with a traceback while inside: a bad input must be
    refused with a clear error, never reach an exception handler that logs one."""
    found: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info:
                found.append(record.getMessage())

    catch = Catch()
    logging.getLogger().addHandler(catch)
    try:
        yield found
    finally:
        logging.getLogger().removeHandler(catch)


def bounded(examples: int) -> settings:
    """Settings for one bad-input test: ``examples`` fixed examples, no deadline (the machine is shared)."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


#: Numbers a sender picks to break a parser: the edges of every integer and float type.
EDGE_NUMBERS = st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63) - 1, 2**64, 10**30, 10**400, 1e308, -1e308,
                                5e-324, 0.5, -0.0, 1.7976931348623157e308])
SCALARS = (st.none() | st.booleans() | st.integers() | EDGE_NUMBERS | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=40))
#: Any JSON value, a few levels deep.
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20)


def mutated(document: Any) -> st.SearchStrategy[Any]:
    """``document`` (parsed JSON) with one value somewhere in it replaced by any JSON value, or
    one key dropped: a real message almost right, which is what reaches a parser's deeper code."""
    paths = list(_paths(document))
    return st.tuples(st.sampled_from(paths), JSON_VALUES, st.booleans()).map(
        lambda drawn: _replace(document, *drawn))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Any:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(document: Any, path: tuple[Any, ...], value: Any, drop: bool) -> Any:
    copy = json.loads(json.dumps(document))
    if not path:
        return value
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def byte_mutations(sample: bytes) -> st.SearchStrategy[bytes]:
    """``sample`` cut short, with bytes flipped or spliced in, or garbage: what a line noise or a
    hostile sender makes of a real push."""
    size = len(sample)
    cut = st.integers(0, size).map(lambda n: sample[:n])
    flipped = st.lists(st.tuples(st.integers(0, max(size - 1, 0)), st.integers(0, 255)), min_size=1, max_size=8).map(
        lambda changes: _flip(sample, changes))
    spliced = st.tuples(st.integers(0, size), st.binary(max_size=64)).map(lambda s: sample[:s[0]] + s[1] + sample[s[0]:])
    return st.one_of(cut, flipped, spliced, st.binary(max_size=256))


def _flip(sample: bytes, changes: list[tuple[int, int]]) -> bytes:
    data = bytearray(sample)
    for index, byte in changes:
        if index < len(data):
            data[index] = byte
    return bytes(data)
