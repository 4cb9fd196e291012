"""The access services, one table: the contract's four and staff's credentials and groups.

Every change a person makes is audited with what it changed (the core audits the call
itself too); a restriction names its author by the staff member's name when their hub user
is linked to a person in residents, else by the user name.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import HubError
from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse
from xiaoqu.integrations.residents.personal import clear

from . import log
from .const import (
    DATA_ACCESS,
    DOMAIN,
    SERVICE_ADD_CREDENTIAL,
    SERVICE_ADD_GROUP,
    SERVICE_CHECK,
    SERVICE_LIFT_RESTRICTION,
    SERVICE_LOG,
    SERVICE_REMOVE_CREDENTIAL,
    SERVICE_REMOVE_GROUP,
    SERVICE_RESTRICT,
    SERVICE_UPDATE_GROUP,
    TARGETS,
)
from .schema import (
    ADD_CREDENTIAL_SCHEMA,
    CHECK_SCHEMA,
    GROUP_SCHEMA,
    LIFT_SCHEMA,
    LOG_SCHEMA,
    REMOVE_CREDENTIAL_SCHEMA,
    REMOVE_GROUP_SCHEMA,
    RESTRICT_SCHEMA,
    UPDATE_GROUP_SCHEMA,
    epoch,
)

if TYPE_CHECKING:
    from .access import Access

#: What each staff role may call (``xiaoqu_role_permissions``): managers everything; guards
#: check, read the log and block a card reported lost at the gate; finance restricts and
#: lifts for arrears. Residents get nothing here.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "guard": [f"{DOMAIN}.{SERVICE_CHECK}", f"{DOMAIN}.{SERVICE_LOG}", f"{DOMAIN}.{SERVICE_RESTRICT}"],
    "finance": [f"{DOMAIN}.{SERVICE_RESTRICT}", f"{DOMAIN}.{SERVICE_LIFT_RESTRICTION}", f"{DOMAIN}.{SERVICE_LOG}"],
}


def _access(call: ServiceCall) -> Access:
    return call.hub.data[DATA_ACCESS]


def author(call: ServiceCall) -> str:
    """Who made the change, as a reason names them: the linked staff member, the user, or the source."""
    user = None
    if call.context.user_id is not None:
        try:
            user = get_auth(call.hub).manager.user(call.context.user_id)
        except HubError:
            user = None
    if user is None:
        return call.context.source or "the hub"
    person = _access(call).residents.person_for_user(user.name)
    return person.name if person is not None and person.name and not person.erased else user.name


def _audit(call: ServiceCall, act: str, **details: Any) -> None:
    try:
        get_auth(call.hub).record(act, call.context, **details)
    except HubError:
        pass  # no auth on this hub: nobody to audit for


def check(call: ServiceCall) -> dict[str, Any]:
    access = _access(call)
    data = call.data
    decision = access.check(data["type"], clear(data["value"]), data["door"], epoch(data.get("at"), access.tz),
                            direction=data.get("direction"), context=call.context)
    return decision.as_response(access.tz)


async def restrict(call: ServiceCall) -> dict[str, Any]:
    access = _access(call)
    data = call.data
    target = next(t for t in TARGETS if t in data)
    restriction = await access.restrict(target, data[target], scope=data["scope"], reason=data["reason"],
                                        kind=data["kind"], by=author(call), until=epoch(data.get("until"), access.tz))
    _audit(call, "access_restricted", restriction=restriction.id, target=target, value=restriction.value,
           scope=restriction.scope, kind=restriction.kind, reason=restriction.reason)
    return {"restriction_id": restriction.id, **restriction.as_response(access.tz)}


async def lift_restriction(call: ServiceCall) -> dict[str, Any]:
    access = _access(call)
    data = call.data
    target = next((t for t in TARGETS if t in data), None)
    lifted = await access.lift(data.get("restriction_id"), target, data.get(target) if target else None,
                               kind=data.get("kind"))
    _audit(call, "access_restriction_lifted", restrictions=[r.id for r in lifted])
    return {"lifted": [r.id for r in lifted]}


async def access_log(call: ServiceCall) -> dict[str, Any]:
    return {"records": await log.query(_access(call), call.data)}


async def add_credential(call: ServiceCall) -> dict[str, Any]:
    credential, token = await _access(call).add_credential(call.data, author(call))
    _audit(call, "access_credential_issued", credential=credential.masked, type=credential.type,
           person=credential.person, household=credential.household, groups=list(credential.groups))
    answer = credential.as_response()
    if token is not None:
        answer["token"] = token  # the QR pass's content: shown this once
    return answer


async def remove_credential(call: ServiceCall) -> dict[str, Any]:
    access = _access(call)
    pin = call.data.get("pin")
    credential = access.find_credential(call.data.get("credential_id"), None if pin is None else clear(pin),
                                        call.data.get("card"))
    await access.remove_credential(credential)
    _audit(call, "access_credential_revoked", credential=credential.masked, type=credential.type,
           person=credential.person)
    return {"removed": credential.key}


async def add_group(call: ServiceCall) -> dict[str, Any]:
    group = await _access(call).put_group(call.data, new=True)
    _audit(call, "access_group_added", group=group.as_config())
    return group.as_config()


async def update_group(call: ServiceCall) -> dict[str, Any]:
    access = _access(call)
    current = access.groups.by_id.get(call.data["id"])
    merged = {**(current.as_config() if current is not None else {}), **call.data}
    group = await access.put_group(merged, new=False)
    _audit(call, "access_group_changed", group=group.as_config())
    return group.as_config()


async def remove_group(call: ServiceCall) -> dict[str, Any]:
    group = await _access(call).remove_group(call.data["id"])
    _audit(call, "access_group_removed", group=group.id)
    return {"removed": group.id}


SERVICES: Final = [
    ServiceSpec(SERVICE_CHECK, check, CHECK_SCHEMA,
                "Decide whether a credential opens a door now (or at a given time), with the reason and the rule",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_RESTRICT, restrict, RESTRICT_SCHEMA,
                "Restrict a household, person, card or plate (lost card, arrears, blacklist...) at once",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_LIFT_RESTRICTION, lift_restriction, LIFT_SCHEMA,
                "Lift a restriction by its id, or every restriction on a household, person, card or plate",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_LOG, access_log, LOG_SCHEMA,
                "The access log by card, person, household or door and time, newest first", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_ADD_CREDENTIAL, add_credential, ADD_CREDENTIAL_SCHEMA,
                "Issue a QR pass, a PIN or a temporary card to a person or, with groups, to a visitor",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_REMOVE_CREDENTIAL, remove_credential, REMOVE_CREDENTIAL_SCHEMA,
                "Revoke a QR pass, PIN or temporary card issued here", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_ADD_GROUP, add_group, GROUP_SCHEMA,
                "Add an access group: doors, schedule, members by selector, validity", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_UPDATE_GROUP, update_group, UPDATE_GROUP_SCHEMA,
                "Change an access group added by a service", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_REMOVE_GROUP, remove_group, REMOVE_GROUP_SCHEMA,
                "Remove an access group added by a service", SupportsResponse.OPTIONAL),
]
