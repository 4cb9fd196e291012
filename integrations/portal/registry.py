"""The portal's pages, its own and those the domains add (bills, notices, repairs, visitors).

A domain calls :func:`register` from its ``xiaoqu_setup`` with its package folder and lists
``"portal"`` in its manifest's ``after_dependencies``; its templates
(``<package>/templates/<domain>/``, extending ``portal/base.html``) and its strings
(``<package>/translations/``) join the dashboard's, so both share one catalogue per language.
A page with a ``title`` is a tab in the bottom bar, in ``order``.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from xiaoqu.integrations.dashboard import Page
from xiaoqu.integrations.dashboard import register as register_with_dashboard

from .const import DATA_REGISTRY

if TYPE_CHECKING:
    from pathlib import Path

    from aiohttp import web

    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.dashboard.registry import PageHandler

    from .request import PortalRequest

PortalHandler = Callable[["PortalRequest"], Awaitable["web.StreamResponse"]]


@dataclass(frozen=True, slots=True)
class PortalPage:
    """A page or a form's action under ``/portal/``.

    ``path`` is relative (``"devices"``, ``"bills/{bill}/pay"``). ``permission`` None lets
    every resident with a household in; a page that acts calls the service as the resident
    (``page.call``), checked against their role and their entity scope. ``icon`` names one of
    the base template's icons (``home``, ``devices``, ``entries``, ``bills``, ``notices``,
    ``repairs``, ``visitors``; anything else is a dot). A page of the resident's own account
    says ``household=False``: it is served (as a :class:`PortalFrame`) to a resident whose
    household is gone too.
    """

    path: str
    handler: PortalHandler
    title: str | None = None
    order: int = 100
    method: str = "GET"
    permission: str | None = None
    icon: str = "dot"
    household: bool = True

    def as_page(self) -> Page:
        """The page as the dashboard's guard takes it; the portal's area hands the handler a
        :class:`PortalRequest`, whatever the dashboard's type says."""
        return Page(self.path, cast("PageHandler", self.handler), self.permission, self.method, self.title,
                    self.order)


@dataclass(slots=True)
class PortalRegistry:
    pages: list[PortalPage] = field(default_factory=list)

    def tabs(self) -> list[PortalPage]:
        return sorted((page for page in self.pages if page.title), key=lambda page: page.order)


def registry(hub: Hub) -> PortalRegistry:
    """The hub's portal registry, made on first use (a domain may register before the portal is set up)."""
    found = hub.data.get(DATA_REGISTRY)
    if found is None:
        found = hub.data[DATA_REGISTRY] = PortalRegistry()
    return found


def register(hub: Hub, package: Path, *, pages: tuple[PortalPage, ...] = ()) -> None:
    """Add an integration's portal pages; ``package`` is its folder (templates, catalogues)."""
    register_with_dashboard(hub, package)
    registry(hub).pages.extend(pages)
