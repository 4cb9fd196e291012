"""What integrations add to the dashboard: pages, boxes on the overview, live event feeds.

An integration calls :func:`register` from its ``xiaoqu_setup`` with its package folder; its
templates are looked up in ``<package>/templates/`` and its strings in
``<package>/translations/<language>/LC_MESSAGES/dashboard.mo``, so a domain's pages, their
templates and their translations land with the domain. Registering needs no running
dashboard: the registry lives in ``hub.data`` from the first call, and the dashboard reads it
when the hub starts serving (after every plugin was set up).

Each page names the permission it needs, from the one table the API uses (``api.read`` to
look; a service's own name, ``door.unlock``, to act), so a role sees in the browser exactly
what it may do through the API.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import API_READ

from .const import DATA_REGISTRY, FORM_MAX_BODY

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

    from .request import PageRequest

PageHandler = Callable[["PageRequest"], Awaitable["web.StreamResponse"]]
PanelValues = Callable[["PageRequest"], Awaitable[Mapping[str, Any]]]


class MessageId(str):
    """A message id marked with :func:`N_`: the catalogue's text, translated where it is shown.

    Templates tell it from data by its type (the ``message_id`` test): a list's choice that is
    one is translated, any other (an area, a device's maker, a department) is shown as text,
    escaped. Data must never reach ``_()``, which jinja marks safe and %-formats.
    """

    __slots__ = ()


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated where it is shown (a title, a label).
    A :class:`MessageId` to templates; a ``str`` to the type checker, so tables of labels stay
    ``dict[str, str]``."""
    return MessageId(message)


#: The navigation's groups (a page's ``group``), translated in the frame's own catalogue, so a
#: domain naming one needs no translation of it.
PEOPLE, DEVICES, MONEY, LOGS = N_("People"), N_("Devices"), N_("Money"), N_("Logs")


@dataclass(frozen=True, slots=True)
class Page:
    """A page or a form's action under ``/dashboard/``.

    ``path`` is relative (``"doors"``, ``"doors/{door}/unlock"``). ``permission`` None lets
    every signed-in user in (their own password, their language). A page with a ``title``
    (a message id) is in the navigation, in ``order``, under its ``group`` (a message id:
    ``N_("People")``, ``N_("Devices")``, ``N_("Money")``, ``N_("Logs")``; None: on the top
    level), so many pages still fit a tablet's or a phone's bar. A POST is refused without
    the session's CSRF token before its handler runs.
    """

    path: str
    handler: PageHandler
    permission: str | None = API_READ
    method: str = "GET"
    title: str | None = None
    order: int = 100
    group: str | None = None
    #: The most a request to the page may send. Every page is public to the API's token check
    #: (the session is checked instead, and a request without one is answered before its body
    #: is read), so this is the route's own limit: 64 KiB fits any form typed by hand; a page
    #: taking uploads says how much it reads.
    max_body: int = FORM_MAX_BODY


@dataclass(frozen=True, slots=True)
class Panel:
    """A box on the overview: ``template`` rendered with what ``values`` returns."""

    template: str
    values: PanelValues
    permission: str = API_READ
    order: int = 100


@dataclass(frozen=True, slots=True)
class Feed:
    """Events of ``event_type`` shown live, to the roles with ``permission``.

    ``label`` is a message id; ``detail`` says in a line what happened (from the event's
    data, which must already be fit to show: masked, no secrets); the door filter reads the
    event's ``door``.
    """

    event_type: str
    label: str
    detail: Callable[[Event], str]
    permission: str = API_READ


@dataclass(slots=True)
class Registry:
    """Everything registered on one hub, in registration order."""

    pages: list[Page] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)
    feeds: dict[str, Feed] = field(default_factory=dict)
    packages: list[Path] = field(default_factory=list)

    def navigation(self) -> list[Page]:
        """The pages with a title, in their order; the bar groups them (a group stands where
        its first page would)."""
        return sorted((page for page in self.pages if page.title), key=lambda page: page.order)


def registry(hub: Hub) -> Registry:
    """The hub's registry, made on first use."""
    found = hub.data.get(DATA_REGISTRY)
    if found is None:
        found = hub.data[DATA_REGISTRY] = Registry()
    return found


def register(hub: Hub, package: Path, *, pages: tuple[Page, ...] = (), panels: tuple[Panel, ...] = (),
             feeds: tuple[Feed, ...] = ()) -> None:
    """Add an integration's pages, overview panels and feeds; ``package`` is its folder."""
    found = registry(hub)
    if package not in found.packages:
        found.packages.append(package)
    found.pages.extend(pages)
    found.panels.extend(panels)
    found.feeds.update((feed.event_type, feed) for feed in feeds)
