"""Residents on the staff dashboard: the households with their people and cars, one household in
detail, the persons (the office's sheet in and out is :mod:`.dashboard_sheet`).

The lists read the registry in memory, as ``residents.find`` does, behind the permission of the
service that reads the same (``residents.find`` for the lists, ``residents.get_person`` for a
household: managers and guards), and show what those services answer: phone, ID number and
face id masked, cards as the access log shows them. A value in clear is ``residents.reveal``
through ``page.call``, so it is checked and audited as the signed-in user's read, as through the API.
"""
from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.masking import mask_card
from xiaoqu.integrations.dashboard import N_, Page, PageRequest, ServiceRefused, register
from xiaoqu.integrations.dashboard.const import PAGE_SIZE
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked, offset_pager
from xiaoqu.integrations.dashboard.registry import PEOPLE

from .const import (
    DOMAIN,
    KIND_STAFF,
    PERMISSION_REVEAL,
    SERVICE_FIND,
    SERVICE_GET_PERSON,
    SERVICE_REVEAL,
)
from .dashboard_sheet import PERMISSION_EXPORT, PERMISSION_IMPORT, SHEET_PAGES
from .runtime import get_residents

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

    from .models import Household, Person
    from .registry import Residents

FIND: Final = f"{DOMAIN}.{SERVICE_FIND}"
GET_PERSON: Final = f"{DOMAIN}.{SERVICE_GET_PERSON}"
#: Rows a list's download holds at most (the frame holds it in memory and writes it in a worker
#: thread that still shares the interpreter with the doors); the whole estate is the office sheet.
MAX_EXPORT: Final = 5_000
#: A filter longer than this is no name, plate or household anyone typed.
MAX_FILTER: Final = 64

ROLE_LABELS: Final = {"owner": N_("owner"), "tenant": N_("tenant"), "family": N_("family member"),
                      KIND_STAFF: N_("staff member")}
FIELD_LABELS: Final = {"phone": N_("Phone"), "id_number": N_("ID number"), "face_id": N_("Face id")}
CONSENT_LABELS: Final = {"face": N_("face"), "plate": N_("plate"), "phone": N_("phone"), "id_number": N_("ID number"),
                         "name": N_("name"), "card": N_("card"), "photo": N_("photo")}

#: The households list's columns, on the page and in its export.
HOUSEHOLD_COLUMNS: Final = (("id", N_("Household")), ("building", N_("Building")), ("unit", N_("Unit")),
                            ("room", N_("Room")), ("area_m2", N_("Floor area (m²)")), ("members", N_("Members")),
                            ("vehicles", N_("Vehicles")))
PERSON_COLUMNS: Final = (("id", N_("Person")), ("name", N_("Name")), ("role", N_("Role")),
                         ("household", N_("Household")), ("department", N_("Department")),
                         ("position", N_("Position")), ("phone", N_("Phone")), ("cards", N_("Cards")))
HOUSEHOLD_FILTERS: Final = (Field("building", N_("Building")), Field("unit", N_("Unit")),
                             Field("q", N_("Search"), "0601 / 王芳 / 沪A12345"))


def _filters(page: PageRequest, fields: list[str]) -> dict[str, str]:
    found = asked(page, fields)
    for name, value in found.items():
        if len(value) > MAX_FILTER:
            raise ServiceRefused(page.message(HTTPStatus.BAD_REQUEST, page.gettext(
                "%(field)s: at most %(count)d characters.") % {"field": name, "count": MAX_FILTER}))
    return found


def _living(residents: Residents, household_id: str) -> list[Person]:
    return [person for person in residents.persons_of(household_id) if not person.erased]


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    """``1-2-0601`` before ``1-10-0101`` and ``10-1-0101``: each part by length, then by text."""
    return tuple((len(part), part) for part in text.split("-"))


def _unit_number(household: Household) -> str:
    return household.unit.split("-", 1)[1]


def _household_matches(residents: Residents, household: Household, filters: dict[str, str]) -> bool:
    if "building" in filters and household.building != filters["building"].upper():
        return False
    if "unit" in filters and filters["unit"].upper() not in (_unit_number(household), household.unit):
        return False
    text = filters.get("q")
    if text is None:
        return True
    plate = text.upper().replace(" ", "")
    return (text.upper() in household.id or any(text in person.name for person in _living(residents, household.id))
            or any(plate in vehicle.plate for vehicle in residents.vehicles_of(household.id)))


def _household_row(residents: Residents, household: Household) -> dict[str, Any]:
    return {"id": household.id, "building": household.building, "unit": _unit_number(household),
            "room": household.id.rsplit("-", 1)[1], "area_m2": household.area_m2,
            "members": len(_living(residents, household.id)),
            "vehicles": [vehicle.plate for vehicle in residents.vehicles_of(household.id)]}


def _person_role(person: Person) -> str:
    return KIND_STAFF if person.kind == KIND_STAFF else person.role or ""


def _role_label(page: PageRequest, role: str) -> str:
    return page.gettext(ROLE_LABELS[role]) if role else ""


def _person_matches(person: Person, filters: dict[str, str]) -> bool:
    if person.erased:
        return False
    if "role" in filters and _person_role(person) != filters["role"]:
        return False
    if "department" in filters and person.department != filters["department"]:
        return False
    text = filters.get("q")
    return text is None or text in person.name or text.upper() == person.id


def _person_row(person: Person) -> dict[str, Any]:
    shown = person.as_dict()
    return {**shown, "role": _person_role(person), "department": person.department or "",
            "position": person.position or "", "cards": [mask_card(uid) for uid in person.cards]}


def _cell(value: Any) -> Any:
    """A value as an export's cell: lists joined, nothing as empty."""
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else value


def _export(page: PageRequest, name: str, columns: tuple[tuple[str, str], ...], rows: Sequence[dict[str, Any]],
            fmt: str) -> web.Response:
    """The rows as a download, or a 400 saying the way round when there are more than :data:`MAX_EXPORT`."""
    if len(rows) > MAX_EXPORT:
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext(
            "%(count)s rows is more than a download holds (%(most)s): narrow the filters, or take the office sheet "
            "(every household and resident).") % {"count": len(rows), "most": MAX_EXPORT})
    lines = ([_cell(row[key]) for key, _ in columns] for row in rows)
    return export_response(page, name, [page.gettext(heading) for _, heading in columns], lines, fmt)


async def households_page(page: PageRequest) -> web.StreamResponse:
    """Every household matching the filters, a page at a time; ``?format=`` downloads them all."""
    residents = get_residents(page.hub)
    filters = _filters(page, [field.name for field in HOUSEHOLD_FILTERS])
    found = sorted((h for h in residents.households() if _household_matches(residents, h, filters)),
                   key=lambda household: _natural(household.id))
    if fmt := wants_export(page):
        return _export(page, "households", HOUSEHOLD_COLUMNS, [_household_row(residents, h) for h in found], fmt)
    pager = offset_pager(page, len(found), PAGE_SIZE)
    rows = [_household_row(residents, h) for h in found[pager.offset:pager.offset + pager.size]]
    return page.render("residents/households.html", rows=rows, asked=filters, fields=HOUSEHOLD_FILTERS,
                       columns=HOUSEHOLD_COLUMNS, pager=pager, exports=export_urls(page),
                       may_import=page.allows(PERMISSION_IMPORT), may_export_sheet=page.allows(PERMISSION_EXPORT))


def _consents(residents: Residents, people: list[Person]) -> list[dict[str, Any]]:
    return [{**consent.as_dict(), "name": person.name}
            for person in people for consent in residents.consents_of(person.id)]


async def household_page(page: PageRequest) -> web.StreamResponse:
    """One household: its members (masked, with a reveal button for those who may), cars, cards, consents."""
    residents = get_residents(page.hub)
    household = residents.household(page.request.match_info["household"].upper())
    if household is None:
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("No such household."))
    people = _living(residents, household.id)
    names = {person.id: person.name for person in people}
    vehicles = [{"plate": v.plate, "driver": names.get(v.person or "", "")} for v in residents.vehicles_of(household.id)]
    cards = [{"card": mask_card(uid), "name": person.name} for person in people for uid in person.cards]
    return page.render("residents/household.html", household=_household_row(residents, household),
                       members=[_person_row(person) for person in people], vehicles=vehicles, cards=cards,
                       consents=_consents(residents, people), fields=FIELD_LABELS, roles=ROLE_LABELS,
                       consent_labels=CONSENT_LABELS, may_reveal=page.allows(PERMISSION_REVEAL))


async def reveal(page: PageRequest) -> web.StreamResponse:
    """One personal value in clear: ``residents.reveal`` as the signed-in user (checked, audited).
    htmx swaps it into the household page; without script it comes as a page of its own."""
    form = await page.form()
    data = {name: form.get(name) for name in ("person", "field")}
    answer = await page.call(DOMAIN, SERVICE_REVEAL, data, return_response=True)
    assert answer is not None
    person = get_residents(page.hub).person(answer["person"])
    values = {"value": answer["value"], "field": FIELD_LABELS[answer["field"]], "person": person,
              "back": f"{page.request.path.rsplit('/', 1)[0]}/households/{person.household}"
              if person is not None and person.household else None}
    if page.request.headers.get("HX-Request"):
        return page.render("residents/revealed.html", **values)
    return page.render("residents/reveal.html", **values)


async def persons_page(page: PageRequest) -> web.StreamResponse:
    """Residents and staff matching the filters (role, department, name or id), a page at a time."""
    residents = get_residents(page.hub)
    filters = _filters(page, ["role", "department", "q"])
    if filters.get("role", KIND_STAFF) not in ROLE_LABELS:
        raise ServiceRefused(page.message(HTTPStatus.BAD_REQUEST, page.gettext(
            "role: expected owner, tenant, family or staff.")))
    found = sorted((p for p in residents.persons() if _person_matches(p, filters)), key=lambda person: person.id)
    if fmt := wants_export(page):
        rows = [_person_row(person) for person in found]
        return _export(page, "persons", PERSON_COLUMNS, [{**row, "role": _role_label(page, row["role"])} for row in rows],
                       fmt)
    pager = offset_pager(page, len(found), PAGE_SIZE)
    departments = sorted({p.department for p in residents.persons() if p.department})
    fields = (Field("role", N_("Role"), choices=tuple(ROLE_LABELS.items())),
              Field("department", N_("Department"), choices=tuple((name, name) for name in departments)),
              Field("q", N_("Search"), "王芳 / P000123"))
    rows = [_person_row(person) for person in found[pager.offset:pager.offset + pager.size]]
    return page.render("residents/persons.html", rows=rows, asked=filters, fields=fields, columns=PERSON_COLUMNS,
                       pager=pager, exports=export_urls(page), roles=ROLE_LABELS)


def register_pages(hub: Hub) -> None:
    register(
        hub, Path(__file__).parent,
        pages=(Page("residents", households_page, permission=FIND, title=N_("Households"), order=40, group=PEOPLE),
               Page("residents/households/{household}", household_page, permission=GET_PERSON),
               Page("residents/persons", persons_page, permission=FIND, title=N_("Persons"), order=41, group=PEOPLE),
               Page("residents/reveal", reveal, permission=PERMISSION_REVEAL, method="POST"),
               *SHEET_PAGES),
    )

