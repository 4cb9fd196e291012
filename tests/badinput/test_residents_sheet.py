"""The office's residents sheet (CSV and .xlsx) with random cells among good rows: the import
never raises, names each bad row as FILE:ROW: column, takes every good row, and its counts add up."""
from __future__ import annotations

import asyncio
import csv
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from tests.badinput.common import EDGE_NUMBERS, bounded
from tests.integrations.residents.sample import KEY
from xiaoqu.integrations.residents.commands import COMMAND_IMPORT, open_commands

HEADER = ["household", "building", "unit", "area_m2", "name", "role", "phone", "id_number", "card", "face_id", "plate"]
#: Text a spreadsheet can hold (no control characters, which .xlsx cannot carry).
CELL_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
CELLS = CELL_TEXT | EDGE_NUMBERS.map(str) | st.sampled_from(
    ["1-2-0601", "0601", "=HYPERLINK(\"x\")", "业主", "owner", "老板", "04A2B3C4", "12345", "-1", "1e999", "NaN",
     "沪A12345", "P000001", "11010519491231002X", "a;b;c", "0" * 300])
BAD_ROWS = st.lists(CELLS, min_size=1, max_size=len(HEADER))
GOOD_ROWS = st.tuples(st.integers(1, 9), st.integers(1, 3), st.integers(1, 30), st.integers(1, 4),
                      st.sampled_from(["王芳", "李四", "Anna Li"])).map(
    lambda g: [f"{g[0]}-{g[1]}-{g[2]:02d}{g[3]:02d}", "", "", "", g[4], "owner"])
ERROR = re.compile(r"^sheet\.(csv|xlsx):(\d+): ")


def _write(path: Path, rows: list[list[Any]]) -> None:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as file:
            csv.writer(file).writerows([HEADER, *rows])
        return
    book = Workbook()
    sheet = book.active
    for line in (HEADER, *rows):
        sheet.append(line)
    book.save(path)


async def _import(data_dir: Path, path: Path) -> dict[str, Any]:
    async with open_commands(data_dir, {"encryption_key": [KEY]}) as commands:
        return await commands.call(COMMAND_IMPORT, path=str(path))


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("sheets"))


@bounded(30)
@given(st.lists(st.tuples(st.booleans(), GOOD_ROWS, BAD_ROWS), min_size=1, max_size=8), st.sampled_from([".csv", ".xlsx"]))
def test_bad_rows_are_named_and_good_rows_go_in(directory: Path, rows: list[tuple[bool, list[str], list[str]]],
                                                suffix: str) -> None:
    lines = [good if is_good else bad for is_good, good, bad in rows]
    path = directory / f"sheet{suffix}"
    _write(path, lines)
    data_dir = directory / "data"
    report = asyncio.run(_import(data_dir, path))

    written = [number for number, line in enumerate(lines, start=2) if any(str(cell).strip() for cell in line)]
    assert report["rows"] == len(written)
    assert report["error_count"] == len(report["errors"]) <= report["rows"]
    named = []
    for error in report["errors"]:
        found = ERROR.match(error)
        assert found, f"not FILE:ROW: {error}"
        named.append(int(found.group(2)))
    good = {number for number, (is_good, _g, _b) in enumerate(rows, start=2) if is_good}
    assert not good & set(named), f"a good row was refused: {report['errors']}"
    assert len(set(named)) == len(named), "one error per bad row"
    again = asyncio.run(_import(data_dir, path))  # every good row is on record: nothing of theirs changes
    assert again["error_count"] == report["error_count"] and again["unchanged"] >= len(good)
