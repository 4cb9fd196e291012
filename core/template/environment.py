"""The jinja2 environment templates run in: an immutable sandbox with every cost bounded.

Built on ``ImmutableSandboxedEnvironment`` (no ``_``-attributes, no Python internals, no
mutation of lists, dicts and sets, ``str.format`` sandboxed; jinja2 >= 3.1.6 for the
CVE-2024-56326 and CVE-2025-27516 fixes). On top of that:

- an unsafe attribute raises at once (`TemplateSecurityError`) instead of rendering as an
  empty string, so an attempt shows up in the trace;
- the hub, its machinery and modules are unreachable even through a helper's attributes;
- each ``{% for %}`` iterates through a counter, each call nests through a depth counter;
- every value a template builds or hands to code is weighed: what it would cost written out
  as text (`core.template.limits.weight`, which counts a list held a thousand times a
  thousand times). The arguments and result of every call and of every filter and test
  (jinja2's, the core's and the plugins', wrapped once as they are installed), each list,
  tuple and mapping written in the template, and what ``~``, ``*``, ``**``, ``+`` and ``%``
  would build; filters and string methods whose arguments multiply a length (``center``,
  ``replace``, ``ljust`` ...) check the result's size first (see `core.template.limits`);
- constant folding is off: jinja2 would otherwise run filters with constant arguments
  while *compiling*, outside every limit;
- no loader: ``{% include %}``, ``{% import %}`` and ``{% extends %}`` cannot reach a file.

One environment per hub (and one limited one), built on first use; compiled templates are
cached by their text. Helpers contributed by plugins (``xiaoqu_template_helpers``) are
collected when the environment is built and again whenever the set of plugins changes, so
a plugin set up later still has its helpers in every template, compiled before or after.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
import types
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, timedelta, tzinfo
from string import Formatter
from typing import TYPE_CHECKING, Any

import jinja2
import pluggy
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import (
    do_batch,
    do_center,
    do_format,
    do_indent,
    do_pprint,
    do_replace,
    do_slice,
    do_tojson,
    do_wordwrap,
    sync_do_join,
    sync_do_sum,
)
from jinja2.runtime import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.utils import Namespace, pass_context, pass_environment, pass_eval_context
from markupsafe import EscapeFormatter, Markup

from xiaoqu.core.bus import EventBus
from xiaoqu.core.clock import Clock
from xiaoqu.core.hooks import hook_calls
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.services import ServiceRegistry
from xiaoqu.core.states import StateMachine
from xiaoqu.core.template import helpers as h
from xiaoqu.core.template.errors import TemplateError, TemplateLimitError, TemplateSecurityError, shorten
from xiaoqu.core.template.limits import (
    DEFAULT_LIMITS,
    GuardedIterator,
    TemplateLimits,
    check_format_spec,
    check_indented,
    check_int_bits,
    check_printf,
    check_size,
    current_budget,
    current_limits,
    weigh,
    weigh_all,
    weight,
)
from xiaoqu.core.template.states import AllStates, DomainStates, StateHelpers, TemplateState

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)
#: Undefined names, once a minute per template: a template rendered per MQTT message reads
#: payloads that senders choose, and one missing key must not become a line per message.
_UNDEFINED_LOG = RateLimitedLog(_LOGGER, time.monotonic)

#: Compiled templates kept per environment, by text.
COMPILED_CACHE_SIZE = 2048

#: Objects a template must never hold, even if a helper hands one out by mistake.
_UNREACHABLE: tuple[type, ...] = (
    types.ModuleType,
    jinja2.Environment,
    pluggy.PluginManager,
    asyncio.AbstractEventLoop,
    EventBus,
    StateMachine,
    ServiceRegistry,
    Clock,
)
#: Modules whose objects are the hub's machinery (a ``State``, ``Event`` or ``Context`` is data
#: and may be read; these may not).
_MACHINERY_MODULES = frozenset({
    "xiaoqu.core.hub",
    "xiaoqu.core.bootstrap",
    "xiaoqu.core.loader",
    "xiaoqu.core.services",
    "xiaoqu.core.storage",
    "xiaoqu.core.recorder",
    "xiaoqu.core.registry",
    "xiaoqu.core.entity",
    "xiaoqu.core.clock",
    "xiaoqu.core.tracking",
})
#: The project's own template objects: every public attribute is meant to be read.
_TEMPLATE_TYPES = (AllStates, DomainStates, TemplateState)

_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
#: ``now().tzinfo`` is a ZoneInfo: these would read time-zone files or clear a process-wide cache.
_ZONE_LOADERS = frozenset({"from_file", "no_cache", "clear_cache"})


# --- the code generator: loops and ``~`` go through the environment -------------------------


class _GuardedCodeGenerator(CodeGenerator):
    """Makes every ``{% for %}`` iterate through ``environment.guard_iterable``, every ``~``
    concatenation go through ``environment.guarded_concat``, and every list, tuple and
    mapping the template writes go through ``environment.guarded_literal``."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        guarded = nodes.Call(
            nodes.EnvironmentAttribute("guard_iterable", lineno=node.lineno), [node.iter], [], None, None,
            lineno=node.lineno,
        )
        node = nodes.For(node.target, guarded, node.body, node.else_, node.test, node.recursive, lineno=node.lineno)
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.guarded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._guarded(super().visit_List, node, frame)

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._guarded(super().visit_Dict, node, frame)

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx == "load":  # not a target such as ``{% for key, value in ... %}``
            self._guarded(super().visit_Tuple, node, frame)
        else:
            super().visit_Tuple(node, frame)

    def _guarded(self, visit: Callable[[Any, Frame], None], node: nodes.Expr, frame: Frame) -> None:
        """``[x, x, x]`` nested a few times is as large as ``[x] * 1000``: weigh it too."""
        self.write("environment.guarded_literal(")
        visit(node, frame)
        self.write(")")


# --- objects the sandbox hands out ---------------------------------------------------------


class TemplateNamespace(Namespace):
    """``namespace()``: the only object a template can change; each value set is weighed.

    A namespace is how a loop carries a value from one iteration to the next, so it is where
    a value can grow without bound (``{% set ns.x = [ns.x, ns.x] %}``).
    """

    def __setitem__(self, name: str, value: Any) -> None:
        weigh(value, f"namespace value {name!r}")
        Namespace.__setitem__(self, name, value)


class TemplateUndefined(Undefined):
    """A missing variable or attribute: logged and rendered empty, as in Home Assistant;
    an error when the render is strict."""

    __slots__ = ()

    def _complain(self) -> None:
        budget = current_budget()
        if budget is not None and budget.strict:
            self._fail_with_undefined_error()
        text = budget.info.template if budget is not None and budget.info is not None else "?"
        _UNDEFINED_LOG.warning(text, "Template warning: %s, in template %r", self._undefined_message, shorten(text))

    def __str__(self) -> str:
        self._complain()
        return ""

    def __iter__(self) -> Any:
        self._complain()
        return iter(())

    def __bool__(self) -> bool:
        self._complain()
        return False


class _GuardedFormatter(SandboxedFormatter):
    """``str.format`` in the sandbox, refusing huge widths and precisions (``{:>999999999}``)."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        check_format_spec(format_spec)
        return super().format_field(value, format_spec)


class _GuardedEscapeFormatter(_GuardedFormatter, EscapeFormatter):
    pass


class _LenientFilters(dict):
    """Filters/tests of an environment with no hub: any name compiles, an unknown one fails
    when it runs. A template validated before it is given its hub may use plugin filters."""

    def get(self, key: Any, default: Any = None) -> Any:
        value = super().get(key, default)
        return _unknown_helper(key) if value is None else value


def _unknown_helper(name: str) -> Callable[..., Any]:
    def unknown(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError(f"no filter or test named {name!r}")

    return unknown


def _unavailable(name: str, why: str) -> Callable[..., Any]:
    def unavailable(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError(f"{name} cannot be used here: {why}")

    return unavailable


# --- the environment -----------------------------------------------------------------------


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox of one hub. ``limited`` environments see only their variables."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    #: Helper names the core defines; a plugin cannot replace them.
    core_names: frozenset[str]
    # jinja2 leaves these unannotated: mypy infers their values from its default dicts as `object`
    # and `function` (no call signature), which the helpers put in them do not match
    filters: dict[str, Any]
    tests: dict[str, Any]
    globals: dict[str, Any]

    def __init__(self, hub: Hub | None, *, limited: bool = False, limits: TemplateLimits = DEFAULT_LIMITS) -> None:
        super().__init__(
            extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do"],
            undefined=TemplateUndefined,
            optimized=False,
            autoescape=False,
            finalize=_finalize,
            loader=None,
        )
        self.hub = hub
        self.limited = limited
        self.limits = limits
        self._compiled: OrderedDict[str, jinja2.Template] = OrderedDict()
        self._plugin_impls: tuple[Any, ...] = ()
        self._plugin_names: dict[str, set[str]] = {}
        self._install_core_helpers()
        for helpers, kind in ((self.filters, "filter"), (self.tests, "test")):
            for name, helper in helpers.items():
                helpers[name] = _weighed(kind, name, helper)
        self.core_names = frozenset(self.globals) | frozenset(self.filters) | frozenset(self.tests)
        if hub is None:
            self.filters = _LenientFilters(self.filters)
            self.tests = _LenientFilters(self.tests)

    # --- helpers ------------------------------------------------------------------------

    def _install_core_helpers(self) -> None:
        del self.globals["lipsum"]  # a generator of filler text: no use, and one more thing to cap
        # zip as Home Assistant has it: Zigbee2MQTT's event and action templates pair regex groups with it
        self.globals.update(range=self._range, namespace=TemplateNamespace, timedelta=timedelta, zip=zip)
        numeric = {
            "float": h.forgiving_float,
            "int": h.forgiving_int,
            "bool": h.forgiving_bool,
            "round": h.forgiving_round,
            "is_number": h.is_number,
            "average": h.average,
            "slugify": h.slugify,
            "iif": h.iif,
            "contains": h.contains,
            "from_json": h.from_json,
            "to_json": h.to_json,
            "regex_match": h.regex_match,
            "regex_search": h.regex_search,
            "regex_replace": h.regex_replace,
            "regex_findall": h.regex_findall,
            "regex_findall_index": h.regex_findall_index,
            "yuan": h.yuan_of,
        }
        self.filters.update(numeric)
        self.globals.update(numeric)
        self.globals.update(min=h.minimum, max=h.maximum)
        self.filters.update(
            center=_center, indent=_indent, format=_format, join=_join, replace=_replace, batch=_batch,
            slice=_slice, sum=_sum, pprint=_pprint, tojson=_tojson, wordwrap=_wordwrap,
        )
        self.tests.update(
            is_number=h.is_number, contains=h.contains, match=h.regex_match, search=h.regex_search,
        )
        self._install_hub_helpers()

    def _install_hub_helpers(self) -> None:
        hub = self.hub
        state_names = ("states", "is_state", "state_attr", "is_state_attr", "has_value")
        time_names = ("now", "utcnow", "today_at", "relative_time")
        local_names = ("as_datetime", "as_timestamp", "as_local", "timestamp_custom", "timestamp_local",
                       "timestamp_utc", "strptime")
        if hub is None or self.limited:
            why = "this template has no hub" if hub is None else "a limited template sees only its variables"
            for name in state_names + time_names:
                self.globals[name] = self.filters[name] = _unavailable(f"{name}()", why)
            for name in ("is_state", "is_state_attr", "has_value"):
                self.tests[name] = self.globals[name]
            tz = hub.clock.tz if hub is not None else UTC
            times = h.TimeHelpers(_unavailable("now()", why), tz)
        else:
            tz = hub.clock.tz
            all_states = AllStates(hub.states, tz)
            state = StateHelpers(hub.states, tz)
            times = h.TimeHelpers(hub.clock.now, tz)
            self.globals["states"] = self.filters["states"] = all_states
            for name in state_names[1:]:
                self.globals[name] = self.filters[name] = getattr(state, name)
            for name in ("is_state", "is_state_attr", "has_value"):
                self.tests[name] = getattr(state, name)
            for name in time_names:
                self.globals[name] = getattr(times, name)
            self.filters["relative_time"] = times.relative_time
        for name in local_names:
            self.globals[name] = self.filters[name] = getattr(times, name)

    def refresh_plugin_helpers(self) -> None:
        """Bring plugin helpers in line with the plugins registered now (cheap when unchanged)."""
        if self.hub is None or self.limited:
            return
        hook = self.hub.pm.hook.xiaoqu_template_helpers
        impls = tuple(hook.get_hookimpls())
        if impls == self._plugin_impls:
            return
        self._plugin_impls = impls
        for names in self._plugin_names.values():
            for name in names:
                self.globals.pop(name, None)
                self.filters.pop(name, None)
        self._plugin_names = {}
        for call in hook_calls(self.hub.pm, "xiaoqu_template_helpers", {"hub": self.hub}):
            try:
                contributed = call()
            except Exception:
                _LOGGER.exception("Template helpers of %s failed; its helpers are not available", call.plugin)
                continue
            if contributed is None:
                continue
            if not isinstance(contributed, dict):
                if asyncio.iscoroutine(contributed):
                    contributed.close()
                _LOGGER.error("Template helpers of %s: expected a dict of name: callable, got %s",
                              call.plugin, type(contributed).__name__)
                continue
            self._add_plugin_helpers(call.plugin, contributed)

    def _add_plugin_helpers(self, plugin: str, contributed: dict[str, Any]) -> None:
        added = self._plugin_names.setdefault(plugin, set())
        for name, helper in contributed.items():
            if name in self.core_names:
                _LOGGER.warning("Template helper %r of %s ignored: the core defines %r", name, plugin, name)
                continue
            owner = next((p for p, names in self._plugin_names.items() if name in names and p != plugin), None)
            if owner is not None:
                _LOGGER.warning("Template helper %r of %s ignored: %s defines it already", name, plugin, owner)
                continue
            self.globals[name] = helper
            if callable(helper):
                self.filters[name] = _weighed("filter", name, helper)
            added.add(name)

    # --- compiling ----------------------------------------------------------------------

    def compile_template(self, text: str) -> jinja2.Template:
        """The compiled template for ``text`` (cached); a syntax error is a `TemplateError`."""
        compiled = self._compiled.get(text)
        if compiled is not None:
            self._compiled.move_to_end(text)
            return compiled
        self.refresh_plugin_helpers()
        try:
            compiled = self.from_string(text)
        except jinja2.TemplateSyntaxError as err:
            line = err.lineno if err.lineno else None
            raise TemplateError(f"invalid template: {err.message}", text, line) from None
        self._compiled[text] = compiled
        if len(self._compiled) > COMPILED_CACHE_SIZE:
            self._compiled.popitem(last=False)
        return compiled

    # --- what the sandbox allows ----------------------------------------------------------

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_") or _is_machinery(value) or isinstance(obj, functools.partial):
            return False
        if isinstance(obj, _TEMPLATE_TYPES):
            return True
        if isinstance(obj, tzinfo | type) and attr in _ZONE_LOADERS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        owner = getattr(obj, "__self__", None)
        if _is_machinery(obj) or (owner is not self and _is_machinery(owner)):
            return False
        return super().is_safe_callable(obj)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise TemplateSecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} objects is not allowed")

    def getattr(self, obj: Any, attribute: str) -> Any:
        budget = current_budget()
        if budget is not None:
            budget.step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        budget = current_budget()
        if budget is not None:
            budget.step()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """jinja2's sandboxed ``str.format``/``format_map``, with widths and values bounded."""
        if not isinstance(value, types.MethodType | types.BuiltinMethodType) or value.__name__ not in (
            "format", "format_map"
        ):
            return None
        owner = value.__self__
        if not isinstance(owner, str):
            return None
        formatter: Formatter = (
            _GuardedEscapeFormatter(self, escape=owner.escape) if isinstance(owner, Markup) else _GuardedFormatter(self)
        )
        is_format_map = value.__name__ == "format_map"
        text_type = type(owner)

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                kwargs, args = args[0], ()
            result = text_type(formatter.vformat(owner, args, kwargs))
            check_size(len(result), "a formatted string")
            return result

        return functools.update_wrapper(wrapper, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call a template makes (helpers, macros, methods): depth-counted, its arguments
        and result weighed, and string methods checked for blow-ups."""
        budget = current_budget()
        if budget is None:
            return super().call(__context, __obj, *args, **kwargs)
        budget.enter()
        try:
            weigh_all((*args, *kwargs.values()), "the arguments of a call")
            args = _check_method_call(__obj, args, kwargs)
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            budget.leave()
        weigh(result, "a call's result")
        return result

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = current_budget()
        if budget is not None:
            budget.step()
        if operator == "*":
            _check_multiply(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%" and isinstance(left, str):
            check_printf(left, right)
        elif operator == "+" and isinstance(left, str | bytes | list | tuple) and isinstance(right, type(left)):
            weigh_all((left, right), "the sum")
        return self.binop_table[operator](left, right)

    def get_template(self, *_args: Any, **_kwargs: Any) -> jinja2.Template:
        """``{% include %}``, ``{% import %}`` and ``{% extends %}`` end here: templates read no files."""
        raise TemplateSecurityError("include, import and extends are not available in templates")

    select_template = get_or_select_template = get_template

    # --- called by the generated code ---------------------------------------------------

    def guard_iterable(self, iterable: Iterable[Any]) -> GuardedIterator:
        return GuardedIterator(iterable)

    def guarded_concat(self, values: tuple[Any, ...]) -> str:
        weigh_all(values, "the text joined with ~")
        result = "".join(map(str, values))
        check_size(len(result), "the text joined with ~")
        return result

    def guarded_literal(self, value: Any) -> Any:
        weigh(value, "a list, tuple or mapping written in the template")
        return value

    def _range(self, *args: int) -> range:
        try:
            span = range(*args)
            size = len(span)
        except OverflowError:
            size = self.limits.max_range + 1
            span = range(0)
        if size > self.limits.max_range:
            message = f"range() of {size:,} numbers is longer than the {self.limits.max_range:,} a template may use"
            budget = current_budget()
            if budget is not None:
                budget.fail(message)
            raise TemplateLimitError(message)
        return span


@pass_context
def _finalize(_context: Any, value: Any) -> Any:
    """Every ``{{ }}`` value before it is written: weighed, and counted as output.

    Taking the context is also what stops jinja2 from evaluating a constant expression
    (``{{ 'door.east' | states }}``) once while compiling and writing that result forever.
    """
    size = len(value) if isinstance(value, str) else weigh(value, "a value written by the template")
    check_size(size, "a value written by the template")
    budget = current_budget()
    if budget is not None:
        budget.produced(size)
    return value


def _is_machinery(value: Any) -> bool:
    return isinstance(value, _UNREACHABLE) or type(value).__module__ in _MACHINERY_MODULES


# --- checks on operators and string methods ----------------------------------------------------


def _check_multiply(left: Any, right: Any) -> None:
    """``[x] * n`` costs ``n`` times what ``x`` costs written out, not ``n`` items."""
    if isinstance(left, int) and isinstance(right, str | bytes | list | tuple):
        left, right = right, left
    if isinstance(left, str | bytes | list | tuple) and isinstance(right, int):
        if right <= 0:
            return
        if isinstance(left, str | bytes):
            size = len(left) * right
        else:  # the brackets are written once, the items with their separators ``right`` times
            size = (weight(left, current_limits().max_size) - 2) * right + 2
        check_size(size, "the repeated text or list")
    elif isinstance(left, int) and isinstance(right, int):
        check_int_bits(left.bit_length() + right.bit_length())


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        check_int_bits(base.bit_length() * exponent)


def _int_arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: int) -> int:
    value = args[index] if len(args) > index else kwargs.get(name, default)
    return value if isinstance(value, int) else default


def _check_method_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse string methods that would build an oversized string; returns the arguments to use."""
    if not isinstance(obj, types.BuiltinMethodType):
        return args
    owner = obj.__self__
    name = obj.__name__
    if isinstance(owner, str | bytes | bytearray):
        if name in _WIDTH_METHODS:
            check_size(_int_arg(args, kwargs, 0, "width", 0), f"the result of {name}()")
        elif name == "expandtabs":
            tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
            check_size(len(owner) + tabs * _int_arg(args, kwargs, 0, "tabsize", 8), "the result of expandtabs()")
        elif name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            if isinstance(old, str | bytes) and isinstance(new, str | bytes):
                # a str's count of bytes (or the reverse) raises TypeError, as replace() itself would
                hits = owner.count(old) if old else len(owner) + 1  # type: ignore[arg-type]
                check_size(len(owner) + hits * max(0, len(new) - len(old)), "the result of replace()")
        elif name == "join" and args:
            items = list(args[0])
            weigh(items, "the items to join")
            check_size(sum(len(i) for i in items if isinstance(i, str | bytes)) + len(owner) * len(items),
                       "the result of join()")
            return (items, *args[1:])
        elif name == "translate" and args and isinstance(args[0], dict):
            widest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
            check_size(len(owner) * widest, "the result of translate()")
    elif isinstance(owner, int) and name == "to_bytes":
        check_size(_int_arg(args, kwargs, 0, "length", 1), "the result of to_bytes()")
    return args


# --- filters and tests: every one weighed -----------------------------------------------------


def _weighed(kind: str, name: str, helper: Callable[..., Any]) -> Callable[..., Any]:
    """``helper`` as templates run it: a checkpoint, its inputs weighed before the call and
    its result after.

    The compiled template calls filters and tests directly, not through
    `TemplateEnvironment.call`, and most of them write their input out with ``str()``
    (``trim``, ``upper``, ``e``, ``slugify``, ``urlencode`` ...). So each is wrapped once, as
    it is installed — jinja2's, the core's and every plugin's alike — rather than trusting a
    list of the ones known to stringify.
    """
    passes = getattr(helper, "jinja_pass_arg", None)  # pass_context & co: the first argument is jinja2's
    first = 0 if passes is None else 1
    inputs, output = f"the input of {kind} {name!r}", f"the result of {kind} {name!r}"

    def weighed(*args: Any, **kwargs: Any) -> Any:
        budget = current_budget()
        if budget is not None:
            budget.step()
        weigh_all((*args[first:], *kwargs.values()), inputs)
        result = helper(*args, **kwargs)
        weigh(result, output)
        return result

    if passes is not None:
        weighed.jinja_pass_arg = passes  # type: ignore[attr-defined]
    return weighed


# --- jinja2's filters whose arguments multiply a length, with the size checked first ------------


def _center(value: Any, width: int = 80) -> str:
    check_size(width if isinstance(width, int) else 0, "the result of center")
    return do_center(value, width)


def _indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    text = str(s)
    unit = width if isinstance(width, int) else len(str(width))
    check_size(len(text) + (text.count("\n") + 1) * unit, "the result of indent")
    return do_indent(text, width, first, blank)


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    check_printf(str(value), kwargs or args)
    return do_format(value, *args, **kwargs)


@pass_eval_context
def _join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
    items = list(value)
    weigh(items, "the items to join")
    result = sync_do_join(eval_ctx, items, d, attribute)
    check_size(len(result), "the result of join")
    return result


@pass_eval_context
def _replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(s), str(old), str(new)
    hits = (text.count(old) if old else len(text) + 1) if count is None else min(count, len(text) + 1)
    check_size(len(text) + hits * max(0, len(new) - len(old)), "the result of replace")
    return do_replace(eval_ctx, text, old, new, count)


def _batch(value: Iterable[Any], linecount: int, fill_with: Any = None) -> Any:
    check_size(linecount if isinstance(linecount, int) else 0, "a batch")
    return do_batch(value, linecount, fill_with)


def _slice(value: Iterable[Any], slices: int, fill_with: Any = None) -> Any:
    check_size(slices if isinstance(slices, int) else 0, "the number of slices")
    return do_slice(value, slices, fill_with)


@pass_environment
def _sum(environment: Any, iterable: Iterable[Any], attribute: str | int | None = None, start: Any = 0) -> Any:
    items = list(iterable)
    weigh(items, "the items to sum")
    return sync_do_sum(environment, items, attribute, start)


def _pprint(value: Any) -> str:
    check_indented(value, 1, "the result of pprint")
    return do_pprint(value)


@pass_eval_context
def _tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Markup:
    if indent is not None:
        check_indented(value, indent if isinstance(indent, int) else len(str(indent)), "the result of tojson")
    return do_tojson(eval_ctx, value, indent)


@pass_environment
def _wordwrap(environment: Any, s: str, width: int = 79, break_long_words: bool = True,
              wrapstring: str | None = None, break_on_hyphens: bool = True) -> str:
    text = str(s)
    joiner = len(wrapstring) if isinstance(wrapstring, str) else 1
    lines = len(text) // max(width, 1) + text.count("\n") + 1 if isinstance(width, int) else 1
    check_size(len(text) + lines * joiner, "the result of wordwrap")
    return do_wordwrap(environment, text, width, break_long_words, wrapstring, break_on_hyphens)


__all__ = ["TemplateEnvironment", "TemplateNamespace", "TemplateUndefined", "TemplateError", "TemplateSecurityError"]
