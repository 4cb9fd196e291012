"""My devices: the household's smart-home entities, live, with the switches a phone needs.

Which entities are the household's is the core's entity scope for the signed-in resident
(``xiaoqu_entity_scope``; smart_home answers it from the topic a device announced itself on, or
staff's assignment), asked on each request, so the page shows what the API would let the
resident reach, and nothing else. Every button is a service call as the resident
(``page.call``): the permission check and the scope check refuse, and audit, an entity that is
not theirs — whatever id a form sends.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from xiaoqu.core.validation import entity_id as valid_entity_id
from xiaoqu.core.validation import vol

from .const import ROOT

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.states import State

    from .request import PortalRequest

#: What the page's buttons may ask of each domain: the service each button calls.
ACTIONS: Final = {
    "switch": ("turn_on", "turn_off"),
    "light": ("turn_on", "turn_off"),
    "fan": ("turn_on", "turn_off"),
    "cover": ("open_cover", "close_cover", "stop_cover"),
    "lock": ("lock", "unlock"),
    "climate": ("set_temperature",),
}
#: A cover that declares it can stop (CoverEntityFeature.STOP) gets a stop button.
COVER_STOP: Final = 8
#: A climate device's setpoint: the step when it does not say, and the furthest a form may ask.
TEMPERATURE_STEP: Final = 0.5
TEMPERATURE_RANGE: Final = (-50.0, 100.0)


@dataclass(frozen=True, slots=True)
class Device:
    """One entity as the page shows it."""

    entity_id: str
    name: str
    domain: str
    state: str
    unit: str
    actions: tuple[str, ...]
    target: float | None = None
    step: float = TEMPERATURE_STEP
    current: Any = None

    @property
    def setpoint(self) -> str:
        """The target as people write it: ``24``, ``22.5``."""
        return "" if self.target is None else f"{self.target:g}"

    @property
    def anchor(self) -> str:
        """The entity's id as an HTML id."""
        return "device-" + self.entity_id.replace(".", "-")


def device(hub: Hub, state: State) -> Device:
    """``state`` as the page shows it; what its buttons may ask is the entity's to say."""
    domain = state.entity_id.split(".", 1)[0]
    attributes = state.attributes
    actions = ACTIONS.get(domain, ())
    entity = hub.entities.get(state.entity_id)
    if domain == "cover" and not (entity is not None and entity.supported_features & COVER_STOP):
        actions = tuple(action for action in actions if action != "stop_cover")
    target = attributes.get("temperature") if domain == "climate" else None
    return Device(state.entity_id, str(attributes.get("friendly_name") or state.entity_id), domain, state.state,
                  str(attributes.get("unit_of_measurement") or ""), actions,
                  float(target) if isinstance(target, int | float) else None,
                  float(attributes.get("target_temp_step") or TEMPERATURE_STEP), attributes.get("current_temperature"))


def household_devices(page: PortalRequest) -> list[Device]:
    """The entities the resident may reach now: what they switch first, then what they read."""
    scope = page.dashboard.access.scope_of(page.user, page.context)
    if scope is None:  # not a scoped role: the portal admits none, but never show every entity
        return []
    found = [device(page.hub, state) for state in page.hub.states.all() if scope.allows(state.entity_id)]
    return sorted(found, key=lambda shown: (not shown.actions, shown.name.casefold()))


async def devices(page: PortalRequest) -> web.Response:
    return page.render("portal/devices.html", devices=household_devices(page))


def _asked(form: Any, page: PortalRequest) -> tuple[str, str, dict[str, Any]]:
    """The service and its data a button asks for; ValueError naming what is wrong."""
    try:
        entity_id = valid_entity_id(form.get("entity_id"))
    except vol.Invalid:
        raise ValueError(page.gettext("The form names no device.")) from None
    domain = entity_id.split(".", 1)[0]
    action = form.get("action")
    if action not in ACTIONS.get(domain, ()):
        raise ValueError(page.gettext("A device of this kind cannot do that."))
    data: dict[str, Any] = {"entity_id": entity_id}
    if action == "set_temperature":
        try:
            temperature = float(form.get("temperature"))
        except (TypeError, ValueError):
            raise ValueError(page.gettext("Give the temperature as a number.")) from None
        low, high = TEMPERATURE_RANGE
        if not math.isfinite(temperature) or not low <= temperature <= high:
            raise ValueError(page.gettext("Give the temperature as a number.")) from None
        data["temperature"] = temperature
    return domain, str(action), data


async def act(page: PortalRequest) -> web.Response:
    """One button: the service as the resident, then back to the list (a phone with scripts
    stays on the page, and the live stream shows the device's new state)."""
    try:
        domain, service, data = _asked(await page.form(), page)
    except ValueError as err:
        return page.message(HTTPStatus.BAD_REQUEST, str(err))
    await page.call(domain, service, data)
    if page.request.headers.get("HX-Request"):
        return web.Response(status=HTTPStatus.NO_CONTENT)
    return page.redirect(f"{ROOT}/devices")
