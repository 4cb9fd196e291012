"""Personal data as the hub shows it: masked (``138****5678``), and never in clear by accident.

A value on its way in (a service call's ``phone``, or access's PIN) is wrapped in
:class:`Personal` by the service schema, so the ``call_service`` event, the audit record of the call and any log line
that shows the data see the mask, never the number. Stored, it is a :class:`Sealed`: the
ciphertext and the mask, nothing a repr or a JSON dump could leak.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

FACE_PREFIX: Final = "F"


def mask_middle(text: str, head: int = 3, tail: int = 4) -> str:
    """``13812345678`` → ``138****5678``; a value too short to keep both ends keeps only a bit of its tail."""
    if len(text) > head + tail:
        return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]
    keep = len(text) // 4
    return "*" * (len(text) - keep) + text[len(text) - keep:]


def mask_face(face_id: str) -> str:
    """A face template's id shows its last two characters: ``P000123`` → ``F****23``."""
    return FACE_PREFIX + "****" + face_id[-2:]


MASKS: Final[dict[str, Callable[[str], str]]] = {"phone": mask_middle, "id_number": mask_middle, "face_id": mask_face}


def mask(field: str, value: str) -> str:
    return MASKS[field](value)


class Personal:
    """A personal or secret value passing through: its text for the code that uses it, its mask
    for everyone else. Residents' fields are masked by their name (:data:`MASKS`); another
    integration's secret brings its own mask (access's PINs and QR tokens)."""

    __slots__ = ("field", "value", "masked")

    def __init__(self, field: str, value: str, masked: str | None = None) -> None:
        self.field = field
        self.value = value
        self.masked = mask(field, value) if masked is None else masked

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<{self.field} {self}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Personal) and (self.field, self.value) == (other.field, other.value)

    def __hash__(self) -> int:
        return hash((self.field, self.value))


def clear(value: str | Personal) -> str:
    """The text of a value a service schema may have wrapped, for the code that uses it."""
    return value.value if isinstance(value, Personal) else value


@dataclass(frozen=True, slots=True)
class Sealed:
    """A stored personal value: the ciphertext (Fernet) and the mask shown in its place."""

    token: str
    masked: str

    def __repr__(self) -> str:
        return f"<sealed {self.masked}>"

    def as_doc(self) -> dict[str, str]:
        return {"t": self.token, "m": self.masked}

    @classmethod
    def from_doc(cls, doc: dict[str, str]) -> Sealed:
        return cls(doc["t"], doc["m"])
