"""Config and service-data validation: the one module that imports voluptuous.

Everything else writes `from xiaoqu.core.validation import vol` and uses the helpers below, so the
engine can be swapped for an API-compatible one (Home Assistant moved to probatio) by
changing this file alone. The helpers carry Home Assistant's names and behaviour
(`homeassistant/helpers/config_validation.py`), so integrators can reuse what they know.

Two things differ from plain voluptuous, both so that a person fixing a config file sees
every mistake at once and in words they can act on:

- A list schema (`[ITEM_SCHEMA]`) checks every item. Voluptuous stops at the first item that
  is wrong inside (an error deeper than the item itself) and never looks at the items after
  it; `_compile_sequence` below keeps going and reports them all. It is installed on
  `vol.Schema` when this module is imported, which is before any schema in the project is
  built, because every schema is built from the `vol` this module exports.
- Errors are explained by `humanize_error` / `explain`: one sentence per error naming the
  field path, the offending value shown (truncated), and a value that came from `!secret` or
  `!env_var` never shown. An unknown key (a mapping's `_compile_mapping`, installed the same
  way, tells which keys its schema names) or an unknown kind in `key_value_schemas` comes
  with the name a typo most likely meant: `'server_prot' is not a valid option (did you mean
  'server_port'?)`.

What voluptuous still does not report, by design: once a validator of `vol.All(a, b)` fails,
the ones after it do not run (each takes the previous one's output), and `vol.Any` reports one
branch only.

A discriminated union (a step that is a service call *or* a delay *or* a choose...) is
validated with `key_value_schemas`, never with `vol.Any`: `vol.Any` reports the error of
whichever branch failed deepest, which is usually not the branch the user meant
(voluptuous issues #114, #214, #394).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Container, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import time as time_of_day_t
from datetime import timedelta
from typing import Any, Final, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import voluptuous as vol

from xiaoqu.core.yaml_loader import NodeDict, lookup

__all__ = [
    "Problem",
    "boolean",
    "ensure_list",
    "did_you_mean",
    "entity_id",
    "entity_ids",
    "explain",
    "fen",
    "format_path",
    "humanize_error",
    "key_value_schemas",
    "log_level",
    "name",
    "number",
    "port",
    "positive_int",
    "renamed_keys",
    "slug",
    "string",
    "time_of_day",
    "time_period",
    "time_zone",
    "url",
    "vol",
]

MAX_VALUE_LENGTH: Final = 80
"""How much of an offending value's repr an error message shows."""


def _compile_sequence(self: vol.Schema, schema: Any, seq_type: type[Any]) -> Callable[[list[Any], Any], Any]:
    """Voluptuous' list validation, except that every item is checked.

    An item that fails *inside* (its error path is deeper than the item) has matched that
    alternative of the list schema, as in voluptuous; its errors are kept and the next item
    is checked instead of giving up on the whole list.
    """
    compiled = [self._compile(item_schema) for item_schema in schema]
    type_name = seq_type.__name__

    def validate_sequence(path: list[Any], data: Any) -> Any:
        if not isinstance(data, seq_type):
            raise vol.SequenceTypeInvalid(f"expected a {type_name}", path)
        if not schema:  # an empty list schema accepts only an empty list
            if data:
                raise vol.MultipleInvalid([vol.ValueInvalid("not a valid value", path)])
            return data
        out = []
        errors: list[vol.Invalid] = []
        for index, value in enumerate(data):
            index_path = [*path, index]
            rejection: vol.Invalid | None = None
            for validate in compiled:
                try:
                    result = validate(index_path, value)
                except vol.Invalid as err:
                    rejection = err
                    if len(err.path) > len(index_path):
                        break  # this alternative matched and the item is wrong inside it
                else:
                    rejection = None
                    if result is not vol.Remove:
                        out.append(result)
                    break
            if rejection is not None:
                errors.extend(_flatten(rejection))
        if errors:
            raise vol.MultipleInvalid(errors)
        return type(data)(*out) if hasattr(data, "_fields") else type(data)(out)

    return validate_sequence


vol.Schema._compile_sequence = _compile_sequence  # type: ignore[method-assign]

_voluptuous_compile_mapping = vol.Schema._compile_mapping


class _UnknownKey(vol.Invalid):
    """"extra keys not allowed", knowing the keys the mapping's schema names (for a hint)."""

    def __init__(self, path: list[Any], known: tuple[str, ...]) -> None:
        super().__init__(_EXTRA, path)
        self.known = known


def _compile_mapping(self: vol.Schema, schema: Any, invalid_msg: str | None = None) -> Callable[..., Any]:
    """Voluptuous' mapping validation, except that an unknown key's error knows the valid ones.

    So `explain` can say `'sever_port' is not a valid option (did you mean 'server_port'?)`
    wherever a schema refuses a key: the core's sections, every integration's, automations.
    """
    validate = _voluptuous_compile_mapping(self, schema, invalid_msg)
    known = tuple(sorted(name for key in schema if isinstance(name := _step(key), str)))
    if not known:
        return validate

    def validate_mapping(path: list[Any], iterable: Any, out: Any) -> Any:
        try:
            return validate(path, iterable, out)
        except vol.MultipleInvalid as err:
            err.errors[:] = [
                _UnknownKey(error.path, known)
                if type(error) is vol.Invalid and error.msg == _EXTRA and len(error.path) == len(path) + 1
                else error
                for error in err.errors
            ]
            raise

    return validate_mapping


vol.Schema._compile_mapping = _compile_mapping  # type: ignore[method-assign]


def _flatten(err: vol.Invalid) -> list[vol.Invalid]:
    if isinstance(err, vol.MultipleInvalid):
        return [leaf for sub in err.errors for leaf in _flatten(sub)]
    return [err]


# --- Explaining errors --------------------------------------------------------------------

_REQUIRED: Final = "required key not provided"
_EXTRA: Final = "extra keys not allowed"
_PLAIN_KEY: Final = re.compile(r"^[\w-]+$")
#: A top-level key with a label (`automation kitchen`): a domain, spaces, a label.
_LABELLED_KEY: Final = re.compile(r"^[a-z][a-z0-9_]* +\S(.*\S)?$")


class _KeyInvalid(vol.Invalid):
    """An error about one key of a mapping whose message names the key itself; it is shown at
    the mapping's path (and placed on the key's line). `hint` (a "did you mean") is added
    unless the value it was made from is a secret."""

    def __init__(self, message: str, path: list[Any], hint: str = "") -> None:
        super().__init__(message, path)
        self.hint = hint


def format_path(path: Iterable[Any]) -> str:
    """`door.readers[1].door`: keys joined by dots, list indices in brackets.

    A key that is not a plain word (it holds a dot or a space, or is empty) is quoted:
    `logger.logs['core.bus']`; a labelled top-level key is shown as written:
    `automation kitchen[0].triggers`.
    """
    text = ""
    for step in path:
        if not text and isinstance(step, str) and _LABELLED_KEY.match(step):
            text = step
        elif isinstance(step, str) and _PLAIN_KEY.match(step):
            text += f".{step}" if text else step
        elif isinstance(step, int) and not isinstance(step, bool):
            text += f"[{step}]"
        else:
            text += f"[{step!r}]"
    return text


@dataclass(frozen=True)
class Problem:
    """One validation error in words, ready to be put in front of a person."""

    kind: Literal["required", "key", "value"]
    """"required" (a key is missing), "key" (the message names a key: an unknown option),
    or "value" (the value at the path is wrong)."""
    path: tuple[Any, ...]
    """The field the sentence is about; for a "key" problem, the mapping that holds the key."""
    message: str
    """What is wrong, without the path: `required key not provided`, `expected int`."""
    got: str | None
    """For a "value" problem, the offending value as shown (repr truncated, or where a hidden
    value came from); None when the value is not in the data."""
    error_path: tuple[Any, ...]
    """The full path of the error, to find the line it is on."""

    def sentence(self) -> str:
        """Standing alone: `readers[1].door: required key not provided`,
        `readers[0]: 'colour' is not a valid option`, `expected int for 'port', got 'abc'`."""
        where = format_path(self.path)
        if self.kind != "value":
            return f"{where}: {self.message}" if where else self.message
        text = f"{self.message} for '{where}'" if where else self.message
        return f"{text}, got {self.got}" if self.got is not None else text

    def detail(self) -> str:
        """After the path has been given: `expected int, got 'abc'`."""
        return f"{self.message}, got {self.got}" if self.got is not None else self.message


def _step(step: Any) -> Any:
    """A path step as the user wrote it (voluptuous puts `Required('door')` in the path)."""
    return step.schema if isinstance(step, vol.Marker) else step


def _path_order(path: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    """Sorts readers[2] before readers[10], and mixed key types without failing."""
    return tuple((0, s) if isinstance(s, int) else (1, str(s)) for s in path)


def explain(data: Any, err: vol.Invalid) -> list[Problem]:
    """Every error inside `err` (a `MultipleInvalid` holds many), in words, in path order.

    `data` is what was validated: the offending values are read from it, and values that
    came from `!secret` or `!env_var` are named, never shown.
    """
    problems: dict[tuple[Any, ...], Problem] = {}
    for leaf in _flatten(err):
        problem = _explain_one(data, leaf)
        problems.setdefault((problem.error_path, problem.message), problem)
    return sorted(problems.values(), key=lambda p: (_path_order(p.error_path), p.message))


def _explain_one(data: Any, err: vol.Invalid) -> Problem:
    path = tuple(_step(step) for step in err.path)
    message = str(err.error_message)
    if message == _REQUIRED:
        return Problem("required", path, message, None, path)
    found = lookup(data, path)
    if found.hidden is not None and isinstance(found.value, str | int | float) and str(found.value):
        message = message.replace(str(found.value), "***")  # a validator may quote the value
    if path and (message == _EXTRA or isinstance(err, _KeyInvalid)):
        if message == _EXTRA:
            message = f"'{path[-1]}' is not a valid option"
            if isinstance(err, _UnknownKey):
                holder = lookup(data, path[:-1])
                written = holder.value if holder.found and isinstance(holder.value, Mapping) else ()
                message += did_you_mean(path[-1], err.known, exclude=written)
        elif isinstance(err, _KeyInvalid) and found.hidden is None:
            message += err.hint
        return Problem("key", path[:-1], message, None, path)
    got = None
    if found.hidden is not None:
        got = f"{found.hidden} (value hidden)"
    elif found.found:
        got = _show(found.value)
    return Problem("value", path, message, got, path)


#: How alike (difflib's ratio) a name must be to a wrong one to be suggested for it.
_HINT_LIKENESS: Final = 0.7


def did_you_mean(wrong: Any, candidates: Iterable[str], exclude: Container[Any] = ()) -> str:
    """` (did you mean 'door'?)` when a candidate is close to `wrong`, else ''.

    `exclude` holds names already written beside it (a mapping's keys), never suggested. Only
    a close likeness counts (a typo: `sever_port`, `stat`), not a shared letter or two
    (`colour` is not `country`).
    """
    names = [name for name in candidates if name not in exclude]
    close = difflib.get_close_matches(str(wrong), names, n=1, cutoff=_HINT_LIKENESS)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 3] + "..."


def humanize_error(data: Any, err: vol.Invalid) -> str:
    """One sentence per error, one per line, each naming the field (see `Problem.sentence`)."""
    return "\n".join(problem.sentence() for problem in explain(data, err))


# --- Helpers --------------------------------------------------------------------------------


def string(value: Any) -> str:
    """Text; a number is accepted and turned into text (`name: 3` means "3")."""
    if value is None or isinstance(value, list | dict):
        raise vol.Invalid("expected text")
    return value if isinstance(value, str) else str(value)


#: The longest name a person may give something (an entity, a token).
MAX_NAME_LENGTH: Final = 100
#: Characters a name cannot hold: control (a newline forges a log line, an escape sequence
#: repaints a terminal), format (invisible, and bidi overrides that show "gate" reversed),
#: lone surrogates (no UTF-8 for them), and line and paragraph separators.
_NOT_IN_NAMES: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def name(value: Any) -> str:
    """A name a person gives something through the API or the command line: text, stripped,
    1 to ``MAX_NAME_LENGTH`` characters, none of them control or invisible.

    Names end up in lists staff read, in the log and in the audit log; one of 100,000
    characters or with a newline in it would make all of those unreadable or untrue.
    """
    if not isinstance(value, str):
        raise vol.Invalid("expected a name (text)")
    text = value.strip()
    if not text:
        raise vol.Invalid("expected a name, not blank text")
    if len(text) > MAX_NAME_LENGTH:
        raise vol.Invalid(f"expected a name of at most {MAX_NAME_LENGTH} characters (not {len(text)})")
    for position, char in enumerate(text):
        if unicodedata.category(char) in _NOT_IN_NAMES:
            raise vol.Invalid(
                f"expected a name without control or invisible characters (U+{ord(char):04X} at {position})"
            )
    return text


_TRUE: Final = frozenset({"1", "true", "yes", "on", "enable"})
_FALSE: Final = frozenset({"0", "false", "no", "off", "disable"})


def boolean(value: Any) -> bool:
    """true/false, yes/no, on/off (any case), 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.lower().strip()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    elif isinstance(value, int | float):
        return value != 0
    raise vol.Invalid("expected a boolean (true/false, yes/no, on/off)")


def _integer(value: Any, what: str) -> int:
    """An int from an int or its text (`!env_var` gives text); never from a bool or 1.5."""
    if isinstance(value, bool):
        raise vol.Invalid(f"expected {what}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise vol.Invalid(f"expected {what}")


def positive_int(value: Any) -> int:
    """A whole number, 0 or more (Home Assistant's `positive_int` also accepts 0)."""
    number = _integer(value, "a whole number")
    if number < 0:
        raise vol.Invalid("expected a whole number, 0 or more")
    return number


def port(value: Any) -> int:
    """A TCP/UDP port, 1 to 65535."""
    number = _integer(value, "a port number")
    if not 1 <= number <= 65535:
        raise vol.Invalid("expected a port number from 1 to 65535")
    return number


def port_or_zero(value: Any) -> int:
    """A port, or 0 for "any free port" (tests; the server says which port it bound)."""
    if value == 0 and not isinstance(value, bool):
        return 0
    return port(value)


def fen(value: Any) -> int:
    """An amount of money in fen (分), a whole number, 0 or more: ¥1.50 is written 150."""
    if isinstance(value, float) or isinstance(value, str) and "." in value:
        raise vol.Invalid("money is a whole number of fen (分): write 150 for ¥1.50")
    number = _integer(value, "an amount in fen (分), a whole number")
    if number < 0:
        raise vol.Invalid("expected an amount in fen (分), 0 or more")
    return number


_NOT_SLUG = re.compile(r"[^a-z0-9_]+")


def slug(value: Any) -> str:
    """Lowercase letters, digits and underscores, as used in ids and MQTT topics."""
    text = string(value)
    suggestion = _NOT_SLUG.sub("_", text.lower()).strip("_")
    if text == suggestion:
        return text
    hint = f" (try '{suggestion}')" if suggestion else ""
    raise vol.Invalid(f"expected a slug: lowercase letters, digits and underscores{hint}")


_ENTITY_ID: Final = re.compile(r"^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$")


def entity_id(value: Any) -> str:
    """`domain.object_id`, lowercase (as in Home Assistant, the value is lowercased first)."""
    text = string(value).lower()
    if _ENTITY_ID.match(text):
        return text
    raise vol.Invalid(
        "expected an entity id: domain.object_id, lowercase letters, digits and underscores"
    )


def ensure_list(value: Any) -> list[Any]:
    """A list as it is, nothing as an empty list, anything else as a one-item list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


_entity_id_list = vol.Schema([entity_id])


def entity_ids(value: Any) -> list[str]:
    """A list of entity ids, or one string of them separated by commas."""
    if value is None:
        raise vol.Invalid("expected entity ids")
    if not isinstance(value, str):
        return _entity_id_list(ensure_list(value))
    ids = []
    for part in value.split(","):
        try:
            ids.append(entity_id(part.strip()))
        except vol.Invalid:
            raise vol.Invalid(f"'{part.strip()}' is not an entity id (domain.object_id, "
                              "lowercase letters, digits and underscores)") from None
    return ids


#: What `entity_id` may say instead of naming entities (Home Assistant's ENTITY_MATCH_ALL/NONE).
ENTITY_MATCH_ALL: Final = "all"
ENTITY_MATCH_NONE: Final = "none"


def comp_entity_ids(value: Any) -> str | list[str]:
    """A service call's `entity_id` (Home Assistant's `comp_entity_ids`): `all` (every entity
    of the service's domain), `none` (no entity: the call does nothing), in any case, or
    entity ids as `entity_ids` takes them."""
    if isinstance(value, str) and value.strip().lower() in (ENTITY_MATCH_ALL, ENTITY_MATCH_NONE):
        return value.strip().lower()
    return entity_ids(value)


_TIME_PERIOD_KEYS: Final = ("days", "hours", "minutes", "seconds", "milliseconds")


def number(value: Any) -> float:
    """A number, or text that reads as one (``"2.5"``), as a float.

    A boolean is refused although Python counts it as one: YAML reads an unquoted ``on`` or
    ``yes`` as true, and that is never meant as 1.
    """
    if isinstance(value, bool):
        raise vol.Invalid("expected a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise vol.Invalid("expected a number") from None


def _clock(text: str) -> tuple[int, int, float] | None:
    """`HH:MM` or `HH:MM:SS[.fff]` as (hours, minutes, seconds), or None."""
    parts = text.split(":")
    if len(parts) not in (2, 3):
        return None
    try:
        hours, minutes = int(parts[0]), int(parts[1])
        seconds = float(parts[2]) if len(parts) == 3 else 0.0
    except ValueError:
        return None
    return hours, minutes, seconds


_TIME_PERIOD_ERROR: Final = (
    "expected a time period: seconds (90), 'HH:MM', 'HH:MM:SS' or a mapping of "
    "days/hours/minutes/seconds/milliseconds"
)


def time_period(value: Any) -> timedelta:
    """A duration: seconds as a number, `"HH:MM[:SS]"` (a leading `-` makes it negative), or
    `{days, hours, minutes, seconds, milliseconds}`."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, dict):
        return _time_period_dict(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip()
        sign = -1 if text.startswith("-") else 1
        if (parts := _clock(text.lstrip("+-"))) is not None:
            hours, minutes, seconds = parts
            return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)
        try:
            return timedelta(seconds=float(text))
        except ValueError:
            pass
    raise vol.Invalid(_TIME_PERIOD_ERROR)


_time_period_dict_schema = vol.Schema({vol.Optional(key): number for key in _TIME_PERIOD_KEYS})


def _time_period_dict(value: dict[str, Any]) -> timedelta:
    parts = _time_period_dict_schema(value)
    if not parts:
        raise vol.Invalid(f"expected at least one of {', '.join(_TIME_PERIOD_KEYS)}")
    return timedelta(**parts)


def time_of_day(value: Any) -> time_of_day_t:
    """A time of day, `"HH:MM"` or `"HH:MM:SS"`."""
    if isinstance(value, time_of_day_t):
        return value
    parts = _clock(value) if isinstance(value, str) else None
    if parts is not None:
        hours, minutes, seconds = parts
        if seconds.is_integer():
            try:
                return time_of_day_t(hours, minutes, int(seconds))
            except ValueError:
                pass
    raise vol.Invalid("expected a time of day, 'HH:MM' or 'HH:MM:SS'")


def time_zone(value: Any) -> str:
    """An IANA time zone name such as `Asia/Shanghai`, checked against the tz database
    (`zoneinfo`); the name is returned, as in Home Assistant, for `ZoneInfo(name)` later."""
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return str(value)
    raise vol.Invalid("expected a time zone name such as 'Asia/Shanghai' (the IANA tz database)")


def url(value: Any) -> str:
    """An http or https URL."""
    text = string(value)
    parsed = urlparse(text)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return text
    raise vol.Invalid("expected an http:// or https:// URL")


_LOG_LEVELS: Final = {
    "CRITICAL": "CRITICAL", "FATAL": "CRITICAL", "ERROR": "ERROR", "WARNING": "WARNING",
    "WARN": "WARNING", "INFO": "INFO", "DEBUG": "DEBUG", "NOTSET": "NOTSET",
}


def log_level(value: Any) -> str:
    """A logging level name, any case; returned as the standard upper-case name."""
    if isinstance(value, str) and value.upper() in _LOG_LEVELS:
        return _LOG_LEVELS[value.upper()]
    raise vol.Invalid("expected a log level: critical, error, warning, info, debug or notset")


# --- Schema combinators ---------------------------------------------------------------------


def key_value_schemas(
    key: str,
    value_schemas: Mapping[Hashable, Any],
    default_schema: Any = None,
) -> Callable[[Any], Any]:
    """Validate a mapping with the schema chosen by the value of one of its keys.

    `key_value_schemas("trigger", {"state": STATE, "event": EVENT})` checks `{trigger: state, ...}`
    against STATE only, so its errors are about the state trigger the user wrote. An unknown
    value is reported as `Unexpected value for trigger: 'stat'. Expected state, event`.
    `default_schema` is used when the key is absent (or its value is unknown and the mapping
    fits the default schema).
    """
    schemas = {value: vol.Schema(schema) for value, schema in value_schemas.items()}
    default = vol.Schema(default_schema) if default_schema is not None else None
    expected = ", ".join(str(value) for value in schemas)

    def validate(value: Any) -> Any:
        if not isinstance(value, dict):
            raise vol.Invalid("expected a dictionary")
        if key not in value:
            if default is not None:
                return default(value)
            raise vol.RequiredFieldInvalid(_REQUIRED, [key])
        chosen = value[key]
        if isinstance(chosen, Hashable) and chosen in schemas:
            return schemas[chosen](value)
        if default is not None:
            try:
                return default(value)
            except vol.Invalid:
                pass
        raise _KeyInvalid(f"Unexpected value for {key}: '{chosen}'. Expected {expected}", [key],
                          did_you_mean(chosen, [str(value) for value in schemas]))

    return validate


def renamed_keys(renames: Mapping[str, str]) -> Callable[[Any], Any]:
    """A pre-validator that accepts old spellings of keys: `{old: new}`.

    `{service: light.on}` becomes `{action: light.on}`; a mapping that holds both spellings (or
    two old ones of one key) is rejected, since one of the two values would be silently dropped.
    """

    def rename(value: Any) -> Any:
        if not isinstance(value, dict) or not any(old in value for old in renames):
            return value
        present = [old for old in renames if old in value]
        for old in present:
            new = renames[old]
            if new in value:
                raise _KeyInvalid(f"'{old}' is the old name of '{new}'; write only '{new}'", [old])
            if twin := next((other for other in present if other != old and renames[other] == new), None):
                raise _KeyInvalid(f"'{old}' and '{twin}' are both old names of '{new}'; write only '{new}'", [twin])
        renamed: Any = type(value)((renames.get(k, k), v) for k, v in value.items())
        if isinstance(value, NodeDict):  # keep the places, so later errors still find their line
            renamed.__config_file__, renamed.__line__ = value.__config_file__, value.__line__
            renamed.__locations__ = {renames.get(k, k): v for k, v in value.__locations__.items()}
            renamed.__hidden__ = {renames.get(k, k): v for k, v in value.__hidden__.items()}
        return renamed

    return rename
