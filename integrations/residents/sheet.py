"""The office's sheet: one row per person (or per empty flat), CSV or Excel, English or Chinese headers.

    household | building | unit | area_m2 | name | role | phone | id_number | card | face_id | plate | person
    房号      | 楼栋     | 单元 | 面积    | 姓名 | 身份 | 电话  | 证件号    | 卡号 | 人脸    | 车牌  | 人员编号

and, for the property's own staff, ``department | position`` (``部门 | 职位``): a row with a
department is a member of staff, who has no household.

Reading gives each row as ``{field: text}`` with its row number, the header it had, and
nothing interpreted yet (:mod:`.importer` does that); writing takes the same shape. A
number cell is turned into its digits; a card typed as a short number has lost its
leading zeros, which the importer says.

What is written is text only: the office opens exports in Excel or WPS, and a name such as
``=HYPERLINK(...)`` must not run there (the core's :mod:`xiaoqu.core.spreadsheet` writers, which
every export shares). A written file is readable by the hub's user only.
"""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from xiaoqu.core.spreadsheet import csv_value, write_csv, write_xlsx
from xiaoqu.core.storage import open_private
from xiaoqu.core.validation import did_you_mean

from .xlsx import read_rows

#: Each field with its English and Chinese header, in the order an export writes them.
COLUMNS: Final = {
    "person": ("person", "人员编号"),
    "household": ("household", "房号"),
    "building": ("building", "楼栋"),
    "unit": ("unit", "单元"),
    "area_m2": ("area_m2", "面积"),
    "name": ("name", "姓名"),
    "role": ("role", "身份"),
    "phone": ("phone", "电话"),
    "id_number": ("id_number", "证件号"),
    "card": ("card", "卡号"),
    "face_id": ("face_id", "人脸"),
    "plate": ("plate", "车牌"),
}
#: The staff's columns: read, never exported (an export lists households and their residents).
STAFF_COLUMNS: Final = {
    "department": ("department", "部门"),
    "position": ("position", "职位"),
}
#: A sheet has at least one of these columns: households, or staff by department.
REQUIRED: Final = ("household", "department")
_READ: Final = {**COLUMNS, **STAFF_COLUMNS}
_BY_HEADER: Final = {header.casefold(): name for name, headers in _READ.items() for header in headers}
#: A sheet's rows at most (a community of 10,000 flats has some 30,000 people).
MAX_ROWS: Final = 500_000
SUFFIXES: Final = (".csv", ".xlsx")


class SheetError(ValueError):
    """A file that is not a sheet the importer can read; the message names the file and what is wrong."""


@dataclass(slots=True)
class Sheet:
    """The rows of one file: ``(row number, {field: text})`` and each field's header as written."""

    path: Path
    headers: dict[str, str]
    rows: list[tuple[int, dict[str, str | int]]] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.headers.get(name, name)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _card_cell(value: Any) -> str | int:
    """A card in a number cell stays a number: whether it lost leading zeros is the importer's to say."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else _cell(value)


def _columns(path: Path, header: Sequence[Any]) -> list[str | None]:
    names: list[str | None] = []
    for text in (_cell(cell) for cell in header):
        if not text:
            names.append(None)
            continue
        name = _BY_HEADER.get(text.casefold())
        if name is None:
            known = [h for headers in _READ.values() for h in headers]
            raise SheetError(f"{path}:1: column {text!r} is not one the importer knows{did_you_mean(text, known)}; "
                             f"the columns are {', '.join(known)}")
        if name in names:
            raise SheetError(f"{path}:1: column {text!r} names {name}, which an earlier column names too")
        names.append(name)
    if not any(name in names for name in REQUIRED):
        raise SheetError(f"{path}:1: no household column (household / 房号), nor a department column "
                         "(department / 部门) for staff")
    return names


def read_sheet(path: Path, progress: Callable[[int], None] | None = None) -> Sheet:
    """Every row of a .csv or .xlsx file (blocking: run it off the loop)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SheetError(f"{path}: expected a .csv or .xlsx file")
    try:
        lines = _xlsx_lines(path) if suffix == ".xlsx" else _csv_lines(path)
        header = next(lines, None)
        if header is None:
            raise SheetError(f"{path}: the sheet is empty")
        names = _columns(path, header)
        sheet = Sheet(path, {name: _cell(text) for name, text in zip(names, header, strict=False) if name})
        for number, line in enumerate(lines, start=2):
            row = {name: _card_cell(value) if name == "card" else _cell(value)
                   for name, value in zip(names, line, strict=False) if name}
            if any(row.values()):
                sheet.rows.append((number, row))
            if len(sheet.rows) > MAX_ROWS:
                raise SheetError(f"{path}: more than {MAX_ROWS} rows; split the sheet")
            if progress is not None and number % 1000 == 0:
                progress(number)
    except (OSError, UnicodeError, csv.Error) as err:
        raise SheetError(f"{path}: cannot be read: {err}") from None
    except Exception as err:  # openpyxl raises what its parsers raise on a damaged file
        if isinstance(err, SheetError):
            raise
        raise SheetError(f"{path}: not a readable .xlsx file: {type(err).__name__}: {err}") from None
    return sheet


def _csv_lines(path: Path) -> Iterator[list[str]]:
    """UTF-8 (with or without Excel's BOM), else GB18030, as Chinese Excel saves CSV."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return ([csv_value(cell) for cell in line] for line in csv.reader(io.StringIO(text, newline="")))


def _xlsx_lines(path: Path) -> Iterator[Sequence[Any]]:
    return read_rows(path)


def write_sheet(path: Path, rows: Iterable[dict[str, str | None]], *, chinese: bool = False,
                columns: Sequence[str] = tuple(COLUMNS)) -> int:
    """Write ``rows`` with a header row; text cells throughout, so no card loses a leading zero
    and no cell is a formula. The file is 0600: an unmasked export holds every resident's
    personal data. Blocking."""
    header = [COLUMNS[name][1 if chinese else 0] for name in columns]
    return write_table(path, header, ([row.get(name) or "" for name in columns] for row in rows), "residents")


def write_table(path: Path, header: Sequence[str], lines: Iterable[Sequence[Any]], title: str) -> int:
    """Write a header row and ``lines`` to a .csv (UTF-8 with the BOM Excel looks for) or an .xlsx
    file whose one worksheet is called ``title``; return how many lines. Blocking.

    Every export of the office's sheets goes through here (residents, attendance), so they all
    open the same way in Chinese Excel, none holds a formula, and none is readable by others
    (0600: an export may hold personal data). Text stays text; integers stay numbers.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SheetError(f"{path}: expected a .csv or .xlsx file")
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    if suffix == ".xlsx":
        with open(fd, "wb") as file:
            return write_xlsx(file, header, lines, title)
    with open(fd, "w", encoding="utf-8-sig", newline="") as text:  # Excel's BOM: it then reads Chinese right
        return write_csv(text, header, lines)
