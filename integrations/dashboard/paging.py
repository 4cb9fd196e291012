"""Filters and paging shared by the dashboard's lists: the fields a page's form filled in, the
link to the page before it in time (logs, newest first), and the pages of a list counted from
its start (registries: residents, cards, entities)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .request import PageRequest

#: The query field an offset-paged list reads where to start from.
OFFSET_FIELD: Final = "offset"
#: Fields a page link leaves out: where this page starts, and a download.
_NOT_CARRIED: Final = frozenset({OFFSET_FIELD, "format"})
#: An offset has at most this many digits; a longer one is junk, and shows the first page.
_OFFSET_DIGITS: Final = 12


@dataclass(frozen=True, slots=True)
class Field:
    """A filter on a list's form (the ``filters_form`` macro): a text field, or a choice when
    ``choices`` (``(value, label)``) are given, each label a message id (``N_``, translated) or
    data (an area, a maker: shown as it is, escaped). ``label`` is a message id."""

    name: str
    label: str
    placeholder: str = ""
    maxlength: int = 64
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a list paged by offset: rows ``offset`` to ``offset + size`` of ``total``,
    with the links to the pages before and after it (None at either end)."""

    offset: int
    size: int
    total: int
    prev_url: str | None
    next_url: str | None

    @property
    def first(self) -> int:
        """The first row shown, counted from 1 (0 when there is none)."""
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        """The last row shown, counted from 1."""
        return min(self.offset + self.size, self.total)


def asked(page: PageRequest, fields: Iterable[str]) -> dict[str, str]:
    """The filters filled in on the page; an empty field filters nothing."""
    return {name: value for name in fields if (value := page.query.get(name, "").strip())}


def link(page: PageRequest, query: dict[str, str]) -> str:
    """This page with ``query``."""
    return f"{page.request.path}?{urlencode(query)}"


def older(page: PageRequest, filters: dict[str, str], times: Sequence[str], size: int) -> str | None:
    """The next page back in time, when this one (its rows' ``times``, newest first) is full:
    the same filters, ending where it ends."""
    return None if len(times) < size else link(page, {**filters, "end": times[-1]})


def offset_pager(page: PageRequest, total: int, size: int) -> Pager:
    """Where this page of a ``total``-row list starts (``?offset=``) and the links around it,
    each keeping the page's other fields (its filters).

    The offset is rounded down to a page's start and kept within the list: one typed wrong, or
    left over after the list got shorter, shows the first or the last page rather than an
    empty one or an error. Fetch ``size`` rows from ``pager.offset``.
    """
    if size < 1:
        raise ValueError(f"a page has at least one row, not {size}")
    text = page.query.get(OFFSET_FIELD, "")
    offset = int(text) if text.isascii() and text.isdigit() and len(text) <= _OFFSET_DIGITS else 0
    last_start = max(total - 1, 0) // size * size
    offset = min(offset // size * size, last_start)
    kept = [(name, value) for name, value in page.query.items() if name not in _NOT_CARRIED]

    def at(start: int) -> str:
        return f"{page.request.path}?{urlencode([*kept, (OFFSET_FIELD, str(start))])}"

    return Pager(offset, size, total, at(offset - size) if offset > 0 else None,
                 at(offset + size) if offset < last_start else None)
