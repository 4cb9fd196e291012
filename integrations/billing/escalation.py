"""Escalation as data: the steps a property office takes with a household in arrears.

    billing:
      escalation:
        at: "09:00"                     # the daily evaluation, on the hub's clock
        steps:
          - {id: reminder, days: 30, notice: reminder, deadline_days: 15}
          - {id: visit, days: 45}
          - {id: grace, months: 2, approval: true}
          - {id: second_notice, months: 3, notice: second_notice, deadline_days: 15}
          - {id: suspension, months: 3, after: second_notice, restrict: vehicle}
          - {id: legal, months: 6, approval: true}

An *episode* opens the first day a household owes anything past its due date and closes the
first evaluation that finds nothing overdue (a payment, a waiver, an extension); a household
that falls behind again opens a new one. In each episode each step is reached once: its
threshold (``days`` since the oldest unpaid due date, or whole ``months``) met and, with
``after``, the named step's deadline passed. A step reached fires ``billing.arrears_step``
with the figures and the rule; a step that needs ``approval`` fires
``billing.arrears_step_pending`` and waits for a manager's ``billing.approve_step``. The
episodes are kept in ``billing_escalation.db``, so a restart neither repeats nor forgets a step.

Steps only say what was reached; automations act (blueprints ``arrears_reminder``,
``arrears_block_vehicle``, ``payment_received_lift``). Arrears stop cars, never people on foot:
a step that restricts ``pedestrian`` or ``all`` doors is refused unless the section says
``allow_pedestrian_block: true``, and then the config check warns. docs/billing.md
("Escalation") is the guide.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.bus import Context
from xiaoqu.core.const import EVENT_CALL_SERVICE, EVENT_HUB_START
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.money import yuan
from xiaoqu.core.rowstore import Change, RowStore
from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse
from xiaoqu.core.validation import boolean, name, slug, time_of_day, vol

from .arrears import Arrears
from .callers import approver
from .const import DOMAIN, EVENT_NOTICE_ACKNOWLEDGED, EVENT_PAYMENT_APPLIED

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

    from .billing import Billing

_LOGGER = logging.getLogger(__name__)

EVENT_ARREARS_STEP: Final = "billing.arrears_step"
EVENT_ARREARS_STEP_PENDING: Final = "billing.arrears_step_pending"
SERVICE_APPROVE_STEP: Final = "approve_step"
SERVICE_ESCALATION: Final = "escalation"
AUDIT_APPROVED: Final = "billing_step_approved"
AUDIT_DECLINED: Final = "billing_step_declined"

STORE_FILE: Final = "billing_escalation.db"
TABLE: Final = "episodes"
#: The ref of a step's notice: ``arrears:<household>:<episode>:<step>`` (its signature is kept).
NOTICE_REF: Final = "arrears:"

FIRED, PENDING, DECLINED = "fired", "pending", "declined"
VEHICLE: Final = "vehicle"
PEDESTRIAN_SCOPES: Final = ("pedestrian", "all")
PEDESTRIAN_WARNING: Final = (
    "billing: escalation: allow_pedestrian_block is on: a step may shut pedestrian doors to a household in "
    "arrears. Residents must always be able to reach their homes, and in many places blocking them for "
    "unpaid fees is unlawful; suspend only the services the contract allows (the car park).")

DEFAULT_STEPS: Final[list[dict[str, Any]]] = [
    {"id": "reminder", "name": "催缴通知", "days": 30, "notice": "reminder", "deadline_days": 15},
    {"id": "visit", "name": "上门催缴", "days": 45},
    {"id": "grace", "name": "宽限一个月（经理批准）", "months": 2, "approval": True},
    {"id": "second_notice", "name": "欠费催告函", "months": 3, "notice": "second_notice", "deadline_days": 15},
    {"id": "suspension", "name": "暂停车辆通行", "months": 3, "after": "second_notice", "restrict": VEHICLE},
    {"id": "legal", "name": "法律途径", "months": 6, "approval": True},
]


def _whole(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise vol.Invalid(f"expected a whole number from {low} to {high}")
        return value

    return check


def _one_threshold(step: dict[str, Any]) -> dict[str, Any]:
    if ("days" in step) == ("months" in step):
        raise vol.Invalid("give either days or months (the step's threshold), not both or neither", path=["days"])
    return step


STEP_SCHEMA: Final = vol.All(vol.Schema({
    vol.Required("id"): vol.All(slug, vol.Length(max=32)),
    vol.Optional("name"): name,
    vol.Optional("days"): _whole(1, 36500),
    vol.Optional("months"): _whole(1, 1200),
    vol.Optional("approval", default=False): boolean,
    vol.Optional("notice"): slug,
    vol.Optional("deadline_days"): _whole(1, 365),
    vol.Optional("after"): slug,
    vol.Optional("restrict"): vol.In((VEHICLE, *PEDESTRIAN_SCOPES), msg="expected vehicle, pedestrian or all"),
}), _one_threshold)


def _steps_checked(section: dict[str, Any]) -> dict[str, Any]:
    seen: dict[str, dict[str, Any]] = {}
    for index, step in enumerate(section["steps"]):
        if step["id"] in seen:
            raise vol.Invalid(f"step id {step['id']!r} is used twice", path=["steps", index, "id"])
        after = step.get("after")
        if after is not None and "deadline_days" not in seen.get(after, {}):
            raise vol.Invalid(f"after names {after!r}, which is not an earlier step with deadline_days",
                              path=["steps", index, "after"])
        if step.get("restrict") in PEDESTRIAN_SCOPES and not section["allow_pedestrian_block"]:
            raise vol.Invalid("arrears restrict vehicles only: residents must reach their homes, and in many places "
                              "blocking them is unlawful; a site that must set allow_pedestrian_block: true",
                              path=["steps", index, "restrict"])
        seen[step["id"]] = step
    if section["allow_pedestrian_block"]:
        _LOGGER.warning(PEDESTRIAN_WARNING)
    return section


ESCALATION_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("at", default="09:00"): time_of_day,
        vol.Optional("allow_pedestrian_block", default=False): boolean,
        vol.Optional("steps", default=lambda: [STEP_SCHEMA(s) for s in DEFAULT_STEPS]):
            vol.All([STEP_SCHEMA], vol.Length(min=1, msg="expected at least one step")),
    }),
    _steps_checked,
)
APPROVE_SCHEMA: Final = vol.Schema({
    vol.Required("household"): vol.All(str, vol.Match(r"^[A-Za-z0-9-]{1,32}$", msg="expected a household id")),
    vol.Required("step"): slug,
    vol.Optional("approve", default=True): boolean,
    vol.Required("reason"): vol.All(str, vol.Length(min=1, max=200, msg="expected a reason of 1 to 200 characters")),
    vol.Optional("approver"): name,
})
LIST_SCHEMA: Final = vol.Schema({vol.Optional("household"): vol.All(str, vol.Length(min=1, max=32))})


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    name: str
    days: int | None
    months: int | None
    approval: bool
    notice: str | None
    deadline_days: int | None
    after: str | None
    restrict: str | None

    @classmethod
    def from_config(cls, conf: Mapping[str, Any]) -> Step:
        return cls(conf["id"], conf.get("name") or conf["id"], conf.get("days"), conf.get("months"),
                   conf["approval"], conf.get("notice"), conf.get("deadline_days"), conf.get("after"),
                   conf.get("restrict"))

    def threshold(self, owed: Arrears) -> str | None:
        """Why ``owed`` reaches this step's threshold, or None."""
        if self.days is not None:
            return f"{owed.days} days overdue, from {self.days}" if owed.days >= self.days else None
        assert self.months is not None
        return f"{owed.months} months overdue, from {self.months}" if owed.months >= self.months else None


@dataclass(slots=True)
class Record:
    """A household's latest episode and whether its cars are held for arrears (an
    ``access.restrict`` of kind arrears called and not lifted since)."""

    household: str
    episode: int = 0
    open: bool = False
    since: str | None = None
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocked: bool = False

    def as_doc(self) -> dict[str, Any]:
        return {"episode": self.episode, "open": self.open, "since": self.since, "steps": self.steps,
                "blocked": self.blocked}

    @classmethod
    def from_doc(cls, household: str, doc: Mapping[str, Any]) -> Record:
        return cls(household, doc["episode"], doc["open"], doc.get("since"), dict(doc.get("steps") or {}),
                   bool(doc.get("blocked")))


def figures(owed: Arrears) -> dict[str, Any]:
    """The figures every step's event and notice carry (money in fen)."""
    return {"amount_fen": owed.total_fen, "outstanding_fen": owed.outstanding_fen, "overdue_fen": owed.overdue_fen,
            "late_fee_fen": owed.late_fee_fen, "due": None if owed.oldest_due is None else owed.oldest_due.isoformat(),
            "days": owed.days, "months": owed.months}


class Escalation:
    def __init__(self, hub: Hub, billing: Billing, config: Mapping[str, Any], store: RowStore) -> None:
        self.hub = hub
        self.billing = billing
        self.store = store
        self.at: time = config["at"]
        self.steps = [Step.from_config(conf) for conf in config["steps"]]
        self.records: dict[str, Record] = {}
        self._lock = asyncio.Lock()
        self._timer: TimerHandle | None = None

    def load(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        for household, doc in rows:
            self.records[household] = Record.from_doc(household, doc)

    # --- the daily evaluation -----------------------------------------------------------------

    async def start(self, _event: Event | None = None) -> None:
        """At the hub's start: today's evaluation (a hub that was down catches up), then daily."""
        await self.evaluate_all(self.billing.today())
        self._schedule()

    def _schedule(self) -> None:
        now = self.hub.clock.now()
        moment = datetime.combine(now.date(), self.at, now.tzinfo)
        if moment <= now:
            moment = datetime.combine(now.date() + timedelta(days=1), self.at, now.tzinfo)
        self._timer = self.hub.clock.call_at(moment, lambda: self._tick(moment.date()))

    def _tick(self, day: date) -> None:
        self._schedule()
        self.hub.create_task(self.evaluate_all(day), name=f"billing: escalation of {day}")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    async def evaluate_all(self, day: date) -> int:
        """Every household owing (one pass over the open bills in memory) and every open episode;
        the steps reached that day. Answers how many events were fired."""
        async with self._lock:
            owing = self.billing.arrears_all(day)
            households = set(owing) | {h for h, r in self.records.items() if r.open}
            return await self._evaluate({h: owing.get(h) for h in sorted(households)}, day)

    async def on_payment(self, event: Event) -> None:
        """After a payment: the paying household at once (its episode may close)."""
        household = str(event.data.get("household"))
        async with self._lock:
            day = self.billing.today()
            await self._evaluate({household: self.billing.arrears(household, day)}, day)

    async def _evaluate(self, owing: Mapping[str, Arrears | None], day: date) -> int:
        """Write what changed, then fire: a crash between the two loses an event rather than repeating one."""
        changed: list[Record] = []
        events: list[tuple[str, dict[str, Any]]] = []
        for household, owed in owing.items():
            record = self.records.get(household) or Record(household)
            found = self._steps_of(record, owed, day)
            if found is not None:
                self.records[household] = record
                changed.append(record)
                events += found
        if changed:
            await self.store.write([Change(TABLE, r.household, r.as_doc()) for r in changed])
        for event_type, data in events:
            _LOGGER.info("Billing escalation: %s %s: %s", data["household"], data["step"], data["rule"])
            self.hub.bus.fire(event_type, data, context=Context(source="billing.escalation"))
        return len(events)

    def _steps_of(self, record: Record, owed: Arrears | None, day: date) -> list[tuple[str, dict[str, Any]]] | None:
        """The events ``record`` gives on ``day``; None when nothing about it changed."""
        if owed is None or owed.days <= 0:
            if not record.open:
                return None
            record.open = False
            _LOGGER.info("Billing escalation: %s: episode %d closed on %s, nothing overdue (steps reached: %s)",
                         record.household, record.episode, day, ", ".join(record.steps) or "none")
            return []
        if not record.open:
            record.episode += 1
            record.open, record.steps = True, {}
            record.since = None if owed.oldest_due is None else owed.oldest_due.isoformat()
        events: list[tuple[str, dict[str, Any]]] = []
        for step in self.steps:
            if step.id in record.steps:
                continue
            why = self._reached(step, record, owed, day)
            if why is None:
                continue
            deadline = None if step.deadline_days is None else (day + timedelta(days=step.deadline_days)).isoformat()
            rule = f"{step.id}: {why}"
            record.steps[step.id] = {"state": PENDING if step.approval else FIRED, "on": day.isoformat(),
                                     "deadline": deadline, "rule": rule, **figures(owed)}
            if step.approval:
                rule += "; waits for a manager's approval (billing.approve_step)"
            events.append((EVENT_ARREARS_STEP_PENDING if step.approval else EVENT_ARREARS_STEP,
                           self._event(record, step, owed, deadline, rule)))
        return events

    def _reached(self, step: Step, record: Record, owed: Arrears, day: date) -> str | None:
        why = step.threshold(owed)
        if why is None or step.after is None:
            return why
        before = record.steps.get(step.after)
        if before is None or before["state"] != FIRED or before["deadline"] is None:
            return None
        if day <= date.fromisoformat(before["deadline"]):
            return None
        return f"{why}; {step.after}'s deadline {before['deadline']} passed"

    def _event(self, record: Record, step: Step, owed: Arrears, deadline: str | None, rule: str,
               **more: Any) -> dict[str, Any]:
        return {"household": record.household, "step": step.id, "name": step.name, "episode": record.episode,
                **figures(owed), "deadline": deadline, "notice": step.notice, "restrict": step.restrict,
                "owed": yuan(owed.total_fen), "rule": rule, **more}

    # --- approvals, signatures, the cars held --------------------------------------------------

    async def approve(self, household: str, step_id: str, approve: bool, by: str, reason: str,
                      context: Context | None = None) -> dict[str, Any]:
        """A manager's decision on a step waiting for approval: approved, its event fires now
        with today's figures; declined, it is not taken in this episode."""
        async with self._lock:
            record = self.records.get(household)
            step = next((s for s in self.steps if s.id == step_id), None)
            waiting = None if record is None or not record.open else record.steps.get(step_id)
            if step is None or record is None or waiting is None or waiting["state"] != PENDING:
                pending = [] if record is None or not record.open else [
                    s for s, doc in record.steps.items() if doc["state"] == PENDING]
                raise ServiceValidationError(f"household {household} has no step {step_id} waiting for approval "
                                             f"(waiting: {', '.join(pending) or 'none'})")
            owed = self.billing.arrears(household)
            waiting.update(state=FIRED if approve else DECLINED, by=by, reason=reason,
                           decided=self.billing.today().isoformat())
            await self.store.put(TABLE, household, record.as_doc())
        verdict = "approved" if approve else "declined"
        rule = f"{waiting['rule']}; {verdict} by {by}: {reason}"
        _LOGGER.info("Billing escalation: %s %s %s", household, step_id, rule)
        _audit(self.hub, AUDIT_APPROVED if approve else AUDIT_DECLINED, context, household=household, step=step_id,
               by=by, reason=reason)
        if approve:
            self.hub.bus.fire(EVENT_ARREARS_STEP, self._event(record, step, owed, waiting["deadline"], rule,
                                                              approved_by=by, reason=reason), context=context)
        return {"household": household, "step": step_id, "state": waiting["state"], "episode": record.episode,
                "rule": rule}

    async def on_acknowledged(self, event: Event) -> None:
        """A step's notice signed (ref ``arrears:<household>:<episode>:<step>``): kept on the step."""
        ref = str(event.data.get("ref") or "")
        if not ref.startswith(NOTICE_REF):
            return
        household, _, rest = ref.removeprefix(NOTICE_REF).partition(":")
        episode, _, step_id = rest.partition(":")
        record = self.records.get(household)
        if record is None or str(record.episode) != episode or step_id not in record.steps:
            return
        record.steps[step_id]["signed"] = {"notice_id": event.data.get("notice_id"), "by": event.data.get("by")}
        await self.store.put(TABLE, household, record.as_doc())

    def on_call(self, event: Event) -> None:
        """``access.restrict`` of kind arrears, or ``access.lift_restriction`` of arrears, on a household:
        whether its cars are held for arrears (read by the lifting blueprints)."""
        data = event.data["service_data"]
        household = data.get("household")
        if household is None or event.data["service"] not in ("restrict", "lift_restriction"):
            return
        held = event.data["service"] == "restrict"
        if data.get("kind") != "arrears" and (held or data.get("kind") is not None):
            return
        record = self.records.setdefault(household, Record(household))
        if record.blocked != held:
            record.blocked = held
            self.hub.create_task(self.store.put(TABLE, household, record.as_doc()),
                                 name=f"billing: escalation of {household}")

    def blocked(self, household: str) -> bool:
        record = self.records.get(str(household))
        return record is not None and record.blocked

    def describe(self, household: str | None) -> dict[str, Any]:
        chosen = [self.records[household]] if household in self.records else [] if household else list(
            self.records.values())
        return {"steps": [{"id": s.id, "name": s.name, "days": s.days, "months": s.months, "approval": s.approval,
                           "after": s.after, "restrict": s.restrict} for s in self.steps],
                "households": [{"household": r.household, **r.as_doc()} for r in chosen if r.episode or r.blocked]}


def _audit(hub: Hub, act: str, context: Context | None, **details: Any) -> None:
    try:
        get_auth(hub).record(act, context, **details)
    except HubError:
        return


# --- set-up, the services, the template helper ---------------------------------------------------

_DATA: Final[HubKey[Escalation]] = HubKey(f"{DOMAIN}.escalation")
_UNDO: Final[HubKey[list[Callable[[], Any]]]] = HubKey(f"{DOMAIN}.escalation_undo")


async def set_up(hub: Hub, billing: Billing, config: Mapping[str, Any] | None) -> None:
    """Escalation when the section has ``escalation:``; without it, none."""
    if config is None:
        return
    assert hub.config.data_dir is not None
    store = RowStore(hub.config.data_dir / STORE_FILE, (TABLE,))
    await store.open()
    escalation = Escalation(hub, billing, config, store)
    escalation.load(await store.load(TABLE))
    hub.data[_DATA] = escalation
    hub.data[_UNDO] = [
        hub.bus.listen(EVENT_PAYMENT_APPLIED, escalation.on_payment),
        hub.bus.listen(EVENT_NOTICE_ACKNOWLEDGED, escalation.on_acknowledged),
        hub.bus.listen(EVENT_CALL_SERVICE, escalation.on_call, event_filter=lambda d: d.get("domain") == "access"),
        hub.bus.listen_once(EVENT_HUB_START, escalation.start), escalation.stop, store.close]


async def tear_down(hub: Hub) -> None:
    hub.data.pop(_DATA, None)
    for undo in reversed(hub.data.pop(_UNDO, [])):
        result = undo()
        if result is not None:
            await result


def get_escalation(hub: Hub) -> Escalation:
    escalation = hub.data.get(_DATA)
    if escalation is None:
        raise ServiceValidationError("billing has no escalation: section on this hub (docs/billing.md, Escalation)")
    return escalation


def role_permissions(base: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Billing's table with escalation's: a manager approves steps (``billing.*``); finance reads the episodes."""
    return {**base, "finance": [*base.get("finance", []), f"{DOMAIN}.{SERVICE_ESCALATION}"]}


def template_helpers(hub: Hub) -> dict[str, Callable[..., Any]]:
    """``arrears_blocked(household)``: whether its cars are held for arrears (False without escalation)."""
    def arrears_blocked(household: str) -> bool:
        escalation = hub.data.get(_DATA)
        return escalation is not None and escalation.blocked(str(household))

    return {"arrears_blocked": arrears_blocked}


async def _approve(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return await get_escalation(call.hub).approve(data["household"], data["step"], data["approve"],
                                                  approver(call.hub, call.context, data.get("approver")),
                                                  data["reason"], call.context)


def _describe(call: ServiceCall) -> dict[str, Any]:
    return get_escalation(call.hub).describe(call.data.get("household"))


SERVICES: Final = [
    ServiceSpec(SERVICE_APPROVE_STEP, _approve, APPROVE_SCHEMA,
                "A manager approves (or declines) an arrears step waiting for approval; approved, its event fires",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_ESCALATION, _describe, LIST_SCHEMA,
                "The escalation's steps and each household's latest arrears episode: steps reached, waiting, declined",
                SupportsResponse.ONLY),
]
