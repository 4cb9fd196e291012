"""The ledger: double entry in integers, applied once per id, never below a floor, durable when answered.

Every test runs on SQLite and on PostgreSQL (the server at 127.0.0.1:5432, trust auth, database
``test``; each test in its own schema, dropped after), skipped with the reason when none answers.
"""
from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.disk_full import file_size_limit
from tests.fixtures_postgresql import URL, Place, place_on
from xiaoqu.core import ledger as ledger_module
from xiaoqu.core.ledger import (
    BelowFloor,
    Ledger,
    LedgerError,
    LedgerRefused,
    NotReversible,
    Posted,
    UnknownAccount,
)
from xiaoqu.core.storage import StoreLockedError

CASH = "cash:desk"
SALES = "sales:canteen"
T0 = 1_790_000_000.0
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    with place_on(request.param, tmp_path) as where:
        yield where


async def opened(place: Place, cards: int = 2) -> Ledger:
    """A ledger with ``cards`` card accounts (floor 0) and the two external accounts."""
    ledger = place.ledger()
    await ledger.open()
    await asyncio.gather(
        ledger.open_account(CASH, floor=None),
        ledger.open_account(SALES, floor=None),
        *(ledger.open_account(f"card:{n}") for n in range(cards)),
    )
    return ledger


def recharge(card: str, amount: int) -> list[tuple[str, int]]:
    return [(CASH, -amount), (card, amount)]


def charge(card: str, amount: int) -> list[tuple[str, int]]:
    return [(card, -amount), (SALES, amount)]


@pytest.fixture
async def ledger(place: Place) -> AsyncIterator[Ledger]:
    ledger = await opened(place)
    yield ledger
    await ledger.close()


async def test_balances_are_sums_of_entries_and_survive_reopening(place: Place) -> None:
    ledger = await opened(place)
    posted = await ledger.post("pay-1", "card.recharge", recharge("card:0", 5_000), data={"receipt": "R1"}, time=T0)
    await ledger.post("pos-1", "card.charge", charge("card:0", 1_250), time=T0 + 60)
    assert posted.new and posted.balances == {CASH: -5_000, "card:0": 5_000} and posted.data == {"receipt": "R1"}
    assert ledger.balance("card:0") == 3_750
    await ledger.close()
    if place.database is None:
        assert stat.S_IMODE(os.stat(place.path).st_mode) == 0o600
    else:
        assert not place.path.exists()  # nothing in the data dir: the tables are on the server

    again = place.ledger()
    await again.open()
    assert again.balances() == {CASH: -5_000, SALES: 1_250, "card:0": 3_750, "card:1": 0}
    assert await again.verify() == []
    await again.close()


async def test_a_repeated_id_changes_nothing_and_returns_the_first_answer_even_with_other_legs(ledger: Ledger) -> None:
    """The transaction id is the idempotency key: a terminal's retry is the same charge."""
    first = await ledger.post("pay-1", "card.recharge", recharge("card:0", 5_000))
    await ledger.post("pos-1", "card.charge", charge("card:0", 1_000))
    again = await ledger.post("pay-1", "card.recharge", recharge("card:0", 9_999))
    assert again == Posted.of(first, new=False)
    assert again.balances == {CASH: -5_000, "card:0": 5_000}  # the first answer's, not today's
    assert ledger.balance("card:0") == 4_000
    assert [t.id async for t in ledger.transactions()] == ["pay-1", "pos-1"]


async def test_a_post_below_a_floor_is_refused_naming_the_figures_and_moves_nothing(ledger: Ledger) -> None:
    await ledger.post("pay-1", "card.recharge", recharge("card:0", 300))
    with pytest.raises(BelowFloor, match=r"account 'card:0' has a balance of 300; -500 would take it to -200, "
                                         r"below its floor of 0") as refused:
        await ledger.post("pos-1", "card.charge", charge("card:0", 500))
    assert (refused.value.account, refused.value.balance, refused.value.amount, refused.value.floor) == ("card:0", 300, -500, 0)
    assert ledger.balances() == {CASH: -300, SALES: 0, "card:0": 300, "card:1": 0}
    assert await ledger.transaction("pos-1") is None
    retried = await ledger.post("pos-1", "card.charge", charge("card:0", 300))  # a refused id leaves no trace
    assert retried.new and ledger.balance("card:0") == 0


async def test_concurrent_charges_spend_the_money_once_and_the_refused_ones_write_nothing(ledger: Ledger) -> None:
    """Forty terminals charge 100 at once on a card holding 1,000: they share commits, ten are
    applied, thirty refused, and the card ends at 0."""
    await ledger.post("pay-1", "card.recharge", recharge("card:0", 1_000))
    outcomes = await asyncio.gather(
        *(ledger.post(f"pos-{n}", "card.charge", charge("card:0", 100)) for n in range(40)), return_exceptions=True
    )
    applied = [o for o in outcomes if isinstance(o, Posted)]
    assert [o.id for o in applied] == [f"pos-{n}" for n in range(10)]  # decided in the order they were made
    assert all(isinstance(o, BelowFloor) for o in outcomes[10:])
    assert ledger.balance("card:0") == 0 and ledger.balance(SALES) == 1_000
    assert await ledger.verify() == []


async def test_an_account_must_be_opened_and_keeps_its_floor(ledger: Ledger) -> None:
    with pytest.raises(UnknownAccount, match="no account 'card:9'; open it first"):
        await ledger.post("pay-1", "card.recharge", recharge("card:9", 100))
    with pytest.raises(UnknownAccount):
        ledger.balance("card:9")
    assert await ledger.open_account("card:9", floor=-500) is True
    assert await ledger.open_account("card:9", floor=-500) is False
    with pytest.raises(LedgerRefused, match="'card:9' is open with floor -500, not 0; a floor does not change"):
        await ledger.open_account("card:9")
    await ledger.post("pos-1", "card.charge", charge("card:9", 500))  # down to its floor, not below
    assert ledger.balance("card:9") == -500


async def test_ensure_account_opens_once_and_then_asks_the_writer_nothing(ledger: Ledger, monkeypatch) -> None:
    assert not ledger.has_account("card:7")
    assert await ledger.ensure_account("card:7", floor=-100) == "card:7"
    assert ledger.has_account("card:7") and ledger.balance("card:7") == 0

    async def no_writer(*_args: Any) -> Any:
        raise AssertionError("an open account went to the writer again")

    monkeypatch.setattr(ledger, "open_account", no_writer)
    assert await ledger.ensure_account("card:7", floor=-100) == "card:7"
    await ledger.post("pos-7", "card.charge", charge("card:7", 100))  # the floor it was opened with holds
    assert ledger.balance("card:7") == -100


@pytest.mark.parametrize(
    ("legs", "message"),
    [
        ([(CASH, -1.5), ("card:0", 1.5)], "the amount of cash:desk must be an integer, got -1.5"),
        ([(CASH, True), ("card:0", -1)], "must be an integer, got True"),
        ([(CASH, -100), ("card:0", 99)], "add up to 0"),
        ([(CASH, 0)], "the amount of cash:desk is 0"),
        ([], "two or more"),
        ([(CASH, -100), (CASH, 100)], "more than one leg"),
        ([(CASH, -1, 1)], r"a leg is \(account, amount\)"),
        ([("", -1), ("card:0", 1)], "account must be printable text"),
    ],
)
async def test_malformed_legs_are_refused_before_anything_is_queued(ledger: Ledger, legs: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        await ledger.post("t-1", "card.recharge", legs)
    assert await ledger.transaction("t-1") is None


async def test_other_bad_input_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="kind must be a lower-case slug"):
        await ledger.post("t-1", "Card Recharge", recharge("card:0", 1))
    with pytest.raises(ValueError, match="transaction_id must be printable text"):
        await ledger.post("", "card.recharge", recharge("card:0", 1))
    with pytest.raises(ValueError, match="time must be seconds"):
        await ledger.post("t-1", "card.recharge", recharge("card:0", 1), time=float("nan"))
    with pytest.raises(ValueError, match="floor must be an integer"):
        await ledger.open_account("card:7", floor=0.0)  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match="not open"):
        await Ledger(tmp_path / "other.db").post("t-1", "card.recharge", recharge("card:0", 1))


async def test_a_transaction_is_reversed_once_and_only_while_its_money_is_there(ledger: Ledger) -> None:
    await ledger.post("pay-1", "card.recharge", recharge("card:0", 1_000))
    await ledger.post("pos-1", "card.charge", charge("card:0", 400))
    refund = await ledger.reverse("refund-1", "card.refund", "pos-1", data={"reason": "wrong dish"})
    assert refund.legs == (("card:0", 400), (SALES, -400)) and refund.reverses == "pos-1"
    assert (await ledger.reverse("refund-1", "card.refund", "pay-1")) == Posted.of(refund, new=False)
    with pytest.raises(NotReversible, match="'pos-1' is already reversed by 'refund-1'"):
        await ledger.reverse("refund-2", "card.refund", "pos-1")
    with pytest.raises(NotReversible, match="no transaction 'pos-9'"):
        await ledger.reverse("refund-3", "card.refund", "pos-9")
    await ledger.post("pos-2", "card.charge", charge("card:0", 800))
    with pytest.raises(BelowFloor, match="'card:0' has a balance of 200; -1000"):
        await ledger.reverse("undo-pay-1", "card.recharge_reversal", "pay-1")
    assert ledger.balance("card:0") == 200


async def test_entries_newest_first_and_transactions_by_kind_and_time_in_pages(ledger: Ledger, monkeypatch) -> None:
    monkeypatch.setattr(ledger_module, "PAGE", 3)
    await ledger.post("pay-1", "card.recharge", recharge("card:0", 1_000), time=T0)
    for n in range(7):
        await ledger.post(f"pos-{n}", "card.charge", charge("card:0", 10), time=T0 + 10 + n)
    entries = await ledger.entries("card:0", start=T0 + 12, end=T0 + 16, limit=3)
    assert [(e.transaction_id, e.amount, e.balance) for e in entries] == [
        ("pos-5", -10, 940), ("pos-4", -10, 950), ("pos-3", -10, 960)
    ]
    assert [e.transaction_id for e in await ledger.entries("card:0", limit=None)][-1] == "pay-1"
    charges = [t async for t in ledger.transactions("card.charge", start=T0 + 11)]
    assert [t.id for t in charges] == [f"pos-{n}" for n in range(1, 7)]
    assert [t.id async for t in ledger.transactions(end=T0 + 11)] == ["pay-1", "pos-0"]


async def test_verify_reports_an_account_whose_entries_do_not_add_up(ledger: Ledger, place: Place) -> None:
    await ledger.post("pay-1", "card.recharge", recharge("card:0", 1_000))
    place.tamper("UPDATE {entries} SET amount = 900 WHERE account = 'card:0'")
    differences = await ledger.verify()
    assert [(d.account, d.balance, d.entries_sum) for d in differences] == [("card:0", 1_000, 900)]


async def test_a_failed_commit_is_retried_and_nobody_hears_ok_before_it_lands(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A full disk under a SQLite file."""
    ledger = await opened(Place(tmp_path / "ledger.db"))
    await ledger.post("pay-1", "card.recharge", recharge("card:0", 1_000))
    with file_size_limit((tmp_path / "ledger.db-wal").stat().st_size):
        waiting = asyncio.create_task(ledger.post("pos-1", "card.charge", charge("card:0", 100), data={"pad": "x" * 5_000}))
        while ledger.last_error is None:
            await asyncio.sleep(0.01)
        assert not waiting.done() and ledger.balance("card:0") == 1_000
    assert (await waiting).balances["card:0"] == 900
    assert ledger.last_error is None and "could not commit 1 requests" in caplog.text
    await ledger.close()


async def test_a_lost_server_connection_is_opened_again_and_the_post_lands(caplog: pytest.LogCaptureFixture,
                                                                          tmp_path: Path) -> None:
    """The server ends the writer's session (a restart, an administrator): the post waiting
    on it is retried on a new connection, with the writer's lock taken again, and lands once."""
    with place_on("postgresql", tmp_path) as place:
        ledger = await opened(place)
        await ledger.post("pay-1", "card.recharge", recharge("card:0", 1_000))
        import psycopg
        with psycopg.connect(URL, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE %s",
                (f"xiaoqu ledger ledger pid {os.getpid()} %",),
            ).fetchall()
        assert ended == [(True,)]
        posted = await ledger.post("pos-1", "card.charge", charge("card:0", 100))
        assert posted.new and posted.balances["card:0"] == 900 and ledger.last_error is None
        assert "could not commit 1 requests" in caplog.text
        assert [t.id async for t in ledger.transactions()] == ["pay-1", "pos-1"] and await ledger.verify() == []
        with pytest.raises(StoreLockedError):  # the new session holds the lock again
            await place.ledger().open()
        await ledger.close()


async def test_closing_on_a_failing_disk_gives_up_and_says_so(tmp_path: Path) -> None:
    ledger = await opened(Place(tmp_path / "ledger.db"))
    await ledger.post("pay-1", "card.recharge", recharge("card:0", 1_000))
    with file_size_limit((tmp_path / "ledger.db-wal").stat().st_size):
        waiting = asyncio.create_task(ledger.post("pos-1", "card.charge", charge("card:0", 100), data={"pad": "x" * 5_000}))
        while ledger.last_error is None:
            await asyncio.sleep(0.01)
        await ledger.close()
    with pytest.raises(LedgerError, match="could not commit to .*ledger.db"):
        await waiting
    again = Ledger(tmp_path / "ledger.db")
    await again.open()
    assert again.balance("card:0") == 1_000
    await again.close()


async def test_a_ledger_has_one_writer(ledger: Ledger, place: Place) -> None:
    """The file's lock, or the server's advisory lock: the second open names the holder."""
    with pytest.raises(StoreLockedError, match=rf"ledger(\.db)? is already open .*held by .*pid {os.getpid()}"):
        await place.ledger().open()


def test_acknowledged_transactions_survive_sigkill(place: Place) -> None:
    """A child posts bursts of recharges and charges and prints each acknowledged burst, then is
    killed: every acknowledged transaction is there and every balance is its entries' sum."""
    script = textwrap.dedent(f"""
        import asyncio
        from xiaoqu.core.ledger import Database, Ledger
        async def main():
            ledger = Ledger({str(place.path)!r}, database={place.database!r})
            await ledger.open()
            await ledger.open_account("cash:desk", floor=None)
            await asyncio.gather(*(ledger.open_account(f"card:{{n}}") for n in range(50)))
            i = 0
            while True:
                await asyncio.gather(*(ledger.post(f"t{{i + n}}", "card.recharge", [("cash:desk", -100), (f"card:{{n}}", 100)])
                                       for n in range(50)))
                i += 50
                print(i, flush=True)
        asyncio.run(main())
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    acknowledged = 0
    assert child.stdout is not None
    for line in child.stdout:
        acknowledged = int(line)
        if acknowledged >= 2_000:
            break
    child.kill()
    child.wait()
    child.stdout.close()

    async def check() -> None:
        ledger = place.ledger()
        await ledger.open()
        missing = [n for n in range(acknowledged) if await ledger.transaction(f"t{n}") is None]
        assert missing == [] and await ledger.verify() == []
        assert -ledger.balance("cash:desk") >= acknowledged * 100
        await ledger.close()

    asyncio.run(check())


# The property: any interleaving, checked against a model.

CARDS = [f"card:{n}" for n in range(3)]
ids = st.sampled_from([f"t{n}" for n in range(12)])  # few, so ids repeat
amounts = st.integers(1, 2_000)
cards = st.sampled_from(CARDS)
operation = st.one_of(
    st.tuples(st.just("post"), ids, st.builds(recharge, cards, amounts)),
    st.tuples(st.just("post"), ids, st.builds(charge, cards, amounts)),
    st.tuples(st.just("post"), ids, st.builds(lambda a, b, n: [(a, -n), (b, n)], cards, cards, amounts).filter(
        lambda legs: legs[0][0] != legs[1][0])),
    st.tuples(st.just("reverse"), ids, ids),
)
steps = st.lists(st.lists(operation, min_size=1, max_size=6), min_size=1, max_size=12)  # each step: posted at once


@dataclass
class Model:
    """The rules written out plainly: what the ledger must answer, one request at a time."""

    balances: dict[str, int] = field(default_factory=lambda: dict.fromkeys([CASH, SALES, *CARDS], 0))
    applied: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    reversed: set[str] = field(default_factory=set)

    def apply(self, request: tuple[Any, ...]) -> tuple[tuple[str, int], ...] | type[Exception]:
        """The legs applied under the request's id (its first ones, for a repeat), or the refusal."""
        verb, transaction_id, argument = request
        if transaction_id in self.applied:
            return self.applied[transaction_id]
        if verb == "reverse" and (argument not in self.applied or argument in self.reversed):
            return NotReversible
        legs = tuple(argument) if verb == "post" else tuple((a, -n) for a, n in self.applied[argument])
        if any(a.startswith("card:") and self.balances[a] + n < 0 for a, n in legs):
            return BelowFloor
        for account, amount in legs:
            self.balances[account] += amount
        if verb == "reverse":
            self.reversed.add(argument)
        self.applied[transaction_id] = legs
        return legs


async def send(ledger: Ledger, request: tuple[Any, ...]) -> Posted:
    verb, transaction_id, argument = request
    if verb == "post":
        return await ledger.post(transaction_id, "test.post", argument)
    return await ledger.reverse(transaction_id, "test.reverse", argument)


async def run_against_model(place: Place, plan: list[list[tuple[Any, ...]]]) -> None:
    ledger = await opened(place, cards=len(CARDS))
    model = Model()
    for step in plan:
        outcomes = await asyncio.gather(*(send(ledger, request) for request in step), return_exceptions=True)
        for request, outcome in zip(step, outcomes, strict=True):
            expected = model.apply(request)
            if isinstance(expected, type):
                assert isinstance(outcome, expected), (request, outcome)
            else:
                assert isinstance(outcome, Posted) and outcome.legs == expected, (request, outcome)
    await ledger.close()
    again = place.ledger()
    await again.open()
    assert again.balances() == model.balances
    assert all(again.balances()[card] >= 0 for card in CARDS)
    assert await again.verify() == []
    applied = [t.id async for t in again.transactions()]
    assert sorted(applied) == sorted(model.applied) and len(set(applied)) == len(applied)
    await again.close()


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps)
def test_any_interleaving_keeps_every_balance_the_sum_of_its_entries(backend: str, plan: list[list[tuple[Any, ...]]]) -> None:
    """Recharges, charges, transfers and reversals, some ids repeated, some posted at once:
    every answer is the model's, balances are entry sums never below a floor, each id applied once."""
    with tempfile.TemporaryDirectory() as directory, place_on(backend, Path(directory)) as place:
        asyncio.run(run_against_model(place, plan))
