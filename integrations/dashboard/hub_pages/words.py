"""States and outcomes as staff read them, in their language: the states every domain shares
(the entity's own state stays as it is, in English, in the filters' values and the API)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from xiaoqu.core.masking import masked_state

from ..registry import N_

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..request import PageRequest

STATE_LABELS: Final = {STATE_ON: N_("on"), STATE_OFF: N_("off"), STATE_UNAVAILABLE: N_("unavailable"),
                       STATE_UNKNOWN: N_("unknown")}


def labelled(page: PageRequest, labels: Mapping[str, str], value: str | None) -> str:
    """``value`` by its label in ``labels`` (message ids), or as it is when it has none."""
    if value is None:
        return ""
    return page.gettext(labels[value]) if value in labels else value


def state_label(page: PageRequest, state: str, unit: object = None) -> str:
    """An entity's state in the reader's words, with its unit.

    The states every domain shares are this package's to translate; any other is looked up in
    the merged catalogue too, so a domain that translates its states for its own pages (the
    door's ``locked``, ``held open``) has them translated here as well. A state no catalogue
    knows, and every number, is shown as it is (personal data in it masked).
    """
    if state in STATE_LABELS:
        return labelled(page, STATE_LABELS, state)
    words = state.replace("_", " ")
    translated = page.gettext(words) if words else words
    shown = masked_state(state, unit) if translated == words else translated
    return f"{shown} {unit}" if unit else shown


def duration(page: PageRequest, seconds: float) -> str:
    """A stretch of time as staff say it: 45 s, 12 min, 3 h 20 min, 2 d 5 h."""
    whole = round(seconds)
    if whole < 60:
        return page.gettext("%(count)d s") % {"count": whole}
    minutes = whole // 60
    if minutes < 60:
        return page.gettext("%(count)d min") % {"count": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return (page.gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes} if minutes
                else page.gettext("%(count)d h") % {"count": hours})
    days, hours = divmod(hours, 24)
    return (page.gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours} if hours
            else page.gettext("%(count)d d") % {"count": days})


def user_name(page: PageRequest, user_id: str | None) -> str:
    """Who did it, by their user name; nothing for the hub itself or a user since removed."""
    user = page.dashboard.access.manager.user(user_id)
    return user.name if user is not None else ""
