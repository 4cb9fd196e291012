"""The disk full under the recorder and a ledger, and then room again.

The hub's data directory is on a small tmpfs of its own (a real file system that really runs
out: SQLite gets ENOSPC, "database or disk is full"), filled by a file the test then deletes.
What must hold:

- a clear alarm: ``storage_fault`` naming the file, and an error in the log naming it;
- decisions continue: readers are answered while nothing can be written;
- nothing corrupted: both files pass ``PRAGMA integrity_check`` and the ledger balances;
- recovery when space returns: ``storage_recovered``, every decision made meanwhile is in the
  access log, and a post that waited for the disk is committed (nobody was told "ok" before).

Mounting needs root (as the development machines and CI run); elsewhere the test is skipped
with that reason.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.door.conftest import door_site
from xiaoqu.core.clock import Clock
from xiaoqu.core.const import EVENT_STORAGE_FAULT, EVENT_STORAGE_RECOVERED, RECORDER_FILE
from xiaoqu.core.ledger import Ledger
from xiaoqu.integrations.access.const import EVENT_ACCESS_GRANTED, LOG_KIND

DISK_MB = 32
PINS = ("4242", "4343")
WAIT = 20.0  # seconds: a bound for a busy machine, not a figure under test


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0700", "tmpfs", str(mount)],
                            capture_output=True, text=True, check=False)
    if result.returncode:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Take every free byte of ``directory``'s file system; the file that holds them."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    return filler


def integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


async def test_disk_full_raises_the_alarm_decisions_go_on_and_it_recovers(small_disk, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    with BrokerProcess.create(tmp_path / "broker") as broker:  # the broker's files stay off the full disk
        async with door_site(small_disk, broker, clock=Clock("Asia/Shanghai")) as site:
            hub = site.hub
            pins = itertools.cycle(PINS)  # one after the other: none is a repeat the debounce folds
            for pin in PINS:
                await site.issue(pin, "residents")
            alarms: list[tuple[str, dict]] = []
            for event_type in (EVENT_STORAGE_FAULT, EVENT_STORAGE_RECOVERED):
                hub.bus.listen(event_type, lambda event: alarms.append((event.event_type, dict(event.data))))
            granted = []
            hub.bus.listen(EVENT_ACCESS_GRANTED, granted.append)
            assert hub.config.data_dir is not None
            ledger = Ledger(hub.config.data_dir / "faults_ledger.db")
            await ledger.open()
            try:
                await ledger.open_account("cash:desk", floor=None)
                await ledger.open_account("card:1")
                for n in range(20):
                    await ledger.post(f"recharge-{n}", "recharge", [("cash:desk", -500), ("card:1", 500)])

                filler = fill(small_disk)
                recorder_file = str(hub.config.data_dir / RECORDER_FILE)
                waiting = asyncio.get_running_loop().create_task(
                    ledger.post("charge-full", "charge", [("card:1", -300), ("cash:desk", 300)]))
                async with asyncio.timeout(WAIT):  # readers keep coming until the recorder finds the disk full
                    while recorder_file not in {data["file"] for kind, data in alarms if kind == EVENT_STORAGE_FAULT}:
                        answer = await site.present("d1", next(pins))
                        assert answer["granted"] is True, answer
                        await asyncio.sleep(0.01)
                faults = {data["file"]: data["error"] for kind, data in alarms if kind == EVENT_STORAGE_FAULT}
                assert str(ledger.path.absolute()) in faults
                assert all("full" in error for error in faults.values()), faults
                for file in (recorder_file, str(ledger.path.absolute())):
                    assert any(r.getMessage().startswith(f"Storage alarm: cannot write {file} (database or disk is full)")
                               for r in caplog.records), file
                assert not waiting.done()  # no "ok" for money that is not on disk

                for _ in range(20):  # the doors go on deciding, from memory, while nothing is written
                    assert (await site.present("d1", next(pins)))["granted"] is True
                assert hub.recorder.last_error is not None
                assert not waiting.done()

                filler.unlink()  # room again
                async with asyncio.timeout(WAIT):
                    posted = await waiting
                    while {data["file"] for kind, data in alarms if kind == EVENT_STORAGE_RECOVERED} < set(faults):
                        await asyncio.sleep(0.05)
                assert posted.new and ledger.balance("card:1") == 20 * 500 - 300
                await hub.recorder.flush()
                assert await hub.recorder.count(LOG_KIND) == len(granted)  # every decision, none lost
                assert await ledger.verify() == []
            finally:
                await ledger.close()
            print(f"\n{len(faults)} files alarmed: {sorted(Path(f).name for f in faults)}; "
                  f"{len(granted)} decisions, all in the access log; down for "
                  f"{[data['down_for'] for kind, data in alarms if kind == EVENT_STORAGE_RECOVERED]} s")
        assert integrity(Path(recorder_file)) == "ok"
        assert integrity(ledger.path) == "ok"
