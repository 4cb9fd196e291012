"""The smart_home services, one table: staff give devices discovered elsewhere to a
household, look a household's devices up, and write the brokers' household accounts."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from . import schema
from .const import SERVICE_ASSIGN, SERVICE_ENTITIES, SERVICE_UNASSIGN, SERVICE_WRITE_ACCOUNTS
from .runtime import get_smart_home, write_household_accounts


async def assign(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    entities = await get_smart_home(call.hub).assign(data["household"], data["device_id"], data["entity_id"])
    return {"household": data["household"], "entities": entities}


async def unassign(call: ServiceCall) -> dict[str, Any]:
    return {"unassigned": await get_smart_home(call.hub).unassign(call.data["device_id"], call.data["entity_id"])}


def entities(call: ServiceCall) -> dict[str, Any]:
    return get_smart_home(call.hub).describe(call.data["household"])


async def write_accounts(call: ServiceCall) -> dict[str, Any]:
    return (await write_household_accounts(call.hub)).as_response()


SERVICES = (
    ServiceSpec(SERVICE_ASSIGN, assign, schema.ASSIGN_SCHEMA,
                "Give devices or entities discovered outside any household's prefix to a household",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_UNASSIGN, unassign, schema.UNASSIGN_SCHEMA,
                "Take devices or entities back from the household staff gave them to", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_ENTITIES, entities, schema.ENTITIES_SCHEMA,
                "A household's entities, and how each became its (announced under its prefix, or assigned)",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_WRITE_ACCOUNTS, write_accounts, schema.WRITE_ACCOUNTS_SCHEMA,
                "Write every household's MQTT account for the embedded broker, and Mosquitto's acl_file and "
                "password_file when configured (passwords only ever in the accounts file)",
                SupportsResponse.OPTIONAL),
)
