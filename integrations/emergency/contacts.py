"""The contact tree (who calls whom when a plan starts) and who of it is on duty now.

Each contact names the ones they call (``calls``); the tree's roots are the contacts nobody
calls. A contact is on duty when the site's time falls in one of their ``on_duty`` hours
(``19:00-07:00`` runs past midnight); one with no hours is reachable at any time (an on-call
manager). Phones are shown masked everywhere but in the config.
"""
from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, Any

from xiaoqu.core.masking import mask_middle

if TYPE_CHECKING:
    from datetime import datetime


def _within(hours: str, now: time) -> bool:
    start_text, end_text = hours.split("-")
    start, end = time.fromisoformat(start_text), time.fromisoformat("23:59:59" if end_text == "24:00" else end_text)
    return start <= now < end if start < end else now >= start or now < end


def on_duty(contact: dict[str, Any], now: datetime) -> bool:
    return not contact["on_duty"] or any(_within(hours, now.time()) for hours in contact["on_duty"])


def tree(contacts: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The tree as nested rows from its roots, each with ``on_duty`` and a masked phone; a
    contact called by several appears under each; a loop is cut where it returns."""
    by_id = {contact["id"]: contact for contact in contacts}
    called = {callee for contact in contacts for callee in contact["calls"]}

    def node(contact_id: str, seen: frozenset[str]) -> dict[str, Any]:
        contact = by_id[contact_id]
        below = [node(c, seen | {c}) for c in contact["calls"] if c not in seen]
        return {"id": contact_id, "name": contact["name"], "role": contact["role"],
                "phone": mask_middle(contact["phone"]) if contact.get("phone") else None,
                "on_duty": on_duty(contact, now), "hours": contact["on_duty"], "calls": below}

    roots = [c["id"] for c in contacts if c["id"] not in called] or [c["id"] for c in contacts[:1]]
    return [node(root, frozenset({root})) for root in roots]
