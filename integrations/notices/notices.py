"""``Notices``: every notice of the last ``keep_days`` in memory, sending them and their signatures.

A notice is checked whole before anything is kept: its targets find households, its channels
exist, its template renders with the data given (strictly: a missing figure is an error naming
the template). Then it is written to ``notices.db`` and sent now, or at ``at``, and again every
``repeat.every`` until ``repeat.count`` sendings were made. A repeat goes to the households
that have not signed yet: a reminder stops reaching a household that acknowledged it.

A sending resolves the targets again (a household that moved in since is reached), writes one
pending delivery per household and channel in one transaction, then delivers them, a few at a
time; each result (sent, or failed with the reason) is written as it comes. One channel failing
never stops another. ``notice_sent`` fires when a sending is done, with its counts. A hub that
stops in the middle of a sending finishes it when it starts again: a delivery still pending is
made then (a household may get that one twice; none gets none). Scheduled and repeating notices
are timers rebuilt at start; one whose time passed while the hub was down is sent once at start.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.rowstore import Change
from xiaoqu.core.validation import did_you_mean, humanize_error, vol
from xiaoqu.integrations.residents.callers import Caller, audit, household_app

from . import recipients, texts
from .app import AppSignatures
from .callers import caller_of
from .channels.base import DeliveryFailed, Message
from .const import (
    AUDIT_ACKNOWLEDGED,
    AUDIT_ACKNOWLEDGED_FOR,
    AUDIT_CANCELLED,
    AUDIT_REFUSED,
    AUDIT_SENT,
    AUDIT_SENT_MANY,
    CANCELLED,
    DELIVERED,
    DELIVERY_STATUSES,
    EVENT_ACKNOWLEDGED,
    EVENT_SENT,
    FAILED,
    PARALLEL_DELIVERIES,
    PENDING,
    SCHEDULED,
    SENDING,
    SENT,
    TABLE_DELIVERIES,
    TABLE_NOTICES,
)
from .models import Delivery, Notice, Signature, iso, recipient_status
from .schema import SEND_SCHEMA

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.rowstore import RowStore
    from xiaoqu.integrations.residents import Residents

    from .channels.base import NoticeChannel
    from .contacts import Contacts

_LOGGER = logging.getLogger(__name__)
#: How often notices past ``keep_days`` are cleared.
SWEEP_SECONDS = 86_400.0
#: How far in the past ``at`` may be and still mean "now" (a form filled in a minute ago).
AT_SLACK = 60.0
#: Items a batch checks between two turns it gives the loop (about 10 ms of rendering).
CHECK_CHUNK = 100


class NoticeError(ServiceValidationError):
    """Data that cannot make a notice or sign one; the sentence names the field."""


class NoticeNotFound(ServiceValidationError):
    """No such notice — or one not sent to the household, which a resident is told the same way."""


class Notices:
    """The notices of one hub (``get_notices(hub)``)."""

    def __init__(self, hub: Hub, config: Mapping[str, Any], residents: Residents, rows: RowStore,
                 channels: dict[str, NoticeChannel], contacts: Contacts) -> None:
        self.hub = hub
        self.tz = hub.clock.tz
        self.config = config
        self.residents = residents
        self.rows = rows
        self.channels = channels
        #: Where channels find phones and addresses; ``contacts.add_source("email", ...)``.
        self.contacts = contacts
        self.templates: dict[str, Mapping[str, str]] = {**texts.BUILTIN, **config["templates"]}
        self.notices: dict[str, Notice] = {}
        #: notice id -> (household, channel) -> its delivery.
        self.deliveries: dict[str, dict[tuple[str, str], Delivery]] = {}
        self._timers: dict[str, TimerHandle] = {}
        self._sweeper: TimerHandle | None = None
        self._lock = asyncio.Lock()
        #: The households' apps signing over MQTT (listening once set up: ``app.listen()``).
        self.app = AppSignatures(hub, self.app_sign)

    # --- start and stop ----------------------------------------------------------------------

    async def load(self) -> None:
        for key, doc in await self.rows.load(TABLE_NOTICES):
            self.notices[key] = Notice.from_doc(key, doc)
        for _key, doc in await self.rows.load(TABLE_DELIVERIES):
            delivery = Delivery.from_doc(doc)
            self.deliveries.setdefault(delivery.notice, {})[(delivery.household, delivery.channel)] = delivery

    def start(self) -> None:
        """Finish the sendings a stop interrupted; timers for what is scheduled."""
        interrupted = []
        for notice in list(self.notices.values()):
            if notice.status == SENDING:
                interrupted.append(notice.id)
            elif notice.waiting:
                self._schedule(notice)
        if interrupted:
            self.hub.create_task(self._finish(interrupted), name=f"notices: finish {len(interrupted)} sendings")
        self.hub.create_task(self.sweep(), name="notices: first sweep")

    async def stop(self) -> None:
        self.app.stop()
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
        for channel in self.channels.values():
            await channel.close()

    # --- reads -------------------------------------------------------------------------------

    def counts(self, notice: Notice) -> dict[str, int]:
        """How many households are at each status (acknowledged, sent, failed, pending)."""
        counts = dict.fromkeys(DELIVERY_STATUSES, 0)
        for status in self._recipient_statuses(notice).values():
            counts[status] += 1
        return counts

    def _recipient_statuses(self, notice: Notice) -> dict[str, str]:
        by_household: dict[str, list[Delivery]] = {household: [] for household in notice.recipients}
        for (household, _channel), delivery in self.deliveries.get(notice.id, {}).items():
            by_household.setdefault(household, []).append(delivery)
        return {household: recipient_status(found, household in notice.signed)
                for household, found in by_household.items()}

    def summary(self, notice: Notice) -> dict[str, Any]:
        return notice.summary(self.tz, self.counts(notice))

    def find(self, household: str | None = None, ref: str | None = None, limit: int | None = None) -> list[Notice]:
        """Newest first; ``household``: those sent to it; ``ref``: those whose ref starts with it."""
        found = [notice for notice in self.notices.values()
                 if (household is None or household in notice.recipients)
                 and (ref is None or (notice.ref or "").startswith(ref))]
        found.sort(key=lambda notice: notice.created_at, reverse=True)
        return found[:limit]

    def recipients_of(self, notice_id: str) -> list[dict[str, Any]]:
        """Each household of a notice: its status, each channel's delivery, its signature."""
        notice = self._notice(notice_id)
        statuses = self._recipient_statuses(notice)
        found = self.deliveries.get(notice.id, {})
        rows = []
        for household in sorted(statuses):
            signature = notice.signed.get(household)
            rows.append({
                "household": household, "status": statuses[household],
                "channels": {channel: {"status": d.status, "reason": d.reason, "at": iso(d.at, self.tz)}
                             for (h, channel), d in sorted(found.items()) if h == household},
                "acknowledged_at": iso(signature.at, self.tz) if signature else None,
                "acknowledged_by": signature.by if signature else None,
                "acknowledged_how": signature.how if signature else None,
            })
        return rows

    def _notice(self, notice_id: str) -> Notice:
        notice = self.notices.get(notice_id)
        if notice is None:
            raise NoticeNotFound(f"notice {notice_id} is not found")
        return notice

    # --- sending -----------------------------------------------------------------------------

    async def send(self, to: Any, *, template: str | None = None, title: str | None = None, body: str | None = None,
                   data: Mapping[str, Any] | None = None, channels: list[str] | None = None, ref: str | None = None,
                   at: datetime | str | None = None, repeat: Mapping[str, Any] | None = None,
                   context: Context | None = None) -> dict[str, Any]:
        """Send a notice (see the module's docstring); ``{"notice_id", "recipients", "status",
        "next_at"}``. Raises NoticeError (naming the field) or TemplateFailed, with nothing kept."""
        asked: dict[str, Any] = {"to": to, "template": template, "title": title, "body": body, "data": data,
                                 "channels": channels, "ref": ref, "at": at, "repeat": repeat}
        asked = {key: value for key, value in asked.items() if value is not None}
        try:
            checked = SEND_SCHEMA(asked)
        except vol.Invalid as err:
            raise NoticeError(humanize_error(asked, err)) from None
        return await self.send_checked(checked, caller_of(self.hub, context))

    async def send_checked(self, data: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
        """``data`` as ``SEND_SCHEMA`` left it, from ``caller``."""
        now = self.hub.clock.time()
        draft = self._prepare(data, caller, now, texts.Renderer(self.hub))
        async with self._lock:
            notice = draft.changed(id=self._new_id())
            await self._save(notice)
        audit(self.hub, AUDIT_SENT, caller, notice=notice.id, template=notice.template, ref=notice.ref,
              to=list(notice.to), households=len(notice.recipients), channels=list(notice.channels),
              at=iso(notice.next_at, self.tz))
        if notice.next_at is None:
            await self._sending(notice.id)
        else:
            self._schedule(notice)
        return {"notice_id": notice.id, "recipients": list(notice.recipients),
                "status": self.notices[notice.id].status, "next_at": iso(notice.next_at, self.tz)}

    async def send_many(self, items: Iterable[Mapping[str, Any]], *, context: Context | None = None
                        ) -> dict[str, Any]:
        """Many notices, each sent now, accepted together (billing's fee notices of a run).

        Each item (``to``, ``template`` or ``title`` and ``body``, ``data``, ``channels``, ``ref``;
        no ``at`` or ``repeat``) is checked and rendered as ``send`` checks one, giving the loop
        back every ``CHECK_CHUNK`` items (10,000 fee notices are a second of rendering: the hub's
        MQTT and its other work go on meanwhile). One item that is wrong refuses them all, naming
        it (``items[3]: to[0].household: ...``), nothing kept. Then every notice and its pending
        deliveries are written in one transaction (accepted), and delivered in the background,
        ``PARALLEL_DELIVERIES`` at a time across all of them. ``{"accepted": n, "notices":
        [{"notice_id", "ref", "recipients"}]}`` in the items' order."""
        caller = caller_of(self.hub, context)
        now = self.hub.clock.time()
        drafts = []
        renderer = texts.Renderer(self.hub)
        for index, item in enumerate(items):
            if index and not index % CHECK_CHUNK:
                await asyncio.sleep(0)
            try:
                drafts.append(self._prepare(_item_checked(item), caller, now, renderer))
            except ServiceValidationError as err:
                raise type(err)(f"items[{index}]: {err}") from None
        async with self._lock:
            taken: set[str] = set()
            started = [self._started(draft, draft.recipients, now, self._new_id(taken)) for draft in drafts]
            await self.rows.write([change for notice, pending in started for change in _changes(notice, pending)])
            for notice, pending in started:
                self._keep(notice, pending)
        notices = [notice for notice, _pending in started]
        audit(self.hub, AUDIT_SENT_MANY, caller, notices=len(notices),
              households=sum(len(notice.recipients) for notice in notices),
              templates=sorted({notice.template or "" for notice in notices}),
              channels=sorted({name for notice in notices for name in notice.channels}),
              refs=os.path.commonprefix([notice.ref or "" for notice in notices]) or None)
        if notices:
            self.hub.create_task(self._finish([notice.id for notice in notices]),
                                 name=f"notices: send {len(notices)} notices")
        return {"accepted": len(notices), "notices": [
            {"notice_id": notice.id, "ref": notice.ref, "recipients": list(notice.recipients)} for notice in notices]}

    def _prepare(self, data: Mapping[str, Any], caller: Caller, now: float, renderer: texts.Renderer) -> Notice:
        """A notice checked whole from ``data`` (as ``SEND_SCHEMA`` left it), not yet kept (no id)."""
        to = tuple(data["to"])
        households = recipients.households(self.residents, to)
        channels = self._channels_checked(data.get("channels"))
        name = data.get("template")
        parts = self._template(name) if name is not None else {"title": data["title"], "body": data["body"]}
        variables = {"today": datetime.fromtimestamp(now, self.tz).date().isoformat(), **data["data"]}
        if len(households) == 1 and "household" not in variables:
            variables["household"] = households[0]
        personal = "household" not in variables and texts.uses(self.hub, parts, "household")
        words = renderer.render_each(name, parts, variables, households if personal else [None])
        title, body = next(iter(words.values()))
        if personal:
            self._storable(variables)
        next_at = self._at_checked(data.get("at"), now)
        repeat = data.get("repeat")
        return Notice("", title, body, to, channels, now, caller.name, SCHEDULED if next_at is not None else SENDING,
                      name, data.get("ref"), recipients=tuple(households), next_at=next_at,
                      every=repeat["every"].total_seconds() if repeat else None,
                      count=repeat["count"] if repeat else 1,
                      parts=dict(parts) if personal else None, variables=variables if personal else None)

    @staticmethod
    def _storable(variables: Mapping[str, Any]) -> None:
        """A notice worded per household keeps its figures to word each sending: JSON only."""
        try:
            json.dumps(variables)
        except (TypeError, ValueError) as err:
            raise NoticeError(f"data: a notice worded per household keeps its figures, which must be JSON "
                              f"(text, numbers, lists, mappings): {err}") from None

    def words(self, notice: Notice, household: str | None) -> tuple[str, str]:
        """The title and body ``household`` is shown (None: the notice's own, the first household's
        for one worded per household)."""
        if notice.parts is None or notice.variables is None or household is None:
            return notice.title, notice.body
        return texts.render_each(self.hub, notice.template, notice.parts, notice.variables, [household])[household]

    def _channels_checked(self, asked: list[str] | None) -> tuple[str, ...]:
        names = asked or [name for name in self.config["default_channels"] if name in self.channels]
        for index, name in enumerate(names):
            if name not in self.channels:
                known = ", ".join(self.channels) or "none"
                raise NoticeError(f"channels[{index}]: no channel {name!r}{did_you_mean(name, self.channels)} "
                                  f"(this site's: {known})")
        if not names:
            raise NoticeError("channels: none of notices' default_channels is set up; name the channels")
        return tuple(dict.fromkeys(names))

    def _template(self, name: str) -> Mapping[str, str]:
        parts = self.templates.get(name)
        if parts is None:
            raise texts.TemplateFailed(f"template: no template {name!r}{did_you_mean(name, self.templates)} "
                                       f"(known: {', '.join(sorted(self.templates))})")
        return parts

    def _at_checked(self, at: datetime | None, now: float) -> float | None:
        if at is None:
            return None
        when = (at if at.tzinfo is not None else at.replace(tzinfo=self.tz)).timestamp()
        if when < now - AT_SLACK:
            raise NoticeError(f"at: {datetime.fromtimestamp(when, self.tz):%Y-%m-%d %H:%M} has passed")
        return when if when > now else None

    def _new_id(self, taken: set[str] | None = None) -> str:
        """A new notice id; ``taken``: the ids a batch drew already (added to it)."""
        while (candidate := f"N{secrets.token_hex(4).upper()}") in self.notices or (taken and candidate in taken):
            pass
        if taken is not None:
            taken.add(candidate)
        return candidate

    async def _sending(self, notice_id: str) -> None:
        """One sending of a notice: its deliveries written pending, then made."""
        async with self._lock:
            self._timers.pop(notice_id, None)
            notice = self.notices.get(notice_id)
            if notice is None or notice.status == CANCELLED:
                return
            try:
                households = recipients.households(self.residents, notice.to)
            except recipients.NoRecipients as err:  # everyone moved out since it was scheduled
                _LOGGER.error("notices: %s was not sent: %s", notice.id, err)
                households = []
            notice, pending = self._started(notice, households, self.hub.clock.time())
            await self.rows.write(_changes(notice, pending))
            self._keep(notice, pending)
        self.hub.create_task(self._finish([notice.id]), name=f"notices: send {notice.id}")

    def _started(self, notice: Notice, households: Iterable[str], now: float, notice_id: str | None = None
                 ) -> tuple[Notice, list[Delivery]]:
        """``notice`` as a sending to ``households`` begins (at ``now``) and the deliveries it
        makes: one per household that has not signed and channel, pending. ``notice_id``: the
        id of a notice not yet kept."""
        households = list(households)
        sendings = notice.sendings + 1
        more = notice.every is not None and sendings < notice.count
        notice = notice.changed(id=notice_id or notice.id, status=SENDING,
                                recipients=tuple(sorted({*notice.recipients, *households})),
                                sendings=sendings, last_sent_at=now,
                                next_at=now + notice.every if more and notice.every else None)
        pending = [Delivery(notice.id, household, channel, attempts=self._attempts(notice.id, household, channel))
                   for household in households if household not in notice.signed for channel in notice.channels]
        return notice, pending

    def _keep(self, notice: Notice, pending: Iterable[Delivery]) -> None:
        """A begun sending into memory (once written)."""
        self.notices[notice.id] = notice
        found = self.deliveries.setdefault(notice.id, {})
        for delivery in pending:
            found[(delivery.household, delivery.channel)] = delivery

    def _attempts(self, notice_id: str, household: str, channel: str) -> int:
        before = self.deliveries.get(notice_id, {}).get((household, channel))
        return before.attempts if before is not None else 0

    async def _finish(self, notice_ids: list[str]) -> None:
        """Make the pending deliveries of sendings, ``PARALLEL_DELIVERIES`` at a time across all
        of them, and close each sending once its deliveries are made. Results are written as
        they come, grouped: whatever finished while the last write was under way goes in the
        next one, with the sendings it closed (a sending is closed in the write holding its last
        result, so a stop never leaves a closed sending with a pending delivery)."""
        left: dict[str, int] = {}
        work: list[tuple[Message, Delivery]] = []
        for notice_id in notice_ids:
            notice = self.notices[notice_id]
            pending = [d for d in self.deliveries.get(notice_id, {}).values() if d.status == PENDING]
            left[notice_id] = len(pending)
            message = Message(notice.id, notice.title, notice.body, iso(notice.last_sent_at, self.tz) or "",
                              notice.template, notice.ref, notice.to)
            work.extend((message, delivery) for delivery in pending)
        gate = asyncio.Semaphore(PARALLEL_DELIVERIES)
        results: list[Delivery] = []
        closing = [notice_id for notice_id, count in left.items() if count == 0]
        writing = False

        async def drain() -> None:
            nonlocal writing
            if writing:
                return  # the write under way takes this result next
            writing = True
            try:
                while results or closing:
                    done, closed = results[:], closing[:]
                    results.clear()
                    closing.clear()
                    await self._record(done, closed)
            finally:
                writing = False

        async def one(message: Message, delivery: Delivery) -> None:
            async with gate:
                results.append(await self._deliver(message, delivery))
            left[message.notice_id] -= 1
            if not left[message.notice_id]:
                await self._broadcast(message)
                closing.append(message.notice_id)
            await drain()

        await asyncio.gather(*(one(message, delivery) for message, delivery in work))
        await drain()

    async def _broadcast(self, message: Message) -> None:
        """A notice to everyone, a building or a unit, shown on the displays of its channels."""
        notice = self.notices[message.notice_id]
        if notice.parts is not None or all("household" in target for target in notice.to):
            return
        for name in notice.channels:
            try:
                await self.channels[name].broadcast(message)
            except Exception as err:  # a display's trouble is the display's; the notice went out
                _LOGGER.warning("notices: %s could not show %s on its displays: %s", name, notice.id, err)

    async def _record(self, done: list[Delivery], closing: list[str]) -> None:
        """Delivery results and the sendings they close, in one transaction; then ``notice_sent``
        for each sending closed."""
        async with self._lock:
            closed = [notice.changed(status=SCHEDULED if notice.next_at is not None else SENT)
                      for notice in (self.notices[notice_id] for notice_id in closing) if notice.status == SENDING]
            await self.rows.write([*(Change(TABLE_DELIVERIES, d.key, d.as_doc()) for d in done),
                                   *(Change(TABLE_NOTICES, notice.id, notice.as_doc()) for notice in closed)])
            for delivery in done:
                self.deliveries.setdefault(delivery.notice, {})[(delivery.household, delivery.channel)] = delivery
            for notice in closed:
                self.notices[notice.id] = notice
        for notice in closed:
            if notice.waiting:
                self._schedule(notice)
            self._fire_sent(notice)

    def _fire_sent(self, notice: Notice) -> None:
        deliveries = self.deliveries.get(notice.id, {}).values()
        self.hub.bus.fire(EVENT_SENT, {"notice_id": notice.id, "template": notice.template, "ref": notice.ref,
                                       "recipients": list(notice.recipients), "channels": list(notice.channels),
                                       "sending": notice.sendings, "deliveries": {
                                           "sent": sum(1 for d in deliveries if d.status == DELIVERED),
                                           "failed": sum(1 for d in deliveries if d.status == FAILED)},
                                       "households": self.counts(notice)})

    async def _deliver(self, message: Message, delivery: Delivery) -> Delivery:
        """Make one delivery; its result (not yet written)."""
        channel = self.channels.get(delivery.channel)
        try:
            if channel is None:
                raise DeliveryFailed(f"channel {delivery.channel} is no longer set up")
            notice = self.notices[message.notice_id]
            if notice.parts is not None:
                title, body = self.words(notice, delivery.household)
                message = dataclasses.replace(message, title=title, body=body)
            await channel.send(message, delivery.household)
        except texts.TemplateFailed as err:  # a household reached since, whose figures the data lacks
            done = self._result(delivery, FAILED, str(err))
        except DeliveryFailed as err:
            done = self._result(delivery, FAILED, str(err))
        except Exception as err:  # a channel's bug fails its delivery, never the others
            _LOGGER.exception("notices: channel %s failed on %s", delivery.channel, message.notice_id)
            done = self._result(delivery, FAILED, f"the channel failed ({type(err).__name__})")
        else:
            done = self._result(delivery, DELIVERED, None)
        if done.status == FAILED:
            _LOGGER.warning("notices: %s to %s by %s failed: %s", message.notice_id, done.household, done.channel,
                            done.reason)
        return done

    def _result(self, delivery: Delivery, status: str, reason: str | None) -> Delivery:
        return Delivery(delivery.notice, delivery.household, delivery.channel, status, reason, self.hub.clock.time(),
                        delivery.attempts + 1)

    # --- schedules ---------------------------------------------------------------------------

    def _schedule(self, notice: Notice) -> None:
        handle = self._timers.pop(notice.id, None)
        if handle is not None:
            handle.cancel()
        if notice.next_at is None:
            return
        if notice.next_at <= self.hub.clock.time():
            self.hub.create_task(self._sending(notice.id), name=f"notices: {notice.id} due")
            return
        self._timers[notice.id] = self.hub.clock.call_at(notice.next_at, lambda: self.hub.create_task(
            self._sending(notice.id), name=f"notices: {notice.id} due"))

    async def cancel(self, notice_id: str, *, context: Context | None = None) -> Notice:
        """Stop a scheduled or repeating notice; what was sent stays sent."""
        caller = caller_of(self.hub, context)
        async with self._lock:
            notice = self._notice(notice_id)
            if notice.next_at is None or notice.status == CANCELLED:
                raise HubError(f"notice {notice.id} is {notice.status}; nothing is left to send")
            notice = notice.changed(status=CANCELLED, next_at=None)
            await self._save(notice)
        handle = self._timers.pop(notice.id, None)
        if handle is not None:
            handle.cancel()
        audit(self.hub, AUDIT_CANCELLED, caller, notice=notice.id)
        return notice

    # --- signing -----------------------------------------------------------------------------

    async def acknowledge(self, notice_id: str, household: str, *, reason: str | None = None,
                          context: Context | None = None) -> dict[str, Any]:
        """``household`` signs ``notice_id``: a resident (``context``'s user) for their own household
        only, staff for any with a reason. Signing again changes nothing and fires nothing."""
        return await self.sign(notice_id, household, caller_of(self.hub, context), reason=reason)

    async def app_sign(self, household: str, notice_id: str) -> dict[str, Any]:
        """The household's app signed over MQTT on its own prefix: the answer for its status topic
        (``taken`` false with why when the notice is not the household's)."""
        try:
            answer = await self.sign(notice_id, household, household_app(household))
        except NoticeNotFound as err:
            return {"notice_id": notice_id, "taken": False, "why": str(err)}
        return {"notice_id": notice_id, "taken": True, "at": answer["at"], "already": answer["already"]}

    async def sign(self, notice_id: str, household: str, caller: Caller, *, reason: str | None = None
                   ) -> dict[str, Any]:
        """``acknowledge`` by a caller already known (a resident, staff, a household's app)."""
        if caller.household is not None and household != caller.household:
            raise self._refused(notice_id, household, caller, "another household's")
        if caller.is_staff and not reason:
            raise NoticeError("reason: staff signing for a household say why (signed on paper at the office, "
                              "by phone)")
        async with self._lock:
            notice = self.notices.get(notice_id)
            if notice is None or household not in notice.recipients:
                why = "no such notice" if notice is None else "not sent to the household"
                raise self._refused(notice_id, household, caller, why)
            first = household not in notice.signed
            if first:
                signed = Signature(self.hub.clock.time(), caller.name, caller.how, reason if caller.is_staff else None)
                notice = notice.changed(signed={**notice.signed, household: signed})
                await self._save(notice)
        signature = notice.signed[household]
        answer = {"notice_id": notice.id, "household": household, "ref": notice.ref, "by": signature.by,
                  "how": signature.how, "at": iso(signature.at, self.tz), "already": not first}
        if first:
            self.hub.bus.fire(EVENT_ACKNOWLEDGED, {key: answer[key] for key in ("notice_id", "household", "ref", "by",
                                                                               "how", "at")},
                              context=caller.context)
            audit(self.hub, AUDIT_ACKNOWLEDGED_FOR if caller.is_staff else AUDIT_ACKNOWLEDGED, caller,
                  notice=notice.id, household=household, ref=notice.ref, reason=signature.reason)
        return answer

    def _refused(self, notice_id: str, household: str, caller: Caller, why: str) -> NoticeNotFound:
        """Told as "not found" whatever the reason, so an id says nothing of other households."""
        if caller.household is not None:
            audit(self.hub, AUDIT_REFUSED, caller, notice=notice_id, household=household, why=why)
            _LOGGER.warning("notices: %s signing %s for %s refused: %s", caller.name, notice_id, household, why)
        return NoticeNotFound(f"notice {notice_id} is not found for household {household}")

    # --- retention ---------------------------------------------------------------------------

    async def sweep(self) -> None:
        """Forget notices nothing is left to send of, ``keep_days`` after their last sending."""
        limit = self.hub.clock.time() - float(self.config["keep_days"]) * 86_400
        async with self._lock:
            old = [notice for notice in self.notices.values() if notice.status in (SENT, CANCELLED)
                   and (notice.last_sent_at or notice.created_at) < limit]
            for notice in old:
                keys = [d.key for d in self.deliveries.pop(notice.id, {}).values()]
                await self.rows.write([Change(TABLE_NOTICES, notice.id, None),
                                       *(Change(TABLE_DELIVERIES, key, None) for key in keys)])
                del self.notices[notice.id]
        self._sweeper = self.hub.clock.call_later(SWEEP_SECONDS, lambda: self.hub.create_task(
            self.sweep(), name="notices: sweep"))

    async def _save(self, notice: Notice) -> None:
        await self.rows.put(TABLE_NOTICES, notice.id, notice.as_doc())
        self.notices[notice.id] = notice


def _item_checked(item: Mapping[str, Any]) -> dict[str, Any]:
    """One item of a batch, checked as ``send`` checks its data; a batch is sent now."""
    asked = {key: value for key, value in item.items() if value is not None}
    for key in ("at", "repeat"):
        if key in asked:
            raise NoticeError(f"{key}: a batch is sent now; send a scheduled or repeated notice on its own")
    try:
        return dict(SEND_SCHEMA(asked))
    except vol.Invalid as err:
        raise NoticeError(humanize_error(asked, err)) from None


def _changes(notice: Notice, pending: Iterable[Delivery]) -> list[Change]:
    """A begun sending's rows: the notice and its pending deliveries."""
    return [Change(TABLE_NOTICES, notice.id, notice.as_doc()),
            *(Change(TABLE_DELIVERIES, delivery.key, delivery.as_doc()) for delivery in pending)]
