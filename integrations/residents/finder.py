"""``residents.find``: persons by what staff know of them, each criterion one index look-up
where there is an index (card, face, plate, user, household), else a bounded scan."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .cardnumber import CardNumberError
from .registry import ResidentsError

if TYPE_CHECKING:
    from .models import Person
    from .registry import Residents


def _candidates(residents: Residents, query: Mapping[str, Any]) -> Iterable[Person]:
    if "card" in query:
        try:
            found = residents.person_by_card(query["card"])
        except CardNumberError as err:
            raise ResidentsError(f"card: {err}") from None
        return [found] if found else []
    if "face_id" in query:
        found = residents.person_by_face(query["face_id"].value)
        return [found] if found else []
    if "user" in query:
        found = residents.person_for_user(query["user"])
        return [found] if found else []
    if "plate" in query:
        vehicle = residents.vehicle(query["plate"])
        if vehicle is None:
            return []
        owner = residents.person(vehicle.person) if vehicle.person else None
        return [owner] if owner else residents.persons_of(vehicle.household)
    if "household" in query:
        return residents.persons_of(query["household"])
    return residents.persons()


def _matches(person: Person, query: Mapping[str, Any]) -> bool:
    return (
        ("household" not in query or person.household == query["household"])
        and ("building" not in query or person.building == query["building"])
        and ("name" not in query or query["name"] in person.name)
        and ("kind" not in query or person.kind == query["kind"])
        and ("department" not in query or person.department == query["department"])
    )


def find(residents: Residents, query: Mapping[str, Any]) -> tuple[list[Person], bool]:
    """The persons matching every criterion, at most ``limit``, and whether there were more."""
    limit = query["limit"]
    found: list[Person] = []
    for person in _candidates(residents, query):
        if _matches(person, query):
            if len(found) == limit:
                return found, True
            found.append(person)
    return found, False
