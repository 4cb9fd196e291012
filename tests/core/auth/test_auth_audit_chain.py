"""The audit log's hash chain: a record deleted or edited in the file is found and named."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from xiaoqu.core.auth import audit
from xiaoqu.core.auth.audit import Actor, AuditLog
from xiaoqu.core.cli import main
from xiaoqu.core.const import RECORDER_FILE
from xiaoqu.core.recorder import Recorder, read_only
from xiaoqu.core.testing import write_config

OFFICE = Actor("api", "office", "u1", "10.0.0.5")
DAY = 86_400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
async def log(tmp_path):
    """(AuditLog, Recorder, Clock) on a fresh recorder file."""
    clock = Clock()
    recorder = Recorder(tmp_path / "recorder.db", clock=clock)
    await recorder.start()
    audit_log = AuditLog(recorder, timedelta(days=200))
    await audit_log.resume()
    yield audit_log, recorder, clock
    await recorder.stop()


async def _write(audit_log: AuditLog, recorder: Recorder, count: int) -> None:
    for n in range(count):
        audit_log.record(audit.LOGIN, OFFICE, attempt=n, password="secret")
    await recorder.flush()


def _verify(tmp_path) -> audit.Verdict:
    return audit.verify(read_only(tmp_path / "recorder.db", audit.KIND))


def _sql(tmp_path, statement: str, *params) -> None:
    with sqlite3.connect(tmp_path / "recorder.db") as connection:
        connection.execute(statement, params)


async def test_a_chain_of_records_verifies(tmp_path, log) -> None:
    audit_log, recorder, _clock = log
    await _write(audit_log, recorder, 5)
    verdict = _verify(tmp_path)
    assert (verdict.breaks, verdict.count) == ([], 5)
    assert verdict.first.data["prev"] == audit.GENESIS and verdict.first.data["password"] == audit.REDACTED


async def test_an_edited_record_is_named(tmp_path, log) -> None:
    audit_log, recorder, _clock = log
    await _write(audit_log, recorder, 5)
    _sql(tmp_path, "UPDATE records SET data = json_set(data, '$.by', 'nobody') WHERE seq = 3")
    [found] = _verify(tmp_path).breaks
    assert found.startswith("record seq 3 (login by nobody, ") and found.endswith("its hash does not match its contents")


async def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(tmp_path, log) -> None:
    audit_log, recorder, _clock = log
    await _write(audit_log, recorder, 5)
    [record] = [r for r in read_only(tmp_path / "recorder.db", audit.KIND) if r.seq == 3]
    forged = {**record.data, "by": "nobody"}
    forged["hash"] = audit.record_hash(record.subject, record.time, forged)
    _sql(tmp_path, "UPDATE records SET data = json(?) WHERE seq = 3", audit.json.dumps(forged))
    assert _verify(tmp_path).breaks == ["record seq 4: follows a record that is missing or changed"]


async def test_a_deleted_record_is_found(tmp_path, log) -> None:
    audit_log, recorder, _clock = log
    await _write(audit_log, recorder, 5)
    _sql(tmp_path, "DELETE FROM records WHERE seq = 3")
    assert _verify(tmp_path).breaks == ["record seq 4: follows a record that is missing or changed"]


async def test_purging_the_oldest_keeps_the_rest_verifiable(tmp_path, log) -> None:
    audit_log, recorder, clock = log
    await _write(audit_log, recorder, 3)
    clock.now += 100 * DAY
    await _write(audit_log, recorder, 3)
    clock.now += 150 * DAY
    assert await recorder.purge() == 3
    verdict = _verify(tmp_path)
    assert (verdict.breaks, verdict.count, verdict.first.seq) == ([], 3, 4)
    assert verdict.first.data["prev"] != audit.GENESIS


async def test_a_restart_continues_the_chain(tmp_path, log) -> None:
    audit_log, recorder, clock = log
    await _write(audit_log, recorder, 2)
    await recorder.stop()
    recorder = Recorder(tmp_path / "recorder.db", clock=clock)
    await recorder.start()
    try:
        resumed = AuditLog(recorder)
        await resumed.resume()
        await _write(resumed, recorder, 2)
    finally:
        await recorder.stop()
    verdict = _verify(tmp_path)
    assert (verdict.breaks, verdict.count) == ([], 4)


def test_xiaoqu_audit_verify(tmp_path, capsys) -> None:
    config = str(write_config(tmp_path, {"xiaoqu": {"site": "chain_test"}}))
    assert main(["user", "add", "gate", "--role", "guard", "-c", config]) == 0
    assert main(["user", "remove", "gate", "-c", config]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "-c", config]) == 0
    assert capsys.readouterr().out.startswith("audit log intact: 2 records from ")

    [path] = tmp_path.rglob(RECORDER_FILE)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE records SET data = json_set(data, '$.user', 'x') WHERE kind = 'audit'")
    assert main(["audit", "verify", "-c", config]) == 1
    out = capsys.readouterr().out
    assert "user_added by cli:" in out and "audit log broken: 2 breaks in 2 records" in out
