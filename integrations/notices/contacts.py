"""Where a channel finds a household's phones or email addresses: residents, at the moment of
sending. Residents keeps them sealed; they are opened here for one delivery, handed to the
channel and never kept, logged or put in a delivery's reason.

A field residents does not keep (``email``, today) has no source until an integration adds one
with :meth:`Contacts.add_source`; until then a delivery that needs it fails with that reason.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from xiaoqu.integrations.residents.const import PERSONAL_FIELDS

from .channels.base import DeliveryFailed

if TYPE_CHECKING:
    from xiaoqu.integrations.residents import Residents

#: ``source(household)``: the household's values of one field, in clear.
Source = Callable[[str], list[str]]


class Contacts:
    """Each field's source: residents' own personal fields, and those added."""

    def __init__(self, residents: Residents) -> None:
        self.residents = residents
        self._sources: dict[str, Source] = {}

    def add_source(self, field: str, source: Source) -> None:
        """Take ``field`` (``"email"``) from ``source`` rather than from residents."""
        self._sources[field] = source

    def of(self, household: str, field: str) -> list[str]:
        """The household's ``field`` values in clear, each once; DeliveryFailed when there are none."""
        source = self._sources.get(field)
        if source is not None:
            found = source(household)
        elif field in PERSONAL_FIELDS:
            found = [value for person in self.residents.persons_of(household) if not person.erased
                     and (value := self.residents.opened(person, field))]
        else:
            raise DeliveryFailed(f"no {field} is kept for households (residents keeps {', '.join(PERSONAL_FIELDS)})")
        unique = list(dict.fromkeys(found))
        if not unique:
            raise DeliveryFailed(f"household {household} has no {field} on record")
        return unique
