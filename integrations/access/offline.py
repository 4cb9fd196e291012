"""Decisions a controller made alone, landing in the access log once.

A controller that lost the hub keeps deciding from its whitelist (fail-secure: what it was
not given, it refuses) and uploads what it decided when the hub is back. Each decision
carries the controller's event id, unique per controller, so the record id is
``<controller>:<event id>`` and an upload repeated after a lost acknowledgement lands once.

An upload is the controller's word, not the hub's, so it is taken only as far as it can
be: a decision for a door the controller does not serve, or dated outside what the access
log keeps (older than its retention, or more than ``MAX_AHEAD`` ahead of the hub's clock)
is refused — counted, logged once a minute, answered as refused — never recorded. What is
recorded says whose claim it is: the reason is ``controller c1 reported: …`` and the rule
``offline:<controller>``. A grant for a credential that was not on the list the controller
was sent, or that a restriction covers, is recorded and raises ``access_offline_mismatch``:
a controller that lets in someone it was not told to is broken or tampered with.
A credential is logged masked and resolved to its holder here, as an online decision is; a
decision that does not fit is left out, never the batch.
Offline decisions fire no ``access_granted`` / ``access_denied``: they happened earlier, and
an automation reacting now would react to the past.
"""
from __future__ import annotations

import asyncio
import math
from collections.abc import Collection, Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.validation import boolean, humanize_error, string, vol
from xiaoqu.integrations.residents.cardnumber import CardNumberError, parse_card, wiegand26

from .const import CARD, CREDENTIAL_TYPES, EVENT_OFFLINE_MISMATCH, LOG_KIND, PEDESTRIAN, PIN, PLATE, QR, SOURCE_OFFLINE
from .credentials import mask
from .models import Decision
from .resolve import Refusal, Resolved, normalise_plate
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
    vol.Optional("reason"): vol.Any(None, vol.All(string, vol.Length(max=200))),
}, extra=vol.REMOVE_EXTRA)


class Refused(vol.Invalid):
    """A decision the controller had no say in: ``problem`` is what it is counted and logged as."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Upload:
    """What became of an upload: how many decisions were new to the log, and the event ids
    of those refused (the controller forgets them too: sending them again changes nothing)."""

    recorded: int
    refused: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Sender:
    """The controller an upload came from: its id, the doors it serves, and the whitelist keys
    it was sent (what it may have granted alone)."""

    id: str
    doors: Collection[str]
    listed: Container[str]


async def record_offline(access: Access, decisions: Iterable[Mapping[str, Any]], sender: Sender) -> Upload:
    """Log ``decisions`` (as ``controller/<id>/events`` carries them) that ``sender`` could have made."""
    appends = []
    decided: list[Decision] = []
    refused: list[str] = []
    now = access.hub.clock.time()
    for raw in decisions:
        try:
            decision, resolved = _decision(access, raw, sender, now)
        except Refused as err:
            access.refuse(err.problem, f"controller {sender.id}: an offline decision was refused: {err.msg}")
            refused.append(str(raw["event_id"]))
            continue
        except vol.Invalid as err:
            access.refuse("bad_offline_record", f"controller {sender.id}: an offline decision was left out: "
                                                f"{humanize_error(_shown(raw), err)}")
            if isinstance(raw, Mapping) and isinstance(raw.get("event_id"), str):
                refused.append(raw["event_id"])
            continue
        if decision.granted:
            _check_grant(access, decision, resolved, sender, raw)
        decided.append(decision)
        appends.append(access.hub.recorder.append(LOG_KIND, {**decision.log_data(), "event_id": raw["event_id"]},
                                                  subject=decision.subject, time=decision.at,
                                                  record_id=f"{sender.id}:{raw['event_id']}"))
    new = await asyncio.gather(*appends)
    for decision, recorded in zip(decided, new, strict=True):
        if recorded:  # an upload repeated after a lost acknowledgement is counted once, as it is logged
            access.traffic.add(decision.at, decision.granted)
    return Upload(sum(new), tuple(refused))


def _shown(raw: Any) -> Any:
    """An uploaded decision as a log line may quote it: its credential masked."""
    if isinstance(raw, Mapping) and isinstance(raw.get("value"), str) and raw.get("type") in CREDENTIAL_TYPES:
        return {**raw, "value": mask(raw["type"], raw["value"])}
    return raw


def _decision(access: Access, raw: Mapping[str, Any], sender: Sender,
              now: float) -> tuple[Decision, Resolved | Refusal]:
    if not isinstance(raw, Mapping):
        raise vol.Invalid("expected an object")
    data = OFFLINE_SCHEMA(dict(raw))
    at = data.get("ts", data.get("at"))
    if at is None:
        raise vol.Invalid("required key not provided", path=["ts"])
    if data["door"] not in sender.doors:
        raise Refused("offline_foreign_door", f"event {data['event_id']} is for door {data['door']}, "
                                              f"which it does not serve")
    if not now - access.keep_seconds <= at <= now + MAX_AHEAD:
        raise Refused("offline_out_of_window", f"event {data['event_id']} is dated "
                                               f"{datetime.fromtimestamp(at, access.tz).isoformat()}, outside "
                                               "what the access log keeps (or ahead of the hub's clock)")
    resolved = access.resolver.resolve(data["type"], data["value"])
    holder = None if isinstance(resolved, Refusal) else resolved.holder
    verdict = "granted" if data["granted"] else "denied"
    reason = f"{verdict}: controller {sender.id} reported: {data.get('reason') or 'no reason'}"
    decision = Decision(data["granted"], reason, f"offline:{sender.id}", holder.person if holder else None,
                        holder.household if holder else None, resolved.masked, data["type"], data["door"], at,
                        access.card_digest(resolved.card), SOURCE_OFFLINE)
    return decision, resolved


def read_key(access: Access, kind: str, value: str) -> str | None:
    """The whitelist key a controller looks a read up by (docs/device-protocol.md), or None
    for a card number that is none."""
    if kind == CARD:
        try:
            read = parse_card(value)
        except CardNumberError:
            return None
        return f"card:{read.canonical}" if read.canonical else f"w26:{wiegand26(read.low24)}"
    if kind in (PIN, QR):
        return access.site_key.credential(kind, value.strip())
    if kind == PLATE:
        return f"plate:{normalise_plate(value)}"
    return f"{kind}:{value.strip()}"


def _check_grant(access: Access, decision: Decision, resolved: Resolved | Refusal, sender: Sender,
                 raw: Mapping[str, Any]) -> None:
    """A grant for a credential the controller was not sent, or that is restricted: an alarm."""
    problem = None
    if read_key(access, decision.type, str(raw["value"])) not in sender.listed:
        problem = "not on the list it was sent"
    elif isinstance(resolved, Resolved):
        door = access.doors.get(decision.door)
        restriction = access.restrictions.first(resolved.keys, door.kind if door else PEDESTRIAN, decision.at)
        if restriction is not None:
            problem = f"restricted: {restriction.sentence(access.tz)}"
    if problem is None:
        return
    access.refuse("offline_mismatch", f"controller {sender.id} granted {decision.type} {decision.credential} at "
                                      f"door {decision.door} offline, {problem}")
    access.hub.bus.fire(EVENT_OFFLINE_MISMATCH, {
        "controller": sender.id, "event_id": raw["event_id"], "door": decision.door, "type": decision.type,
        "value": decision.credential, "person": decision.person, "household": decision.household,
        "at": datetime.fromtimestamp(decision.at, access.tz).isoformat(), "problem": problem})
