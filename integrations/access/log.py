"""Reading the access log: by person, household, card or door, and time, newest first.

The recorder keeps each decision as kind ``access`` with the person's pseudonymous id as
its subject, so "a person's last 100 entries" is one indexed read; household, card and door
are fields of the record, filtered within the time range asked. A card is found by its keyed
digest (``SiteKey.card``), which is all a record keeps of it.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.residents.cardnumber import CardNumberError, parse_card
from xiaoqu.integrations.residents.cardnumber import canonical as canonical_uid

from .const import LOG_KIND
from .schema import epoch
from .whitelist import card_keys

if TYPE_CHECKING:
    from collections.abc import Mapping

    from xiaoqu.core.recorder import Record

    from .access import Access


def _card(access: Access, value: str) -> str:
    """The canonical UID a card is logged under, from any form it is given in."""
    try:
        read = parse_card(value)
    except CardNumberError as err:
        raise access.refuse("malformed_credential", str(err)) from None
    if read.uid is not None:
        return canonical_uid(read.uid)
    known = sorted(key.split(":", 1)[1] for key in card_keys(access, read.low24) if key.startswith("card:"))
    if not known:
        raise access.refuse("unknown_credential", f"no card with the Wiegand-26 number ({read.wiegand26}) is known")
    return known[0]


async def query(access: Access, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The records ``access.log`` answers with."""
    subject, where = None, {}
    if "person" in data:
        subject = data["person"]
    elif "card" in data:
        where["card"] = access.site_key.card(_card(access, data["card"]))
    elif "household" in data:
        where["household"] = data["household"]
    elif "door" in data:
        where["door"] = data["door"]
    await access.hub.recorder.flush()  # a decision just made is in the answer
    records = await access.hub.recorder.query(
        LOG_KIND, subject=subject, where=where or None, since=epoch(data.get("start"), access.tz),
        until=epoch(data.get("end"), access.tz), limit=data["limit"])
    return [_shown(access, record) for record in records]


async def decided_since(access: Access, since: float) -> tuple[int, int]:
    """How many entries were granted and how many denied from ``since`` on: the overview's day
    at a glance, counted by the recorder rather than read record by record."""
    await access.hub.recorder.flush()
    granted = await access.hub.recorder.count(LOG_KIND, since=since, where={"granted": True})
    denied = await access.hub.recorder.count(LOG_KIND, since=since, where={"granted": False})
    return granted, denied


async def latest_denials(access: Access, limit: int) -> list[dict[str, Any]]:
    """The newest refusals, as ``access.log`` shows records: what staff look at first."""
    await access.hub.recorder.flush()
    records = await access.hub.recorder.query(LOG_KIND, where={"granted": False}, limit=limit)
    return [_shown(access, record) for record in records]


def _shown(access: Access, record: Record) -> dict[str, Any]:
    return {"time": datetime.fromtimestamp(record.time, access.tz).isoformat(), **record.data}
