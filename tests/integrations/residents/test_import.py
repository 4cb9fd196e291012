"""The office's sheet in and out: CSV and Excel, English and Chinese headers, bad rows named by
file, row and column, re-imports that update and never duplicate, through a running hub or not."""
from __future__ import annotations

import asyncio
import csv
import random
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.integrations.residents.sample import CONFIG, ID_NUMBER, KEY
from xiaoqu.core.auth.control import socket_path
from xiaoqu.core.cli import main
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.residents.commands import COMMAND_IMPORT, open_commands
from xiaoqu.integrations.residents.importer import MAX_ERROR_LENGTH, MAX_ERRORS
from xiaoqu.integrations.residents.sheet import SheetError, read_sheet
from xiaoqu.integrations.simulator.estate import build_estate
from xiaoqu.integrations.simulator.schema import CONFIG_SCHEMA as SIMULATOR_SCHEMA
from xiaoqu.integrations.simulator.sheet import write_sheet as write_estate

CHINESE = ["房号", "楼栋", "单元", "面积", "姓名", "身份", "电话", "证件号", "卡号", "人脸", "车牌"]
ROWS = [
    ["0601", "1", "2", "89.5", "王芳", "业主", "13812345678", ID_NUMBER, "04A2B3C4", "P000012", "沪A12345"],
    ["0601", "1", "2", "", "王小明", "家属", "", "", "0077771717", "", ""],
    ["0602", "1", "2", "120", "", "", "", "", "", "", "沪A54321"],
]


def _csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as file:
        csv.writer(file).writerows([header, *rows])
    return path


def _xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    book = Workbook()
    sheet = book.active
    for line in (header, *rows):
        sheet.append(line)
    book.save(path)
    return path


async def _import(data_dir: Path, path: Path, **options) -> dict:
    async with open_commands(data_dir, {"encryption_key": [KEY]}) as commands:
        return await commands.call(COMMAND_IMPORT, path=str(path), **options)


async def test_a_chinese_csv_goes_in_and_a_second_import_changes_nothing(tmp_path, clock) -> None:
    sheet = _csv(tmp_path / "住户.csv", CHINESE, ROWS, encoding="gb18030")
    first = await _import(tmp_path / "data", sheet)
    assert (first["rows"], first["error_count"], first["written"]) == (3, 0, True)
    again = await _import(tmp_path / "data", sheet)
    assert (again["unchanged"], again["persons"], again["households"]) == (3, 0, 0)
    write_config(tmp_path, {**CONFIG, "xiaoqu": {"data_dir": str(tmp_path / "data")}})
    async with running_hub(tmp_path, {**CONFIG, "xiaoqu": {"data_dir": str(tmp_path / "data")}}, clock=clock) as hub:
        residents = get_residents(hub)
        owner = residents.person_by_card("162,46020")
        assert (owner.name, owner.role, owner.household) == ("王芳", "owner", "1-2-0601")
        assert residents.reveal(owner.id, "id_number", None) == ID_NUMBER
        assert residents.person_by_face("P000012") is owner
        assert [p.name for p in residents.persons_of("1-2-0601")] == ["王芳", "王小明"]
        assert residents.household("1-2-0602").area_m2 == "120.00" and residents.persons_of("1-2-0602") == []
        assert residents.vehicle("沪A54321").person is None and residents.vehicle("沪A12345").person == owner.id


async def test_bad_rows_are_named_and_the_good_ones_go_in(tmp_path) -> None:
    rows = [
        ROWS[0],
        ["0601", "1", "3", "", "张三", "业主", "", "", "", "", ""],  # 1-3-0601
        ["1-2-0603", "", "", "", "李四", "老板", "", "", "", "", ""],
        ["1-2-0604", "", "", "", "赵五", "业主", "138", "", "", "", ""],
        ["1-2-0605", "", "", "", "钱六", "业主", "", "", "14A2B3C4", "", ""],
        ["1-2-0606", "", "", "", "孙七", "业主", "", "110105194912310021", "", "", ""],
        ["0607", "", "", "", "周八", "业主", "", "", "", "", ""],
        ["1-2-0608", "", "", "abc", "吴九", "业主", "", "", "", "", ""],
    ]
    sheet = _csv(tmp_path / "sheet.csv", CHINESE, rows)
    report = await _import(tmp_path / "data", sheet)
    assert report["errors"] == [
        "sheet.csv:4: 身份: expected owner, tenant, family",
        "sheet.csv:5: 电话: expected a phone number: 5 to 20 digits, perhaps after a +",
        "sheet.csv:6: 卡号: card 14A2B3C4 clashes with card 04A2B3C4 of P000001 on its Wiegand-26 number (162,46020)",
        "sheet.csv:7: 证件号: expected a resident ID number whose last character is its check digit; "
        "this one does not match (a digit mistyped?)",
        "sheet.csv:8: 房号: '0607' is a room number; give the building and unit columns too, "
        "or write the household as <building>-<unit>-<floor><room>",
        "sheet.csv:9: 面积: expected an area in m² such as 89.50, not 'abc'",
    ]
    assert (report["rows"], report["error_count"], report["written"]) == (8, 6, True)
    assert "'138'" not in " ".join(report["errors"])  # a phone number is never echoed

    nothing = await _import(tmp_path / "other", sheet, all_or_nothing=True)
    assert (nothing["written"], nothing["error_count"]) == (False, 6)
    assert (await _import(tmp_path / "other", _csv(tmp_path / "ok.csv", CHINESE, ROWS)))["error_count"] == 0


def test_a_sheet_that_is_not_one_is_refused_with_the_reason(tmp_path) -> None:
    from xiaoqu.integrations.residents.sheet import SheetError

    with pytest.raises(SheetError, match=r"sheet.csv:1: column 'hosehold' is not one the importer knows "
                                         r"\(did you mean 'household'\?\)"):
        read_sheet(_csv(tmp_path / "sheet.csv", ["hosehold", "name"], []))
    with pytest.raises(SheetError, match=r"no household column \(household / 房号\)"):
        read_sheet(_csv(tmp_path / "sheet.csv", ["name"], []))
    with pytest.raises(SheetError, match="expected a .csv or .xlsx file"):
        read_sheet(tmp_path / "sheet.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(SheetError, match="broken.xlsx: not a readable .xlsx file"):
        read_sheet(tmp_path / "broken.xlsx")


async def test_an_excel_sheet_with_number_cells_and_an_export_read_back(tmp_path, clock) -> None:
    header = ["household", "name", "role", "phone", "card", "area_m2"]
    rows = [["3-1-1202", "陈静", "owner", 13912345678, 77771716, 95.25],  # a card typed as a number
            ["3-1-1202", "陈晨", "family", None, 4077771716, None]]
    report = await _import(tmp_path / "data", _xlsx(tmp_path / "s.xlsx", header, rows))
    assert report["errors"] == ["s.xlsx:2: card: the cell is a number, so a card's leading zeros may be lost; "
                                "format the column as text"]
    config = {**CONFIG, "xiaoqu": {"data_dir": str(tmp_path / "data")}}
    async with running_hub(tmp_path, config, clock=clock) as hub:
        assert get_residents(hub).person_by_uid(4077771716).name == "陈晨"
    write_config(tmp_path, config)
    export = ["residents", "export", "-c", str(tmp_path / "config.yaml"), "-o", str(tmp_path / "out.xlsx")]
    assert await asyncio.to_thread(main, export) == 0
    exported = read_sheet(tmp_path / "out.xlsx")
    assert [row["name"] for _n, row in exported.rows] == ["陈晨"]
    assert exported.rows[0][1]["card"] == f"{4077771716:08X}" == "F30DDBC4"
    again = await _import(tmp_path / "data", tmp_path / "out.xlsx")
    assert (again["unchanged"], again["error_count"]) == (1, 0)


async def test_the_command_goes_through_the_running_hub(tmp_path, clock, capsys) -> None:
    config = {**CONFIG, "xiaoqu": {"data_dir": str(tmp_path / "data")}}
    config_file = write_config(tmp_path, config)
    sheet = _csv(tmp_path / "sheet.csv", CHINESE, ROWS)
    async with running_hub(tmp_path, config, clock=clock) as hub:
        assert socket_path(tmp_path / "data").exists()
        heard = []
        get_residents(hub).listen(heard.append)
        status = await asyncio.to_thread(main, ["residents", "import", str(sheet), "-c", str(config_file)])
        assert status == 0
        assert get_residents(hub).person_by_card("04A2B3C4").name == "王芳"  # live at once
        assert len(heard) == 6
        await hub.recorder.flush()
        (record,) = await hub.recorder.query("audit", where={"act": "residents_imported"})
        assert (record.data["rows"], record.data["source"]) == (3, "cli")
        assert record.data["by"].startswith("cli:")  # the OS user, as the kernel names them
    assert "sheet.csv: 3 rows" in capsys.readouterr().out


def test_the_simulators_estate_is_imported_as_an_office_would(tmp_path) -> None:
    config = SIMULATOR_SCHEMA({"buildings": 2, "floors": 3})
    estate = build_estate(config, random.Random(config["seed"]))
    assert write_estate(estate, tmp_path / "estate.xlsx") == len(estate.residents) + len(estate.staff) + sum(
        max(0, len(h.vehicles) - len(h.residents)) for h in estate.households)
    report = asyncio.run(_import(tmp_path / "data", tmp_path / "estate.xlsx"))
    assert (report["error_count"], report["persons"]) == (0, len(estate.residents) + len(estate.staff))


async def test_thousands_of_bad_rows_through_the_running_hub_are_listed_then_counted(tmp_path, clock, capsys) -> None:
    """2,000 bad rows make a report well over a request's 64 KiB line: the command line reads
    it, lists the first 1,000 (each cut to a bounded length) and counts the rest."""
    config = {**CONFIG, "xiaoqu": {"data_dir": str(tmp_path / "data")}}
    config_file = write_config(tmp_path, config)
    bad = [["楼" * 2_000, "坏", "1391234567X", "11010519491231002Y", "owner"]] * 2_000  # the error quotes the cell
    sheet = _csv(tmp_path / "bad.csv", ["household", "name", "phone", "id_number", "role"],
                 [["1-1-0101", "好人", "13912345678", ID_NUMBER, "owner"], *bad])
    async with running_hub(tmp_path, config, clock=clock) as hub:
        status = await asyncio.to_thread(main, ["residents", "import", str(sheet), "-c", str(config_file)])
        assert [p.name for p in get_residents(hub).persons()] == ["好人"]
    out, err = capsys.readouterr()
    listed = [line for line in err.splitlines() if line.startswith("bad.csv:")]
    assert status == 1 and len(listed) == MAX_ERRORS
    assert {len(line) for line in listed} == {MAX_ERROR_LENGTH} and listed[0].endswith("…")
    assert "... and 1000 more bad rows" in err and "2001 rows" in out and "2000 bad rows left out" in out


async def test_staff_come_in_by_department_without_a_household(tmp_path, clock) -> None:
    header = ["房号", "姓名", "身份", "卡号", "人脸", "部门", "职位"]
    rows = [["1-2-0601", "王芳", "业主", "04A2B3C4", "", "", ""],
            ["", "李强", "", "5A000001", "S000001", "行政部", "文员"],
            ["", "赵勇", "", "5A000002", "", "保安部", ""]]
    sheet = _csv(tmp_path / "名单.csv", header, rows)
    first = await _import(tmp_path / "data", sheet)
    assert (first["error_count"], first["persons"]) == (0, 3)
    assert (await _import(tmp_path / "data", sheet))["unchanged"] == 3
    async with running_hub(tmp_path, {**CONFIG, "xiaoqu": {"data_dir": str(tmp_path / "data")}}, clock=clock) as hub:
        staff = {p.name: p for p in get_residents(hub).persons() if p.kind == "staff"}
    assert {name: (p.household, p.department, p.position, p.cards) for name, p in staff.items()} == {
        "李强": (None, "行政部", "文员", ("5A000001",)), "赵勇": (None, "保安部", None, ("5A000002",))}

    bad = _csv(tmp_path / "bad.csv", ["household", "name", "department"], [["1-2-0601", "钱", "行政部"], ["", "", "保安部"]])
    report = await _import(tmp_path / "data", bad)
    assert report["errors"] == [
        "bad.csv:2: household: a member of staff (a row with a department) has no household, role or car",
        "bad.csv:3: name: required for a member of staff"]
    with pytest.raises(SheetError, match=r"no household column \(household / 房号\), nor a department column"):
        read_sheet(_csv(tmp_path / "sheet.csv", ["name"], []))
