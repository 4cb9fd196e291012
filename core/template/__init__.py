"""Templates: jinja2 text that staff write into automations, notices and device mappings.

    Template("{{ states('sensor.water_level') | float(0) > 80 }}", hub).render_native()

A `Template` compiles once (cached by text in the hub's environment), renders inside the
sandbox of `core.template.environment` with the limits of `core.template.limits`, and reads
states only through read-only wrappers. Every failure is a `TemplateError` naming the cause
and the template; the caller adds where the template was written (automation, step).

What staff can use is documented in docs/templates.md; plugins add helpers through the
``xiaoqu_template_helpers`` hook.
"""
from __future__ import annotations

import re
import traceback
from collections import ChainMap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import jinja2
import jinja2.sandbox

from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.template.environment import TemplateEnvironment
from xiaoqu.core.template.errors import TemplateError, TemplateLimitError, TemplateSecurityError
from xiaoqu.core.template.info import RenderInfo, record_entity
from xiaoqu.core.template.limits import RenderBudget, TemplateLimits, budget_scope, check_size
from xiaoqu.core.template.native import parse_native
from xiaoqu.core.template.states import wrap_states

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = [
    "RenderInfo",
    "Template",
    "TemplateEnvironment",
    "TemplateError",
    "TemplateLimitError",
    "TemplateLimits",
    "TemplateSecurityError",
    "get_environment",
    "is_template_string",
    "record_entity",
    "render_complex",
    "template_validator",
]

_DELIMITERS = re.compile(r"\{%|\{\{|\{#")
#: The hub's two environments, by ``limited``.
_ENVIRONMENTS: Final = HubKey[dict[bool, TemplateEnvironment]]("template")
_NO_HUB: dict[bool, TemplateEnvironment] = {}


def is_template_string(text: str) -> bool:
    """Whether ``text`` holds jinja2 syntax (``{{``, ``{%`` or ``{#``)."""
    return _DELIMITERS.search(text) is not None


def get_environment(hub: Hub | None, *, limited: bool = False) -> TemplateEnvironment:
    """The hub's template environment (built on first use; one full and one limited per hub)."""
    if hub is None:
        env = _NO_HUB.get(limited)
        if env is None:
            env = _NO_HUB[limited] = TemplateEnvironment(None, limited=limited)
        return env
    envs = hub.data.setdefault(_ENVIRONMENTS, {})
    env = envs.get(limited)
    if env is None:
        env = envs[limited] = TemplateEnvironment(hub, limited=limited)
    return env


class Template:
    """One template text, bound to a hub (or not yet: set ``template.hub`` later).

    A text without jinja2 syntax is *static*: rendering returns it as it is, at no cost.
    """

    __slots__ = ("text", "hub", "is_static", "_compiled", "_compiled_env", "last_info")

    def __init__(self, text: str, hub: Hub | None = None) -> None:
        if not isinstance(text, str):
            raise TypeError(f"a template must be text, got {type(text).__name__}")
        self.text = text
        self.hub = hub
        self.is_static = not is_template_string(text)
        self._compiled: jinja2.Template | None = None
        self._compiled_env: TemplateEnvironment | None = None
        #: What the last render read (see `render_info`); None before the first render.
        self.last_info: RenderInfo | None = None

    def __repr__(self) -> str:
        return f"Template({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and other.text == self.text and other.hub is self.hub

    def __hash__(self) -> int:
        return hash(self.text)

    # --- compiling ----------------------------------------------------------------------

    def ensure_valid(self) -> None:
        """Compile now; a syntax error (or an unknown filter) raises `TemplateError` with the line."""
        if not self.is_static:
            self._compile(get_environment(self.hub))

    def _compile(self, env: TemplateEnvironment) -> jinja2.Template:
        if self._compiled is None or self._compiled_env is not env:
            self._compiled = env.compile_template(self.text)
            self._compiled_env = env
        return self._compiled

    # --- rendering ----------------------------------------------------------------------

    def render(self, variables: Mapping[str, Any] | None = None, *, limited: bool = False,
               strict: bool = False, limits: TemplateLimits | None = None) -> str:
        """Render to text (stripped of surrounding white space, as Home Assistant does).

        ``limits`` replaces the environment's for this render (tighter caps for templates that
        arrive from devices, rendered per message).
        """
        if self.is_static:
            return self.text
        info = self._render(variables, limited, strict, limits)
        if info.error is not None:
            raise info.error
        return info.result

    def render_native(self, variables: Mapping[str, Any] | None = None, *, limited: bool = False,
                      strict: bool = False) -> Any:
        """Render, then read the text as the value it spells (see `core.template.native`)."""
        if self.is_static:
            return parse_native(self.text)
        return parse_native(self.render(variables, limited=limited, strict=strict))

    def render_info(self, variables: Mapping[str, Any] | None = None, *, native: bool = False,
                    limited: bool = False, strict: bool = False) -> RenderInfo:
        """Render and return what the template read; an error is kept in ``info.error``, not raised.

        The automation engine uses this for template triggers: re-render only when
        ``info.depends_on(entity_id)`` for a changed entity (or each minute if ``info.uses_time``).
        """
        if self.is_static:
            info = RenderInfo(self.text, parse_native(self.text) if native else self.text)
        else:
            info = self._render(variables, limited, strict)
            if native and info.error is None:
                info.result = parse_native(info.result)
        self.last_info = info
        return info

    def entity_ids(self, variables: Mapping[str, Any] | None = None) -> set[str]:
        """The entity ids a render with ``variables`` reads (rendering it to find out)."""
        return set(self.render_info(variables).entities)

    def _render(self, variables: Mapping[str, Any] | None, limited: bool, strict: bool,
                limits: TemplateLimits | None = None) -> RenderInfo:
        env = get_environment(self.hub, limited=limited)
        limits = limits or env.limits
        info = RenderInfo(self.text)
        try:
            compiled = self._compile(env)
        except TemplateError as err:
            info.error = err
            return info
        env.refresh_plugin_helpers()
        budget = RenderBudget(limits, info, strict)
        context_vars = wrap_states(dict(variables), env.hub.clock.tz) if variables and env.hub else dict(variables or {})
        with budget_scope(budget):
            try:
                info.result = _run(compiled, context_vars, limits).strip()
            except TemplateError as err:
                info.error = err if err.template is not None else type(err)(err.cause, self.text, _line(err))
            except Exception as err:  # a helper or the template raised; it becomes the template's error
                info.error = TemplateError(_describe(err), self.text, _line(err))
        self.last_info = info
        return info


def _run(compiled: jinja2.Template, variables: dict[str, Any], limits: TemplateLimits) -> str:
    """Render, counting the output as it is produced, so it is stopped at the size limit."""
    # The variables in front of the globals, without copying ~50 globals into a dict per render
    # (jinja2's own render does that copy; it was most of the cost of a small template).
    # jinja2 annotates vars as a dict; with shared=True it only reads it, as the context's parent
    context = compiled.new_context(ChainMap(variables, compiled.globals), shared=True)  # type: ignore[arg-type]
    pieces: list[str] = []
    size = 0
    for piece in compiled.root_render_func(context):
        size += len(piece)
        if size > limits.max_size:
            check_size(size, "the template's output")
        pieces.append(piece)
    return "".join(pieces)


def _describe(err: BaseException) -> str:
    if isinstance(err, jinja2.UndefinedError):
        return f"undefined: {err.message}"
    if isinstance(err, jinja2.sandbox.SecurityError):
        return f"not allowed: {err}"
    if isinstance(err, RecursionError):
        return "calls nested too deep (a macro calling itself?)"
    if isinstance(err, MemoryError):
        return "the template ran out of memory"
    if isinstance(err, jinja2.TemplateError):
        return str(err.message or type(err).__name__)
    if isinstance(err, (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError, ArithmeticError)):
        return f"{err}" if isinstance(err, ValueError) else f"{type(err).__name__}: {err}"
    return f"{type(err).__name__}: {err}"


def _line(err: BaseException) -> int | None:
    """The template line the error happened on, from the compiled code's line map."""
    line = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename == "<template>":
            line = frame.lineno
    return line


def render_complex(value: Any, variables: Mapping[str, Any] | None = None, *, hub: Hub | None = None,
                   limited: bool = False) -> Any:
    """Render every template inside nested dicts and lists (service data), as native values.

    Values may be `Template` objects or strings; a string holding jinja2 syntax is rendered
    with ``hub``. Keys are rendered to text; other values are returned as they are.
    """
    if isinstance(value, Template):
        if value.hub is None and hub is not None:
            value.hub = hub  # validated before the hub was known (Home Assistant's attach)
        return value.render_native(variables, limited=limited)
    if isinstance(value, str):
        if not is_template_string(value):
            return value
        return Template(value, hub).render_native(variables, limited=limited)
    if isinstance(value, Mapping):
        return {
            (Template(key, hub).render(variables, limited=limited) if isinstance(key, str) and is_template_string(key)
             else key.render(variables, limited=limited) if isinstance(key, Template) else key):
            render_complex(item, variables, hub=hub, limited=limited)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [render_complex(item, variables, hub=hub, limited=limited) for item in value]
    return value


def template_validator(hub: Hub | None = None) -> Any:
    """A voluptuous validator: text → compiled `Template` bound to ``hub``; a bad one is ``vol.Invalid``.

    Home Assistant's ``cv.template``: a template that does not parse is found while the
    config loads, with jinja2's reason and line.
    """
    from xiaoqu.core.validation import vol

    def validate(value: Any) -> Template:
        if isinstance(value, Template):
            template = value
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            template = Template(str(value), hub)
        else:
            raise vol.Invalid(f"expected a template (text), got {type(value).__name__}")
        try:
            template.ensure_valid()
        except TemplateError as err:
            where = f" (line {err.line})" if err.line and "\n" in template.text.strip() else ""
            raise vol.Invalid(f"{err.cause}{where}") from None
        return template

    return validate
