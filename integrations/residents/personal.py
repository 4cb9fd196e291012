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

from xiaoqu.core.masking import mask_face, mask_middle

MASKS: Final[dict[str, Callable[[str], str]]] = {"phone": mask_middle, "id_number": mask_middle, "face_id": mask_face}


def mask(field: str, value: str) -> str:
    """A residents' field as it is shown, masked as the core masks that kind (core/masking.py)."""
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
