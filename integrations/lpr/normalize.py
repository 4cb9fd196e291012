"""A camera's plate text made into one spelling, or refused with the reason: pure, no hub.

Every camera brand writes plates its own way (full-width letters, a colour word in front,
dots and spaces, the three plates of a cross-border car joined by ``|``) and misreads them
in the same few ways. Parking matches plates by their text, so a plate must have exactly one
spelling — ``粤B12345`` whatever the camera wrote — and a read that is no plate must say why
rather than become one. :func:`normalize_plate` does it in this order:

1. No text, or a no-plate marker (``_无_``, ``--``, ``unlicensed``): invalid, "no plate".
2. Unicode NFKC (full-width ``粤Ａ１２３４５`` → ``粤A12345``), upper case, the first of
   ``|``-joined cross-border plates, separators removed (spaces, dots, middle dots, hyphens).
3. A leading colour word (Hikvision's ``蓝皖A7XG66``) removed when what follows begins a
   plate — so Heilongjiang's ``黑A12345`` keeps its 黑; it is the colour when none was given.
4. A two-row plate read lower row first (``12345粤A``) put back in order.
5. The parts found (province, letter, serial, type character) and checked against
   :mod:`.plate_rules`; ``O`` and ``I`` become ``0`` and ``1`` in the serial only, where the
   standard never uses them. The province and the letter are never changed: a wrong one is
   refused with the reason, never guessed.

A 7-character read from a camera that says the plate is green (or a new-energy plate) is
``truncated``: new-energy plates have 8 characters, so the camera dropped one. It is invalid
(no gate may open on part of a plate) and flagged, so :mod:`.rules` can let a full read
agree with it and staff can correct it from the snapshot.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .plate_rules import (
    ARMED_POLICE,
    CIVIL_AVIATION,
    COLOUR_PREFIXES,
    CROSS_BORDER,
    DIGITS,
    EMBASSY,
    KIND_COLOURS,
    LETTERS,
    MILITARY,
    MILITARY_LETTERS,
    NEW_ENERGY,
    NEW_ENERGY_LARGE,
    NEW_ENERGY_LETTERS,
    NO_PLATE,
    ORDINARY,
    PROVINCES,
    REGION_JOIN,
    SEPARATORS,
    SERIAL_CHARS,
    SERIAL_FIXES,
    SUFFIXES,
)

#: What ends an armed-police plate: a digit or the branch's character (消 fire, 边 border...).
ARMED_POLICE_LAST = DIGITS | frozenset("消边通森金警电")
#: The longest text looked at: a plate is at most 9 characters, a camera's decorations a few more.
MAX_RAW = 64


@dataclass(frozen=True, slots=True)
class Plate:
    """A plate as read: ``text`` (the one spelling, or the cleaned text when invalid), whether
    it is ``valid`` and if not the ``reason``, its ``kind`` and ``colour``, what was changed
    to get there (``fixes``), and whether the read was ``truncated`` (a new-energy plate read
    short)."""

    raw: str
    text: str
    valid: bool
    reason: str | None = None
    kind: str | None = None
    colour: str | None = None
    fixes: tuple[str, ...] = ()
    truncated: bool = False

    @property
    def new_energy(self) -> bool:
        return self.kind in (NEW_ENERGY, NEW_ENERGY_LARGE)

    def as_dict(self) -> dict[str, object]:
        """The service's answer: ``{"plate", "valid": true, ...}`` or ``{"valid": false, "reason", ...}``."""
        answer: dict[str, object] = {"valid": self.valid}
        if self.valid:
            answer["plate"] = self.text
        else:
            answer["reason"] = self.reason
            answer["read_as"] = self.text
        answer.update(kind=self.kind, colour=self.colour, fixes=list(self.fixes))
        if self.truncated:
            answer["truncated"] = True
        return answer


@dataclass(slots=True)
class _Reading:
    """The text being worked on and what has been done to it."""

    text: str
    colour: str | None
    fixes: list[str] = field(default_factory=list)


class _Refused(Exception):
    """The text is no plate: ``reason`` says why."""

    def __init__(self, reason: str, *, truncated: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.truncated = truncated


def normalize_plate(raw: str, *, colour: str | None = None, double_row: bool = False) -> Plate:
    """``raw`` as one spelling (``粤B12345``), or invalid with the reason.

    ``colour`` is what the camera said of the plate (``blue``, ``green``...), ``double_row``
    whether it said the plate has two rows (large vehicles' yellow plates): both only help
    explain a short read, and a green 7-character read is ``truncated``.
    """
    if not isinstance(raw, str):
        return Plate(str(raw), "", False, "no plate: the camera sent no text")
    reading = _Reading(raw[:MAX_RAW], colour)
    try:
        _clean(reading)
        _strip_colour(reading)
        _rows_in_order(reading)
        kind = _check(reading, double_row)
    except _Refused as refused:
        return Plate(raw, reading.text, False, refused.reason, colour=reading.colour, fixes=tuple(reading.fixes),
                     truncated=refused.truncated)
    return Plate(raw, reading.text, True, None, kind, _colour_of(kind, reading), tuple(reading.fixes))


def _clean(reading: _Reading) -> None:
    text = unicodedata.normalize("NFKC", reading.text).strip()
    if text != reading.text.strip():
        reading.fixes.append("full-width characters made half-width")
    if text.casefold() in NO_PLATE:
        raise _Refused(f"no plate: the camera read none ({reading.text.strip() or 'empty'})")
    if REGION_JOIN in text:
        text = text.split(REGION_JOIN, 1)[0]
        reading.fixes.append("cross-border plate: the mainland plate kept, the others dropped")
    kept = "".join(ch for ch in text if ch not in SEPARATORS)
    if kept != text:
        reading.fixes.append("separators removed")
    upper = kept.upper()
    if upper != kept:
        reading.fixes.append("upper case")
    reading.text = upper
    if not upper:
        raise _Refused("no plate: the camera sent only separators")


def _begins_a_plate(text: str) -> bool:
    return bool(text) and (text[0] in PROVINCES or text[0] == "使" or text.startswith(("WJ", "民航")))


def _strip_colour(reading: _Reading) -> None:
    for word, colour in COLOUR_PREFIXES:
        rest = reading.text[len(word):]
        if reading.text.startswith(word) and _begins_a_plate(rest):
            reading.text = rest
            reading.colour = reading.colour or colour
            reading.fixes.append(f"colour word {word} removed")
            return


def _rows_in_order(reading: _Reading) -> None:
    """A two-row plate read lower row first: ``12345粤A`` → ``粤A12345`` (the province
    character can stand nowhere but first, so the order is certain)."""
    text = reading.text
    if len(text) >= 6 and text[0] not in PROVINCES and text[-2] in PROVINCES and text[-1] in LETTERS:
        reading.text = text[-2:] + text[:-2]
        reading.fixes.append("two-row plate read lower row first: rows put in order")


def _serial(reading: _Reading, start: int, end: int) -> str:
    """The serial ``text[start:end]`` with O and I made 0 and 1 (in the text too)."""
    text = reading.text
    serial = text[start:end]
    fixed = "".join(SERIAL_FIXES.get(ch, ch) for ch in serial)
    for wrong, right in SERIAL_FIXES.items():
        if wrong in serial:
            reading.fixes.append(f"{wrong} read for {right} in the serial")
    reading.text = text[:start] + fixed + text[end:]
    return fixed


def _check(reading: _Reading, double_row: bool) -> str:
    """The plate's kind; raises :class:`_Refused` with the reason."""
    text = reading.text
    if text[0] in PROVINCES:
        return _civil(reading, double_row)
    if text[0] == "使":
        serial = _serial(reading, 1, len(text))
        if len(serial) == 6 and set(serial) <= DIGITS:
            return EMBASSY
        raise _Refused(f"an embassy plate is 使 and 6 digits; {reading.text} is not")
    if text.startswith("WJ"):
        return _armed_police(reading)
    if text.startswith("民航"):
        serial = _serial(reading, 2, len(text))
        if len(serial) == 5 and set(serial) <= SERIAL_CHARS:
            return CIVIL_AVIATION
        raise _Refused(f"a civil-aviation plate is 民航 and 5 characters; {reading.text} is not")
    if len(text) == 7 and text[0] in MILITARY_LETTERS and text[1] in MILITARY_LETTERS:
        serial = _serial(reading, 2, 7)
        if set(serial) <= DIGITS:
            return MILITARY
    if text[0] == "临":
        raise _Refused("a temporary plate (临时号牌) has no fixed format: record it by hand")
    if len(text) <= 5 and set(text) <= SERIAL_CHARS | LETTERS and (double_row or reading.colour == "yellow"):
        raise _Refused(f"only the lower row of a two-row yellow plate was read ({text}): "
                       "its upper row (province and letter) is missing")
    raise _Refused(f"{text[0]} is not a province abbreviation: a plate begins with one (京, 沪, 粤...)")


def _civil(reading: _Reading, double_row: bool) -> str:
    text = reading.text
    if len(text) < 2 or text[1] not in LETTERS:
        seen = text[1] if len(text) > 1 else "nothing"
        raise _Refused(f"the second character is the issuing office's letter; {seen} is not a letter")
    for suffix, kind in SUFFIXES.items():
        if text.endswith(suffix) and len(text) > 2 + len(suffix):
            return _suffixed(reading, suffix, kind)
    serial = _serial(reading, 2, len(text))
    if not set(serial) <= SERIAL_CHARS:
        odd = next(ch for ch in serial if ch not in SERIAL_CHARS)
        raise _Refused(f"{odd} cannot be in a plate's serial (digits and letters but I and O)")
    if len(serial) == 5:
        if reading.colour == "green":
            raise _Refused(f"truncated: the camera says the plate is green, and a new-energy plate has 8 "
                           f"characters; it read 7 ({reading.text})", truncated=True)
        return ORDINARY
    if len(serial) == 6:
        return _new_energy(serial)
    if len(serial) < 5:
        rows = " (the lower row of a two-row plate read short?)" if double_row else ""
        raise _Refused(f"too short: {reading.text} has {len(serial)} characters after the letter, a plate 5 or 6"
                       f"{rows}")
    raise _Refused(f"too long: {reading.text} has {len(serial)} characters after the letter, a plate 5 or 6")


def _new_energy(serial: str) -> str:
    """GA 36-2018: small plates D/F then a letter or digit then 4 digits; large ones 5 digits then D/F."""
    if serial[0] in NEW_ENERGY_LETTERS and set(serial[2:]) <= DIGITS:
        return NEW_ENERGY
    if set(serial[:5]) <= DIGITS and serial[5] in NEW_ENERGY_LETTERS:
        return NEW_ENERGY_LARGE
    raise _Refused(f"6 characters after the letter make a new-energy plate, whose serial is D or F, a letter or "
                   f"digit and 4 digits (small) or 5 digits and D or F (large); {serial} is neither")


def _suffixed(reading: _Reading, suffix: str, kind: str) -> str:
    text = reading.text
    serial = _serial(reading, 2, len(text) - len(suffix))
    if len(serial) != 4 or not set(serial) <= SERIAL_CHARS:
        raise _Refused(f"a plate ending in {suffix} has 4 characters between the letter and {suffix}; "
                       f"{reading.text} has {len(serial)}")
    if kind in CROSS_BORDER and not text.startswith("粤Z"):
        raise _Refused(f"a Hong Kong or Macau cross-border plate begins 粤Z; {reading.text} does not")
    return kind


def _armed_police(reading: _Reading) -> str:
    """Armed police (2012): WJ, an optional province character, then 5 characters (the last may
    be a branch character such as 消 or 边)."""
    text = reading.text
    start = 3 if len(text) > 2 and text[2] in PROVINCES else 2
    body = text[start:]
    if len(body) == 5 and set(_serial(reading, start, start + 4)) <= DIGITS and body[4] in ARMED_POLICE_LAST:
        return ARMED_POLICE
    raise _Refused(f"an armed-police plate is WJ, a province character or none, and 5 characters; {text} is not")


def _colour_of(kind: str, reading: _Reading) -> str | None:
    """The kind's own colour where it has one, else the camera's."""
    own = KIND_COLOURS.get(kind)
    if own is not None and reading.colour not in (None, own):
        reading.fixes.append(f"colour {own}, as every {kind} plate (the camera said {reading.colour})")
    return own or reading.colour
