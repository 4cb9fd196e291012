"""The registry as the office's sheet (the rows :func:`.sheet.write_sheet` writes).

One row per person, their household's columns filled in, their cards joined by ``;``, the
first of their vehicles beside them; further vehicles and empty flats get rows of their own.
So the export reads back in (:mod:`.importer`) to the same records. Personal data is masked
unless the export is ``unmasked`` — which the caller audits as a read of every value in it.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .const import KIND_RESIDENT, PERSONAL_FIELDS

if TYPE_CHECKING:
    from .models import Household, Person
    from .registry import Residents

Row = dict[str, str | None]


def _household_columns(household: Household) -> Row:
    return {"household": household.id, "building": household.building, "unit": household.unit.split("-", 1)[1],
            "area_m2": household.area_m2}


def _person_columns(residents: Residents, person: Person, unmasked: bool) -> Row:
    row: Row = {"person": person.id, "name": person.name, "role": person.role, "card": ";".join(person.cards)}
    for field in PERSONAL_FIELDS:
        sealed = person.sealed(field)
        row[field] = None if sealed is None else residents.opened(person, field) if unmasked else sealed.masked
    return row


def export_rows(residents: Residents, *, unmasked: bool = False) -> Iterator[Row]:
    """Every household with its residents and vehicles (erased persons and staff left out)."""
    for household in sorted(residents.households(), key=lambda h: h.id):
        base = _household_columns(household)
        people = [p for p in residents.persons_of(household.id) if p.kind == KIND_RESIDENT and not p.erased]
        plates = {p.id: [v.plate for v in residents.vehicles_of(household.id) if v.person == p.id] for p in people}
        loose = [v.plate for v in residents.vehicles_of(household.id) if v.person not in plates]
        for person in people:
            own = plates[person.id]
            yield {**base, **_person_columns(residents, person, unmasked), "plate": own[0] if own else None}
            for plate in own[1:]:
                yield {**base, "person": person.id, "name": person.name, "plate": plate}
        for plate in loose:
            yield {**base, "plate": plate}
        if not people and not loose:
            yield base
