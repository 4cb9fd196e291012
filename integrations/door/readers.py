"""A reader's credential → one decision → the reader answered and, on a grant, the door unlocked.

The ``reader/credential`` handler of the device protocol. The router has already refused
what does not fit the schema; here a read goes through, in order:

1. the reader must be one a door lists, else a clear refusal (counted, logged once a minute
   per reader: its id is the sender's);
2. the same credential at the same reader within 200 ms gets the answer already given
   (``debounce.py``);
3. a door interlocked with another that is not closed and locked refuses without asking
   access (nothing was decided about the person);
4. ``Access.check`` decides, writes the access log and fires ``access_granted`` /
   ``access_denied``; on a grant the door is unlocked (for ``unlock_seconds``, or for the
   day by the first card of a ``first_card_groups`` group) before the reader is answered.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .const import DEBOUNCE_SECONDS, RULE_INTERLOCK, RULE_READER_NOT_CONFIGURED, UnlockSource
from .debounce import Debouncer

if TYPE_CHECKING:
    from xiaoqu.integrations import mqtt
    from xiaoqu.integrations.access.access import Access
    from xiaoqu.integrations.access.models import Decision

    from .doors import Doors
    from .entities import DoorEntity, ReaderEntity
    from .first_card import FirstCard
    from .protocol import Unconfigured

#: reader_result.json's longest reason.
MAX_REASON = 200


def answer_of(decision: Decision) -> dict[str, Any]:
    """What a reader is told: reader_result.json's keys. Not who holds the credential: a
    rogue or stolen reader would learn the estate's cards' holders from it; the person and
    household stay in the hub (the event, the access log)."""
    return {"granted": decision.granted, "reason": decision.reason[:MAX_REASON], "rule": decision.rule}


class CredentialHandler:
    """Answers ``reader/<id>/credential`` for every configured reader."""

    def __init__(self, doors: Doors, access: Access, first_card: FirstCard, unconfigured: Unconfigured) -> None:
        self.doors = doors
        self.access = access
        self.first_card = first_card
        self.unconfigured = unconfigured
        self.debouncer = Debouncer(DEBOUNCE_SECONDS)

    def __call__(self, message: mqtt.DeviceMessage, reply: mqtt.Reply) -> None:
        reader = self.doors.reader(message.device_id)
        if reader is None:
            reason = self.unconfigured.seen("reader", message.device_id)
            reply({"granted": False, "reason": reason, "rule": RULE_READER_NOT_CONFIGURED})
            return
        reader.door.heard()
        type_, value = message.payload["type"], message.payload["value"]
        repeat = self.debouncer.repeat(reader.settings.id, type_, value, message.received_at)
        if repeat is not None:
            reply(repeat)
            return
        answer = self.decide(reader, type_, value, message.request_id)
        self.debouncer.decided(reader.settings.id, type_, value, message.received_at, answer)
        reply(answer)  # the person at the door waits for this; the reader's state can follow
        reader.answered(type_, answer)

    def decide(self, reader: ReaderEntity, type_: str, value: str, request_id: str | None) -> dict[str, Any]:
        door = reader.door
        partner = self.doors.blocking_partner(door)
        if partner is not None:
            return {"granted": False, "rule": RULE_INTERLOCK,
                    "reason": f"interlocked with {partner.settings.name} ({partner.door_id}), which is {partner.state}"}
        decision = self.access.check(type_, value, door.door_id, source=f"reader:{reader.settings.id}",
                                     direction=reader.settings.direction)
        if decision.granted:
            self.open(door, decision, request_id)
        return answer_of(decision)

    def open(self, door: DoorEntity, decision: Decision, request_id: str | None) -> None:
        by = decision.person or decision.credential
        until = self.first_card.until(door, decision)
        if until is not None and door.unlock(UnlockSource.FIRST_CARD, until - decision.at, by, request_id):
            return
        door.unlock(UnlockSource.READER, door.settings.unlock_seconds, by, request_id)
