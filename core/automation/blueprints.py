"""Blueprints: automations with blanks (``!input``) that staff fill in with ``use_blueprint``.

Home Assistant's format. A blueprint file holds a ``blueprint:`` block (``name``, ``domain:
automation``, ``description``, ``author``, ``input:`` with ``name``, ``description``,
``default`` and ``selector`` per input; inputs may be grouped in sections) and the body of
an automation that uses ``!input name`` where a value is to be filled in::

    - use_blueprint:
        path: turn_off_after.yaml
        input:
          entity: switch.corridor_light
          minutes: 10
      id: corridor_light_off          # keys written beside use_blueprint override the body's

``path`` is looked up in ``<config dir>/blueprints/automation/`` first, then among the
blueprints xiaoqu ships (``blueprints/automation/``). A missing input (one without a
default), an input the blueprint does not declare and a value its selector refuses are
errors at the line they are written on; mistakes in the blueprint file itself are reported
at the blueprint's lines. After the blanks are filled in the result is checked like any
automation, and an error in a value that came from the blueprint names the blueprint's line.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final

from xiaoqu.core.automation.selectors import check_value, selector_kind
from xiaoqu.core.config import ConfigError, validate_section
from xiaoqu.core.validation import string, vol
from xiaoqu.core.yaml_loader import Input, NodeDict, NodeList, load_yaml, location, lookup

DOMAIN: Final = "automation"
#: The blueprints xiaoqu ships, beside the core package.
SHIPPED_DIR: Final = Path(__file__).resolve().parents[2] / "blueprints" / DOMAIN
_NO_DEFAULT: Final = object()


def _selector(value: Any) -> Any:
    selector_kind(value)
    return value


_INPUT = vol.Schema({
    vol.Optional("name"): string,
    vol.Optional("description"): string,
    vol.Optional("default"): object,
    vol.Optional("selector"): _selector,
}, extra=vol.PREVENT_EXTRA)
_SECTION = vol.Schema({
    vol.Required("input"): {str: vol.Any(None, _INPUT)},
    vol.Optional("name"): string,
    vol.Optional("description"): string,
    vol.Optional("icon"): string,
    vol.Optional("collapsed"): bool,
})


def _input_or_section(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, Mapping) and "input" in value:
        return _SECTION(value)
    return _INPUT(value)


METADATA_SCHEMA: Final = vol.Schema({
    vol.Required("name"): string,
    vol.Required("domain"): vol.In((DOMAIN,), msg="expected automation (the only kind of blueprint there is)"),
    vol.Optional("description"): string,
    vol.Optional("author"): string,
    vol.Optional("source_url"): string,
    vol.Optional("homeassistant"): dict,
    vol.Optional("input", default=dict): vol.Any(None, {str: _input_or_section}),
})

INSTANCE_SCHEMA: Final = vol.Schema({
    vol.Required("path"): string,
    vol.Optional("input", default=dict): vol.Any(None, dict),
})


@dataclass(slots=True)
class BlueprintInput:
    name: str
    default: Any = _NO_DEFAULT
    selector: Any = None

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT


@dataclass(slots=True)
class Blueprint:
    path: str
    file: Path
    name: str
    description: str | None
    inputs: dict[str, BlueprintInput]
    body: NodeDict
    metadata: dict[str, Any] = field(default_factory=dict)


class BlueprintLoader:
    """Finds, reads and checks blueprint files (each once per loader), and fills them in."""

    def __init__(self, config_dir: Path, shipped_dir: Path = SHIPPED_DIR) -> None:
        self.config_dir = config_dir
        self.shipped_dir = shipped_dir
        self._cache: dict[str, tuple[Blueprint | None, list[ConfigError]]] = {}

    # --- reading ----------------------------------------------------------------------------

    def find(self, path: str) -> tuple[Path, Path] | None:
        """(the file, the folder its error names are relative to), or None."""
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts:
            return None
        for root in (self.config_dir, self.shipped_dir.parent.parent):
            candidate = root / "blueprints" / DOMAIN / relative
            if candidate.is_file():
                return candidate, root
        return None

    def load(self, path: str) -> tuple[Blueprint | None, list[ConfigError]]:
        """The blueprint at ``path`` (None when it has errors) and the problems found in its file (cached)."""
        cached = self._cache.get(path)
        if cached is None:
            cached = self._cache[path] = self._load(path)
        return cached

    def _load(self, path: str) -> tuple[Blueprint | None, list[ConfigError]]:
        found = self.find(path)
        if found is None:
            return None, [ConfigError(None, None, (), f"blueprint '{path}' not found")]
        file, root = found
        loaded = load_yaml(file, config_dir=root)
        errors = [ConfigError(issue.file, issue.line, issue.path, issue.message,
                              "warning" if issue.severity == "warning" else "error") for issue in loaded.issues]
        data = loaded.data
        if not isinstance(data, NodeDict) or "blueprint" not in data:
            where = location(data) or (file.relative_to(root).as_posix(), 1)
            errors.append(ConfigError(*where, (), "not a blueprint: the file needs a 'blueprint:' block"))
            return None, errors
        metadata, meta_errors = validate_section("blueprint", METADATA_SCHEMA, data["blueprint"],
                                                 location=data.__locations__.get("blueprint"))
        errors.extend(meta_errors)
        if metadata is None or [e for e in errors if e.severity == "error"]:
            return None, errors
        inputs = _flatten_inputs(metadata.get("input") or {})
        body = NodeDict((key, value) for key, value in data.items() if key != "blueprint")
        _copy_places(data, body)
        for blank in _blanks(body):
            if blank.name not in inputs:
                errors.append(ConfigError(blank.__config_file__, blank.__line__, (),
                                          f"!input {blank.name}: the blueprint declares no input '{blank.name}' "
                                          f"(declared: {', '.join(inputs) or 'none'})"))
        if [error for error in errors if error.severity == "error"]:
            return None, errors
        return Blueprint(path, file, metadata["name"], metadata.get("description"), inputs, body, metadata), errors

    # --- using ------------------------------------------------------------------------------

    def expand(self, item: NodeDict, index: int, section: str = DOMAIN) -> tuple[NodeDict | None, list[ConfigError]]:
        """The automation a ``use_blueprint`` item stands for, or None and why not (warnings
        about the blueprint file come with the automation).

        ``index`` is the item's place in its ``section`` (``automation``, or a labelled
        ``automation kitchen``): error paths start there.
        """
        where, place = location(item), (section, index)
        instance, errors = validate_section(section, INSTANCE_SCHEMA, item.get("use_blueprint"),
                                            path=(index, "use_blueprint"),
                                            location=item.__locations__.get("use_blueprint") or where)
        if instance is None:
            return None, errors
        path = instance["path"]
        if not path.endswith(".yaml"):
            return None, [self._error(item, place, ("use_blueprint", "path"),
                                      f"a blueprint path ends in .yaml, got '{path}'")]
        blueprint, file_errors = self.load(path)
        if blueprint is None:
            if file_errors and file_errors[0].file is None:  # not found: say it where it is used
                message = (f"{file_errors[0].message} (looked in {self.config_dir / 'blueprints' / DOMAIN} "
                           f"and among the shipped blueprints)")
                return None, [self._error(item, place, ("use_blueprint", "path"), message)]
            return None, file_errors
        given = instance["input"] or {}
        problems: list[ConfigError] = []
        for name in given:
            if name not in blueprint.inputs:
                problems.append(self._error(item, place, ("use_blueprint", "input", name),
                                            f"blueprint '{path}' has no input '{name}' "
                                            f"(its inputs: {', '.join(blueprint.inputs) or 'none'})"))
        values: dict[str, Any] = {}
        for name, spec in blueprint.inputs.items():
            if name in given:
                try:
                    check_value(spec.selector, given[name])
                except vol.Invalid as err:
                    problems.append(self._error(item, place, ("use_blueprint", "input", name),
                                                f"{err.msg}, got {given[name]!r}"))
                    continue
                values[name] = item["use_blueprint"]["input"][name]  # keeps the line it is written on
            elif spec.required:
                problems.append(self._error(item, place, ("use_blueprint", "input"),
                                            f"blueprint '{path}' needs input '{name}' (it has no default)"))
            else:
                values[name] = spec.default
        if problems:
            return None, problems + file_errors
        written = item["use_blueprint"].get("input")
        places = dict(written.__locations__) if isinstance(written, NodeDict) else {}
        automation = _fill(blueprint.body, values, {name: place for name, place in places.items() if name in given})
        for key, value in item.items():
            if key != "use_blueprint":
                automation[key] = value
                if key in item.__locations__:
                    automation.__locations__ = {**automation.__locations__, key: item.__locations__[key]}
        if where is not None:  # errors about the automation as a whole: where it is used
            automation.__config_file__, automation.__line__ = where
        return automation, file_errors  # warnings only (a duplicate key in the blueprint file)

    @staticmethod
    def _error(item: NodeDict, place: tuple[str, int], path: tuple[Any, ...], message: str) -> ConfigError:
        found = lookup(item, path)
        return ConfigError(found.file, found.line, (*place, *path), message)


def _flatten_inputs(declared: Mapping[str, Any]) -> dict[str, BlueprintInput]:
    inputs: dict[str, BlueprintInput] = {}
    for key, spec in declared.items():
        if "input" in spec:  # a section grouping inputs
            for name, inner in (spec["input"] or {}).items():
                inputs[name] = _make_input(name, inner or {})
        else:
            inputs[key] = _make_input(key, spec)
    return inputs


def _make_input(name: str, spec: Mapping[str, Any]) -> BlueprintInput:
    return BlueprintInput(name, spec.get("default", _NO_DEFAULT), spec.get("selector"))


def _blanks(value: Any) -> list[Input]:
    if isinstance(value, Input):
        return [value]
    if isinstance(value, dict):
        return [blank for item in value.values() for blank in _blanks(item)]
    if isinstance(value, list):
        return [blank for item in value for blank in _blanks(item)]
    return []


def _fill(value: Any, values: Mapping[str, Any], places: Mapping[str, tuple[str, int]]) -> Any:
    """A copy of ``value`` with every ``!input`` replaced, keeping files and lines.

    A filled-in value is placed where the person wrote it (``places``: the lines under
    ``use_blueprint.input``), so an error in it points there, not at the blueprint's blank.
    """
    if isinstance(value, Input):
        return values[value.name]
    if isinstance(value, dict | list):
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        filled_items = [(key, _fill(item, values, places)) for key, item in items]
        filled: NodeDict | NodeList = (NodeDict(filled_items) if isinstance(value, dict)
                                       else NodeList(item for _, item in filled_items))
        _copy_places(value, filled)
        moved = {key: places[item.name] for key, item in items if isinstance(item, Input) and item.name in places}
        if moved:
            filled.__locations__ = {**filled.__locations__, **moved}
        return filled
    return value


def _copy_places(source: Any, target: NodeDict | NodeList) -> None:
    if isinstance(source, NodeDict | NodeList):
        target.__config_file__, target.__line__ = source.__config_file__, source.__line__
        target.__locations__ = source.__locations__
        target.__hidden__ = source.__hidden__
