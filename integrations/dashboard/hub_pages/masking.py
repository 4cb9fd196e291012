"""Personal data in free text, masked before a hub page shows it.

States, attributes, logbook lines and automation runs hold whatever devices and services put
there: a camera's plate read (``粤A17964``) in a trigger's payload, a phone number in a
notification's message. The domains that own such data mask it on their own pages (the access
log shows ``粤A1***4``); these pages show it the same way, by its shape, so reading a run or
a state is no way around that. Unmasked data is the residents' pages' to reveal (``residents.reveal``).

The masks are those the domains use: a plate keeps its first three characters and its last
(access's), a phone number or an ID number its first three and last four (residents').
"""
from __future__ import annotations

import re
from typing import Final

#: The provinces' characters a mainland plate starts with.
PROVINCES: Final = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
#: A mainland plate: the province's character, the city's letter, four to six letters and digits.
PLATE: Final = re.compile(f"[{PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{4,6}}[挂学警港澳]?")
#: A mainland mobile number, or an 18-character resident ID number, standing alone.
PHONE_OR_ID: Final = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|[1-9][0-9]{16}[0-9Xx])(?![0-9])")


def _plate(found: re.Match[str]) -> str:
    text = found.group()
    return text[:3] + "*" * (len(text) - 4) + text[-1]


def _middle(found: re.Match[str]) -> str:
    text = found.group()
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def masked(text: str) -> str:
    """``text`` with every plate, phone number and ID number in it masked."""
    return PHONE_OR_ID.sub(_middle, PLATE.sub(_plate, text))


def masked_state(state: str, unit: object) -> str:
    """An entity's state, masked unless it is a measurement (it has a unit): a meter's count of
    13812345678 litres is a number, not a phone's."""
    return state if unit else masked(state)
