"""Decisions a controller made alone, landing in the access log once.

A controller that lost the hub keeps deciding from its whitelist (fail-secure: what it was
not given, it refuses) and uploads what it decided when the hub is back. Each decision
carries the controller's event id, unique per controller, so the record id is
``<controller>:<event id>`` and an upload repeated after a lost acknowledgement lands once.
A credential is logged masked and resolved to its holder here, as an online decision is; a
decision that does not fit is counted, logged once a minute and left out, never the batch.
Offline decisions fire no events: they happened earlier, and an automation reacting now
would react to the past.
"""
from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.validation import boolean, humanize_error, string, vol

from .const import CREDENTIAL_TYPES, LOG_KIND, SOURCE_OFFLINE
from .credentials import mask
from .models import Decision
from .resolve import Refusal
from .schema import door_id

if TYPE_CHECKING:
    from .access import Access

#: Latest a controller's clock may be ahead of the hub's: beyond it, a time is a wrong clock.
MAX_AHEAD: Final = 300.0


def _time(value: Any) -> float:
    if isinstance(value, bool):
        raise vol.Invalid("expected epoch seconds or an ISO date-time with offset")
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment.timestamp()
    raise vol.Invalid("expected epoch seconds or an ISO date-time with offset")


_TEXT: Final = vol.All(string, vol.Length(min=1, max=256))
OFFLINE_SCHEMA: Final = vol.Schema({
    vol.Required("event_id"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Required("door"): door_id,
    vol.Required("type"): vol.In(CREDENTIAL_TYPES),
    vol.Required("value"): _TEXT,
    vol.Required("granted"): boolean,
    vol.Optional("ts"): _time,
    vol.Optional("at"): _time,
    vol.Optional("controller"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("reason"): vol.Any(None, vol.All(string, vol.Length(max=200))),
    vol.Optional("rule"): vol.Any(None, vol.All(string, vol.Length(max=100))),
}, extra=vol.REMOVE_EXTRA)


async def record_offline(access: Access, decisions: Iterable[Mapping[str, Any]], controller: str | None = None) -> int:
    """Log ``decisions`` (as ``controller/<id>/events`` carries them); return how many were new."""
    appends = []
    now = access.hub.clock.time()
    for raw in decisions:
        try:
            decision, record_id = _decision(access, raw, controller, now)
        except vol.Invalid as err:
            access.refuse("bad_offline_record", f"an offline decision was left out: {humanize_error(raw, err)}")
            continue
        appends.append(access.hub.recorder.append(LOG_KIND, {**decision.log_data(), "event_id": raw["event_id"]},
                                                  subject=decision.subject, time=decision.at, record_id=record_id))
    return sum(await asyncio.gather(*appends))


def _decision(access: Access, raw: Mapping[str, Any], controller: str | None, now: float) -> tuple[Decision, str]:
    if not isinstance(raw, Mapping):
        raise vol.Invalid("expected an object")
    data = OFFLINE_SCHEMA(dict(raw))
    at = data.get("ts", data.get("at"))
    if at is None:
        raise vol.Invalid("required key not provided", path=["ts"])
    if at > now + MAX_AHEAD:
        raise vol.Invalid("is in the future (the controller's clock is wrong)", path=["ts"])
    source = data.get("controller") or controller
    resolved = access.resolver.resolve(data["type"], data["value"])
    if isinstance(resolved, Refusal):
        person, household, masked, card = None, None, resolved.masked, resolved.card
    else:
        person, household, masked, card = (resolved.holder.person, resolved.holder.household, resolved.masked,
                                           resolved.card)
    verdict = "granted" if data["granted"] else "denied"
    reason = data.get("reason") or f"{verdict} offline by controller {source or 'unknown'}"
    if not reason.startswith(verdict):
        reason = f"{verdict}: {reason}"
    decision = Decision(data["granted"], reason, data.get("rule") or "offline", person, household,
                        masked or mask(data["type"], data["value"]), data["type"], data["door"], at, card,
                        SOURCE_OFFLINE)
    record_id = f"{source}:{data['event_id']}" if source else data["event_id"]
    return decision, record_id
