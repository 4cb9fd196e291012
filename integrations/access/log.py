"""Reading the access log: by person, household, card or door, and time, newest first.

The recorder keeps each decision as kind ``access`` with the person's pseudonymous id as
its subject, so "a person's last 100 entries" is one indexed read; household, card and door
are fields of the record that the recorder indexes for this kind (``LOG_INDEXED``, declared
at set-up: it derives their keys from each record's data as it writes it, and back-fills a log
written before), so each of them is one indexed read too, however few records match, within
the time range asked. A card is found by its keyed digest (``SiteKey.card``), which is all a
record keeps of it. The day's decisions per hour are
kept as they are recorded (traffic.py) and seeded from here once.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.residents.cardnumber import CardNumberError, parse_card
from xiaoqu.integrations.residents.cardnumber import canonical as canonical_uid

from .const import LOG_KIND
from .schema import epoch
from .traffic import HOUR, Hour, day_hours
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


async def seed_traffic(access: Access) -> None:
    """Count the day's decisions already in the log into ``access.traffic``, once, when access is
    set up (before any decision or upload: so none is counted twice). Per hour, the records of
    the hour (the (kind, time) index alone) and, when there are any, the refusals among them
    (``granted`` is in the record's data, read for that hour's records only)."""
    recorder = access.hub.recorder
    now = access.hub.clock.time()
    for start in day_hours(now, access.tz):
        since = start.timestamp()
        if since > now:
            break
        total = await recorder.count(LOG_KIND, since=since, until=since + HOUR)
        if total:
            denied = await recorder.count(LOG_KIND, since=since, until=since + HOUR, where={"granted": False})
            access.traffic.add(since, True, total - denied)
            access.traffic.add(since, False, denied)


def traffic_today(access: Access) -> list[tuple[datetime, Hour]]:
    """Each hour of the site's day so far and after, with its decisions: the charts' data."""
    starts = day_hours(access.hub.clock.time(), access.tz)
    return list(zip(starts, access.traffic.hours(start.timestamp() for start in starts), strict=True))


async def latest_denials(access: Access, limit: int) -> list[dict[str, Any]]:
    """The newest refusals, as ``access.log`` shows records: what staff look at first."""
    await access.hub.recorder.flush()
    records = await access.hub.recorder.query(LOG_KIND, where={"granted": False}, limit=limit)
    return [_shown(access, record) for record in records]


def _shown(access: Access, record: Record) -> dict[str, Any]:
    return {"time": datetime.fromtimestamp(record.time, access.tz).isoformat(), **record.data}
