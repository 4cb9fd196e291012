"""Card numbers as readers send them, reduced to one card.

A proximity card has a 32-bit UID. Readers report it in several forms: the UID as 8 hex
digits (``04A2B3C4``), the same UID in decimal (``0077771234``, ten digits with leading
zeros), or as a Wiegand frame: Wiegand-26 carries only the UID's low 24 bits, split into a
facility code (8 bits) and a card number (16 bits), written ``162,46020``; Wiegand-34 carries
all 32 bits, a 16-bit facility and a 16-bit number (``01186,46020``). So a Wiegand-26 read
cannot tell apart two cards whose low 24 bits agree: residents refuses a second card that
would clash so, and access matches a Wiegand-26 read on the low 24 bits.

These are pure functions: residents, access and the door controllers all use them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["FORMS", "CardForm", "CardNumberError", "CardRead", "canonical", "low24_key", "parse_card", "wiegand26"]

CardForm = Literal["hex", "decimal", "wiegand26", "wiegand34"]
FORMS: Final[tuple[CardForm, ...]] = ("hex", "decimal", "wiegand26", "wiegand34")

MAX_UID: Final = 0xFFFFFFFF
LOW24: Final = 0xFFFFFF
#: The longest text looked at: a card number is short, and an error quotes what it was given.
MAX_INPUT: Final = 40
_SHOWN: Final = 24
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_DIGITS: Final = re.compile(r"[0-9]+")
_SPACES: Final = re.compile(r"\s+")
_PAIR: Final = re.compile(r"([0-9]+)\s*[,，:]\s*([0-9]+)")
_WHAT_A_CARD_IS: Final = "a card UID is 8 hex digits or 10 decimal digits, or a Wiegand pair 'facility,number'"


class CardNumberError(ValueError):
    """A card number that is not one; the message quotes it and says what is wrong."""


@dataclass(frozen=True, slots=True)
class CardRead:
    """One card number as read: the full UID when the form carries it, its low 24 bits always."""

    uid: int | None
    low24: int
    form: CardForm
    canonical: str | None  # the UID as 8 upper-case hex digits, when known

    @property
    def wiegand26(self) -> str:
        """The Wiegand-26 pair of the low 24 bits, ``facility,number``."""
        return wiegand26(self.low24)


def low24_key(uid: int) -> int:
    """The part of a UID a Wiegand-26 reader sees."""
    return uid & LOW24


def canonical(uid: int) -> str:
    """A UID as residents stores it and access logs it: 8 upper-case hex digits."""
    return f"{uid:08X}"


def wiegand26(low24: int) -> str:
    """``facility,number`` of a Wiegand-26 read (facility 0-255, number 0-65535)."""
    return f"{low24 >> 16},{low24 & 0xFFFF}"


def parse_card(value: str, form: str | None = None) -> CardRead:
    """Read ``value`` as a card number, in ``form`` when given, else in the form it has.

    Without ``form``: 8 hex digits are a hex UID, 10 digits a decimal UID, and a pair is
    Wiegand-26 when its facility has at most 3 digits, Wiegand-34 when it has 4 or 5.
    Spaces anywhere are ignored (``04A2 B3C4``); a pair may be written with ``,``, ``，`` or ``:``.
    """
    if not isinstance(value, str):
        raise CardNumberError(f"card number {value!r}: expected text, not {type(value).__name__}")
    if form is not None and form not in FORMS:
        raise CardNumberError(f"card number form {form!r}: expected one of {', '.join(FORMS)}")
    shown = _shown(value)
    if len(value) > MAX_INPUT:
        raise CardNumberError(f"card number {shown}: {len(value)} characters; {_WHAT_A_CARD_IS}")
    text = value.strip()
    pair = _PAIR.fullmatch(text)
    if pair is not None:
        return _pair(shown, pair.group(1), pair.group(2), form)
    text = _SPACES.sub("", text)
    if not text:
        raise CardNumberError(f"card number {shown}: empty; {_WHAT_A_CARD_IS}")
    if form in ("wiegand26", "wiegand34"):
        raise CardNumberError(f"card number {shown}: a {_FORM_NAME[form]} read is a pair 'facility,number'")
    if form == "decimal" or (form is None and len(text) == 10 and _DIGITS.fullmatch(text)):
        return _decimal(shown, text)
    return _hex(shown, text, forced=form == "hex")


_FORM_NAME: Final = {"hex": "hex", "decimal": "decimal", "wiegand26": "Wiegand-26", "wiegand34": "Wiegand-34"}


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def _uid(uid: int, form: CardForm) -> CardRead:
    return CardRead(uid, low24_key(uid), form, canonical(uid))


def _hex(shown: str, text: str, *, forced: bool) -> CardRead:
    if not _HEX.fullmatch(text):
        bad = next(char for char in text if not _HEX.fullmatch(char))
        raise CardNumberError(f"card number {shown}: {bad!r} is not a hex digit; {_WHAT_A_CARD_IS}")
    if len(text) != 8:
        digits = "decimal" if _DIGITS.fullmatch(text) and not forced else "hex"
        raise CardNumberError(f"card number {shown}: {len(text)} {digits} digits; {_WHAT_A_CARD_IS}")
    return _uid(int(text, 16), "hex")


def _decimal(shown: str, text: str) -> CardRead:
    if not _DIGITS.fullmatch(text):
        raise CardNumberError(f"card number {shown}: a decimal card number has digits only")
    if len(text) > 10 or int(text) > MAX_UID:
        raise CardNumberError(f"card number {shown}: above {MAX_UID}, the largest 32-bit card UID")
    return _uid(int(text), "decimal")


def _pair(shown: str, facility_text: str, number_text: str, form: str | None) -> CardRead:
    if form in ("hex", "decimal"):
        raise CardNumberError(f"card number {shown}: a pair 'facility,number' is a Wiegand read, not a {form} UID")
    if form is None:
        if len(facility_text) > 5:
            raise CardNumberError(f"card number {shown}: a facility code has at most 5 digits; {_WHAT_A_CARD_IS}")
        form = "wiegand26" if len(facility_text) <= 3 else "wiegand34"
    if len(number_text) > 5 or int(number_text) > 0xFFFF:
        raise CardNumberError(f"card number {shown}: card number {number_text} is above 65535")
    facility, number = int(facility_text), int(number_text)
    if form == "wiegand26":
        if facility > 0xFF:
            raise CardNumberError(
                f"card number {shown}: facility {facility} is above 255, the largest of Wiegand-26 "
                "(a Wiegand-34 facility is written with 4 or 5 digits)"
            )
        return CardRead(None, facility << 16 | number, "wiegand26", None)
    if len(facility_text) > 5 or facility > 0xFFFF:
        raise CardNumberError(f"card number {shown}: facility {facility_text} is above 65535, the largest of Wiegand-34")
    return _uid(facility << 16 | number, "wiegand34")
