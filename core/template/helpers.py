"""The hub-independent helpers: numbers, time formatting, JSON, regular expressions, lists.

Names and meanings follow Home Assistant's template helpers, so a template written for
Home Assistant reads the same here. Two rules from there hold throughout:

- A conversion that fails without a ``default`` is an error naming the function and the
  value (``float got invalid input 'unknown' ...``), never a silent 0.
- Every argument that sets an amount of work (a precision, a regular expression) is
  bounded, because a template's arguments are written by people.
"""
from __future__ import annotations

import json
import math
import statistics
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

import regex

from xiaoqu.core.money import yuan
from xiaoqu.core.template.limits import check_indented, check_size, current_budget, current_limits

_SENTINEL: Any = object()
_TRUE = frozenset({"1", "true", "yes", "on", "enable"})
_FALSE = frozenset({"0", "false", "no", "off", "disable"})
#: Decimal places ``round`` accepts: enough for any measurement, small enough to be cheap.
MAX_PRECISION = 15
DATE_STR_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Fen written out as text: an optional minus and digits, nothing a float would round.
_FEN_TEXT = regex.compile(r"-?[0-9]{1,15}")


def no_default(function: str, value: Any) -> ValueError:
    shown = repr(value) if not isinstance(value, str) else f"'{value[:60]}'"
    return ValueError(f"{function} got invalid input {shown} and no default was given")


# --- numbers -----------------------------------------------------------------------------


def forgiving_float(value: Any, default: Any = _SENTINEL) -> Any:
    """``'3.5' | float`` → 3.5; ``'unknown' | float(0)`` → 0; ``'unknown' | float`` → error."""
    try:
        return float(value)
    except (ValueError, TypeError, OverflowError):
        if default is _SENTINEL:
            raise no_default("float", value) from None
        return default


def forgiving_int(value: Any, default: Any = _SENTINEL, base: int = 10) -> Any:
    """``'42' | int`` → 42, ``'3.7' | int`` → 3 (as jinja2's ``int``); a non-number needs a default."""
    try:
        if isinstance(value, str | bytes) and base != 10:
            return int(value, base)
        return int(value)
    except (ValueError, TypeError, OverflowError):
        pass
    try:
        return int(float(value))
    except (ValueError, TypeError, OverflowError):
        if default is _SENTINEL:
            raise no_default("int", value) from None
        return default


def forgiving_bool(value: Any, default: Any = _SENTINEL) -> Any:
    """``'on' | bool`` → True; true/yes/on/enable/1 and false/no/off/disable/0, any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    if default is _SENTINEL:
        raise no_default("bool", value)
    return default


def forgiving_round(value: Any, precision: int = 0, method: str = "common", default: Any = _SENTINEL) -> Any:
    """``round(2)``; ``method`` is ``common``, ``ceil``, ``floor`` or ``half`` (to the nearest .5)."""
    if not isinstance(precision, int) or not -MAX_PRECISION <= precision <= MAX_PRECISION:
        raise ValueError(f"round precision must be a whole number from -{MAX_PRECISION} to {MAX_PRECISION}")
    try:
        number = float(value)
        multiplier = 10.0**precision
        if method == "ceil":
            number = math.ceil(number * multiplier) / multiplier
        elif method == "floor":
            number = math.floor(number * multiplier) / multiplier
        elif method == "half":
            number = round(number * 2) / 2
        else:
            number = round(number, precision)
        return int(number) if precision == 0 else number
    except (ValueError, TypeError, OverflowError):
        if default is _SENTINEL:
            raise no_default("round", value) from None
        return default


def is_number(value: Any) -> bool:
    """Whether ``value`` is (or reads as) a finite number."""
    try:
        return math.isfinite(float(value))
    except (ValueError, TypeError, OverflowError):
        return False


def _values(args: tuple[Any, ...]) -> list[Any]:
    if len(args) == 1 and isinstance(args[0], Iterable) and not isinstance(args[0], str):
        return list(args[0])
    return list(args)


def minimum(*args: Any) -> Any:
    """``min(1, 2)`` or ``min([1, 2])``."""
    values = _values(args)
    if not values:
        raise ValueError("min got no values")
    return min(values)


def maximum(*args: Any) -> Any:
    values = _values(args)
    if not values:
        raise ValueError("max got no values")
    return max(values)


def average(*args: Any, default: Any = _SENTINEL) -> Any:
    """``average(1, 2, 3)`` or ``[1, 2, 3] | average``; an empty list needs a default."""
    values = _values(args)
    if not values:
        if default is _SENTINEL:
            raise ValueError("average got no values and no default was given")
        return default
    try:
        return statistics.fmean(float(v) for v in values)
    except (ValueError, TypeError):
        if default is _SENTINEL:
            raise no_default("average", values) from None
        return default


# --- text ----------------------------------------------------------------------------------


def slugify(value: Any, separator: str = "_") -> str:
    """``'North Gate 2' | slugify`` → ``north_gate_2``: lower-case ASCII letters and digits.

    Characters without an ASCII form (Chinese) are dropped; text left empty gives ``unknown``,
    as Home Assistant does.
    """
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii").lower()
    words = regex.findall(r"[a-z0-9]+", text)
    return separator.join(words) if words else "unknown"


def iif(value: Any, if_true: Any = True, if_false: Any = False, if_none: Any = _SENTINEL) -> Any:
    """Immediate if: ``iif(is_state('door.east', 'open'), 'open', 'shut')``."""
    if value is None and if_none is not _SENTINEL:
        return if_none
    return if_true if value else if_false


def contains(container: Any, value: Any) -> bool:
    try:
        return value in container
    except TypeError:
        return False


def from_json(value: Any, default: Any = _SENTINEL) -> Any:
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        if default is _SENTINEL:
            raise no_default("from_json", value) from None
        return default


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


def to_json(value: Any, ensure_ascii: bool = False, pretty_print: bool = False, sort_keys: bool = False) -> str:
    """JSON text; ``value`` was weighed already, as every filter's and call's input is."""
    if pretty_print:
        check_indented(value, 2, "to_json's result")
    text = json.dumps(
        value,
        ensure_ascii=ensure_ascii,
        indent=2 if pretty_print else None,
        sort_keys=sort_keys,
        default=_json_default,
    )
    check_size(len(text), "to_json's result")
    return text


# --- regular expressions: the `regex` module, because its matches can time out -------------


@lru_cache(maxsize=256)
def _compiled(pattern: str, ignorecase: bool) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.IGNORECASE if ignorecase else 0)


def _regex_timeout() -> float:
    budget = current_budget()
    limit = current_limits().regex_seconds
    return limit if budget is None else min(limit, max(budget.seconds_left(), 0.001))


def _run_regex(action: Callable[[float], Any], pattern: str) -> Any:
    try:
        return action(_regex_timeout())
    except TimeoutError:
        message = f"the regular expression {pattern[:60]!r} took too long (it backtracks too much)"
        budget = current_budget()
        if budget is not None:
            budget.fail(message)
        raise ValueError(message) from None


def regex_match(value: Any, find: str = "", ignorecase: bool = False) -> bool:
    """Whether ``find`` matches at the start of ``value``."""
    text = value if isinstance(value, str) else str(value)
    pattern = _compiled(find, ignorecase)
    return bool(_run_regex(lambda t: pattern.match(text, timeout=t), find))


def regex_search(value: Any, find: str = "", ignorecase: bool = False) -> bool:
    """Whether ``find`` matches anywhere in ``value``."""
    text = value if isinstance(value, str) else str(value)
    pattern = _compiled(find, ignorecase)
    return bool(_run_regex(lambda t: pattern.search(text, timeout=t), find))


def regex_findall(value: Any, find: str = "", ignorecase: bool = False) -> list[Any]:
    text = value if isinstance(value, str) else str(value)
    pattern = _compiled(find, ignorecase)
    return _run_regex(lambda t: pattern.findall(text, timeout=t), find)


def regex_findall_index(value: Any, find: str = "", index: int = 0, ignorecase: bool = False) -> Any:
    return regex_findall(value, find, ignorecase)[index]


def regex_replace(value: Any = "", find: str = "", replace: str = "", ignorecase: bool = False) -> str:
    """Replace every match; the result is built piece by piece so it can be stopped at the size limit."""
    text = value if isinstance(value, str) else str(value)
    pattern = _compiled(find, ignorecase)
    limit = current_limits().max_size

    def substitute(timeout: float) -> str:
        pieces: list[str] = []
        size = 0
        last = 0
        for match in pattern.finditer(text, timeout=timeout):
            piece = match.expand(replace)
            size += (match.start() - last) + len(piece)
            if size > limit:
                check_size(size, "regex_replace's result")
            pieces.append(text[last : match.start()])
            pieces.append(piece)
            last = match.end()
        pieces.append(text[last:])
        return "".join(pieces)

    return _run_regex(substitute, find)


# --- time --------------------------------------------------------------------------------


def yuan_of(value: Any, default: Any = _SENTINEL) -> Any:
    """``123456 | yuan`` → ``¥1234.56``: fen as people read money, exactly (never through a
    float). A whole number of fen, or its digits as text (an event's data after a template);
    anything else needs a default, like ``int``."""
    if isinstance(value, str) and _FEN_TEXT.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return yuan(value)
    if default is _SENTINEL:
        raise no_default("yuan", value)
    return default


def parse_datetime(text: str, tz: tzinfo | None = None) -> datetime | None:
    """An ISO 8601 date-time (``2026-03-02 08:00``, ``...T08:00:00+08:00``); naive ones in ``tz``."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None and tz is not None:
        moment = moment.replace(tzinfo=tz)
    return moment


class TimeHelpers:
    """Time helpers of one hub: ``now()`` and everything local read the hub's clock and zone."""

    __slots__ = ("_now", "_tz")

    def __init__(self, now: Callable[[], datetime], tz: tzinfo) -> None:
        self._now = now
        self._tz = tz

    def now(self) -> datetime:
        from xiaoqu.core.template.info import record_time

        record_time()
        return self._now()

    def utcnow(self) -> datetime:
        return self.now().astimezone(UTC)

    def today_at(self, value: str = "00:00") -> datetime:
        """Today at ``HH:MM`` (or ``HH:MM:SS``) in the site's time zone."""
        try:
            moment = time.fromisoformat(value)
        except (ValueError, TypeError):
            raise ValueError(f"today_at expects a time like '08:30', got {value!r}") from None
        return datetime.combine(self.now().date(), moment, tzinfo=self._tz)

    def as_datetime(self, value: Any, default: Any = _SENTINEL) -> Any:
        """A datetime from a datetime, a date, an epoch number or an ISO string."""
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime.combine(value, time(), tzinfo=self._tz)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, ValueError, OSError):
                pass
        elif isinstance(value, str):
            if is_number(value):
                return self.as_datetime(float(value), default)
            if (moment := parse_datetime(value)) is not None:
                return moment
        if default is _SENTINEL:
            raise no_default("as_datetime", value)
        return default

    def as_timestamp(self, value: Any, default: Any = _SENTINEL) -> Any:
        """Seconds since the epoch; naive datetimes count as site time."""
        moment: datetime | None
        try:
            if isinstance(value, datetime):
                moment = value if value.tzinfo else value.replace(tzinfo=self._tz)
                return moment.timestamp()
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str) and (moment := parse_datetime(value, self._tz)) is not None:
                return moment.timestamp()
        except (OverflowError, ValueError, OSError):
            pass
        if default is _SENTINEL:
            raise no_default("as_timestamp", value)
        return default

    def as_local(self, value: datetime) -> datetime:
        if not isinstance(value, datetime):
            raise ValueError(f"as_local expects a datetime, got {value!r}")
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(self._tz)

    def relative_time(self, value: Any) -> Any:
        """How long ago ``value`` was: ``2 hours``, ``1 day``; a time in the future is returned as is."""
        if not isinstance(value, datetime):
            return value
        moment = value if value.tzinfo else value.replace(tzinfo=self._tz)
        seconds = (self.now() - moment).total_seconds()
        if seconds < 0:
            return value
        for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400),
                           ("hour", 3600), ("minute", 60), ("second", 1)):
            if seconds >= size or unit == "second":
                count = int(seconds // size)
                return f"{count} {unit}{'' if count == 1 else 's'}"
        raise AssertionError("unreachable")

    def timestamp_custom(self, value: Any, format_string: str = DATE_STR_FORMAT, local: bool = True,
                         default: Any = _SENTINEL) -> Any:
        """An epoch timestamp written with ``strftime`` codes, in site time unless ``local=False``."""
        try:
            moment = datetime.fromtimestamp(float(value), self._tz if local else UTC)
            return moment.strftime(format_string)
        except (ValueError, TypeError, OverflowError, OSError):
            if default is _SENTINEL:
                raise no_default("timestamp_custom", value) from None
            return default

    def timestamp_local(self, value: Any, default: Any = _SENTINEL) -> Any:
        """An epoch timestamp as ISO 8601 in site time."""
        try:
            return datetime.fromtimestamp(float(value), self._tz).isoformat()
        except (ValueError, TypeError, OverflowError, OSError):
            if default is _SENTINEL:
                raise no_default("timestamp_local", value) from None
            return default

    def timestamp_utc(self, value: Any, default: Any = _SENTINEL) -> Any:
        try:
            return datetime.fromtimestamp(float(value), UTC).isoformat()
        except (ValueError, TypeError, OverflowError, OSError):
            if default is _SENTINEL:
                raise no_default("timestamp_utc", value) from None
            return default

    def strptime(self, value: str, format_string: str, default: Any = _SENTINEL) -> Any:
        try:
            return datetime.strptime(value, format_string)
        except (ValueError, TypeError):
            if default is _SENTINEL:
                raise no_default("strptime", value) from None
            return default
