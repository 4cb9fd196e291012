"""Writing rows the office opens in Excel or WPS: CSV and .xlsx in which no cell is a formula.

A name such as ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0``, typed by anyone who can reach a
form, must show as text when the office opens an export, never run (OWASP's "CSV injection").
Every export goes through these two writers, whether to a file (the residents' sheet, the
attendance and card reports) or to a browser (the dashboard's downloads), so they are all
defused the same way. They live in the core because both sides use them and neither may import
the other (the dashboard lists no domain among its dependencies; the domains list the dashboard).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO, Final, TextIO

__all__ = ["FORMULA_STARTS", "csv_text", "csv_value", "write_csv", "write_xlsx"]

#: How a CSV cell that Excel or WPS would run as a formula starts.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def write_csv(file: TextIO, header: Sequence[str], lines: Iterable[Sequence[Any]]) -> int:
    """Each cell defused (:func:`csv_text`): a CSV cell has no type, so the text itself must say
    "not a formula". Returns how many lines (the header not counted)."""
    writer = csv.writer(file)
    writer.writerow(header)
    count = 0
    for line in lines:
        writer.writerow([csv_text("" if value is None else str(value)) for value in line])
        count += 1
    return count


def csv_text(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: one starting with ``= + - @``, a tab or
    a carriage return gets a leading ``'``, which Excel and WPS read as "text, not a formula".
    :func:`csv_value` takes the ``'`` off again, so an export reads back to the same values."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_value(text: str) -> str:
    """A CSV cell's text with the ``'`` :func:`csv_text` put before a formula's first character taken off."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def write_xlsx(file: BinaryIO, header: Sequence[str], lines: Iterable[Sequence[Any]], title: str) -> int:
    """An .xlsx workbook of one worksheet called ``title``, every cell but an integer a string:
    a value such as ``=HYPERLINK(...)`` shows as text, never runs. Characters XML cannot hold
    (control characters a form let through) are left out rather than failing the export.
    Returns how many lines (the header not counted)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)

    def text(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # a number is never a formula
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value)))
        cell.data_type = "s"  # WriteOnlyCell takes a leading "=" for a formula
        return cell

    sheet.append([text(value) for value in header])
    count = 0
    for line in lines:
        sheet.append([text(value) for value in line])
        count += 1
    book.save(file)
    return count
