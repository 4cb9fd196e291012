"""Filters and paging shared by the dashboard's log pages: the fields a page's form filled in,
and the link to the page before it in time."""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .request import PageRequest


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
