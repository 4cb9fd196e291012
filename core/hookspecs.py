"""Every extension point of xiaoqu, as pluggy hook specifications.

A plugin is a package with a ``manifest.json`` and a module that implements some of these
hooks with ``@hookimpl``. pluggy has no async support, so a hook implementation may return
an awaitable; the core awaits what it gets (``core.util.await_me_maybe``). None of these
hooks is ``firstresult``: the lifecycle hooks are called per plugin, in dependency order,
each in isolation, so one failing plugin never stops the others.

docs/plugins.md documents each hook with an example; a test checks that it does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    import voluptuous as vol
    from aiohttp import web

    from xiaoqu.core.auth.manager import User
    from xiaoqu.core.hub import Hub

PROJECT_NAME = "xiaoqu"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- lifecycle -----------------------------------------------------------------------------


@hookspec
def xiaoqu_config_schema() -> vol.Schema | None:
    """Return the voluptuous schema of this plugin's section of config.yaml.

    The section is the value under the plugin's domain key. The loader validates it before
    set-up and reports every error with file, line and key path. Return ``None`` when the
    plugin takes no configuration.
    """


@hookspec
def xiaoqu_setup(hub: Hub, config: Any) -> Any:
    """Set the plugin up: register services, add entities, listen to events.

    Called once per plugin, after its dependencies were set up, with the validated
    section of the config (``None`` when the section is absent). May be ``async def``.
    Raising marks the plugin failed; plugins that depend on it are not set up, the rest are.
    """


@hookspec
def xiaoqu_stop(hub: Hub) -> Any:
    """Release what set-up acquired (connections, servers, files). May be ``async def``.

    Called in reverse set-up order while the hub stops, after pending work drained.
    """


# --- contributions to the core --------------------------------------------------------------


@hookspec
def xiaoqu_services(config: Any) -> list[str] | None:
    """Return the ``domain.service`` names the plugin registers when it is set up.

    ``config`` is the plugin's validated section (for services named in it, such as
    ``notify.<target>``); take it only if you need it. Called without setting anything up, so
    ``xiaoqu check-config`` can name an automation's unknown service; a test checks that what
    a running hub registers was declared. A plugin with a service table
    (:class:`xiaoqu.core.services.ServiceSpec`) returns ``service_names(DOMAIN, SERVICES)``.
    """


@hookspec
def xiaoqu_template_helpers(hub: Hub) -> dict[str, Any] | None:
    """Return ``{name: callable}`` made available to every template (sandboxed).

    Helpers must be read-only: a template may compute, never act.
    """


@hookspec
def xiaoqu_automation_triggers(hub: Hub) -> dict[str, Any] | None:
    """Return ``{platform: TriggerPlatform}`` to add trigger types to automations."""


@hookspec
def xiaoqu_automation_conditions(hub: Hub) -> dict[str, Any] | None:
    """Return ``{condition: ConditionPlatform}`` to add condition types to automations."""


@hookspec
def xiaoqu_http_routes(hub: Hub, app: web.Application) -> Any:
    """Add routes to the hub's aiohttp application (API endpoints, webhooks, pages).

    Every route requires a bearer token unless its handler is marked ``core.http.public``.
    """


@hookspec
def xiaoqu_role_permissions() -> dict[str, list[str]] | None:
    """Return ``{role: [service patterns]}`` granting roles the plugin's services.

    Patterns are ``domain.service`` with ``*`` wildcards, e.g. ``{"guard": ["door.unlock"]}``.
    """


@hookspec
def xiaoqu_entity_scope(hub: Hub, user: User) -> Callable[[str], bool] | None:
    """For a user whose role is scoped (``resident``): which entities they may see and act on.

    Return a predicate on entity ids (true for the entities this plugin lets the user reach),
    or ``None`` to grant nothing. A user of a scoped role reaches an entity when any plugin's
    predicate allows it, and nothing when none does: their API answers (states, history,
    logbook, the states a service call changed) hold only those entities, and entity
    services act only on them. Called for each request and service call of such a user, so
    it must be quick, synchronous and read what is current (a household's devices today).
    Never called for staff roles: they see every entity their permissions let them read.
    """


@hookspec
def xiaoqu_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add staff commands to the ``xiaoqu`` command line (one sub-parser each)."""
