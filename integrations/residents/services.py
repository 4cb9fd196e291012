"""The residents services, one table: what staff may change and look up (``residents.*``).

Managers may call them all; guards may look people up (``get_person``, ``find``), masked.
``reveal`` answers one personal value in clear and is audited as the caller's read. Every
answer shows personal data masked; the data of a call carries it masked too (the schema
wraps it), so the ``call_service`` event and its audit record never hold a phone number.
"""
from __future__ import annotations

from typing import Any

from xiaoqu.core.auth import get_access
from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from . import schema
from .const import (
    SERVICE_ADD_HOUSEHOLD,
    SERVICE_ADD_PERSON,
    SERVICE_ADD_VEHICLE,
    SERVICE_ERASE_PERSON,
    SERVICE_FIND,
    SERVICE_GET_PERSON,
    SERVICE_INVITE,
    SERVICE_LINK_USER,
    SERVICE_RECORD_ASSESSMENT,
    SERVICE_RECORD_CONSENT,
    SERVICE_RECORD_TRAINING,
    SERVICE_REMOVE_HOUSEHOLD,
    SERVICE_REMOVE_VEHICLE,
    SERVICE_REVEAL,
    SERVICE_ROTATE_KEY,
    SERVICE_UPDATE_HOUSEHOLD,
    SERVICE_UPDATE_PERSON,
)
from .finder import find
from .invites import INVITE_SCHEMA
from .registry import ResidentsError
from .runtime import get_invites, get_residents


def _fields(call: ServiceCall, *without: str) -> dict[str, Any]:
    return {key: value for key, value in call.data.items() if key not in without}


async def add_household(call: ServiceCall) -> dict[str, Any]:
    household = await get_residents(call.hub).add_household(call.data["id"], call.data.get("area_m2"), call.context)
    return {"household": household.as_dict()}


async def update_household(call: ServiceCall) -> dict[str, Any]:
    residents = get_residents(call.hub)
    household = await residents.update_household(call.data["id"], call.data.get("area_m2"), call.context)
    return {"household": household.as_dict()}


async def remove_household(call: ServiceCall) -> None:
    await get_residents(call.hub).remove_household(call.data["id"], call.context)


async def add_person(call: ServiceCall) -> dict[str, Any]:
    person = await get_residents(call.hub).add_person(call.context, **call.data)
    return {"person": person.as_dict()}


async def update_person(call: ServiceCall) -> dict[str, Any]:
    person = await get_residents(call.hub).update_person(call.data["id"], call.context, **_fields(call, "id"))
    return {"person": person.as_dict()}


async def erase_person(call: ServiceCall) -> dict[str, Any]:
    return {"person": (await get_residents(call.hub).erase_person(call.data["id"], call.context)).as_dict()}


async def add_vehicle(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    vehicle = await get_residents(call.hub).add_vehicle(data["plate"], data["household"], data.get("person"), call.context)
    return {"vehicle": vehicle.as_dict()}


async def remove_vehicle(call: ServiceCall) -> None:
    await get_residents(call.hub).remove_vehicle(call.data["plate"], call.context)


async def record_consent(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    collected_by = data.get("collected_by") or _caller(call)
    consent = await get_residents(call.hub).record_consent(data["person"], data["what"], data["purpose"],
                                                           collected_by, call.context)
    return {"consent": consent.as_dict()}


def _caller(call: ServiceCall) -> str:
    user = get_access(call.hub).manager.user(call.context.user_id)
    if user is None:
        raise ResidentsError("collected_by: required when no user makes the call")
    return user.name


async def record_training(call: ServiceCall) -> dict[str, Any]:
    person = await get_residents(call.hub).record_training(call.data["person"], call.context, **_fields(call, "person"))
    return {"person": person.as_dict()}


async def record_assessment(call: ServiceCall) -> dict[str, Any]:
    residents = get_residents(call.hub)
    person = await residents.record_assessment(call.data["person"], call.context, **_fields(call, "person"))
    return {"person": person.as_dict()}


async def link_user(call: ServiceCall) -> dict[str, Any]:
    person = await get_residents(call.hub).link_user(call.data["person"], call.data["user"], call.context)
    return {"person": person.as_dict()}


def get_person(call: ServiceCall) -> dict[str, Any]:
    residents = get_residents(call.hub)
    person = residents.person(call.data["id"])
    if person is None:
        raise ResidentsError(f"id: no person {call.data['id']}")
    return {
        "person": person.as_dict(),
        "vehicles": [v.as_dict() for v in residents.vehicles_of(person.household or "") if v.person in (None, person.id)],
        "consents": [c.as_dict() for c in residents.consents_of(person.id)],
    }


def find_persons(call: ServiceCall) -> dict[str, Any]:
    found, more = find(get_residents(call.hub), call.data)
    return {"persons": [person.as_dict() for person in found], "more": more}


def reveal(call: ServiceCall) -> dict[str, Any]:
    value = get_residents(call.hub).reveal(call.data["person"], call.data["field"], call.context)
    return {"person": call.data["person"], "field": call.data["field"], "value": value}


async def rotate_key(call: ServiceCall) -> dict[str, Any]:
    return {"persons": await get_residents(call.hub).rotate_key(call.context)}


async def invite(call: ServiceCall) -> dict[str, Any]:
    """The code is in the answer only: never in the call's data, an event or the audit log."""
    invites = get_invites(call.hub)
    code, made = await invites.invite(call.data["person"], call.context)
    return {"person": made.person, "code": code, "expires": invites.iso(made.expires)}


_OPTIONAL = SupportsResponse.OPTIONAL
_ONLY = SupportsResponse.ONLY

SERVICES = [
    ServiceSpec(SERVICE_ADD_HOUSEHOLD, add_household, schema.HOUSEHOLD_SCHEMA, "Add a household (a flat)", _OPTIONAL),
    ServiceSpec(SERVICE_UPDATE_HOUSEHOLD, update_household, schema.HOUSEHOLD_SCHEMA, "Change a household's floor area",
                _OPTIONAL),
    ServiceSpec(SERVICE_REMOVE_HOUSEHOLD, remove_household, schema.HOUSEHOLD_ID_SCHEMA,
                "Remove a household nobody lives in"),
    ServiceSpec(SERVICE_ADD_PERSON, add_person, schema.ADD_PERSON_SCHEMA, "Add a resident or a member of staff",
                _OPTIONAL),
    ServiceSpec(SERVICE_UPDATE_PERSON, update_person, schema.UPDATE_PERSON_SCHEMA, "Change a person's record",
                _OPTIONAL),
    ServiceSpec(SERVICE_ERASE_PERSON, erase_person, schema.PERSON_ID_SCHEMA,
                "Erase a person's name, personal data and cards; the id and the history stay", _OPTIONAL),
    ServiceSpec(SERVICE_ADD_VEHICLE, add_vehicle, schema.VEHICLE_SCHEMA, "Register a household's vehicle", _OPTIONAL),
    ServiceSpec(SERVICE_REMOVE_VEHICLE, remove_vehicle, schema.PLATE_SCHEMA, "Remove a vehicle"),
    ServiceSpec(SERVICE_RECORD_CONSENT, record_consent, schema.CONSENT_SCHEMA,
                "Record what personal data was collected, for what, by whom", _OPTIONAL),
    ServiceSpec(SERVICE_RECORD_TRAINING, record_training, schema.TRAINING_SCHEMA,
                "Record a training session a member of staff attended", _OPTIONAL),
    ServiceSpec(SERVICE_RECORD_ASSESSMENT, record_assessment, schema.ASSESSMENT_SCHEMA,
                "Record a staff assessment's result", _OPTIONAL),
    ServiceSpec(SERVICE_LINK_USER, link_user, schema.LINK_USER_SCHEMA,
                "Link a person to the hub user they log in as (user: null unlinks)", _OPTIONAL),
    ServiceSpec(SERVICE_GET_PERSON, get_person, schema.PERSON_ID_SCHEMA, "A person's record, masked", _ONLY),
    ServiceSpec(SERVICE_FIND, find_persons, schema.FIND_SCHEMA, "Find persons, masked", _ONLY),
    ServiceSpec(SERVICE_REVEAL, reveal, schema.REVEAL_SCHEMA, "One personal value in clear (audited)", _ONLY),
    ServiceSpec(SERVICE_ROTATE_KEY, rotate_key, schema.NOTHING_SCHEMA,
                "Re-seal all personal data with the first of residents: encryption_key", _OPTIONAL),
    ServiceSpec(SERVICE_INVITE, invite, INVITE_SCHEMA,
                "A one-time code (7 days) for a resident to make their portal account at /portal/join", _ONLY),
]
