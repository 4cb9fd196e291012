"""Believable Chinese licence plates: what the simulated cameras read.

A plate is a province abbreviation, the letter of the issuing city, then five characters
(ordinary plates, blue) or six (new-energy plates, green, whose first character after the
city letter is D or F). Letters I and O never appear (they read as 1 and 0).
"""
from __future__ import annotations

import random

#: Province (and municipality) abbreviations, weighted towards the south-east where the
#: demo community is; every one of them can appear.
PROVINCES = "粤粤粤粤湘赣桂闽京沪津渝冀晋蒙辽吉黑苏浙皖鲁豫鄂琼川贵云藏陕甘青宁新"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"
#: The local city letters the residents' cars mostly carry (Guangzhou A, Shenzhen B, ...).
LOCAL = ("粤", "ABS")
#: Share of new-energy vehicles among the residents' cars.
NEW_ENERGY_SHARE = 0.3

#: Characters a camera confuses with one another (a misread swaps one for another).
CONFUSABLE = {"8": "B", "B": "8", "0": "D", "D": "0", "5": "S", "S": "5", "2": "Z", "Z": "2", "1": "7", "7": "1"}


def _ordinary_tail(rng: random.Random) -> str:
    """Five characters, digits mostly, at most two letters (as issued)."""
    chars = [rng.choice(DIGITS) for _ in range(5)]
    for index in rng.sample(range(5), rng.choice((0, 1, 1, 2))):
        chars[index] = rng.choice(LETTERS)
    return "".join(chars)


def _new_energy_tail(rng: random.Random) -> str:
    """D (battery) or F (hybrid), then five characters: one letter at most, then digits."""
    second = rng.choice(LETTERS) if rng.random() < 0.4 else rng.choice(DIGITS)
    return rng.choice("DF") + second + "".join(rng.choice(DIGITS) for _ in range(4))


def random_plate(rng: random.Random, *, local: bool = True, new_energy: bool | None = None) -> str:
    """One plate; ``local`` cars carry the community's province and city letters."""
    if local:
        province, city = LOCAL[0], rng.choice(LOCAL[1])
    else:
        province, city = rng.choice(PROVINCES), rng.choice(LETTERS)
    if new_energy is None:
        new_energy = rng.random() < NEW_ENERGY_SHARE
    return province + city + (_new_energy_tail(rng) if new_energy else _ordinary_tail(rng))


def is_new_energy(plate: str) -> bool:
    return len(plate) == 8


#: What a camera's character classifier writes for a digit the standard keeps out of serials:
#: 0 as the letter O, 1 as the letter I (the hub's normalisation reads them back).
LOOKALIKES = {"0": "O", "1": "I"}


def lookalike(plate: str, rng: random.Random) -> str:
    """The plate with one 0 or 1 of its serial written as O or I (unchanged if it has none)."""
    positions = [i for i, ch in enumerate(plate) if i >= 2 and ch in LOOKALIKES]
    if not positions:
        return plate
    index = rng.choice(positions)
    return plate[:index] + LOOKALIKES[plate[index]] + plate[index + 1 :]


def truncated(plate: str) -> str:
    """A new-energy plate read by a camera that stops at 7 characters."""
    return plate[:7]


def misread(plate: str, rng: random.Random) -> str:
    """The plate with one confusable character read wrong (or unchanged if none is)."""
    positions = [i for i, ch in enumerate(plate) if i >= 3 and ch in CONFUSABLE]
    if not positions:
        return plate
    index = rng.choice(positions)
    return plate[:index] + CONFUSABLE[plate[index]] + plate[index + 1 :]
