"""What a camera's HTTP push is to the route: maybe a read, and how to answer it."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import GateReply, Read

JSON: str = "application/json"


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    content_type: str = JSON


def json_answer(data: Any) -> Answer:
    return Answer(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


@dataclass(frozen=True, slots=True)
class Push:
    """A push parsed: its ``read`` (None for a heartbeat, a device report...) and ``answer``,
    which writes the camera's reply to it from parking's :class:`GateReply`."""

    read: Read | None
    answer: Callable[[GateReply], Answer]


def fixed(answer: Answer) -> Callable[[GateReply], Answer]:
    """An answer that does not depend on parking's reply."""
    return lambda _reply: answer
