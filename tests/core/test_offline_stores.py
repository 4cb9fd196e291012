"""The commands that open the recorder or a ledger without the hub (``xiaoqu audit verify``,
``user``, ``residents import``, ``cards report``, ``attendance export``) find the site's stores
where the hub keeps them: with ``xiaoqu: database:`` the site's schema on that server, read
after a hub wrote there; without it the SQLite files in the data dir (core/cli/site.py).

Each test runs on both; the PostgreSQL run has a schema of its own, dropped after, and is
skipped with the reason where no server answers (tests/fixtures_postgresql.py). The commands
run in a process of their own, as the office runs them: the test's hub placed its stores in
this one, and a command must find them from its config alone."""
from __future__ import annotations

import contextlib
import csv
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_postgresql import Place, place_on
from tests.integrations.attendance.conftest import OFFICE_CARD, at
from tests.integrations.attendance.conftest import config as attendance_config
from tests.integrations.attendance.conftest import site as attendance_site
from tests.integrations.cards.conftest import Estate, populate
from tests.integrations.cards.conftest import config as cards_config
from tests.integrations.cards.test_report_command import spend
from tests.integrations.residents.sample import CONFIG as RESIDENTS_CONFIG
from xiaoqu.core.auth import audit
from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.const import DEFAULT_DATA_DIR, RECORDER_FILE
from xiaoqu.core.recorder_backends import backend_for
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations.cards import get_cards

BACKENDS = ("sqlite", "postgresql")
OFFICE = Actor("api", "office", "u1", "10.0.0.5")


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    """Where the site's stores go: ``place.core`` is the ``xiaoqu:`` section that puts them there."""
    with place_on(request.param, tmp_path, RECORDER_FILE) as where:
        yield where


def files(tmp_path: Path) -> set[str]:
    """The recorder's and the ledgers' files the site left in its folder."""
    return {path.name for pattern in (f"{RECORDER_FILE}", "*_ledger.db") for path in tmp_path.rglob(pattern)}


def stored(place: Place, tmp_path: Path, expected: set[str]) -> None:
    """The stores are in the files ``expected`` on SQLite, and none is in the data dir on PostgreSQL."""
    assert files(tmp_path) == (expected if place.database is None else set())


@contextlib.contextmanager
def records(place: Place, tmp_path: Path) -> Iterator[Any]:
    """A connection to the site's records, wherever they are (SQL with ``?`` marks, on SQLite)."""
    if place.database is None:
        connection: Any = sqlite3.connect(tmp_path / DEFAULT_DATA_DIR / RECORDER_FILE)
    else:
        import psycopg
        connection = psycopg.connect(place.database.url, autocommit=True)
        connection.execute(f'SET search_path TO "{place.database.schema}"')
    with contextlib.closing(connection):
        yield connection
        connection.commit()


def audited(place: Place, tmp_path: Path, act: str) -> list[dict[str, Any]]:
    import json

    mark = "?" if place.database is None else "%s"
    with records(place, tmp_path) as connection:
        rows = connection.execute(f"SELECT data FROM records WHERE kind = {mark} ORDER BY seq", (audit.KIND,)).fetchall()
    return [data for data in (json.loads(row[0]) for row in rows) if data["act"] == act]


def command(*args: str) -> subprocess.CompletedProcess[str]:
    """``xiaoqu ARGS`` in a process of its own; its status, output and errors."""
    return subprocess.run([sys.executable, "-m", "xiaoqu.core.cli", *args], capture_output=True, text=True,
                          timeout=300, check=False)


def done(*args: str) -> str:
    """``xiaoqu ARGS``, which must succeed; what it printed."""
    ran = command(*args)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


async def test_audit_verify_checks_what_the_hub_and_a_command_recorded_and_names_an_edit(
    place: Place, tmp_path: Path, clock: ManualClock
) -> None:
    site = {"xiaoqu": place.core}
    async with running_hub(tmp_path, site, clock=clock) as hub:
        for attempt in range(3):
            get_auth(hub).manager.audit.record(audit.LOGIN, OFFICE, attempt=attempt)
    config = str(tmp_path / "config.yaml")
    done("user", "add", "gate", "--role", "guard", "-c", config)  # no hub: on the stores, the chain goes on
    assert done("audit", "verify", "-c", config).startswith("audit log intact: 4 records from ")
    assert [data["attempt"] for data in audited(place, tmp_path, audit.LOGIN)] == [0, 1, 2]
    assert [data["user"] for data in audited(place, tmp_path, "user_added")] == ["gate"]
    stored(place, tmp_path, {RECORDER_FILE})

    with records(place, tmp_path) as connection:  # an edit behind the hub's back
        if place.database is None:
            connection.execute("UPDATE records SET data = json_set(data, '$.by', 'nobody') "
                               "WHERE seq = (SELECT min(seq) FROM records WHERE kind = 'audit')")
        else:
            connection.execute("""UPDATE records SET data = jsonb_set(data::jsonb, '{by}', '"nobody"')::text
                                  WHERE seq = (SELECT min(seq) FROM records WHERE kind = 'audit')""")
    broken = command("audit", "verify", "-c", config)
    assert broken.returncode == 1
    assert "(login by nobody, " in broken.stdout and "its hash does not match its contents" in broken.stdout
    assert "audit log broken: 1 breaks in 4 records" in broken.stdout


def test_audit_verify_says_where_it_looked_when_no_hub_wrote_there(tmp_path: Path) -> None:
    with place_on("postgresql", tmp_path) as place:
        assert place.database is not None
        nothing = command("audit", "verify", "-c", str(write_config(tmp_path, {"xiaoqu": place.core})))
        where = backend_for(place.path, place.database)  # the server and the schema, never a password
        assert str(where).endswith(f" schema {place.database.schema}")
        assert (nothing.returncode, nothing.stderr) == (1, f"error: no records in {where}: no hub has written there yet\n")
    nothing = command("audit", "verify", "-c", str(write_config(tmp_path, {})))
    assert (nothing.returncode, nothing.stderr) == (1, f"error: no recorder file at "
                                                       f"{tmp_path / DEFAULT_DATA_DIR / RECORDER_FILE}\n")


async def test_residents_import_records_its_audit_where_the_hub_reads_it(
    place: Place, tmp_path: Path, clock: ManualClock
) -> None:
    site = {**RESIDENTS_CONFIG, "xiaoqu": place.core}
    config = write_config(tmp_path, site)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("房号,楼栋,单元,姓名,身份\n0601,1,2,王芳,业主\n", encoding="utf-8-sig")
    done("residents", "import", str(sheet), "-c", str(config))  # no hub: on the stores
    async with running_hub(tmp_path, site, clock=clock) as hub:
        (record,) = await hub.recorder.query("audit", where={"act": "residents_imported"})
        assert (record.data["rows"], record.data["source"]) == (1, "cli")
    stored(place, tmp_path, {RECORDER_FILE})


async def test_cards_report_reads_the_ledger_the_hub_wrote(place: Place, tmp_path: Path, clock: ManualClock) -> None:
    site = {**cards_config(), "xiaoqu": place.core}
    async with running_hub(tmp_path, site, clock=clock) as hub:
        await spend(Estate(hub, clock, get_cards(hub), await populate(hub)))
    out = tmp_path / "balances.csv"
    done("cards", "report", "balances", "-o", str(out), "-c", str(tmp_path / "config.yaml"))  # no hub: on the stores
    lines = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert sum(int(line["balance_fen"]) for line in lines) == 3000 + 1500 - 1200 + 700
    assert [data["kind"] for data in audited(place, tmp_path, "cards_report_exported")] == ["balances"]
    stored(place, tmp_path, {RECORDER_FILE, "cards_ledger.db"})


async def test_attendance_export_reads_the_punches_the_hub_recorded(place: Place, tmp_path: Path) -> None:
    async with attendance_site(tmp_path, at(2026, 10, 12, 0, 0), xiaoqu=place.core) as s:
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 8, 47))
        await s.punch(OFFICE_CARD, at(2026, 10, 12, 17, 40))
        office = s.people["王芳"]
    out = tmp_path / "office.csv"
    done("attendance", "export", "--month", "2026-10", "--person", office, "-o", str(out),
         "-c", str(tmp_path / "config.yaml"))  # no hub: on the stores
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 1 + 32 and rows[12][5] == "late 12"
    stored(place, tmp_path, {RECORDER_FILE})


@pytest.mark.parametrize("args", [
    ["user", "list"], ["residents", "export", "-o", "residents.csv"], ["cards", "report", "balances"],
    ["attendance", "export", "--month", "2026-10", "--team", "office"],
], ids=lambda args: " ".join(args[:2]))
def test_a_database_that_does_not_answer_is_one_line_naming_it(args: list[str], tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = {**attendance_config(), "xiaoqu": {"site": "offline", "database": f"postgresql://root@127.0.0.1:{port}/test"}}
    ran = command(*args, "-c", str(write_config(tmp_path, site)))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert f"error: cannot open postgresql://127.0.0.1:{port}/test schema xiaoqu_offline: connection failed" in ran.stderr
    assert files(tmp_path) == set()
