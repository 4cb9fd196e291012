"""Reading a rendered string back as the value it spells: Home Assistant's "native types".

``"42"`` → 42, ``"3.5"`` → 3.5, ``"true"``/``"True"`` → True, ``"[1, 2]"`` → a list,
``"{'a': 1}"`` → a dict, ``"None"`` → None. Anything else stays the string it is (also
``"1, 2"`` and ``"1,000"``, which Home Assistant would read as tuples), and so do
strings that only look like numbers to a machine: ``"0123"`` (a room or card number keeps
its leading zero), ``"1e3"``, ``"1_000"``, ``"1j"``. Parsing uses ``ast.literal_eval``,
which evaluates literals only, never code.
"""
from __future__ import annotations

import math
import re
from ast import literal_eval
from typing import Any

#: A plain decimal number without a leading zero (Home Assistant's ``_IS_NUMERIC``).
_IS_NUMERIC = re.compile(r"^[+-]?(?!0\d)\d*(?:\.\d*)?$")
_WORDS = {"true": True, "false": False, "True": True, "False": False, "None": None}
#: Only text that starts like a list, dict or tuple is given to ``literal_eval``: "1, 2" and
#: "1,000" stay text (Home Assistant reads them as tuples, which surprises people).
_CONTAINER_OPENERS = frozenset("[{(")
#: Longer text is not parsed: no service field wants a 64 KiB literal, and parsing costs.
MAX_NATIVE_CHARS = 64 * 1024


def parse_native(text: str) -> Any:
    """The value ``text`` spells, or ``text`` itself."""
    if text in _WORDS:
        return _WORDS[text]
    if not text or len(text) > MAX_NATIVE_CHARS:
        return text
    if _IS_NUMERIC.match(text) is not None:
        try:
            number: float = float(text) if "." in text else int(text)
        except ValueError:  # "." alone, or more digits than Python turns into an int
            return text
        return number if math.isfinite(number) else text
    if text[0] not in _CONTAINER_OPENERS:
        return text
    try:
        value = literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text
    return text if isinstance(value, str | complex | bytes | int | float) else value
