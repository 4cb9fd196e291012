"""What the entities, devices and automations lists share: rows narrowed by the form's choices
and its text search, one page of them by offset, or every row that matched as a CSV or .xlsx
file (the same rows, so what staff export is what they filtered).

The lists are read from memory (the state machine, the registries, the automation engine),
so each is built whole and filtered here; a page is a slice of it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from ..const import PAGE_SIZE
from ..export import export_response, export_urls, wants_export
from ..paging import Field, asked, offset_pager
from ..registry import N_

if TYPE_CHECKING:
    from aiohttp import web

    from ..request import PageRequest

#: The search field's name, and the most of it a page reads (nobody types more; a longer one is refused).
SEARCH: Final = "q"
MAX_SEARCH: Final = 100
SEARCH_FIELD: Final = Field(SEARCH, N_("Search"), maxlength=MAX_SEARCH)

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    """A field of each row as the table and the export show it; ``heading`` is a message id."""

    key: str
    heading: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A filter picked from the values the rows hold (a domain, an area, a status).

    ``label`` is the row's field the option is shown as (a state's words), ``key`` by default.
    """

    key: str
    heading: str
    label: str | None = None

    def options(self, rows: Sequence[Row]) -> list[tuple[str, str]]:
        """Each value some row has, with its label, sorted by label."""
        found = {row[self.key]: row[self.label or self.key] for row in rows if row[self.key]}
        return sorted(found.items(), key=lambda option: (str(option[1]).casefold(), option[0]))

    def field(self, rows: Sequence[Row]) -> Field:
        """The form's choice of :meth:`options`: data, which the frame's form shows escaped."""
        return Field(self.key, self.heading, choices=tuple(self.options(rows)))


@dataclass(frozen=True, slots=True)
class Typed:
    """A filter typed in and matched whole (case aside) against any of ``keys`` of each row: a
    state as it is or as it is shown (``locked``, ``已锁``), where a choice would list every
    number a sensor ever read."""

    name: str
    heading: str
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Listing:
    """One list page: its columns, its filters, its template and the name its export is saved as."""

    name: str
    template: str
    columns: tuple[Column, ...]
    choices: tuple[Choice, ...]
    #: The fields the text search looks in (case-insensitive, anywhere in the text).
    search: tuple[str, ...]
    typed: tuple[Typed, ...] = ()

    def answer(self, page: PageRequest, rows: Sequence[Row], **values: Any) -> web.StreamResponse:
        """The page of ``rows`` the query asks for, or all that match as a file (``?format=``)."""
        filters = asked(page, [SEARCH, *(typed.name for typed in self.typed), *(choice.key for choice in self.choices)])
        if len(filters.get(SEARCH, "")) > MAX_SEARCH:
            return page.message(HTTPStatus.BAD_REQUEST, page.gettext(
                "Search for at most %(count)d characters.") % {"count": MAX_SEARCH})
        matched = [row for row in rows if self._matches(row, filters)]
        fmt = wants_export(page)
        if fmt is not None:
            return export_response(page, self.name, [page.gettext(column.heading) for column in self.columns],
                                   ([row[column.key] for column in self.columns] for row in matched), fmt)
        pager = offset_pager(page, len(matched), PAGE_SIZE)
        return page.render(
            self.template, rows=matched[pager.offset:pager.offset + pager.size], pager=pager, asked=filters,
            fields=(SEARCH_FIELD, *(Field(typed.name, typed.heading) for typed in self.typed),
                    *(choice.field(rows) for choice in self.choices)),
            exports=export_urls(page), **values)

    def _matches(self, row: Row, filters: Mapping[str, str]) -> bool:
        if any(row[choice.key] != filters[choice.key] for choice in self.choices if choice.key in filters):
            return False
        for typed in self.typed:
            wanted = filters.get(typed.name)
            if wanted is not None and all(str(row[key]).casefold() != wanted.casefold() for key in typed.keys):
                return False
        text = filters.get(SEARCH)
        return text is None or any(text.casefold() in str(row[key] or "").casefold() for key in self.search)
