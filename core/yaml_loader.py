"""Load YAML config files so that every error can point at a file and a line.

Everything a config file yields carries its origin: mappings come back as `NodeDict`, lists as
`NodeList`, strings as `NodeStr`, each with `__config_file__` (the path relative to the config
directory) and `__line__` (1-based). Containers also remember where each child was written
(for a mapping, the line of the *key*, which is the line a person looks for), so
`core.config` can turn a voluptuous error path into `config.yaml:42: door.readers[1].door: ...`.

Tags, as in Home Assistant: `!include`, `!include_dir_list`, `!include_dir_merge_list`,
`!include_dir_named`, `!include_dir_merge_named`, `!secret`, `!env_var`, `!input`.

A mistake in the files never raises. It becomes a `YamlIssue` and the value that could not be
produced becomes an `Unresolved` marker, so one run reports every missing secret and every
broken include, not only the first. Duplicate keys are warnings naming both lines. Text that
holds a lone UTF-16 surrogate (a `"\\ud800"` escape, or an `!env_var` that is not UTF-8) is such
a mistake: no file, state or API answer could encode it later.

Numbers follow YAML 1.2 where YAML 1.1 surprises people: `10:30` is the text "10:30" (not the
base-60 number 630) and `0101` is the text "0101" (not the octal number 65). Booleans keep
YAML 1.1's yes/no/on/off, as Home Assistant does.

Speed: the document is parsed with libyaml's C parser when PyYAML has it, and built into Python
objects by the constructors below (which stay in Python either way, to annotate). Only when the
C parser finds a syntax error is the text parsed again with the pure-Python parser, whose
messages are the ones we show (the two libraries word their errors differently); when the
pure parser finds none (libyaml refuses a whole file for one ``"\\ud800"`` escape), the file
is built from its parse. Measured here
on a 10,000-line config (2,000 card readers, best of 5): 0.27 s with the C parser, 0.95 s with
the pure-Python one, against 0.17 s for PyYAML's plain CSafeLoader without annotations. So the
C parser is used when present, and the pure one remains a slower but workable fallback.

Secret values never appear in an issue, a log line or (through `lookup`) a validation message:
a container remembers which children came from `!secret` or `!env_var`, and a syntax error
inside secrets.yaml is reported without the offending text.
"""
from __future__ import annotations

import fnmatch
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

import yaml

from xiaoqu.core.payload import first_surrogates

try:
    from yaml import CSafeLoader as _FastBase
except ImportError:  # PyYAML built without libyaml
    _FastBase = None  # type: ignore[assignment,misc]

_LOGGER = logging.getLogger(__name__)

SECRETS_FILE: Final = "secrets.yaml"

_NO_CHILDREN: Final[Mapping[Any, Any]] = MappingProxyType({})


class NodeDict(dict):
    """A mapping read from a config file."""

    __config_file__: str | None = None
    __line__: int | None = None
    __locations__: Mapping[Any, tuple[str, int]] = _NO_CHILDREN
    __hidden__: Mapping[Any, str] = _NO_CHILDREN


class NodeList(list):
    """A list read from a config file."""

    __config_file__: str | None = None
    __line__: int | None = None
    __locations__: Mapping[int, tuple[str, int]] = _NO_CHILDREN
    __hidden__: Mapping[int, str] = _NO_CHILDREN


class NodeStr(str):
    """A string read from a config file."""

    __config_file__: str | None = None
    __line__: int | None = None


class Input:
    """`!input name` in a blueprint: a placeholder the blueprint's user fills in later."""

    __slots__ = ("name", "__config_file__", "__line__")

    def __init__(self, name: str, file: str | None = None, line: int | None = None) -> None:
        self.name = name
        self.__config_file__ = file
        self.__line__ = line

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Input) and other.name == self.name

    def __hash__(self) -> int:
        return hash((Input, self.name))

    def __repr__(self) -> str:
        return f"!input {self.name}"


class Unresolved:
    """Stands where a tag could not produce a value; its issue is already in the load's issues."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<failed to load>"


@dataclass(frozen=True)
class YamlIssue:
    """One problem found while loading: an error, or a warning that does not stop the load."""

    file: str
    """Path relative to the config directory."""
    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"
    path: tuple[Any, ...] = ()
    """Key path from the top of the loaded document to the value concerned, when it is known."""


@dataclass(frozen=True)
class YamlResult:
    data: Any
    """The document: annotated containers, or an `Unresolved` when the file itself failed."""
    issues: list[YamlIssue]


@dataclass(frozen=True)
class Lookup:
    """What `lookup` found at a key path."""

    found: bool
    value: Any = field(repr=False)  # may be a secret
    depth: int
    """How many steps of the path were followed."""
    file: str | None
    """Where the value (for a mapping value, its key) is written, nearest known place."""
    line: int | None
    hidden: str | None
    """`!secret NAME` or `!env_var NAME` when the value, or a container above it, came from there."""


def location(obj: Any) -> tuple[str, int] | None:
    """The file and line an annotated value was read from."""
    file = getattr(obj, "__config_file__", None)
    line = getattr(obj, "__line__", None)
    return (file, line) if file is not None and line is not None else None


def lookup(data: Any, path: tuple[Any, ...] | list[Any]) -> Lookup:
    """Follow `path` into `data` as far as it goes, keeping the nearest annotated place.

    A mapping value is placed at its key's line (the value of a block mapping starts on the
    next line, and a value from `!include` lives in another file). When the path leaves the
    data (a validator produced a value the file does not hold), the last place reached stands.
    """
    file, line = location(data) or (None, None)
    hidden: str | None = None
    value = data
    for depth, step in enumerate(path):
        if isinstance(value, dict):
            try:
                present = step in value
            except TypeError:
                present = False
        elif isinstance(value, list):
            present = isinstance(step, int) and -len(value) <= step < len(value)
        else:
            present = False
        if not present:
            return Lookup(False, None, depth, file, line, hidden)
        child = value[step]
        where = None
        if isinstance(value, NodeDict | NodeList):
            hidden = hidden or value.__hidden__.get(step)
            where = value.__locations__.get(step)
        where = where or location(child)
        if where is not None:
            file, line = where
        value = child
    return Lookup(True, value, len(path), file, line, hidden)


# YAML 1.1 reads `10:30` as 630 and `0101` as 65; YAML 1.2 and people read neither so.
_INT_TAG: Final = "tag:yaml.org,2002:int"
_FLOAT_TAG: Final = "tag:yaml.org,2002:float"
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class _Context:
    """State shared by every file of one load: issues, the secrets cache, the include chain."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir
        self.issues: list[YamlIssue] = []
        self.targets: list[tuple[int, object]] = []  # (issue index, value whose path to find)
        self.secrets: dict[Path, Any] = {}
        self.chain: list[Path] = []

    def display(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.config_dir)).as_posix()

    def report(self, file: str, line: int | None, message: str, *, target: object = None,
               severity: Literal["error", "warning"] = "error") -> None:
        if target is not None:
            self.targets.append((len(self.issues), target))
        self.issues.append(YamlIssue(file, line, message, severity))

    def fail(self, loader: _Annotating, node: yaml.Node, message: str) -> Unresolved:
        """Report a tag that cannot produce its value; its place in the document is found later."""
        marker = Unresolved()
        self.report(loader.display, _line(node), message, target=marker)
        return marker


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Annotating:
    """The part both loaders share: which file they read and the load they belong to."""

    def __init__(self, stream: str, file: Path, context: _Context, *, is_secrets: bool) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        self.file = file
        self.display = context.display(file)
        self.context = context
        self.is_secrets = is_secrets


class _PureLoader(_Annotating, yaml.SafeLoader):
    pass


# The first parses; the pure-Python one also words the syntax errors the C parser finds.
_LOADERS: list[type[_Annotating]] = [_PureLoader]
if _FastBase is not None:

    class _FastLoader(_Annotating, _FastBase):
        pass

    _LOADERS.insert(0, _FastLoader)


def _construct_str(loader: _Annotating, node: yaml.ScalarNode) -> NodeStr | Unresolved:
    text = loader.construct_scalar(node)  # type: ignore[attr-defined]
    if run := first_surrogates(text):
        return loader.context.fail(loader, node, _surrogate_problem(run))
    value = NodeStr(text)
    value.__config_file__ = loader.display
    value.__line__ = _line(node)
    return value


def _surrogate_problem(run: str) -> str:
    """Why a ``"\\ud83d"`` escape is refused: no UTF-8 text (a file, a state, the API) can hold it.

    JSON writes 😀 as the pair ``\\ud83d\\ude00``; YAML takes each half as a character of its
    own, so a pair copied from JSON is named with the character it meant.
    """
    shown = "".join(f"\\u{ord(char):04x}" for char in run)
    try:
        meant = run[:2].encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        return f'"{shown}" is half of a UTF-16 surrogate pair, not a character; write the character itself'
    return (f'"{shown}" is a UTF-16 surrogate pair, which YAML does not join; '
            f'write {meant} itself or "\\U{ord(meant):08X}"')


def _source_label(node: yaml.Node) -> str | None:
    """The label shown instead of a value that must not be printed."""
    if node.tag in ("!secret", "!env_var") and isinstance(node.value, str):
        name = node.value.split(maxsplit=1)[0] if node.value.strip() else ""
        return f"{node.tag} {name}"
    return None


_MERGE_TAG: Final = "tag:yaml.org,2002:merge"


def _construct_mapping(loader: _Annotating, node: yaml.MappingNode) -> NodeDict:
    own: set[int] | None = None  # with `<<: *anchor`, keys written here may override merged ones
    if any(key_node.tag == _MERGE_TAG for key_node, _ in node.value):
        own = {id(key_node) for key_node, _ in node.value}
        loader.flatten_mapping(node)  # type: ignore[attr-defined]
    result = NodeDict()
    result.__config_file__ = loader.display
    result.__line__ = _line(node)
    locations: dict[Any, tuple[str, int]] = {}
    written: dict[Any, tuple[str, int]] = locations if own is None else {}
    hidden: dict[Any, str] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
        if isinstance(key, Unresolved):  # reported; the entry keeps the mapping's section from being used
            result[key] = key
            continue
        where = (loader.display, _line(key_node))
        try:
            earlier = written.get(key)
        except TypeError:
            loader.context.report(
                loader.display, where[1], f"a key must be a plain value, not {_kind(key)}"
            )
            continue
        if earlier is not None:
            _warn_duplicate(loader.context, result, key, earlier, where)
        if own is not None and id(key_node) in own:
            written[key] = where
        result[key] = loader.construct_object(value_node, deep=True)  # type: ignore[attr-defined]
        locations[key] = where
        if (label := _source_label(value_node)) is not None:
            hidden[key] = label
    result.__locations__ = locations
    if hidden:
        result.__hidden__ = hidden
    return result


def _warn_duplicate(context: _Context, container: Any, key: Any,
                    first: tuple[str, int], second: tuple[str, int]) -> None:
    if first[0] == second[0]:
        both = f"lines {first[1]} and {second[1]}"
        used = f"the value on line {second[1]} is used"
    else:
        both = f"{first[0]}:{first[1]} and {second[0]}:{second[1]}"
        used = f"the value from {second[0]}:{second[1]} is used"
    context.report(second[0], second[1], f"duplicate key '{key}' ({both}); {used}",
                   target=container, severity="warning")


def _construct_sequence(loader: _Annotating, node: yaml.SequenceNode) -> NodeList:
    result = NodeList(
        loader.construct_object(child, deep=True) for child in node.value  # type: ignore[attr-defined]
    )
    result.__config_file__ = loader.display
    result.__line__ = _line(node)
    result.__locations__ = {i: (loader.display, _line(child)) for i, child in enumerate(node.value)}
    hidden = {i: label for i, child in enumerate(node.value) if (label := _source_label(child))}
    if hidden:
        result.__hidden__ = hidden
    return result


def _argument(loader: _Annotating, node: yaml.Node) -> str | Unresolved:
    """The text after a tag; an issue when there is none."""
    if isinstance(node, yaml.ScalarNode) and str(node.value).strip():
        return str(node.value).strip()
    return loader.context.fail(loader, node, f"{node.tag} needs a value after it")


def _relative(loader: _Annotating, name: str) -> Path:
    return Path(os.path.normpath(loader.file.parent / name))


def _include(loader: _Annotating, node: yaml.Node) -> Any:
    """`!include file.yaml`: the file's content, read relative to the including file."""
    if isinstance(name := _argument(loader, node), Unresolved):
        return name
    return _load_file(loader.context, _relative(loader, name), origin=(loader, node))


def _yaml_files(directory: Path) -> Iterator[Path]:
    """The .yaml files under `directory`, in a stable order, skipping hidden ones and secrets."""
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name != SECRETS_FILE and fnmatch.fnmatch(name, "*.yaml"):
                yield Path(root) / name


def _include_dir(loader: _Annotating, node: yaml.Node) -> Iterator[tuple[Path, Any]] | Unresolved:
    """Load every file of an `!include_dir_*` directory, as (path, content) pairs."""
    if isinstance(name := _argument(loader, node), Unresolved):
        return name
    directory = _relative(loader, name)
    if not directory.is_dir():
        return loader.context.fail(loader, node, f"{node.tag}: directory '{name}' not found")
    return (
        (path, _load_file(loader.context, path, origin=(loader, node)))
        for path in _yaml_files(directory)
    )


def _annotated(container: NodeDict | NodeList, loader: _Annotating, node: yaml.Node) -> Any:
    container.__config_file__ = loader.display
    container.__line__ = _line(node)
    return container


def _file_place(context: _Context, path: Path, value: Any) -> tuple[str, int]:
    return location(value) or (context.display(path), 1)


def _include_dir_list(loader: _Annotating, node: yaml.Node) -> Any:
    """Each file of the directory is one item of the list (empty files are skipped)."""
    files = _include_dir(loader, node)
    if isinstance(files, Unresolved):
        return files
    result = NodeList()
    locations = {}
    for path, value in files:
        if value is not None:
            locations[len(result)] = _file_place(loader.context, path, value)
            result.append(value)
    result.__locations__ = locations
    return _annotated(result, loader, node)


def _include_dir_merge_list(loader: _Annotating, node: yaml.Node) -> Any:
    """Every file holds a list; the lists are joined into one."""
    files = _include_dir(loader, node)
    if isinstance(files, Unresolved):
        return files
    result = NodeList()
    locations: dict[int, tuple[str, int]] = {}
    hidden: dict[int, str] = {}
    for path, value in files:
        if isinstance(value, NodeList):
            locations.update((len(result) + i, where) for i, where in value.__locations__.items())
            hidden.update((len(result) + i, label) for i, label in value.__hidden__.items())
            result.extend(value)
        elif value is not None and not isinstance(value, Unresolved):
            loader.context.report(*_file_place(loader.context, path, value),
                                  f"{node.tag} needs a list in every file, this file holds "
                                  f"{_kind(value)}")
    result.__locations__ = locations
    if hidden:
        result.__hidden__ = hidden
    return _annotated(result, loader, node)


def _include_dir_named(loader: _Annotating, node: yaml.Node) -> Any:
    """A mapping from each file's name (without .yaml) to its content."""
    files = _include_dir(loader, node)
    if isinstance(files, Unresolved):
        return files
    result = NodeDict()
    locations: dict[Any, tuple[str, int]] = {}
    for path, value in files:
        where = _file_place(loader.context, path, value)
        if path.stem in locations:
            _warn_duplicate(loader.context, result, path.stem, locations[path.stem], where)
        result[NodeStr(path.stem)] = value
        locations[path.stem] = where
    result.__locations__ = locations
    return _annotated(result, loader, node)


def _include_dir_merge_named(loader: _Annotating, node: yaml.Node) -> Any:
    """Every file holds a mapping; the mappings are merged into one."""
    files = _include_dir(loader, node)
    if isinstance(files, Unresolved):
        return files
    result = NodeDict()
    locations: dict[Any, tuple[str, int]] = {}
    hidden: dict[Any, str] = {}
    for path, value in files:
        if isinstance(value, NodeDict):
            for key, item in value.items():
                where = value.__locations__.get(key) or _file_place(loader.context, path, value)
                if key in locations:
                    _warn_duplicate(loader.context, result, key, locations[key], where)
                result[key] = item
                locations[key] = where
            hidden.update(value.__hidden__)
        elif value is not None and not isinstance(value, Unresolved):
            loader.context.report(*_file_place(loader.context, path, value),
                                  f"{node.tag} needs a mapping in every file, this file holds "
                                  f"{_kind(value)}")
    result.__locations__ = locations
    if hidden:
        result.__hidden__ = hidden
    return _annotated(result, loader, node)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return f"a {type(value).__name__}"


def _secret(loader: _Annotating, node: yaml.Node) -> Any:
    """`!secret name`: looked up in secrets.yaml beside the file, then in each folder above it
    up to the config directory."""
    if isinstance(name := _argument(loader, node), Unresolved):
        return name
    context = loader.context
    if loader.is_secrets:
        return context.fail(loader, node, "!secret cannot be used inside secrets.yaml")
    searched = []
    for folder in _secret_folders(loader.file.parent, context.config_dir):
        secrets_path = folder / SECRETS_FILE
        secrets = _load_secrets(context, secrets_path)
        if secrets is None:
            continue
        searched.append(context.display(secrets_path))
        if name in secrets:
            _LOGGER.debug("secret %s read from %s", name, context.display(secrets_path))
            value = secrets[name]
            if isinstance(value, str):  # placed where it is used, not where it is defined
                value = NodeStr(value)
                value.__config_file__ = loader.display
                value.__line__ = _line(node)
            return value
    if not searched:
        return context.fail(loader, node, f"secret '{name}' cannot be read: no {SECRETS_FILE} "
                                          f"beside {loader.display} or above it")
    return context.fail(loader, node, f"secret '{name}' is not defined in "
                                      f"{' or '.join(searched)}")


def _secret_folders(start: Path, config_dir: Path) -> Iterator[Path]:
    """`start` and each parent up to and including the config directory (a file included from
    outside the config directory looks beside itself, then in the config directory)."""
    if not start.is_relative_to(config_dir):
        yield start
        yield config_dir
        return
    folder = start
    while folder != config_dir:
        yield folder
        folder = folder.parent
    yield config_dir


def _load_secrets(context: _Context, path: Path) -> Any:
    """A secrets file's mapping, None when there is none; read once per load."""
    if path not in context.secrets:
        if not path.is_file():
            context.secrets[path] = None
        else:
            secrets = _load_file(context, path, is_secrets=True)
            if not isinstance(secrets, NodeDict | Unresolved | None):
                context.report(context.display(path), 1,
                               f"{SECRETS_FILE} must be a mapping of name: value")
            context.secrets[path] = secrets if isinstance(secrets, NodeDict) else NodeDict()
    return context.secrets[path]


def _env_var(loader: _Annotating, node: yaml.Node) -> Any:
    """`!env_var NAME [default]`: the environment variable, else the default, else an error."""
    if isinstance(argument := _argument(loader, node), Unresolved):
        return argument
    name, *default = argument.split(maxsplit=1)
    value = os.environ.get(name)
    if value is None:
        if not default:
            return loader.context.fail(
                loader, node, f"environment variable {name} is not set and !env_var gives no default"
            )
        value = default[0]
    if first_surrogates(value):  # bytes that are not UTF-8, as Python reads the environment
        return loader.context.fail(loader, node, f"environment variable {name} is not UTF-8 text")
    result = NodeStr(value)
    result.__config_file__ = loader.display
    result.__line__ = _line(node)
    return result


def _input(loader: _Annotating, node: yaml.Node) -> Any:
    """`!input name` in a blueprint; the value is substituted when the blueprint is used."""
    if isinstance(name := _argument(loader, node), Unresolved):
        return name
    return Input(name, loader.display, _line(node))


_TAGS: Final = ("!include", "!include_dir_list", "!include_dir_merge_list", "!include_dir_named",
                "!include_dir_merge_named", "!secret", "!env_var", "!input")


def _unknown_tag(loader: _Annotating, node: yaml.Node) -> Any:
    return loader.context.fail(
        loader, node, f"unknown tag {node.tag}; the tags are {', '.join(_TAGS)}"
    )


def _configure(cls: type[_Annotating]) -> None:
    cls.yaml_implicit_resolvers = {  # type: ignore[attr-defined]
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }
    cls.add_implicit_resolver(_INT_TAG, _INT, list("-+0123456789"))  # type: ignore[attr-defined]
    cls.add_implicit_resolver(_FLOAT_TAG, _FLOAT, list("-+0123456789."))  # type: ignore[attr-defined]
    constructors = {
        "tag:yaml.org,2002:str": _construct_str,
        "tag:yaml.org,2002:map": _construct_mapping,
        "tag:yaml.org,2002:seq": _construct_sequence,
        "!include": _include,
        "!include_dir_list": _include_dir_list,
        "!include_dir_merge_list": _include_dir_merge_list,
        "!include_dir_named": _include_dir_named,
        "!include_dir_merge_named": _include_dir_merge_named,
        "!secret": _secret,
        "!env_var": _env_var,
        "!input": _input,
        None: _unknown_tag,
    }
    for tag, constructor in constructors.items():
        cls.add_constructor(tag, constructor)  # type: ignore[attr-defined]
    for tag, kind in _CHECKED_SCALARS.items():
        cls.add_constructor(tag, _checked_scalar(yaml.constructor.SafeConstructor.yaml_constructors[tag], kind))  # type: ignore[attr-defined]


#: Scalars PyYAML builds with a ValueError for some texts: a number past Python's 4,300-digit
#: limit, ``!!timestamp 2026-99-99``.
_CHECKED_SCALARS: Final = {_INT_TAG: "an integer", _FLOAT_TAG: "a number", "tag:yaml.org,2002:timestamp": "a date"}


def _checked_scalar(construct: Any, kind: str) -> Any:
    """``construct``, with a value it cannot build reported at its line instead of raised."""
    def build(loader: _Annotating, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except ValueError as err:
            reason = str(err).split(";")[0]  # not Python's advice to raise its limit
            return loader.context.fail(loader, node, f"not {kind} the hub can read ({reason})")
    return build


for _cls in _LOADERS:
    _configure(_cls)


def _read_text(context: _Context, path: Path, origin: tuple[_Annotating, yaml.Node] | None
               ) -> str | Unresolved:
    """The file's text, or an issue at the place that asked for it."""
    def fail(message: str, file: str | None = None, line: int | None = None) -> Unresolved:
        if file is None and origin is not None:
            return context.fail(origin[0], origin[1], message)
        marker = Unresolved()
        context.report(file or context.display(path), line, message, target=marker)
        return marker

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return fail(f"file '{context.display(path)}' not found")
    except OSError as err:
        return fail(f"cannot read '{context.display(path)}': {err.strerror}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return fail("the file is not UTF-8 text; save it as UTF-8", context.display(path), line)


def _load_file(context: _Context, path: Path, *, origin: tuple[_Annotating, yaml.Node] | None = None,
               is_secrets: bool = False) -> Any:
    """Parse and construct one file; problems become issues and the value `Unresolved`."""
    resolved = path.resolve()
    if resolved in context.chain:
        cycle = " -> ".join(context.display(p) for p in [*context.chain, resolved])
        assert origin is not None  # the first file cannot already be in the chain
        return context.fail(origin[0], origin[1], f"!include cycle: {cycle}")
    text = _read_text(context, path, origin)
    if isinstance(text, Unresolved):
        return text
    context.chain.append(resolved)
    try:
        return _parse(context, path, text, is_secrets)
    finally:
        context.chain.pop()


def _parse(context: _Context, path: Path, text: str, is_secrets: bool,
           loader_class: type[_Annotating] | None = None) -> Any:
    """Parse with libyaml when there is one; where it finds an error, parse again in pure Python.

    The pure parser words the syntax errors we show; and it reads a few things libyaml refuses
    for the whole file (a ``"\\ud800"`` escape), which the constructors then refuse value by
    value, so the rest of the file still loads.
    """
    display = context.display(path)
    loader_class = loader_class or _LOADERS[0]
    try:
        loader = loader_class(text, path, context, is_secrets=is_secrets)
    except yaml.YAMLError as err:  # the pure reader rejects control characters at once
        return _report_syntax(context, display, text, err, is_secrets)
    try:
        try:
            node = loader.get_single_node()  # type: ignore[attr-defined]
        except yaml.YAMLError as err:
            if not isinstance(loader, _PureLoader):  # composing again has no side effects
                return _parse(context, path, text, is_secrets, _PureLoader)
            return _report_syntax(context, display, text, err, is_secrets)
        if node is None:
            return None
        if _expanded_size(node) > MAX_EXPANDED_VALUES:
            context.report(display, _line(node), (
                f"this file expands to more than {MAX_EXPANDED_VALUES:,} values through anchors and "
                "aliases (&name / *name); it is not loaded"))
            return Unresolved()
        return loader.construct_document(node)  # type: ignore[attr-defined]
    except yaml.YAMLError as err:  # while constructing: a recursive alias, a bad merge key
        return _report_syntax(context, display, text, err, is_secrets)
    except (_TooDeep, RecursionError):  # the pure parser recurses once per level: [[[[...]]]]
        context.report(display, None, f"the file nests lists and mappings more than {MAX_DEPTH} levels deep; "
                                      "it is not loaded")
        return Unresolved()
    finally:
        loader.dispose()  # type: ignore[attr-defined]


#: A few lines of nested aliases can stand for billions of values ("billion laughs"); every
#: later walk over the config (validation, automations) would pay for each one.
MAX_EXPANDED_VALUES: Final = 2_000_000


#: Lists and mappings nested deeper than this are refused: every walk over the config (the
#: constructors, validation, finding an error's path) recurses once per level.
MAX_DEPTH: Final = 100


class _TooDeep(Exception):
    """A document nested deeper than :data:`MAX_DEPTH`."""


def _expanded_size(root: yaml.Node) -> int:
    """How many values ``root`` stands for once every alias is expanded (each node counted once
    per reference, computed once per node, so the count itself stays cheap); :class:`_TooDeep`
    past :data:`MAX_DEPTH` levels."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int = 0) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise _TooDeep
        sizes[id(node)] = 1  # a recursive alias counts once; constructing it reports the cycle
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(key, depth + 1) + size(value, depth + 1) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item, depth + 1) for item in node.value)
        else:
            total = 1
        sizes[id(node)] = total = min(total, MAX_EXPANDED_VALUES + 1)
        return total

    return size(root)


def _report_syntax(context: _Context, display: str, text: str, err: yaml.YAMLError,
                   is_secrets: bool) -> Unresolved:
    marker = Unresolved()
    line: int | None = None
    if isinstance(err, yaml.reader.ReaderError):
        line = text[: err.position].count("\n") + 1
        message = f"invalid YAML: {err.reason} (character #x{err.character:04x})"
    elif isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "syntax error"
        if "'\\t'" in problem:
            problem = "a tab character; YAML needs spaces"
        message = f"invalid YAML: {problem}"
        if mark is not None:
            line = mark.line + 1
            message += f" (column {mark.column + 1}"
            if err.context and err.context_mark is not None and err.context_mark.line != mark.line:
                message += f"; {err.context} that starts on line {err.context_mark.line + 1}"
            message += ")"
    else:
        message = f"invalid YAML: {err}"
    if is_secrets:  # the parser's words may quote the text, and the text is secret
        message = "invalid YAML (details hidden: this file holds secrets)"
    context.report(display, line, message, target=marker)
    return marker


def load_yaml(path: str | os.PathLike[str], *, config_dir: str | os.PathLike[str] | None = None
              ) -> YamlResult:
    """Load one YAML file with its includes and secrets; never raises for a mistake in the files.

    `config_dir` is where secrets are searched up to and what issue file names are relative to;
    it defaults to the file's own folder.
    """
    file = Path(path).absolute()
    context = _Context(Path(config_dir).absolute() if config_dir is not None else file.parent)
    data = _load_file(context, file)
    issues = context.issues
    if context.targets:
        paths = _paths_of(data, {id(target) for _, target in context.targets})
        for index, target in context.targets:
            if (found := paths.get(id(target))) is not None:
                issues[index] = replace(issues[index], path=found)
    return YamlResult(data, issues)


def _paths_of(data: Any, wanted: set[int]) -> dict[int, tuple[Any, ...]]:
    """The key path of each wanted object (by identity) in the document, first one found."""
    found: dict[int, tuple[Any, ...]] = {}
    visited: set[int] = set()
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if id(value) in wanted:
            found.setdefault(id(value), path)
        if isinstance(value, dict | list) and id(value) not in visited:
            visited.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(reversed([(child, path if isinstance(key, Unresolved) else (*path, key))
                                   for key, child in items]))
    return found
