"""The company report's figures, made from a site's billing ledger and recorder on PostgreSQL:
postings of every kind billing makes (bills before, in and after the span, a correction, a
waiver, payments, a refund, credit held paying a bill, a late fee) and access records in and
out of the span, each figure checked against the sum a person would make by hand."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import free_port
from tests.fixtures_postgresql import URL, schema_name, unreachable
from xiaoqu.core.cli import main
from xiaoqu.core.ledger import Database
from xiaoqu.core.ledger_backend import SCHEMA_PREFIX, place
from xiaoqu.core.recorder import Recorder
from xiaoqu.core.recorder_backends import PostgreSQL
from xiaoqu.integrations.billing.books import Books
from xiaoqu.integrations.billing.fees import Line
from xiaoqu.integrations.company.cli import csv_text, table
from xiaoqu.integrations.company.report import Billing, Span, read

MARCH = Span(date(2026, 3, 1), date(2026, 3, 31), "Asia/Shanghai")


class Clock:
    """The books' clock, set to each posting's day (09:00 in Shanghai)."""

    def __init__(self) -> None:
        self.now = 0.0

    def on(self, month: int, day: int) -> None:
        self.now = datetime(2026, month, day, 9, tzinfo=SITE_TZ).timestamp()

    def __call__(self) -> float:
        return self.now


def bill(household: str, period: str, fen: int) -> tuple[str, str, list[Line], dict[str, str]]:
    return f"{period}:{household}", household, [Line("property_fee", "物业费", fen, "test")], {"period": period}


async def post_the_books(books: Books, clock: Clock) -> None:
    clock.on(2, 20)
    await books.issue([bill("1-1-0101", "2026-02", 10_000)])  # before the span, never paid
    clock.on(3, 1)
    await books.issue([bill("1-1-0101", "2026-03", 20_000), bill("1-1-0102", "2026-03", 30_000),
                       bill("1-1-0103", "2026-03", 5_000)])
    clock.on(3, 2)
    await books.correct("c1", "2026-03:1-1-0102", "property_fee", 1_000, {"amount_fen": 1_000})
    clock.on(3, 3)
    await books.waive("w1", "2026-03:1-1-0103", "principal", 5_000, {"amount_fen": 5_000})
    clock.on(3, 5)
    await books.pay("p1", "1-1-0101", "cash", 20_000, [("2026-03:1-1-0101", "principal", 20_000)], 0, {})
    clock.on(3, 6)
    await books.pay("p2", "1-1-0102", "wechat", 31_000, [("2026-03:1-1-0102", "principal", 31_000)], 0, {})
    clock.on(3, 7)
    await books.refund("p2", {"reason": "paid twice"})
    clock.on(3, 8)
    await books.pay("p3", "1-1-0102", "cash", 5_000, [], 5_000, {})  # kept as credit
    await books.use_credit("2026-03:1-1-0102", "1-1-0102", 5_000)
    clock.on(3, 10)
    await books.charge_late("2026-02:1-1-0101", "2026-03-10", 300, {})
    clock.on(4, 2)  # after the span
    await books.issue([bill("1-1-0101", "2026-04", 20_000)])
    await books.pay("p4", "1-1-0102", "cash", 1_000, [("2026-03:1-1-0102", "principal", 1_000)], 0, {})


async def record_the_gate(recorder: Recorder, clock: Clock) -> None:
    times: list[tuple[Callable[[], None], bool]] = [
        (lambda: clock.on(3, 1), True), (lambda: clock.on(3, 2), True), (lambda: clock.on(3, 31), False),
        (lambda: clock.on(4, 1), True),  # after the span
    ]
    for move, granted in times:
        move()
        recorder.record("access", {"granted": granted, "door": "gate"}, subject="P000001", time=clock())
    recorder.record("audit", {"granted": True}, time=clock())  # another kind
    await recorder.flush()


async def test_each_figure_is_the_sum_made_by_hand(tmp_path: Path) -> None:
    with schema_name(f"{SCHEMA_PREFIX}report") as schema:
        site = schema.removeprefix(SCHEMA_PREFIX)
        clock = Clock()
        place(tmp_path, Database(URL, site))
        try:
            books = Books(tmp_path, clock)
            await books.open()
            try:
                await post_the_books(books, clock)
            finally:
                await books.close()
        finally:
            place(tmp_path, None)
        recorder = Recorder(PostgreSQL(URL, schema, tmp_path / "recorder.db"), clock=clock)
        await recorder.start()
        try:
            await record_the_gate(recorder, clock)
        finally:
            await recorder.stop()

        report = read(URL, MARCH, [site, "nowhere"])

    found = {one.site: one for one in report.sites}
    # March's three bills: 56,000 billed with the correction, 5,000 waived; at the end of March
    # 1-1-0102 still owes 31,000 − 5,000 (its refunded payment back on the bill, its credit used).
    assert found[site].billing == Billing(
        bills=3, billed_fen=56_000, waived_fen=5_000, collected_fen=25_000, rate_percent="49.0",
        taken_fen=25_000, arrears_fen=10_000 + 300 + 26_000, late_fee_fen=300, households_owing=2)
    assert (found[site].access.access_granted, found[site].access.access_denied) == (2, 1)  # type: ignore[union-attr]
    assert found["nowhere"].billing is None and found["nowhere"].notes == [f"no schema {SCHEMA_PREFIX}nowhere on the server"]
    assert report.totals == found[site].billing
    assert "¥560.00" in table(report) and "49.0" in table(report)
    assert csv_text(report).splitlines()[1].startswith(f"{site},3,56000,5000,25000,49.0,25000,36300,300,2,2,1,")


def test_the_command_writes_a_file_and_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reason = unreachable()
    if reason:
        pytest.skip(reason)
    path = tmp_path / "march.csv"
    assert main(["company", "report", "--database", URL, "--site", "nowhere", "--since", "2026-03-01",
                 "--until", "2026-03-31", "--format", "csv", "-o", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: 1 sites, 2026-03-01 to 2026-03-31\n"
    assert path.read_text(encoding="utf-8").splitlines()[1] == "nowhere,,,,,,,,,,,,no schema xiaoqu_nowhere on the server"

    assert main(["company", "report", "--database", URL, "--since", "2026-04-01", "--until", "2026-03-31"]) == 1
    assert capsys.readouterr().err == "error: --since 2026-04-01 is after --until 2026-03-31\n"
    assert main(["company", "report", "--database", f"postgresql://nobody@127.0.0.1:{free_port()}/x"]) == 1
    assert capsys.readouterr().err.startswith("error: cannot read the server: ")
