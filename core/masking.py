"""Personal data as it may be shown: each kind of value masked one way, wherever it is shown.

Residents' records, access's log, the card centre, the dashboard's pages and automation traces
all show the same phones, ID numbers, faces, cards, plates and names; with the masks in one
place a plate reads ``粤A1***4`` on every page and in every answer, and a masked value read
back in (the sheet's import) is recognised by its ``*`` whoever masked it. The value in clear
is the owning integration's to give (``residents.reveal``, audited).

These are shapes of text, not models (the core knows no domain): what each keeps is enough for
the person in front of the screen to tell records apart, not enough to use or to collect.
:func:`masked` finds such values in free text by their shape, for data that did not come
through a schema that knew them (a camera's plate in a trigger, a phone in a message).
"""
from __future__ import annotations

import re
from typing import Any, Final

#: What stands for the characters left out.
HIDDEN: Final = "*"
#: The provinces' characters a mainland plate starts with.
PROVINCES: Final = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
#: A mainland plate: the province's character, the city's letter, four to six letters and digits.
PLATE: Final = re.compile(f"[{PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{4,6}}[挂学警港澳]?")
#: A mainland mobile number, or an 18-character resident ID number, standing alone.
PHONE_OR_ID: Final = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|[1-9][0-9]{16}[0-9Xx])(?![0-9])")
#: The shortest text :data:`PLATE` or :data:`PHONE_OR_ID` can match: shorter text is left as it is unread.
_SHORTEST: Final = 6
#: Below this an integer has too few digits to be a phone or an ID number.
_SMALLEST_NUMBER: Final = 10**10
#: A Home Assistant state's unit attribute: a state that has one is a measurement.
UNIT: Final = "unit_of_measurement"


def mask_middle(text: str, head: int = 3, tail: int = 4) -> str:
    """A phone or an ID number: ``13812345678`` → ``138****5678``. The operator's prefix and the
    last four digits are what people read a number back by (and what a bank's letter shows);
    the subscriber's block between them is what makes it usable. A value too short to keep
    both ends keeps only a quarter of its tail."""
    if len(text) > head + tail:
        return text[:head] + HIDDEN * (len(text) - head - tail) + text[-tail:]
    keep = len(text) // 4
    return HIDDEN * (len(text) - keep) + text[len(text) - keep:]


def mask_face(face_id: str) -> str:
    """A face template's id: ``P000123`` → ``F****23``, the last two characters, so staff can
    tell two templates of one person apart; an id of three characters or fewer shows none."""
    return "F****" + face_id[-2:] if len(face_id) > 3 else "F****"


def mask_card(uid: str) -> str:
    """A card's number: ``04A2B3C4`` → ``04A2****``. The first four hex digits are the batch
    printed on the card's face, what the counter matches the card in hand by; the rest is
    what a cloned card would need."""
    return uid[:4] + "****" if len(uid) > 4 else "****"


def mask_plate(plate: str) -> str:
    """A car's plate: ``粤A17964`` → ``粤A1***4``. The province, the city and one more
    character say where the car is from and the last one tells two cars apart at the gate;
    the number whole would say whose car it is."""
    if len(plate) > 4:
        return plate[:3] + HIDDEN * max(len(plate) - 4, 1) + plate[-1:]
    return plate[:1] + "***"


def mask_name(name: str) -> str:
    """A person's name: ``王芳`` → ``王*``, ``欧阳娜娜`` → ``欧***``. The family name is enough
    for the clerk holding the person's card to recognise them, not a list of the estate's
    names for whoever looks at the screen."""
    return name[:1] + HIDDEN * max(len(name) - 1, 1) if name else ""


def mask_secret(_value: str) -> str:
    """A PIN or a password: ``****``, nothing of it (a part of a PIN is most of it)."""
    return "****"


def mask_token(token: str) -> str:
    """A QR pass's token: its first four characters and ``…``, to tell passes apart in a log;
    the token is 128 random bits, so four characters give nothing away."""
    return token[:4] + "…"


def _plate(found: re.Match[str]) -> str:
    return mask_plate(found.group())


def _middle(found: re.Match[str]) -> str:
    return mask_middle(found.group())


def masked(text: str) -> str:
    """``text`` with every plate, phone number and ID number in it masked by its shape, as
    :func:`mask_plate` and :func:`mask_middle` mask them. Masked text is left as it is, so
    masking twice changes nothing."""
    if len(text) < _SHORTEST:
        return text
    return PHONE_OR_ID.sub(_middle, PLATE.sub(_plate, text))


def masked_state(state: str, unit: object) -> str:
    """An entity's state, masked unless it is a measurement (it has a unit): a meter's count of
    13812345678 litres is a number, not a phone's."""
    return state if unit else masked(state)


def masked_value(value: Any) -> Any:
    """A value of data as :func:`masked` shows it: text masked, an integer of a phone's or an
    ID's digits as its masked text (a JSON payload's number), anything else as it is."""
    if isinstance(value, str):
        return masked(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > _SMALLEST_NUMBER:
        text = str(value)
        return masked(text) if PHONE_OR_ID.fullmatch(text) else value
    return value
