"""A confirmed visitor's way in, issued through access: a QR pass for the purpose's route and a
plate permission for the lanes, each valid until the visitor must leave.

Access decides every entry (docs/access.md); visitors only asks it for credentials of its own
kinds — a QR pass and a plate permission, both naming the households' visitor and the groups
they open. Each distinct set of doors is one access group, ``visitors_<digest>``, stored in
access and made the first time a pass needs it; its members are of a kind nobody on the sheet
has (``visitor``), so it opens its doors to the passes that name it and to no one else.

A pass ends at ``leave_by`` by its own validity: a use after it is denied by access with the
time (``credential:validity``). When the visitor leaves earlier, :func:`end` brings its end
forward to that moment, so the pass cannot bring anyone in again. A day after it ended,
:func:`remove` takes it out of access.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.masking import mask_token
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.integrations.access import AccessInputError
from xiaoqu.integrations.access.const import PLATE, QR
from xiaoqu.integrations.access.schema import GROUP_SCHEMA
from xiaoqu.integrations.residents.personal import Personal

from .const import GROUP_PREFIX, VISITOR_KIND
from .models import Passes

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from xiaoqu.integrations.access import Access
    from xiaoqu.integrations.residents import Residents

    from .models import Visit

_LOGGER = logging.getLogger(__name__)
#: How many characters of the doors' digest name a group: enough that two routes never meet.
_DIGEST: Final = 12


def place(household: str) -> dict[str, str]:
    """What a route's door may name of the host's household ``2-1-0301``: building 2, unit 1."""
    building, unit, _room = household.split("-", 2)
    return {"building": building, "unit": unit, "household": household}


def route_of(templates: Iterable[str], household: str) -> tuple[str, ...]:
    """The doors of a purpose's route for the host's household, in order, each once."""
    where = place(household)
    return tuple(dict.fromkeys(template.format_map(where) for template in templates))


class Issuer:
    """Asks access for a visit's passes, and ends and removes them."""

    def __init__(self, access: Access, residents: Residents, purposes: Mapping[str, Mapping[str, Any]],
                 lanes: Iterable[str]) -> None:
        self.access = access
        self.residents = residents
        self.purposes = purposes
        self.lanes = tuple(lanes)
        self._log = RateLimitedLog(_LOGGER, access.hub.clock.time)

    def doors_of(self, visit: Visit) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The route's doors and the lanes a visit's passes are for."""
        purpose = self.purposes.get(visit.purpose, {})
        doors = route_of(purpose.get("route", ()), visit.household)
        lanes = tuple(purpose.get("lanes", self.lanes)) if visit.plate is not None else ()
        return doors, lanes

    async def issue(self, visit: Visit, by: str) -> tuple[Passes, str | None]:
        """The visit's passes, valid until its leave_by; and the QR pass's token (shown once)."""
        doors, lanes = self.doors_of(visit)
        label = f"访客 {visit.name.masked} → {visit.household} ({visit.id})"
        common = {"household": visit.household, "label": label, "valid_until": self._local(visit.leave_by)}
        qr = qr_masked = token = plate = None
        notes: list[str] = []
        if doors:
            self._warn_unknown(doors)
            group = await self._group(doors)
            credential, token = await self.access.add_credential({"type": QR, "groups": [group], **common}, by)
            qr, qr_masked = credential.key, credential.masked
        if lanes and visit.plate is not None:
            try:
                credential, _ = await self.access.add_credential(
                    {"type": PLATE, "plate": visit.plate, "groups": [await self._group(lanes)], **common}, by)
            except AccessInputError as err:
                notes.append(f"no plate permission: {err}")
            else:
                plate = credential.key
        sealed = None if token is None else self.residents.seal(Personal(QR, token, mask_token(token)))
        return Passes(qr, qr_masked, sealed, plate, doors, lanes, visit.leave_by, tuple(notes)), token

    async def end(self, passes: Passes, at: float) -> None:
        """Bring each pass's end forward to ``at`` (the visitor left, or was turned away)."""
        for key in passes.keys:
            credential = self.access.credentials.get(key)
            if credential is not None and (credential.valid_until is None or credential.valid_until > at):
                await self.access.replace_credential(dataclasses.replace(credential, valid_until=at))

    async def remove(self, passes: Passes) -> None:
        """Take the passes out of access (a day after they ended): a use is then "not known"."""
        for key in passes.keys:
            credential = self.access.credentials.get(key)
            if credential is not None:
                await self.access.remove_credential(credential)

    async def _group(self, doors: tuple[str, ...]) -> str:
        """The access group opening exactly ``doors`` to the passes naming it (made when missing)."""
        ordered = sorted(doors)
        group_id = GROUP_PREFIX + hashlib.sha256("\n".join(ordered).encode()).hexdigest()[:_DIGEST]
        if group_id not in self.access.groups.by_id:
            config = GROUP_SCHEMA({"id": group_id, "name": f"访客 Visitors: {', '.join(ordered)}", "doors": ordered,
                                   "members": {"kinds": [VISITOR_KIND]}})
            await self.access.put_group(config, new=True)
        return group_id

    def _warn_unknown(self, doors: Iterable[str]) -> None:
        unknown = [door for door in doors if "*" not in door and "?" not in door and door not in self.access.doors]
        if unknown:
            self._log.warning(("unknown", tuple(unknown)), "visitors: a pass names doors access does not know: %s "
                              "(check the purpose's route in visitors: purposes)", ", ".join(unknown))

    def _local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self.access.tz)

