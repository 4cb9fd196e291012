"""Who a car is to a lot, and whether it comes in: the entry's decision, with its reason.

In this order (docs/parking.md, "Entry"):

1. **Who the car is.** A plate on one of the lot's fixed spaces, and a car of that space's
   household in residents, is the household's car on its space (``resident``) unless another
   car of the household stands on the space already; a plate listed for a household that
   residents does not give it to is not taken for that space (a forged or stale list). Else a
   monthly pass for the lot still running (``pass``); else, where the lot lets residents'
   cars park free (``residents_free``), any household's car (``resident``); else access's
   plate permission (a ``visitor``); else ``temporary``.
2. **Access decides first** (THE decision, ``get_access(hub).check``): a car residents or
   access know is decided there — restrictions (arrears, blacklist, lost), the validity of a
   visitor's permission, the groups and schedules of the lane — and a denial is final. A car
   that is no one's credential (``Access.plate_standing``) is not asked about at the gate: the
   only thing access can say of it is a restriction on its plate (a blacklisted stranger),
   which the standing carries (access is not asked to log a "not known" denial for every
   temporary car).
3. **Space.** A temporary car comes in only where the lot takes temporary cars and one of its
   temporary spaces is free; a visitor only while a temporary space is free. A resident on its
   space and a pass holder come in whatever the count says.

Between 2 and 3, where visitors is set up: a car that would come in as ``temporary``, known to
no household, whose plate is on a visit the host has not let in (``get_visitors(hub).
plate_status``: pending, refused, or expired unanswered, within a day of ending) is refused
with the visit's state — a registered visitor waits for the host, and does not come in paying.

Every answer carries the rule, the sentence with its figures, and the line the gate's
display shows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final

from xiaoqu.core.masking import mask_plate
from xiaoqu.integrations.access.const import PLATE

from .const import (
    IN,
    PASS,
    RESIDENT,
    RULE_LOT_FULL,
    RULE_NO_TEMPORARY,
    RULE_PASS,
    RULE_RESIDENT,
    RULE_SPACE,
    RULE_TEMPORARY,
    RULE_VISIT,
    RULE_VISITOR,
    TEMPORARY,
    VISITOR,
)

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.integrations.access import Access, Decision, PlateStanding
    from xiaoqu.integrations.residents import Residents
    from xiaoqu.integrations.visitors import VisitPlate

    from .models import Lane, Lot, MonthlyPass
    from .occupancy import Count
    from .sessions import Sessions

#: What the gate's display says for a denial, by access's rule or the restriction's kind.
SHOWN_FOR_RESTRICTION: Final = {
    "arrears": "欠费 请到物业缴费",
    "blacklist": "禁止通行",
    "lost": "车辆挂失 请联系保安",
    "expired": "授权已过期 请到物业",
    "staff": "暂停通行 请联系物业",
}
SHOWN_FOR_KIND: Final = {RESIDENT: "欢迎回家", PASS: "月卡车 欢迎光临", VISITOR: "访客车辆 欢迎光临",
                         TEMPORARY: "临时车 欢迎光临"}
#: What the display says for a registered visitor's car the host has not let in, by the visit's status.
#: (a display line holds 32 characters: the sentence in the event and the log says the rest)
SHOWN_FOR_VISIT: Final = {"pending": "访客待业主确认 waiting for host",
                          "refused": "业主已拒绝 host refused",
                          "expired": "访客登记已过期 visit ended at {time}"}


@dataclass(frozen=True, slots=True)
class Who:
    """What the car is to the lot (step 1): its kind, rule, sentence, and what goes with it."""

    kind: str
    rule: str
    reason: str
    household: str | None = None
    space: str | None = None
    charge_from_end: float | None = None  # a pass's or permission's end: charged after it
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Admission:
    """The entry's decision: let in or not, as what, by which rule, and why (with figures)."""

    admit: bool
    who: Who
    rule: str
    reason: str
    shown: str
    access: Decision | None = None
    notes: list[str] = field(default_factory=list)


class EntryRules:
    """Step 1 to 3 of the module docstring, over access, residents and parking's own memory."""

    def __init__(self, access: Access, residents: Residents, sessions: Sessions,
                 passes: dict[tuple[str, str], MonthlyPass],
                 visit_of: Callable[[str], VisitPlate | None] | None = None) -> None:
        self.access = access
        #: visitors' ``plate_status`` where visitors is set up: a plate's visit and its state.
        self.visit_of = visit_of
        self.residents = residents
        self.sessions = sessions
        self.passes = passes

    def who(self, lot: Lot, plate: str, now: float, standing: PlateStanding | None = None) -> Who:
        """Step 1: what ``plate`` is to ``lot`` now (``standing``: access's, when asked already)."""
        notes: list[str] = []
        shown = mask_plate(plate)
        vehicle = self.residents.vehicle(plate)
        household = vehicle.household if vehicle is not None else None
        space = lot.space_of(plate)
        if space is not None:
            taken = self.sessions.on_space(lot.id, space.space)
            if household != space.household:
                owner = f"a car of household {household}" if household else "no car of any household"
                notes.append(f"{shown} is listed for space {space.space} of household {space.household}, but residents "
                             f"has it as {owner}: not taken for that space")
            elif taken is not None and taken.plate != plate:
                notes.append(f"space {space.space} is taken by {mask_plate(taken.plate)} (inside since "
                             f"{self._time(taken.entered_at)})")
            else:
                return Who(RESIDENT, f"{RULE_SPACE}{space.space}",
                           f"{shown}: a car of household {household} on its space {space.space}", household, space.space)
        monthly = self.passes.get((plate, lot.id))
        if monthly is not None:
            if now < monthly.until:
                return Who(PASS, f"{RULE_PASS}{lot.id}", f"{shown}: monthly pass for lot {lot.id} until "
                           f"{self._time(monthly.until)}", household, charge_from_end=monthly.until, notes=tuple(notes))
            notes.append(f"its monthly pass ended {self._time(monthly.until)}")
        if household is not None and lot.residents_free:
            return Who(RESIDENT, RULE_RESIDENT, f"{shown}: a car of household {household}; lot {lot.id} lets "
                       "residents' cars park free", household, notes=tuple(notes))
        permission = (standing or self.access.plate_standing(plate, now)).permission
        if permission is not None and vehicle is None:
            label = f" ({permission.label})" if permission.label else ""
            until = f" until {self._time(permission.valid_until)}" if permission.valid_until is not None else ""
            return Who(VISITOR, RULE_VISITOR, f"{shown}: a visitor's car{label}, permitted{until}", permission.household,
                       charge_from_end=permission.valid_until, notes=tuple(notes))
        whose = f" of household {household} with no space or pass in lot {lot.id}" if household else ""
        return Who(TEMPORARY, RULE_TEMPORARY, f"{shown}: a temporary car{whose}", household, notes=tuple(notes))

    def decide(self, lane: Lane, lot: Lot, count: Count, plate: str, now: float, context: Context | None) -> Admission:
        """Steps 1 to 3 for ``plate`` at entry lane ``lane``; access's decision is fired and logged."""
        standing = self.access.plate_standing(plate, now)
        who = self.who(lot, plate, now, standing)
        notes = list(who.notes)
        decision: Decision | None = None
        if not standing.known:  # nobody's: a stranger's car
            restriction = standing.restriction
            if restriction is not None:
                return Admission(False, who, f"restriction:{restriction.id}",
                                 f"denied: {restriction.sentence(self.access.tz)}",
                                 SHOWN_FOR_RESTRICTION.get(restriction.kind, "禁止通行"), None, notes)
        else:
            decision = self.access.check(PLATE, plate, lane.id, source="parking", direction=IN, context=context)
            if not decision.granted:
                return Admission(False, who, decision.rule, decision.reason, self._shown(decision.rule), decision, notes)
        if who.kind == TEMPORARY and who.household is None and self.visit_of is not None:
            waiting = self._visit_not_let_in(plate, who)
            if waiting is not None:
                rule, reason, shown = waiting
                return Admission(False, who, rule, reason, shown, decision, notes)
        if who.kind in (VISITOR, TEMPORARY):
            refused = self._no_space(lot, count, who)
            if refused is not None:
                rule, reason, shown = refused
                return Admission(False, who, rule, reason, shown, decision, notes)
        return Admission(True, who, who.rule, who.reason, SHOWN_FOR_KIND[who.kind], decision, notes)

    def _visit_not_let_in(self, plate: str, who: Who) -> tuple[str, str, str] | None:
        """A stranger's car whose plate is on a visit still pending, refused, or expired: the rule,
        the sentence and the display's line; ``None`` for any other car."""
        assert self.visit_of is not None
        visit = self.visit_of(plate)
        if visit is None or visit.status not in SHOWN_FOR_VISIT:
            return None
        at = f"visit {visit.visit_id} for household {visit.household}"
        if visit.status == "pending":
            why = f"{at} is waiting for the host to confirm; the car comes in when the host confirms"
        elif visit.status == "refused":
            by = f" ({visit.answered_by}{': ' + visit.reason if visit.reason else ''})" if visit.answered_by else ""
            why = f"{at}: host refused{by}"
        else:
            why = f"{at} ended at {self._time(visit.leave_by)} unanswered; the guard registers the visitor again"
        shown = SHOWN_FOR_VISIT[visit.status].format(time=f"{datetime.fromtimestamp(visit.leave_by, self.access.tz):%H:%M}")
        return f"{RULE_VISIT}{visit.status}", f"denied: {who.reason}; {why}", shown

    @staticmethod
    def _no_space(lot: Lot, count: Count, who: Who) -> tuple[str, str, str] | None:
        if who.kind == TEMPORARY and not lot.admit_temporary:
            return (RULE_NO_TEMPORARY, f"{who.reason}; lot {lot.id} takes no temporary cars (visitors are let in "
                    "when their host confirms)", "外来车辆 请到岗亭登记")
        if count.temporary_free == 0:
            figures = (f"{count.temporary} of {lot.temporary_spaces} temporary spaces taken, "
                       f"{count.occupied} cars in {lot.capacity} spaces")
            return RULE_LOT_FULL, f"{who.reason}; lot {lot.id} is full: {figures}", "车位已满"
        return None

    def _shown(self, rule: str) -> str:
        if rule.startswith("restriction:"):
            restriction = self.access.restriction_behind(rule)
            return SHOWN_FOR_RESTRICTION.get(restriction.kind if restriction else "", "禁止通行")
        if rule == "credential:validity":
            return "授权已过期 请联系业主"
        if rule.startswith("schedule:"):
            return "非通行时段"
        return "未授权车辆 请联系保安"

    def _time(self, when: float | None) -> str:
        return "?" if when is None else f"{datetime.fromtimestamp(when, self.access.tz):%Y-%m-%d %H:%M}"
