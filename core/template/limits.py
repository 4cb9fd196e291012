"""What a single render may cost, and the running account that enforces it.

A template is written by staff and runs inside the hub's event loop, so a mistake (or a
malice) must not freeze the hub or eat its memory. jinja2's sandbox stops access to Python
internals but caps nothing except ``range`` (``MAX_RANGE``); everything else is counted here:

- **time**: each render gets a deadline; it is checked at every checkpoint (each loop
  iteration, function call, attribute lookup and operator), so no Python-level path runs
  past it for long. A single C-level operation cannot be interrupted, which is why every
  operation that could make one slow is bounded by the size limits first.
- **size**: no string, list or output a template builds may exceed ``max_size`` characters
  or items; checked *before* the work (``'a' * 10**9`` is refused, not attempted).
- **loops**: ``range()`` gives at most ``max_range`` items and all loops of one render
  together at most ``max_loop_iterations`` iterations.
- **recursion**: calls (macros, recursive loops, helpers) nest at most ``max_depth`` deep.
- **numbers**: integer results of ``*`` and ``**`` have at most ``max_int_bits`` bits.

The account (`RenderBudget`) lives in a context variable for the length of one render, so
helpers can reach it (to record which entities they read) without being handed it, and
renders in different threads or tasks never share one.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from core.template.errors import TemplateLimitError

if TYPE_CHECKING:
    from core.template.info import RenderInfo


@dataclass(frozen=True, slots=True)
class TemplateLimits:
    """The caps of one render. The defaults leave room for any report a site writes."""

    render_seconds: float = 1.0
    max_size: int = 256 * 1024
    max_range: int = 10_000
    max_loop_iterations: int = 200_000
    max_depth: int = 50
    max_int_bits: int = 10_000
    #: Seconds a single regular expression may run (the ``regex`` module's timeout).
    regex_seconds: float = 0.25
    #: What the render time is measured with (real time: this limit protects the event loop,
    #: so the hub's clock, which tests stop, is the wrong one).
    clock: Callable[[], float] = time.monotonic


DEFAULT_LIMITS = TemplateLimits()

#: Check the clock once every this many steps (a step costs far less than a microsecond).
_CLOCK_EVERY = 32


@dataclass(slots=True)
class RenderBudget:
    """The running account of one render: time left, iterations and depth used."""

    limits: TemplateLimits
    info: RenderInfo | None = None
    strict: bool = False
    deadline: float = field(init=False)
    steps: int = 0
    iterations: int = 0
    depth: int = 0
    output: int = 0
    #: Set at the first violation: every later checkpoint fails too, so a helper that
    #: swallows the first error cannot let the render run on.
    exceeded: str | None = None

    def __post_init__(self) -> None:
        self.deadline = self.limits.clock() + self.limits.render_seconds

    def fail(self, message: str) -> NoReturn:
        if self.exceeded is None:
            self.exceeded = message
        raise TemplateLimitError(message)

    def step(self) -> None:
        """A checkpoint: count it, and every few steps look at the clock."""
        if self.exceeded is not None:
            raise TemplateLimitError(self.exceeded)
        self.steps += 1
        if not self.steps % _CLOCK_EVERY and self.limits.clock() > self.deadline:
            self.fail(f"the template ran longer than {self.limits.render_seconds:g} s")

    def iterate(self) -> None:
        """One loop iteration."""
        self.iterations += 1
        if self.iterations > self.limits.max_loop_iterations:
            self.fail(f"the template's loops ran more than {self.limits.max_loop_iterations:,} times")
        self.step()

    def enter(self) -> None:
        """A call begins (macro, helper, method): one level deeper."""
        self.depth += 1
        if self.depth > self.limits.max_depth:
            self.fail(f"calls nested more than {self.limits.max_depth} deep (a macro or loop calling itself?)")
        self.step()

    def leave(self) -> None:
        self.depth -= 1

    def produced(self, size: int) -> None:
        """Count output written anywhere in the render (the page, a macro's body, a set block)."""
        self.output += size
        if self.output > self.limits.max_size * 4:
            self.fail(f"the template wrote more than {self.limits.max_size * 4:,} characters")

    def seconds_left(self) -> float:
        return max(0.0, self.deadline - self.limits.clock())


_BUDGET: ContextVar[RenderBudget | None] = ContextVar("xiaoqu_template_budget", default=None)


def current_budget() -> RenderBudget | None:
    """The account of the render running in this context, if any."""
    return _BUDGET.get()


def current_limits() -> TemplateLimits:
    budget = _BUDGET.get()
    return budget.limits if budget is not None else DEFAULT_LIMITS


class budget_scope:  # noqa: N801 - used as a context manager, reads like one
    """Make ``budget`` the current account for a ``with`` block."""

    __slots__ = ("budget", "_token")

    def __init__(self, budget: RenderBudget) -> None:
        self.budget = budget

    def __enter__(self) -> RenderBudget:
        self._token = _BUDGET.set(self.budget)
        return self.budget

    def __exit__(self, *exc: object) -> None:
        _BUDGET.reset(self._token)


def too_big(size: int, what: str, limit: int | None = None) -> NoReturn:
    limit = current_limits().max_size if limit is None else limit
    message = f"{what} would hold {size:,} characters or items; a template may build at most {limit:,}"
    budget = _BUDGET.get()
    if budget is not None:
        budget.fail(message)
    raise TemplateLimitError(message)


def check_size(size: int, what: str) -> None:
    limit = current_limits().max_size
    if size > limit:
        too_big(size, what, limit)


def weigh(value: Any, what: str = "a value") -> int:
    """The size of ``value`` counting nested items and characters; an error past the limit.

    ``str()`` of a list that holds the same list twice, built up in a loop
    (``{% set ns.x = [ns.x, ns.x] %}``), is exponentially long while the list itself is small;
    the size is computed once per distinct container (post-order, without recursion, so a
    deeply nested list is no problem either) and the walk stops at the first size past the
    limit.
    """
    if isinstance(value, str | bytes):
        return len(value)
    if not isinstance(value, _CONTAINERS):
        return 1
    limit = current_limits().max_size
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        item, done = stack.pop()
        key = id(item)
        if not done:
            if key in sizes or key in open_:
                continue
            open_.add(key)
            stack.append((item, True))
            stack.extend((child, False) for child in _children(item) if isinstance(child, _CONTAINERS))
            continue
        total = 1 + len(item)
        for child in _children(item):
            if isinstance(child, str | bytes):
                total += len(child)
            elif isinstance(child, _CONTAINERS):
                total += sizes.get(id(child), 1)
            if total > limit:
                too_big(total, what, limit)
        open_.discard(key)
        sizes[key] = total
    return sizes[id(value)]


_CONTAINERS = (Mapping, list, tuple, set, frozenset)


def _children(item: Any) -> Iterable[Any]:
    if isinstance(item, Mapping):
        return [*item.keys(), *item.values()]
    return item


# --- text formatting: widths and precisions are how '%999999999d' builds a gigabyte -------

_PRINTF_SPEC = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>[a-zA-Z%])"
)
_DIGITS = re.compile(r"\d+")


def check_printf(fmt: str, args: Any) -> None:
    """Refuse a ``%`` format whose widths or precisions would build an oversized string."""
    limit = current_limits().max_size
    positional = list(args) if isinstance(args, tuple) else [args]
    index = 0
    for match in _PRINTF_SPEC.finditer(fmt):
        if match["type"] == "%":
            continue
        for part in (match["width"], match["precision"]):
            if part is None:
                continue
            if part == "*":
                value = positional[index] if index < len(positional) else 0
                index += 1
            else:
                value = int(part) if len(part) < 10 else limit + 1
            if isinstance(value, int) and abs(value) > limit:
                too_big(abs(value), "a %-format field", limit)
        if match["key"] is None:
            index += 1
    weigh(args, "the %-format's values")


def check_format_spec(spec: str) -> None:
    """Refuse a ``str.format`` spec (``{:>999999999}``) whose numbers exceed the size limit."""
    limit = current_limits().max_size
    for digits in _DIGITS.findall(spec):
        if len(digits) > 9 or int(digits) > limit:
            too_big(int(digits) if len(digits) <= 9 else limit + 1, "a format field", limit)


def check_int_bits(bits: int) -> None:
    limit = current_limits().max_int_bits
    if bits > limit:
        message = f"a number of about {bits:,} bits is too large for a template (at most {limit:,})"
        budget = _BUDGET.get()
        if budget is not None:
            budget.fail(message)
        raise TemplateLimitError(message)


class GuardedIterator:
    """An iterable a ``{% for %}`` loop runs over: every item is an iteration of the budget.

    Keeps ``len()`` when the wrapped iterable has one, so ``loop.length`` and ``loop.last``
    need no look-ahead.
    """

    __slots__ = ("_iterator", "_length")

    def __init__(self, iterable: Iterable[Any]) -> None:
        try:
            self._length: int | None = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            self._length = None
        self._iterator: Iterator[Any] = iter(iterable)

    def __iter__(self) -> GuardedIterator:
        return self

    def __next__(self) -> Any:
        item = next(self._iterator)
        budget = _BUDGET.get()
        if budget is not None:
            budget.iterate()
        return item

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("this loop's iterable has no length")
        return self._length
