"""The simulated estate as the property office's residents sheet (docs/residents.md), so the
demo's people are imported the way a real office imports them: ``xiaoqu residents import``.

    xiaoqu simulator sheet -c config.yaml -o estate.xlsx

One row per resident: the first of a household is its owner, the others family; each
resident's card UID and face id; the household's cars beside its first residents (a car
more than residents gets a row of its own); then the property's staff, by department and
post, with no household. The floor area follows the room (the estate draws none), so
billing has figures to work on.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from .estate import Estate, build_estate

HEADER: Final = ("household", "building", "unit", "area_m2", "name", "role", "card", "face_id", "plate",
                  "department", "position")
#: Floor areas by room number (01, 02, ...), in m².
AREAS: Final = ("89.50", "120.00", "105.30", "76.80")


def rows(estate: Estate) -> Iterator[tuple[str, ...]]:
    for home in estate.households:
        area = AREAS[(int(home.id[-2:]) - 1) % len(AREAS)]
        base = (home.id, str(home.building), str(home.unit), area)
        for index, resident in enumerate(home.residents):
            plate = home.vehicles[index] if index < len(home.vehicles) else ""
            yield (*base, resident.name, "owner" if index == 0 else "family", resident.card, resident.face_id, plate,
                   "", "")
        for plate in home.vehicles[len(home.residents):]:
            yield (*base, "", "", "", "", plate, "", "")
    for member in estate.staff:
        yield ("", "", "", "", member.name, "", member.card, member.face_id, "", member.department, member.position)


def write_sheet(estate: Estate, path: Path) -> int:
    """Write the estate's residents to ``path`` (.xlsx or .csv, text cells); the number of rows."""
    lines = list(rows(estate))
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("residents")
        for line in (HEADER, *lines):
            sheet.append(line)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            csv.writer(file).writerows((HEADER, *lines))
    return len(lines)


def estate_of(config: dict[str, Any]) -> Estate:
    """The estate the simulator builds for this (validated) ``simulator:`` section."""
    return build_estate(config, random.Random(config["seed"]))


def register(subparsers: argparse._SubParsersAction) -> None:
    from xiaoqu.core.cli import add_config_option

    parser = subparsers.add_parser("simulator", help="the simulated community",
                                   description="The simulated community.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    command = group.add_parser("sheet", help="write the estate's residents as the office's sheet",
                               description="Write the estate's residents as a sheet `xiaoqu residents import` reads.")
    add_config_option(command)
    command.add_argument("-o", "--output", type=Path, default=Path("estate.xlsx"),
                         help="the file to write, .xlsx or .csv (default: estate.xlsx)")
    command.set_defaults(func=_sheet)


def _sheet(args: argparse.Namespace) -> int:
    from xiaoqu.core import config as conf

    from .schema import CONFIG_SCHEMA

    section, errors = conf.load_config(args.config).validate("simulator", CONFIG_SCHEMA)
    if errors or not isinstance(section, dict):
        print(f"error: cannot use {args.config}: " + "; ".join(str(e) for e in errors), file=sys.stderr)
        return 1
    estate = estate_of(section)
    count = write_sheet(estate, args.output)
    print(f"{args.output}: {count} rows ({estate.summary()})")
    return 0
