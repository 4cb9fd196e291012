"""What a single render may cost, and the running account that enforces it.

A template is written by staff and runs inside the hub's event loop, so a mistake (or a
malice) must not freeze the hub or eat its memory. jinja2's sandbox stops access to Python
internals but caps nothing except ``range`` (``MAX_RANGE``); everything else is counted here:

- **time**: each render gets a deadline; it is checked at every checkpoint (each loop
  iteration, function call, attribute lookup and operator), so no Python-level path runs
  past it for long. A single C-level operation cannot be interrupted, which is why every
  operation that could make one slow is bounded by the size limits first.
- **size**: no string, list or output a template builds may exceed ``max_size`` characters,
  a list or mapping counting as the text it would print as (`weight`); checked *before*
  the work (``'a' * 10**9`` is refused, not attempted).
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
from collections.abc import Callable, Iterable, Iterator, Mapping, MappingView
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from jinja2.runtime import Undefined
from jinja2.utils import Namespace

from xiaoqu.core.template.errors import TemplateLimitError

if TYPE_CHECKING:
    from xiaoqu.core.template.info import RenderInfo


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
#: ... and while weighing a value, once every this many containers in it.
_CLOCK_EVERY_CONTAINERS = 1024


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
        if not self.steps % _CLOCK_EVERY:
            self.check_time()

    def check_time(self) -> None:
        """Fail if the render is past its deadline (for work that is not made of steps)."""
        if self.limits.clock() > self.deadline:
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


class budget_scope:
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
    """`weight` of ``value``, and an error naming ``what`` if it is past the size limit."""
    limit = current_limits().max_size
    size = weight(value, limit)
    if size > limit:
        too_big(size, what, limit)
    return size


def weigh_all(values: Iterable[Any], what: str) -> int:
    """The weights of ``values`` added up (a call's arguments), and an error past the limit."""
    limit = current_limits().max_size
    total = 0
    for value in values:
        total += weight(value, limit)
        if total > limit:
            too_big(total, what, limit)
    return total


def weight(value: Any, cap: int) -> int:
    """About how many characters ``str(value)`` would write, counted no further than past ``cap``.

    This is what a template value costs: a filter that calls ``str()`` on a list, a ``~``,
    ``{{ }}`` all write it out. A list that holds the same list many times is small in
    memory and enormous as text (``[[a] * 1000] * 1000``, or ``{% set ns.x = [ns.x, ns.x] %}``
    in a loop), so the walk goes over items as often as they occur, as ``repr`` would.

    Weighing guards every filter, so it must be cheap: every item it visits adds at least two
    characters (its brackets or its separator), and it stops as soon as the count is past
    ``cap`` — so it visits at most ``cap / 2`` items whatever the value (a cycle, too), and
    returns some number above ``cap``. No recursion: deep nesting is no problem either.
    """
    if isinstance(value, str):
        return len(value)
    kind = _KINDS.get(type(value)) or _classify(type(value))
    if kind != _CONTAINER:
        return _item_weight(value, kind)
    budget = _BUDGET.get()
    total = 0
    visited = 0
    stack = [value]
    while stack:
        item = stack.pop()
        total += _BRACKETS if type(item) in _PLAIN_CONTAINERS else _BRACKETS + len(type(item).__name__) + 2
        for child in _children(item):
            kind = _KINDS.get(type(child)) or _classify(type(child))
            if kind == _CONTAINER:
                total += _SEPARATOR
                stack.append(child)
            else:
                total += _SEPARATOR + _item_weight(child, kind)
            if total > cap:
                return total
        visited += 1
        if budget is not None and not visited % _CLOCK_EVERY_CONTAINERS:
            budget.check_time()
    return total


def check_indented(value: Any, indent: int, what: str) -> None:
    """Refuse to print ``value`` an item a line, indented ``indent`` a level (``pprint``,
    ``tojson`` with an indent), if that text would be past the limit: the value's weight,
    plus on every line an indent as deep as the nesting."""
    size = weigh(value, what)  # first: `_layout` walks only what is bounded
    lines, deepest = _layout(value)
    check_size(size + lines * max(indent, 0) * deepest, what)


def _layout(value: Any) -> tuple[int, int]:
    """The lines ``value`` takes printed an item a line (a container's closing bracket on a
    line of its own), and how many containers deep it goes. Walks item by item, as `weight`."""
    lines = deepest = 0
    stack = [(value, 1)] if _classify(type(value)) == _CONTAINER else []
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        lines += 2
        for child in _children(item):
            if _classify(type(child)) == _CONTAINER:
                stack.append((child, depth + 1))
            else:
                lines += 1
    return lines, deepest


#: The brackets of a list, tuple or dict; other containers also write their type's name
#: (``mappingproxy({...})``; a set's name stands for the ``set()`` it writes when empty).
_BRACKETS = 2
_PLAIN_CONTAINERS = frozenset({list, tuple, dict})
#: ``", "`` between items (and ``": "`` between a key and its value).
_SEPARATOR = 2
#: The longest ``repr`` of a float (``-1.2345678901234567e-308``).
_FLOAT_WEIGHT = 24

# What a value of a type is, for weighing it: worked out once per type, as weighing is on
# every call. (From 1, so ``_KINDS.get(t) or _classify(t)`` reads well.)
_CONTAINER, _TEXT, _INT, _FLOAT, _CONSTANT, _BYTES, _NOTHING, _OTHER = range(1, 9)
_KINDS: dict[type, int] = {}


def _classify(kind: type) -> int:
    known = _KINDS.get(kind)
    if known is not None:
        return known
    if kind is str:
        known = _TEXT
    elif issubclass(kind, bool) or kind is type(None):
        known = _CONSTANT
    elif issubclass(kind, int):
        known = _INT
    elif issubclass(kind, float):
        known = _FLOAT
    elif issubclass(kind, bytes | bytearray):
        known = _BYTES
    elif issubclass(kind, Undefined):
        known = _NOTHING  # writes nothing (and asking it would log a warning)
    elif issubclass(kind, Mapping | MappingView | Namespace | list | tuple | set | frozenset):
        known = _CONTAINER
    else:
        known = _OTHER  # a datetime, a state, a str subclass such as Markup ...
    _KINDS[kind] = known
    return known


def _children(item: Any) -> list[Any] | tuple[Any, ...]:
    if type(item) is list or type(item) is tuple:
        return item
    if isinstance(item, Namespace):
        item = item._Namespace__attrs  # jinja2 keeps a namespace's values here
    if isinstance(item, Mapping):
        return [*item.keys(), *item.values()]
    return list(item)  # a set, a dict view


def _item_weight(value: Any, kind: int) -> int:
    """What ``repr`` writes for a value that holds no others (an upper bound); ``kind`` is its
    `_classify`."""
    if kind == _TEXT:
        if value.isprintable() and "\\" not in value and "'" not in value:
            return len(value) + 2  # its quotes
        return len(repr(value))  # and its escapes
    if kind == _INT:
        return value.bit_length() * 30103 // 100_000 + 1 + (value < 0)  # digits (log10 2 = 0.30103), sign
    if kind == _FLOAT:
        return _FLOAT_WEIGHT
    if kind == _CONSTANT:
        return 5
    if kind == _BYTES:
        return 4 * len(value) + 14  # every byte as \xNN at worst, bytearray(b'')
    if kind == _NOTHING:
        return 0
    try:
        return len(repr(value))
    except Exception:
        return 0


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
