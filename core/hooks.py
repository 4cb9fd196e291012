"""Calling plugins' hook implementations one at a time, each bound to what it declares.

pluggy calls every implementation of a hook in one go, and the first that raises stops the
rest. The core never wants that: each place that calls a hook has its own failure policy (a
failing ``xiaoqu_setup`` fails its plugin; a failing ``xiaoqu_http_routes`` is logged and the
other plugins still add their routes; an awaitable where a mapping was due is refused). So
the core walks the implementations itself, through :func:`hook_calls`, and decides at each
call what a failure means.

An implementation takes only the arguments it names (``def xiaoqu_services():`` may leave
out ``config``), as pluggy allows; the caller says once what it has to offer.

:func:`register_plugin` is the other half: a plugin's hooks are checked when it is
registered, so a misspelled ``@hookimpl`` (``def xiaoqu_setpu``) fails that plugin with a
sentence saying so, instead of being silently never called.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pluggy

from xiaoqu.core.errors import PluginError
from xiaoqu.core.validation import did_you_mean

__all__ = ["HookCall", "hook_calls", "register_plugin"]


@dataclass(frozen=True, slots=True)
class HookCall:
    """One plugin's implementation of a hook with its arguments; call it to run it.

    What it returns is the implementation's own result: a value, or an awaitable for the
    caller to await (``core.util.await_me_maybe``) where the hook may be ``async def``.
    """

    plugin: str
    function: Callable[..., Any]
    kwargs: Mapping[str, Any]

    def __call__(self) -> Any:
        return self.function(**self.kwargs)


def hook_calls(
    pm: pluggy.PluginManager, hook: str, available: Mapping[str, Any] | None = None, *, plugin: str | None = None
) -> Iterator[HookCall]:
    """Each implementation of ``hook`` (only ``plugin``'s, when given), in pluggy's order,
    bound to the arguments it declares from ``available``.

    The arguments are looked up when each implementation is reached, so an implementation
    that asks for one the caller did not offer is a ``TypeError`` naming the hook, the plugin
    and the argument: a mistake of the core's, since pluggy lets an implementation declare
    only arguments of the hook's specification.
    """
    available = available or {}
    for impl in getattr(pm.hook, hook).get_hookimpls():
        if plugin is not None and impl.plugin_name != plugin:
            continue
        if missing := [name for name in impl.argnames if name not in available]:
            raise TypeError(f"{hook} of plugin {impl.plugin_name} takes {', '.join(missing)}, "
                            f"which the caller does not provide")
        yield HookCall(impl.plugin_name, impl.function, {name: available[name] for name in impl.argnames})


def register_plugin(pm: pluggy.PluginManager, name: str, module: object) -> None:
    """Register ``module``'s hook implementations as the plugin ``name``, checked.

    An implementation of no hook (a misspelling) or one taking an argument its hook does not
    have leaves nothing registered and raises a :class:`PluginError` saying which, with the
    hook most likely meant: ``unknown hook 'xiaoqu_setpu' (did you mean 'xiaoqu_setup'?)``.
    ``pm.check_pending()`` finds the unknown hooks; the loader registers plugins one at a
    time, so those it finds are this plugin's.
    """
    try:
        pm.register(module, name=name)
    except pluggy.PluginValidationError as err:
        raise PluginError(" ".join(str(err).split())) from None
    try:
        pm.check_pending()
    except pluggy.PluginValidationError:
        # Only this plugin's unknown hooks fail it (not those of one registered some other way).
        if unknown := _unknown_hooks(pm, name):
            pm.unregister(name=name)
            known = [hook for hook, caller in vars(pm.hook).items() if caller.has_spec()]
            raise PluginError("; ".join(f"unknown hook '{hook}'{did_you_mean(hook, known)}" for hook in unknown)) from None


def _unknown_hooks(pm: pluggy.PluginManager, plugin: str) -> list[str]:
    """The hooks with no specification that ``plugin`` implements."""
    return sorted(
        hook for hook, caller in vars(pm.hook).items()
        if not caller.has_spec()
        and any(impl.plugin_name == plugin and not impl.optionalhook for impl in caller.get_hookimpls())
    )
