"""Value and command templates of discovered entities, rendered in the sandboxed templates.

Most payloads only pick one field out of JSON (``{{ value_json.temperature }}``,
``{{value_json['AM2301']['Temperature']}}``, ``{{ value_json["state_left"] }}``). Those are
recognised when the config arrives and read straight from the parsed payload, giving what
the template engine would render (``str()`` of the value) without a render per message;
everything else goes through ``core.template`` with ``value`` and ``value_json`` as
Home Assistant provides them.

These templates come from devices, and anyone who may publish a discovery config writes
them, so they render *limited* (only their variables and pure filters: no ``states``, no
``now()``, so a device cannot read or republish other households' states) and within
:data:`DEVICE_LIMITS`, far tighter than staff templates get, because one renders per
message inside the event loop.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from xiaoqu.core.template import Template, TemplateError, TemplateLimits

from .models import ReceiveMessage

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: What one render of a device's template may cost (staff templates get 1 s and 256 KiB).
DEVICE_LIMITS = TemplateLimits(
    render_seconds=0.02,
    max_size=16 * 1024,
    max_range=1000,
    max_loop_iterations=10_000,
    max_depth=10,
    max_int_bits=1024,
    regex_seconds=0.01,
)

_PICK = re.compile(
    r"""^\{\{-?\s*value_json((?:\s*\.\s*[A-Za-z_]\w*|\s*\[\s*(?:'[^'\\]*'|"[^"\\]*"|\d+)\s*\])+)\s*-?\}\}$"""
)
_STEP = re.compile(r"""\.\s*([A-Za-z_]\w*)|\[\s*(?:'([^'\\]*)'|"([^"\\]*)"|(\d+))\s*\]""")
_VALUE = re.compile(r"^\{\{-?\s*value\s*-?\}\}$")
_MISSING: Any = object()


class TemplateValueError(Exception):
    """A payload a template could not turn into a value; ``code`` is the counted reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _steps(path: str) -> tuple[str | int, ...]:
    steps: list[str | int] = []
    for attr, single, double, index in _STEP.findall(path):
        if attr:
            steps.append(attr)
        elif index:
            steps.append(int(index))
        else:
            steps.append(single or double)
    return tuple(steps)


def _render(template: Template, variables: dict[str, Any]) -> str:
    try:
        return template.render(variables, limited=True, limits=DEVICE_LIMITS)
    except TemplateError as err:
        raise TemplateValueError("template_error", str(err)) from None


class ValueTemplate:
    """Turns a received payload into a value string (or the payload itself when no template)."""

    __slots__ = ("text", "_path", "_is_value", "_template")

    def __init__(self, text: str | None, hub: Hub) -> None:
        self.text = text
        self._path: tuple[str | int, ...] | None = None
        self._is_value = text is None or _VALUE.match(text) is not None
        self._template: Template | None = None
        if text is not None and not self._is_value:
            pick = _PICK.match(text)
            if pick is not None:
                self._path = _steps(pick.group(1))
            else:
                self._template = Template(text, hub)

    def render(self, message: ReceiveMessage, encoding: str = "utf-8", **variables: Any) -> str:
        """The value for ``message``; raises TemplateValueError naming what did not fit."""
        try:
            text = message.text(encoding)
        except UnicodeError:
            raise TemplateValueError("invalid_encoding", f"payload is not {encoding} text") from None
        if self._is_value:
            return text
        if self._path is not None:
            try:
                value = message.json()
            except ValueError:
                raise TemplateValueError("invalid_json", f"payload is not JSON (template {self.text})") from None
            for step in self._path:
                try:
                    value = value[step]
                except (KeyError, IndexError, TypeError):
                    raise TemplateValueError("missing_value", f"payload has no {step!r} (template {self.text})") from None
            return str(value)
        try:
            value_json = message.json()
        except ValueError:
            value_json = _MISSING
        context = {"value": text, **variables}
        if value_json is not _MISSING:
            context["value_json"] = value_json
        assert self._template is not None  # neither the value itself nor a path into it: a template
        return _render(self._template, context)


class CommandTemplate:
    """Turns a command value into the payload a device's config asks for."""

    __slots__ = ("text", "_template")

    def __init__(self, text: str | None, hub: Hub) -> None:
        self.text = text
        self._template = None if text is None or _VALUE.match(text) else Template(text, hub)

    def render(self, value: Any = None, **variables: Any) -> str:
        if self._template is None:
            return "" if value is None else str(value)
        return _render(self._template, {"value": value, **variables})
