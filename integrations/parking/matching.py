"""An exit read that matches no car inside exactly: which car it was, if only one can be.

Cameras misread. lpr already fixes what the plate standard rules out (O and I in the serial),
but a B read as 8, a D as 0, a character dropped or added are plates too, so only the cars
inside can tell. The rule, applied to the plates of the lot's open sessions:

1. A plate that differs from the read in **one character, by a confusion cameras make**
   (O/0, I/1, B/8, D/0, S/5, Z/2, G/6, Q/0) matches when it is the only such plate inside.
2. Else a plate **one character away** (one changed, added or dropped: a new-energy plate
   read short, a province misread) matches when it is the only such plate inside.
3. Else nothing matches: none is close, or several are and guessing could charge the wrong
   car; the exit falls to the no-entry rule (docs/parking.md) and the guard is told.

Pure: plates in, a :class:`Match` out, with the sentence that explains it. A lot holds
thousands of cars, so the plates inside are kept in a :class:`NearPlates` index that hands
:func:`match` only the ones one character away or closer (the rule cannot match any other):
an exit with no entry on record costs a few look-ups, not a walk over every car inside.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from xiaoqu.core.masking import mask_plate

#: Pairs of characters plate cameras confuse (the shapes, not the standard's rules).
CONFUSABLE: Final = frozenset(frozenset(pair) for pair in ("O0", "I1", "B8", "D0", "S5", "Z2", "G6", "Q0"))


@dataclass(frozen=True, slots=True)
class Match:
    """The plate inside the read was taken for (None: no match), and why."""

    plate: str | None
    reason: str


def _one_confusion(read: str, plate: str) -> str | None:
    """``8 for B`` when the two differ in exactly one confusable character, else None."""
    if len(read) != len(plate):
        return None
    differences = [(a, b) for a, b in zip(read, plate, strict=True) if a != b]
    if len(differences) == 1 and frozenset(differences[0]) in CONFUSABLE:
        seen, meant = differences[0]
        return f"{seen} for {meant}"
    return None


def one_edit_apart(read: str, plate: str) -> bool:
    """One character changed, added or dropped (a Levenshtein distance of exactly 1)."""
    if read == plate or abs(len(read) - len(plate)) > 1:
        return False
    if len(read) == len(plate):
        return sum(a != b for a, b in zip(read, plate, strict=True)) == 1
    short, long = sorted((read, plate), key=len)
    index = next((i for i, (a, b) in enumerate(zip(short, long, strict=False)) if a != b), len(short))
    return short[index:] == long[index + 1:]


def _listed(plates: list[str]) -> str:
    return ", ".join(mask_plate(p) for p in sorted(plates))


def match(read: str, inside: Iterable[str]) -> Match:
    """Which of the plates ``inside`` the exit read ``read`` is, by the module's rule."""
    plates = set(inside)
    if read in plates:
        return Match(read, f"{mask_plate(read)} is inside")
    shown = mask_plate(read)
    confused = {plate: why for plate in plates if (why := _one_confusion(read, plate)) is not None}
    if len(confused) == 1:
        [(plate, why)] = confused.items()
        return Match(plate, f"read {shown} taken for {mask_plate(plate)}, the only car inside one camera "
                            f"confusion away ({why})")
    if len(confused) > 1:
        return Match(None, f"read {shown} is one camera confusion away from {len(confused)} cars inside "
                           f"({_listed(list(confused))}): not guessed")
    near = [plate for plate in plates if one_edit_apart(read, plate)]
    if len(near) == 1:
        return Match(near[0], f"read {shown} taken for {mask_plate(near[0])}, the only car inside one character away")
    if near:
        return Match(None, f"read {shown} is one character away from {len(near)} cars inside ({_listed(near)}): "
                           "not guessed")
    return Match(None, f"no car inside is {shown} or one character away from it")


def _changed(plate: str) -> Iterator[str]:
    """Keys shared by ``plate`` and every plate of its length differing in one character."""
    for i in range(len(plate)):
        yield f"{plate[:i]}\0{plate[i + 1:]}"


def _shortened(plate: str) -> Iterator[str]:
    """``plate`` with one character dropped, each way."""
    for i in range(len(plate)):
        yield plate[:i] + plate[i + 1:]


@dataclass
class NearPlates:
    """The plates inside one lot, indexed by their one-character neighbourhoods."""

    plates: set[str] = field(default_factory=set)
    #: Neighbourhood key (one character replaced by ``\0``, or ``-`` and one dropped) → plates.
    _keys: dict[str, set[str]] = field(default_factory=dict)

    @staticmethod
    def _neighbourhood(plate: str) -> set[str]:
        """Each key once (``粤A00000`` drops a ``0`` five ways into one key)."""
        return {*_changed(plate), *(f"-{shorter}" for shorter in _shortened(plate))}

    def add(self, plate: str) -> None:
        if plate in self.plates:
            return
        self.plates.add(plate)
        for key in self._neighbourhood(plate):
            self._keys.setdefault(key, set()).add(plate)

    def discard(self, plate: str) -> None:
        if plate not in self.plates:
            return
        self.plates.discard(plate)
        for key in self._neighbourhood(plate):
            holders = self._keys[key]
            holders.discard(plate)
            if not holders:
                del self._keys[key]

    def near(self, read: str) -> set[str]:
        """Every plate inside equal to ``read`` or one character changed, added or dropped."""
        found = {read} & self.plates
        for key in _changed(read):  # one changed
            found |= self._keys.get(key, set())
        found |= self._keys.get(f"-{read}", set())  # the read dropped one of the plate's
        found.update(shorter for shorter in _shortened(read) if shorter in self.plates)  # the read added one
        return found
