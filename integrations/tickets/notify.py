"""The household told of each step of its ticket: a notice (title and body) through notices when
notices is set up on the hub; without it, the ``tickets.*`` events and the household's status
topic are all there is. A notice that cannot be sent is logged; the step stands."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.notices import get_notices

from .const import ASSIGNED, CLOSED, IN_PROGRESS, NEW, NOTICE_REF, REOPENED, RESOLVED, WAITING

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .models import Step, Ticket

_LOGGER = logging.getLogger(__name__)

#: What each state means to the household, in the office's Chinese and in English.
SAID: Final = {
    NEW: "已受理 received",
    ASSIGNED: "已派单 assigned to staff",
    IN_PROGRESS: "处理中 being worked on",
    WAITING: "等待您的回复 waiting for your answer",
    RESOLVED: "已处理完毕，请评价 resolved: please rate it",
    CLOSED: "已关闭 closed",
    REOPENED: "已重新打开 reopened",
}


def notice(ticket: Ticket, step: Step, shown: dict[str, Any]) -> tuple[str, str]:
    """The notice's title and body for ``step`` of ``ticket``."""
    title = f"{shown['category_name']} {ticket.id}: {SAID[step.state]}"
    lines = [ticket.description[:200]]
    if step is ticket.history[0]:
        lines.append(f"期限 Due: {shown['due']}")
    if step.note:
        lines.append(step.note)
    return title, "\n".join(lines)


async def tell(hub: Hub, ticket: Ticket, step: Step, shown: dict[str, Any]) -> None:
    try:
        notices = get_notices(hub)
    except HubError:
        return  # notices is not set up: the event and the status topic told it
    title, body = notice(ticket, step, shown)
    try:
        await notices.send({"household": ticket.household}, title=title, body=body, ref=f"{NOTICE_REF}{ticket.id}",
                           context=Context(source="tickets"))
    except (HubError, ValueError) as err:
        _LOGGER.error("Ticket %s: the household's notice was not sent: %s", ticket.id, err)
