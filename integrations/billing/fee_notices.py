"""A run's fee notices, handed to notices in one batch (docs/billing.md, "The period's run").

Each household's figures are taken before its new bill is on the books: ``outstanding_fen`` and
``late_fee_fen`` are then what it owes of earlier bills (往期欠费), this bill apart. The notices
are handed to notices (``send_many``: checked, rendered and kept in one write, delivered in the
background) only once the bills are durable: a fee notice never announces a bill a crash could
lose.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.notices import get_notices

from .const import NOTICE_REF, NOTICE_TEMPLATE

if TYPE_CHECKING:
    from xiaoqu.integrations.notices import Notices

    from .billing import Billing
    from .fees import Line
    from .models import Bill

_LOGGER = logging.getLogger(__package__)


class FeeNotices:
    """The fee notices of one run of ``period``."""

    def __init__(self, billing: Billing, notices: Notices, period: str, planned: list[tuple[Bill, list[Line]]],
                 context: Context | None) -> None:
        self.notices = notices
        self.period = period
        self.context = context or Context(source="billing")
        today = billing.today()
        #: household -> (outstanding, late fee) of its earlier bills, read before the new ones count;
        #: only the households with a bill still open owe any (most pay each bill by its due date).
        self.owing: dict[str, tuple[int, int]] = {}
        for bill, _lines in planned:
            if bill.household in billing.open:
                found = billing.arrears(bill.household, today)
                self.owing[bill.household] = (found.outstanding_fen, found.late_fee_fen)

    @classmethod
    def of(cls, billing: Billing, period: str, planned: list[tuple[Bill, list[Line]]],
           context: Context | None) -> FeeNotices | None:
        """None when notices is not set up on the hub (the run sends no notice)."""
        try:
            notices = get_notices(billing.hub)
        except HubError:
            return None
        return cls(billing, notices, period, planned, context)

    def items(self, bills: list[tuple[Bill, list[Line]]]) -> list[dict[str, Any]]:
        found = []
        for bill, lines in bills:
            outstanding, late = self.owing.get(bill.household, (0, 0))
            found.append({"to": {"household": bill.household}, "template": NOTICE_TEMPLATE,
                          "ref": f"{NOTICE_REF}{bill.id}", "data": {
                              "household": bill.household, "period": bill.period, "total_fen": bill.total_fen,
                              "due": bill.due.isoformat(), "outstanding_fen": outstanding, "late_fee_fen": late,
                              "deadline": None,
                              "lines": [{"item": line.name, "amount_fen": line.amount_fen, "why": line.why}
                                        for line in lines]}})
        return found

    async def send(self, issued: list[tuple[Bill, list[Line]]]) -> int:
        """Hand the issued bills' notices to notices (the bills durable by now): how many it
        accepted. A batch notices refuses (one notice that cannot be made refuses them all) is
        logged, naming the item; the bills stand."""
        if not issued:
            return 0
        try:
            answer = await self.notices.send_many(self.items(issued), context=self.context)
        except (HubError, ValueError) as err:
            _LOGGER.error("Billing run %s: its %d fee notices were not sent: %s", self.period, len(issued), err)
            return 0
        accepted: int = answer["accepted"]
        return accepted
