"""Who a notice goes to: its targets (everyone, a building, a unit, a household; a list of
them) turned into households, as residents has them when the notice is sent.

A target that finds no household is refused, naming it (``to[1].building: no households in
building 9``): a notice sent to nobody is a mistake, not a success.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import ServiceValidationError

if TYPE_CHECKING:
    from xiaoqu.integrations.residents import Residents


class NoRecipients(ServiceValidationError):
    """A target that names no household."""


def households(residents: Residents, targets: Iterable[Mapping[str, Any]]) -> list[str]:
    """The households ``targets`` reach, each once, in the order of the household ids."""
    found: set[str] = set()
    for index, target in enumerate(targets):
        (kind, value), = target.items()
        if kind == "all":
            reached = {household.id for household in residents.households()}
        elif kind == "household":
            reached = {value} if residents.household(value) is not None else set()
        else:
            reached = {household.id for household in residents.households() if getattr(household, kind) == value}
        if not reached:
            where = "the estate" if kind == "all" else f"{kind} {value}"
            raise NoRecipients(f"to[{index}].{kind}: no households in {where}")
        found |= reached
    return sorted(found)
