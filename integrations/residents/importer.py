"""The office's sheet into the registry: households, persons, cards, faces and vehicles.

A row is a person in a household (or, with no name, the household alone, perhaps with a
car); a row with a department is a member of staff, who belongs to no household. A person
already on record is found by the ``person`` column, else by household (or the staff) and
name, else by card, and updated: importing the same sheet twice changes nothing the second
time. An empty cell leaves what is on record; a masked value (``138****5678``, from an
export) too. A bad row is reported as ``FILE:ROW: column: what is wrong`` and left out while
the good rows go in — or, ``all_or_nothing``, nothing goes in.

The import runs in one :meth:`Residents.batch`, writing every ``FLUSH_EVERY`` changes and
letting the loop run in between, so doors keep deciding while 30,000 persons arrive.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.validation import vol

from . import schema
from .const import KIND_STAFF, PERSONAL_FIELDS
from .registry import FLUSH_EVERY, ResidentsError
from .sheet import Sheet

if TYPE_CHECKING:
    from .changes import Batch
    from .models import Person
    from .registry import Residents

ROLE_NAMES: Final = {"业主": "owner", "租户": "tenant", "租客": "tenant", "家属": "family", "家人": "family"}
#: How many rows are taken between two looks at the loop (some 5 ms of work: doors keep deciding).
ROWS_PER_TURN: Final = 25
PROGRESS_EVERY: Final = 500
#: Errors listed at most; the rest are counted. With each cut to MAX_ERROR_LENGTH, the report
#: stays well inside what the command line reads from the hub (control.MAX_REPLY).
MAX_ERRORS: Final = 1_000
#: Characters of one listed error at most: an error may quote its cell, and a cell may be huge.
MAX_ERROR_LENGTH: Final = 500
_FIELD: Final = re.compile(r"^([a-z0-9_]+): ")
#: The sheet's column for a field a refusal names.
_COLUMN_OF: Final = {"cards": "card", "id": "household"}


@dataclass(slots=True)
class ImportReport:
    rows: int = 0
    households: int = 0  # added or changed
    persons: int = 0
    vehicles: int = 0
    unchanged: int = 0  # rows that changed nothing
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    written: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "households": self.households, "persons": self.persons,
                "vehicles": self.vehicles, "unchanged": self.unchanged, "errors": self.errors,
                "error_count": self.error_count, "written": self.written}


class RowError(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column


async def import_sheet(residents: Residents, sheet: Sheet, *, all_or_nothing: bool = False,
                       progress: Callable[[int], None] | None = None) -> ImportReport:
    """Apply the sheet's rows; the report counts what changed and lists each bad row."""
    report = ImportReport(rows=len(sheet.rows))
    async with residents.batch() as batch:
        for done, (number, row) in enumerate(sheet.rows, start=1):
            savepoint = batch.savepoint()
            try:
                _import_row(residents, batch, row, report)
            except RowError as err:
                batch.rollback(savepoint)
                _note_error(report, sheet, number, err)
            if batch.savepoint() == savepoint:
                report.unchanged += 1
            if done % ROWS_PER_TURN == 0:
                if not all_or_nothing and len(batch) >= FLUSH_EVERY:
                    await batch.flush()
                else:
                    await asyncio.sleep(0)
                if progress is not None and done % PROGRESS_EVERY == 0:
                    progress(done)
        if all_or_nothing and report.error_count:
            batch.rollback()
            report.written = False
    if progress is not None:
        progress(len(sheet.rows))
    return report


def _note_error(report: ImportReport, sheet: Sheet, number: int, err: RowError) -> None:
    report.error_count += 1
    if len(report.errors) < MAX_ERRORS:
        column = f"{sheet.header(err.column)}: " if err.column else ""
        text = f"{sheet.path.name}:{number}: {column}{err}"
        report.errors.append(text if len(text) <= MAX_ERROR_LENGTH else text[:MAX_ERROR_LENGTH - 1] + "…")


def _import_row(residents: Residents, batch: Batch, row: dict[str, Any], report: ImportReport) -> None:
    if row.get("department"):
        _import_staff_row(residents, batch, row, report)
        return
    household_id = _household_id(row)
    before = batch.savepoint()
    with _refusals("area_m2"):
        area = row.get("area_m2") or None
        existing = residents.household(household_id)
        if existing is None or (area is not None and existing.area_m2 != schema.area_m2(area)):
            residents.stage_household(batch, household_id, area, new=None)
    report.households += batch.savepoint() - before
    person = None
    if row.get("name") or row.get("person"):
        before = batch.savepoint()
        person = _stage_person(residents, batch, household_id, row)
        report.persons += batch.savepoint() - before
    if row.get("plate"):
        before = batch.savepoint()
        with _refusals():
            residents.stage_vehicle(batch, str(row["plate"]), household_id, None if person is None else person.id)
        report.vehicles += batch.savepoint() - before


def _import_staff_row(residents: Residents, batch: Batch, row: dict[str, Any], report: ImportReport) -> None:
    """A member of staff: found by the person column, else by name among the staff, else by card."""
    for column in ("household", "role", "plate"):
        if row.get(column):
            raise RowError(column, "a member of staff (a row with a department) has no household, role or car")
    if not (row.get("name") or row.get("person")):
        raise RowError("name", "required for a member of staff")
    fields = _person_fields(None, row)
    fields.update(kind=KIND_STAFF, department=row["department"])
    if row.get("position"):  # an empty cell leaves what is on record
        fields["position"] = row["position"]
    before = batch.savepoint()
    existing = _match(residents, None, row, fields.get("cards", ""))
    with _refusals():
        residents.stage_person(batch, None if existing is None else existing.id, fields)
    report.persons += batch.savepoint() - before


def _household_id(row: dict[str, Any]) -> str:
    """``1-2-0601``, or ``0601`` with the building and unit columns."""
    text = str(row.get("household") or "")
    building, unit = str(row.get("building") or ""), str(row.get("unit") or "")
    if not text:
        raise RowError("household", "required")
    if "-" not in text:
        if not (building and unit):
            raise RowError("household", f"{text!r} is a room number; give the building and unit columns too, "
                                        "or write the household as <building>-<unit>-<floor><room>")
        text = f"{building}-{unit}-{text}"
    try:
        household_id = schema.household_id(text)
    except vol.Invalid as err:
        raise RowError("household", str(err)) from None
    parts = household_id.split("-")
    for column, value, part in (("building", building, parts[0]), ("unit", unit, parts[1])):
        if value and value.upper() != part:
            raise RowError(column, f"{value} does not match household {household_id}")
    return household_id


def _stage_person(residents: Residents, batch: Batch, household_id: str, row: dict[str, Any]) -> Person:
    fields = _person_fields(household_id, row)
    existing = _match(residents, household_id, row, fields.get("cards", ""))
    with _refusals():
        if existing is None:
            return residents.stage_person(batch, None, fields)
        return residents.stage_person(batch, existing.id, {k: v for k, v in fields.items() if k != "kind"})


def _person_fields(household_id: str | None, row: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {} if household_id is None else {"household": household_id}
    if row.get("name"):
        fields["name"] = row["name"]
    role = str(row.get("role") or "")
    if role:
        fields["role"] = ROLE_NAMES.get(role, role.lower())
    for name in PERSONAL_FIELDS:
        value = str(row.get(name) or "")
        if value and "*" not in value:  # a masked value from an export leaves what is on record
            fields[name] = value
    card = row.get("card")
    if isinstance(card, int):
        if len(str(card)) < 9:
            raise RowError("card", "the cell is a number, so a card's leading zeros may be lost; "
                                   "format the column as text")
        card = f"{card:010d}"
    if card:
        fields["cards"] = card
    return fields


def _match(residents: Residents, household_id: str | None, row: dict[str, Any], cards: str) -> Person | None:
    if row.get("person"):
        try:
            person_id = schema.person_id(row["person"])
        except vol.Invalid as err:
            raise RowError("person", str(err)) from None
        person = residents.person(person_id)
        if person is None:
            raise RowError("person", f"no person {person_id} on record (leave the column empty for a new person)")
        return person
    found = residents.person_named(household_id, str(row.get("name") or "").strip())
    if found is None and cards:
        with _refusals("card"):
            found = next(filter(None, (residents.person_by_uid(int(c, 16)) for c in schema.cards(cards))), None)
    return found


@contextmanager
def _refusals(column: str | None = None) -> Iterator[None]:
    """Turn a refusal (``field: what``) into the row's error, naming the sheet's column."""
    try:
        yield
    except vol.Invalid as err:
        raise RowError(column, str(err)) from None
    except ResidentsError as err:
        text = str(err)
        found = _FIELD.match(text)
        if found is None:
            raise RowError(column, text) from None
        raise RowError(_COLUMN_OF.get(found.group(1), found.group(1)), text[found.end():]) from None
