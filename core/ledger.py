"""A double-entry ledger of integer amounts on SQLite or PostgreSQL: money that is never wrong.

Money is not a number in a document. Every movement is a transaction with its own id whose
legs ``(account, amount)`` add up to zero, and an account's balance is the sum of its
entries. The ledger knows accounts and integer amounts only (the card centre's fen, billing's
receivables); what an account stands for is its owner's business.

- **Applied once.** The transaction id is the idempotency key: posting an id the ledger
  already holds changes nothing and returns the first answer (``Posted.new`` is False, with
  the legs and balances the first post produced), even when the repeat's legs differ. A
  refused post leaves no trace, so its id may be posted again.
- **Never below a floor.** An account may have a floor (a stored-value card's is 0); an
  external account (``cash:desk``) has none. A post that would take any account below its
  floor is refused with :class:`BelowFloor`, naming the account, its balance, the amount
  and the floor, and none of its legs moves.
- **Serialised.** One writer thread decides every post in the order the calls were made,
  against the balances as they stand at that point (committed ones plus those decided
  earlier in the same batch), so concurrent charges from many terminals cannot both spend
  the same money. It commits whatever has queued up in one transaction (group commit): a
  refused post writes nothing while the others of its batch commit.
- **Durable before "ok".** WAL with ``synchronous=FULL``: the WAL is synced on every commit,
  so a commit survives a power cut, not only a crash of the process (``NORMAL``, as the
  recorder uses, may lose the last commits to a power cut). A terminal that was told "ok"
  has handed over goods or taken cash; that answer must never be undone. No ``post`` returns
  before its transaction is committed.
- **Failure.** A commit that fails (disk full) is retried with a growing pause while the
  ledger is open; every post of the batch waits, is decided again on the next attempt, and
  nobody hears "ok" meanwhile; the hub raises its storage alarm once, and again when a commit
  works. Only at :meth:`Ledger.close` does it give up, after a few more
  tries, and the waiting posts get a :class:`LedgerError`.
- **Balances in memory.** They are summed from the entries at :meth:`Ledger.open` and
  changed only after a commit, so :meth:`Ledger.balance` is a dictionary lookup;
  :meth:`Ledger.verify` sums the entries again and reports any difference.

One process writes a ledger: while open, the ledger holds the single-writer lock on
``<file>.lock`` (:func:`~xiaoqu.core.storage.lock_file`), or on PostgreSQL a session advisory
lock, so a second hub is refused naming the holder instead of deciding balances beside it.

Where the tables live is the backend's business (core/ledger_backend.py): a SQLite file, or
with ``xiaoqu: database:`` the site's schema on a PostgreSQL server. Everything above is
decided here, in the same code for both; the backends differ only in connections, locks,
table names and DDL.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import queue
import threading
import time as _time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from xiaoqu.core.ledger_backend import Database, PostgresBackend, Readers, Session, backend_for, database_for
from xiaoqu.core.sqlite_writer import CommitHealth, settle
from xiaoqu.core.storage import StoreLockedError, check_slug, dump_json

__all__ = [
    "BelowFloor",
    "Database",
    "Difference",
    "Entry",
    "Ledger",
    "LedgerError",
    "LedgerRefused",
    "NotReversible",
    "Posted",
    "Transaction",
    "UnknownAccount",
]

_LOGGER = logging.getLogger(__name__)

NAME_MAX: Final = 200  # characters in an account name or a transaction id
BATCH_MAX: Final = 1_000  # requests decided and committed in one transaction
PAGE: Final = 500  # transactions per read when iterating
RETRY_FIRST: Final = 0.05  # seconds before retrying a failed commit, doubling up to RETRY_MAX
RETRY_MAX: Final = 5.0
ATTEMPTS_WHEN_STOPPING: Final = 3

Leg = tuple[str, int]


class LedgerError(Exception):
    """The ledger could not open its database, or could not commit."""


class LedgerRefused(Exception):
    """The ledger's rules refused a request; nothing moved."""


class UnknownAccount(LedgerRefused):
    """A leg names an account that was never opened."""

    def __init__(self, account: str) -> None:
        super().__init__(f"no account {account!r}; open it first")
        self.account = account


class BelowFloor(LedgerRefused):
    """A leg would take its account below its floor."""

    def __init__(self, account: str, balance: int, amount: int, floor: int) -> None:
        super().__init__(
            f"account {account!r} has a balance of {balance}; {amount} would take it to "
            f"{balance + amount}, below its floor of {floor}"
        )
        self.account, self.balance, self.amount, self.floor = account, balance, amount, floor


class NotReversible(LedgerRefused):
    """A reversal names a transaction the ledger does not hold, or one already reversed."""


@dataclass(frozen=True, slots=True)
class Transaction:
    """One applied transaction. ``balances``: each leg's account once it was applied."""

    id: str
    kind: str
    time: float
    legs: tuple[Leg, ...]
    balances: Mapping[str, int]
    data: dict[str, Any]
    reverses: str | None
    seq: int  # commit order


@dataclass(frozen=True, slots=True)
class Posted(Transaction):
    """The answer to a post: the transaction, and whether this call applied it."""

    new: bool

    @classmethod
    def of(cls, transaction: Transaction, new: bool) -> Posted:
        return cls(**{item.name: getattr(transaction, item.name) for item in fields(Transaction)}, new=new)


@dataclass(frozen=True, slots=True)
class Entry:
    """One leg, as an account's statement shows it."""

    account: str
    amount: int
    balance: int  # the account's balance once its transaction was applied
    transaction_id: str
    kind: str
    time: float
    seq: int


@dataclass(frozen=True, slots=True)
class Difference:
    """An account whose balance in memory is not the sum of its entries."""

    account: str
    balance: int
    entries_sum: int


@dataclass(slots=True)
class _Post:
    transaction_id: str
    kind: str
    time: float
    legs: tuple[Leg, ...] | None  # None: the negation of the legs of ``reverses``
    reverses: str | None
    data: str
    future: asyncio.Future[Posted]


@dataclass(slots=True)
class _Open:
    account: str
    floor: int | None
    future: asyncio.Future[bool]


@dataclass(slots=True)
class _Job:
    """Work for the writer between commits, seeing exactly what is committed."""

    run: Callable[[Session], Any]
    future: asyncio.Future[Any]


_Request = _Post | _Open
_Outcome = tuple[asyncio.Future[Any], Any]  # a waiter and its result or exception
_STOP: Final = object()


@dataclass(slots=True)
class _Batch:
    """One write transaction's view: committed balances and floors plus what it decided."""

    balances: Mapping[str, int]
    floors: Mapping[str, int | None]
    new_balances: dict[str, int] = field(default_factory=dict)
    new_floors: dict[str, int | None] = field(default_factory=dict)
    outcomes: list[_Outcome] = field(default_factory=list)

    def balance(self, account: str) -> int:
        return self.new_balances.get(account, self.balances.get(account, 0))

    def floor(self, account: str) -> int | None:
        """The account's floor; :class:`UnknownAccount` when it was never opened."""
        if account in self.new_floors:
            return self.new_floors[account]
        if account in self.floors:
            return self.floors[account]
        raise UnknownAccount(account)


class Ledger:
    """Accounts and double-entry transactions in one SQLite file or PostgreSQL schema; see the
    module docstring."""

    def __init__(
        self, path: Path, *, clock: Callable[[], float] = _time.time, database: Database | None = None
    ) -> None:
        """``path``: the ledger's file, whose name (without ``.db``) is its name on PostgreSQL too.
        ``database``: the server and site for its tables; None: the one the hub placed for the
        file's directory (``xiaoqu: database:``), else the file. ``clock`` stamps posts made
        without a ``time`` (the hub clock's ``time``)."""
        self.path = Path(path)
        self._backend = backend_for(self.path, database if database is not None else database_for(self.path.parent))
        self.last_error: BaseException | None = None
        self._health = CommitHealth(self.path)
        self._clock = clock
        self._balances: dict[str, int] = {}  # changed by the writer thread, after commit only
        self._floors: dict[str, int | None] = {}
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer_done: asyncio.Future[None] | None = None
        self._readers: Readers | None = None
        self._running = False

    def __repr__(self) -> str:
        return f"<Ledger {self._backend.label} running={self._running}>"

    @property
    def where(self) -> str:
        """Where the tables are, for messages: the file, or the server, schema and tables."""
        return self._backend.label

    # Life cycle.

    async def open(self) -> None:
        """Take the file's lock, open (or create) the database and sum every account's balance.

        :class:`~xiaoqu.core.storage.StoreLockedError` when another open holds the lock.
        """
        if self._running:
            return
        loop = self._loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._writer_done = loop.create_future()
        self._stopping.clear()
        # daemon: a process that dies without close() must not hang on this thread at exit.
        threading.Thread(target=self._write_loop, args=(ready,), name=f"ledger {self.path.stem}", daemon=True).start()
        await ready
        self._readers = Readers(
            f"ledger {self.path.stem} read", self._backend.open_reader, idle=isinstance(self._backend, PostgresBackend))
        self._running = True

    async def close(self) -> None:
        """Commit everything queued, stop the writer and close every connection."""
        if not self._running:
            return
        self._running = False
        assert self._writer_done is not None and self._readers is not None
        self._stopping.set()
        self._queue.put(_STOP)
        await self._writer_done
        await self._readers.close()

    # Writing.

    async def open_account(self, account: str, floor: int | None = 0) -> bool:
        """Open ``account`` with ``floor`` (None: none); True if new, False if already open.

        A floor does not change once set: opening an account again with another floor is
        refused (:class:`LedgerRefused`).
        """
        _check_name(account, "account")
        if floor is not None:
            _check_integer(floor, f"{account}: floor")
        return await self._submit(lambda future: _Open(account, floor, future))

    def has_account(self, account: str) -> bool:
        """Whether ``account`` was opened (and committed)."""
        return account in self._floors

    async def ensure_account(self, account: str, floor: int | None = 0) -> str:
        """``account``, opened with ``floor`` first if it was not: a dict lookup once it is, so
        callers opening accounts as money first reaches them need no cache of their own."""
        if account not in self._floors:
            await self.open_account(account, floor)
        return account

    async def post(
        self,
        transaction_id: str,
        kind: str,
        legs: Iterable[Leg],
        *,
        data: Mapping[str, Any] | None = None,
        time: float | None = None,
    ) -> Posted:
        """Apply ``legs`` (``(account, amount)``, integers adding up to zero) once; durable when
        this returns.

        Malformed input raises ValueError here, naming it, before anything is queued. A post
        the rules refuse raises a :class:`LedgerRefused` and moves nothing. An id already
        applied returns its first answer with ``new`` False. A post cancelled while it waits
        may still be applied: post its id again to learn the answer.
        """
        checked = _checked_legs(legs, transaction_id)
        return await self._post(transaction_id, kind, checked, None, data, time)

    async def reverse(
        self,
        transaction_id: str,
        kind: str,
        original_id: str,
        *,
        data: Mapping[str, Any] | None = None,
        time: float | None = None,
    ) -> Posted:
        """Post the negation of transaction ``original_id``'s legs (a refund, a correction),
        which refers to it; a transaction is reversed at most once.

        :class:`NotReversible` when the original is unknown or already reversed; floors
        apply as to any post (a recharge already spent cannot be reversed).
        """
        _check_name(original_id, f"{transaction_id}: original_id")
        return await self._post(transaction_id, kind, None, original_id, data, time)

    async def _post(
        self,
        transaction_id: str,
        kind: str,
        legs: tuple[Leg, ...] | None,
        reverses: str | None,
        data: Mapping[str, Any] | None,
        time: float | None,
    ) -> Posted:
        _check_name(transaction_id, "transaction_id")
        check_slug(kind, f"{transaction_id}: kind")
        text = dump_json(data or {}, f"{transaction_id}: data")
        when = self._clock() if time is None else _checked_time(f"{transaction_id}: time", time)
        return await self._submit(lambda future: _Post(transaction_id, kind, when, legs, reverses, text, future))

    async def _submit(self, make: Callable[[asyncio.Future[Any]], Any]) -> Any:
        """Queue what ``make`` builds around a new future and wait for the writer's answer."""
        if not self._running:
            raise LedgerError(f"ledger {self.where} is not open")
        assert self._loop is not None
        future: asyncio.Future[Any] = self._loop.create_future()
        self._queue.put(make(future))
        return await future

    # Reading.

    def balance(self, account: str) -> int:
        """The account's committed balance; :class:`UnknownAccount` if never opened."""
        if account not in self._floors:
            raise UnknownAccount(account)
        return self._balances.get(account, 0)

    def balances(self) -> dict[str, int]:
        """Every opened account's committed balance (a copy, for reports)."""
        floors = dict(self._floors)
        balances = dict(self._balances)
        return {account: balances.get(account, 0) for account in floors}

    async def transaction(self, transaction_id: str) -> Transaction | None:
        """The transaction applied under ``transaction_id``, or None."""
        return await self._read(_load_transaction, transaction_id)

    async def entries(
        self, account: str, start: float | None = None, end: float | None = None, limit: int | None = 100
    ) -> list[Entry]:
        """The account's entries with ``start <= time < end``, newest first (a statement)."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
        return await self._read(_load_entries, account, _checked_range(start, end), limit)

    async def transactions(
        self, kind: str | None = None, start: float | None = None, end: float | None = None
    ) -> AsyncIterator[Transaction]:
        """Every transaction (of ``kind``) with ``start <= time < end``, oldest first.

        Read ``PAGE`` at a time in a reader thread, each page after the last one's
        ``(time, seq)``: memory stays flat over a million rows and the loop keeps running.
        """
        if kind is not None:
            check_slug(kind, "kind")
        bounds = _checked_range(start, end)
        after: tuple[float, int] | None = None
        while True:
            page = await self._read(_load_page, kind, bounds, after)
            for transaction in page:
                yield transaction
            if len(page) < PAGE:
                return
            after = (page[-1].time, page[-1].seq)

    async def verify(self) -> list[Difference]:
        """Sum every account's entries again and return each account whose balance differs.

        Runs in the writer between commits, so it compares balances and entries at the same
        moment; posts wait meanwhile (about a second per two million entries).
        """
        return await self._submit(lambda future: _Job(self._differences, future))

    def _differences(self, session: Session) -> list[Difference]:
        sums = _sum_entries(session)
        return [
            Difference(account, self._balances.get(account, 0), sums.get(account, 0))
            for account in sorted(set(sums) | set(self._balances) | set(self._floors))
            if self._balances.get(account, 0) != sums.get(account, 0)
        ]

    async def _read(self, fetch: Callable[..., Any], *args: Any) -> Any:
        if not self._running:
            raise LedgerError(f"ledger {self.where} is not open")
        assert self._readers is not None
        return await self._readers.run(lambda connection: fetch(Session(self._backend, connection), *args))

    # The writer thread.

    def _write_loop(self, ready: asyncio.Future[None]) -> None:
        backend = self._backend
        try:
            session = Session(backend, backend.open_writer())
        except StoreLockedError as err:
            self._call_soon(settle, [(ready, err)])
            return
        except Exception as err:
            self._call_soon(settle, [(ready, LedgerError(f"cannot open {self.where}: {err}"))])
            return
        try:
            self._load(session)
        except Exception as err:
            backend.close_writer(session.connection)
            self._call_soon(settle, [(ready, LedgerError(f"cannot open {self.where}: {err}"))])
            return
        self._call_soon(settle, [(ready, None)])
        try:
            self._serve(session)
        finally:
            backend.close_writer(session.connection)
            self._call_soon(settle, [(self._writer_done, None)])

    def _serve(self, session: Session) -> None:
        while True:
            requests, control = self._next_batch(self._queue.get())
            self._commit(session, requests)
            if control is _STOP:
                return
            if control is not None:
                self._run_job(session, control)

    def _next_batch(self, item: Any) -> tuple[list[_Request], Any]:
        """The requests queued now (up to ``BATCH_MAX``), and the job or stop after them."""
        requests: list[_Request] = []
        while isinstance(item, _Post | _Open):
            requests.append(item)
            if len(requests) >= BATCH_MAX:
                return requests, None
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return requests, None
        return requests, item

    def _commit(self, session: Session, requests: list[_Request]) -> None:
        """Decide and commit ``requests`` in one transaction, retrying until it works (or,
        stopping, giving up); only then change the balances and answer. A lost connection
        (a database server restarted) is opened again before the next attempt."""
        if not requests:
            return
        pause, attempts_when_stopping = RETRY_FIRST, 0
        while True:
            try:
                batch = self._decide(session, requests)
            except Exception as err:
                self._backend.rollback(session.connection)
                self.last_error = err
                self._health.failed(err)
                if self._stopping.is_set():
                    attempts_when_stopping += 1
                    if attempts_when_stopping >= ATTEMPTS_WHEN_STOPPING:
                        self._give_up(requests, err)
                        return
                _LOGGER.error("ledger %s: could not commit %d requests (%s); retrying", self.where, len(requests), err)
                self._stopping.wait(pause)  # close() cuts a long pause short
                pause = min(pause * 2, RETRY_MAX)
                self._revive(session)
                continue
            self.last_error = None
            self._health.committed()
            self._floors.update(batch.new_floors)
            self._balances.update(batch.new_balances)
            self._call_soon(settle, batch.outcomes)
            return

    def _revive(self, session: Session) -> None:
        """Open the writer's connection again if it was lost; if that fails too, the next
        attempt fails and comes back here."""
        try:
            connection = self._backend.revive(session.connection)
            if connection is not session.connection:
                # A COMMIT may have landed before the connection was lost: balances come from
                # the tables again, and the retry finds such a post by its id (answered new=False).
                session.connection = connection
                self._load(session)
        except Exception as err:
            _LOGGER.error("ledger %s: cannot reconnect (%s)", self.where, err)

    def _load(self, session: Session) -> None:
        """Every account's floor and balance, from the tables."""
        self._floors.update(session.execute("SELECT account, floor FROM {accounts}"))
        self._balances.update(_sum_entries(session))

    def _decide(self, session: Session, requests: list[_Request]) -> _Batch:
        batch = _Batch(self._balances, self._floors)
        session.execute("BEGIN")
        for request in requests:
            try:
                outcome: Any = (
                    _apply_post(session, batch, request)
                    if isinstance(request, _Post)
                    else _apply_open(session, batch, request)
                )
            except LedgerRefused as refusal:
                outcome = refusal
            batch.outcomes.append((request.future, outcome))
        session.execute("COMMIT")
        return batch

    def _give_up(self, requests: list[_Request], err: Exception) -> None:
        _LOGGER.error("ledger %s: closing with %d requests that could not be committed (%s)", self.where, len(requests), err)
        failure = LedgerError(f"could not commit to {self.where}: {err}")
        self._call_soon(settle, [(request.future, failure) for request in requests])

    def _run_job(self, session: Session, job: _Job) -> None:
        try:
            result: Any = job.run(session)
        except Exception as err:
            self._backend.rollback(session.connection)
            result = LedgerError(f"{self.where}: {err}")
        self._call_soon(settle, [(job.future, result)])

    def _call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(callback, *args)


# Deciding, in the writer's open transaction.


def _apply_open(session: Session, batch: _Batch, request: _Open) -> bool:
    try:
        floor = batch.floor(request.account)
    except UnknownAccount:
        session.execute("INSERT INTO {accounts} (account, floor) VALUES (?, ?)", (request.account, request.floor))
        batch.new_floors[request.account] = request.floor
        return True
    if floor != request.floor:
        raise LedgerRefused(
            f"account {request.account!r} is open with floor {floor}, not {request.floor}; a floor does not change"
        )
    return False


def _apply_post(session: Session, batch: _Batch, request: _Post) -> Posted:
    """The first answer for a known id; else the legs checked against every floor and written."""
    known = _load_transaction(session, request.transaction_id)
    if known is not None:
        return Posted.of(known, new=False)
    legs = request.legs if request.legs is not None else _reversal_legs(session, request)
    balances = {account: batch.balance(account) + amount for account, amount in legs}
    for account, amount in legs:
        floor = batch.floor(account)
        if floor is not None and balances[account] < floor:
            raise BelowFloor(account, batch.balance(account), amount, floor)
    seq: int = session.execute(
        "INSERT INTO {transactions} (id, kind, time, reverses, data) VALUES (?, ?, ?, ?, ?) RETURNING seq",
        (request.transaction_id, request.kind, request.time, request.reverses, request.data),
    ).fetchall()[0][0]
    session.executemany(
        "INSERT INTO {entries} (seq, leg, account, amount, balance, time) VALUES (?, ?, ?, ?, ?, ?)",
        [(seq, leg, account, amount, balances[account], request.time) for leg, (account, amount) in enumerate(legs)],
    )
    batch.new_balances.update(balances)
    transaction = Transaction(
        request.transaction_id, request.kind, request.time, legs, balances, json.loads(request.data), request.reverses, seq
    )
    return Posted.of(transaction, new=True)


def _reversal_legs(session: Session, request: _Post) -> tuple[Leg, ...]:
    original_id = request.reverses
    assert original_id is not None
    original = _load_transaction(session, original_id)
    if original is None:
        raise NotReversible(f"{request.transaction_id}: there is no transaction {original_id!r} to reverse")
    reversed_by = session.execute("SELECT id FROM {transactions} WHERE reverses = ?", (original_id,)).fetchone()
    if reversed_by is not None:
        raise NotReversible(f"{request.transaction_id}: transaction {original_id!r} is already reversed by {reversed_by[0]!r}")
    return tuple((account, -amount) for account, amount in original.legs)


# Reading, on any connection.

_TRANSACTION_COLUMNS: Final = "seq, id, kind, time, reverses, data"


def _load_transaction(session: Session, transaction_id: str) -> Transaction | None:
    rows = session.execute(f"SELECT {_TRANSACTION_COLUMNS} FROM {{transactions}} WHERE id = ?", (transaction_id,)).fetchall()
    return _with_legs(session, rows)[0] if rows else None


def _load_page(
    session: Session, kind: str | None, bounds: tuple[float, float], after: tuple[float, int] | None
) -> list[Transaction]:
    conditions = ["time >= ?", "time < ?"]
    params: list[Any] = list(bounds)
    if kind is not None:
        conditions.append("kind = ?")
        params.append(kind)
    if after is not None:
        conditions.append("(time, seq) > (?, ?)")
        params.extend(after)
    rows = session.execute(
        f"SELECT {_TRANSACTION_COLUMNS} FROM {{transactions}} WHERE {' AND '.join(conditions)} ORDER BY time, seq LIMIT {PAGE}",
        params,
    ).fetchall()
    return _with_legs(session, rows)


def _with_legs(session: Session, rows: list[tuple[Any, ...]]) -> list[Transaction]:
    """Transactions from their rows, each with its legs and balances, in one read of entries."""
    if not rows:
        return []  # and no "IN ()", which PostgreSQL refuses
    legs: dict[int, list[tuple[str, int, int]]] = {seq: [] for seq, *_rest in rows}
    marks = ", ".join("?" * len(legs))
    for seq, account, amount, balance in session.execute(
        f"SELECT seq, account, amount, balance FROM {{entries}} WHERE seq IN ({marks}) ORDER BY seq, leg", list(legs)
    ):
        legs[seq].append((account, amount, balance))
    return [
        Transaction(
            transaction_id, kind, when,
            tuple((account, amount) for account, amount, _balance in legs[seq]),
            {account: balance for account, _amount, balance in legs[seq]},
            json.loads(data), reverses, seq,
        )
        for seq, transaction_id, kind, when, reverses, data in rows
    ]


def _load_entries(session: Session, account: str, bounds: tuple[float, float], limit: int | None) -> list[Entry]:
    sql = (
        "SELECT e.amount, e.balance, t.id, t.kind, e.time, e.seq FROM {entries} e JOIN {transactions} t USING (seq) "
        "WHERE e.account = ? AND e.time >= ? AND e.time < ? ORDER BY e.time DESC, e.seq DESC"
    )
    if limit is not None:
        sql += f" LIMIT {limit}"
    return [Entry(account, *row) for row in session.execute(sql, (account, *bounds))]


def _sum_entries(session: Session) -> dict[str, int]:
    # the cast: PostgreSQL sums BIGINT as NUMERIC, which psycopg reads as a Decimal
    return dict(session.execute("SELECT account, CAST(SUM(amount) AS BIGINT) FROM {entries} GROUP BY account"))


# Checking input, in the caller.


def _check_name(value: object, what: str) -> None:
    if not isinstance(value, str) or not value or len(value) > NAME_MAX or not value.isprintable():
        raise ValueError(f"{what} must be printable text of 1 to {NAME_MAX} characters, got {value!r}")


def _check_integer(value: object, what: str) -> None:
    """Amounts are integers (fen): a float would round, a bool is a slip."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")


def _checked_legs(legs: Iterable[Leg], transaction_id: str) -> tuple[Leg, ...]:
    """Two or more ``(account, amount)`` legs on distinct accounts, non-zero integers summing to 0."""
    checked = tuple(legs)
    for leg in checked:
        if not isinstance(leg, tuple) or len(leg) != 2:
            raise ValueError(f"{transaction_id}: a leg is (account, amount), got {leg!r}")
        account, amount = leg
        _check_name(account, f"{transaction_id}: account")
        _check_integer(amount, f"{transaction_id}: the amount of {account}")
        if amount == 0:
            raise ValueError(f"{transaction_id}: the amount of {account} is 0; leave the leg out")
    accounts = [account for account, _amount in checked]
    if len(set(accounts)) != len(accounts):
        raise ValueError(f"{transaction_id}: an account appears in more than one leg: {accounts}")
    if len(checked) < 2 or sum(amount for _account, amount in checked) != 0:
        raise ValueError(f"{transaction_id}: legs must be two or more and add up to 0, got {list(checked)}")
    return checked


def _checked_time(what: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be seconds since the epoch (a finite number), got {value!r}")
    return float(value)


def _checked_range(start: float | None, end: float | None) -> tuple[float, float]:
    return (
        -math.inf if start is None else _checked_time("start", start),
        math.inf if end is None else _checked_time("end", end),
    )

