"""The emergency integration at run time: the plans and their entities, the gate hold, the
fire-alarm linkage, drills, supplies and the contact tree; ``get_emergency(hub)``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.bus import Context

from .const import DATA_EMERGENCY, DOMAIN, STORE_NAME, STORE_VERSION
from .contacts import tree
from .drills import Drills
from .entity import PlanEntity
from .holding import GateHold
from .linkage import FireAlarmLinkage
from .models import Plan
from .plans import Plans
from .supplies import Supplies

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


@dataclass(slots=True)
class Emergency:
    hub: Hub
    plans: Plans
    hold: GateHold
    drills: Drills
    supplies: Supplies
    contacts: list[dict[str, Any]]
    linkage: FireAlarmLinkage | None

    def contact_tree(self) -> list[dict[str, Any]]:
        return tree(self.contacts, datetime.fromtimestamp(self.hub.clock.time(), self.hub.clock.tz))

    def close(self) -> None:
        if self.linkage is not None:
            self.linkage.close()
        self.hold.close()
        self.supplies.close()


def get_emergency(hub: Hub) -> Emergency:
    """The hub's emergency plans; a plugin that uses them lists ``"emergency"`` in its dependencies."""
    found = hub.data.get(DATA_EMERGENCY)
    if found is None:
        raise RuntimeError("the emergency integration is not set up: add 'emergency:' to config.yaml")
    return found


async def set_up(hub: Hub, config: dict[str, Any]) -> None:
    plans = {plan_id: Plan.from_config(plan_id, conf) for plan_id, conf in config["plans"].items()}
    entities = {plan_id: PlanEntity(plan) for plan_id, plan in plans.items()}
    store = await hub.storage.open(STORE_NAME, version=STORE_VERSION)

    def hold_reason() -> str:  # asked only once the plans exist
        return f"emergency {', '.join(sorted(registry.active)) or 'stand-down'}: held open"

    hold = GateHold(hub, config["hold_every"], lambda: Context(source=DOMAIN), hold_reason)
    registry = Plans(hub, plans, entities, hold, store.table("active"), store.table("history"))
    await hub.entities.add(DOMAIN, list(entities.values()))
    await registry.load()
    alarm = config.get("fire_alarm")
    linkage = None if alarm is None else FireAlarmLinkage(hub, registry, alarm["input"], alarm["plan"],
                                                          alarm["on_state"])
    supplies = Supplies(hub, config["supplies"], config["remind_days"], store.table("reminded"))
    hub.data[DATA_EMERGENCY] = Emergency(hub, registry, hold, Drills(store.table("drills")), supplies,
                                                     config["contacts"], linkage)
    supplies.start()
    if linkage is not None:
        linkage.start()


def tear_down(hub: Hub) -> None:
    emergency = hub.data.pop(DATA_EMERGENCY, None)
    if emergency is not None:
        emergency.close()
