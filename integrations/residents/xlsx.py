"""Reading the first worksheet of an .xlsx file, fast: the cells' values and nothing else.

openpyxl (which writes our exports) reads 30,000 rows of twelve columns in 6-10 s on these
machines, most of it building cell objects and styles an import never looks at; the issue
gives the whole import 10 s. An .xlsx file is a zip of XML, and the values are all an import
needs, so this walks the sheet's XML with the standard library's C parser (iterparse),
resolving shared strings and inline strings, in a fraction of that.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree

_MAIN: Final = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL: Final = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL: Final = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL, _ROW, _VALUE, _TEXT, _INLINE, _RUN = (f"{_MAIN}{tag}" for tag in ("c", "row", "v", "t", "is", "r"))
_INTEGER: Final = re.compile(r"-?[0-9]+")
_COLUMN: Final = re.compile(r"[A-Z]+")
#: The most cells a row may have before the file is thought broken (XFD is column 16,384).
MAX_COLUMNS: Final = 16_384


def _text(element: ElementTree.Element) -> str:
    """A string item's text: its plain text and its rich-text runs, phonetic guides left out."""
    parts = []
    for child in element:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == _RUN:
            parts.append(child.findtext(_TEXT) or "")
    return "".join(parts)


def _first_sheet(book: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    sheet = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        raise ValueError("the workbook has no worksheet")
    rel_id = sheet.get(f"{_REL}id")
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    raise ValueError(f"the workbook names sheet {rel_id!r}, which it does not contain")


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    try:
        data = book.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings = []
    with data:
        for _event, element in ElementTree.iterparse(data):
            if element.tag == f"{_MAIN}si":
                strings.append(_text(element))
                element.clear()
    return strings


def _column(reference: str | None, default: int) -> int:
    if not reference:
        return default
    letters = _COLUMN.match(reference)
    if letters is None:
        return default
    index = 0
    for letter in letters.group():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _value(cell: ElementTree.Element, strings: list[str]) -> Any:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return None if inline is None else _text(inline)
    raw = cell.findtext(_VALUE)
    if not raw:  # empty, or a formula saved without its value (openpyxl writes them so)
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind == "b":
        return raw == "1"
    if kind in ("str", "e"):
        return raw
    if _INTEGER.fullmatch(raw):
        return int(raw)  # exactly: a long number is not rounded through a float
    try:
        number = float(raw)
    except ValueError:  # a damaged number cell: its text, for the importer to refuse in its row
        return raw
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def read_rows(path: Path) -> Iterator[list[Any]]:
    """The first worksheet's rows as lists of values (None for an empty cell), in order."""
    with zipfile.ZipFile(path) as book:
        strings = _shared_strings(book)
        with book.open(_first_sheet(book)) as sheet:
            expected_row = 1
            for _event, element in ElementTree.iterparse(sheet):
                if element.tag != _ROW:
                    continue
                number = int(element.get("r") or expected_row)
                for _missing in range(expected_row, number):
                    yield []
                expected_row = number + 1
                values: list[Any] = []
                for cell in element.iter(_CELL):
                    column = _column(cell.get("r"), len(values))
                    if column >= MAX_COLUMNS:
                        raise ValueError(f"row {number} has a cell beyond column {MAX_COLUMNS}")
                    values.extend([None] * (column - len(values)))
                    values.append(_value(cell, strings))
                element.clear()
                yield values
