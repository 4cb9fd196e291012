"""Pages of a list counted from its start: where a page starts, the links around it keeping the
filters, and an offset typed wrong showing a page rather than an error."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from multidict import MultiDict

from xiaoqu.integrations.dashboard.paging import Pager, offset_pager


def page(**query: str) -> Any:
    return SimpleNamespace(query=MultiDict(query), request=SimpleNamespace(path="/dashboard/residents"))


def fields(url: str | None) -> list[tuple[str, str]]:
    assert url is not None and urlsplit(url).path == "/dashboard/residents"
    return parse_qsl(urlsplit(url).query)


def test_the_first_page_links_to_the_next_only() -> None:
    pager = offset_pager(page(building="1"), total=120, size=50)
    assert (pager.offset, pager.size, pager.total, pager.prev_url) == (0, 50, 120, None)
    assert fields(pager.next_url) == [("building", "1"), ("offset", "50")]
    assert (pager.first, pager.last) == (1, 50)


def test_a_middle_page_links_both_ways_keeping_the_filters_but_not_a_download() -> None:
    query = MultiDict([("type", "a"), ("type", "b"), ("offset", "50"), ("format", "csv")])
    pager = offset_pager(SimpleNamespace(query=query, request=SimpleNamespace(path="/dashboard/residents")), 120, 50)
    assert pager.offset == 50 and (pager.first, pager.last) == (51, 100)
    assert fields(pager.prev_url) == [("type", "a"), ("type", "b"), ("offset", "0")]
    assert fields(pager.next_url) == [("type", "a"), ("type", "b"), ("offset", "100")]


def test_the_last_page_links_back_only() -> None:
    pager = offset_pager(page(offset="100"), total=120, size=50)
    assert pager == Pager(100, 50, 120, pager.prev_url, None)
    assert fields(pager.prev_url) == [("offset", "50")] and (pager.first, pager.last) == (101, 120)


@pytest.mark.parametrize(("offset", "total", "expected"), [
    ("-50", 120, 0), ("abc", 120, 0), ("1e3", 120, 0), ("²", 120, 0), ("9" * 40, 120, 0),  # junk: the first page
    ("999", 120, 100), ("120", 120, 100),  # past the end (the list got shorter): the last page
    ("73", 120, 50),  # within a page: that page's start
    ("50", 0, 0),  # an empty list has one, empty, page
])
def test_an_offset_typed_wrong_shows_a_page(offset: str, total: int, expected: int) -> None:
    pager = offset_pager(page(offset=offset), total=total, size=50)
    assert pager.offset == expected


def test_an_empty_list_shows_nothing_and_links_nowhere() -> None:
    pager = offset_pager(page(), total=0, size=50)
    assert (pager.first, pager.last, pager.prev_url, pager.next_url) == (0, 0, None, None)


def test_a_page_of_no_rows_is_the_codes_mistake() -> None:
    with pytest.raises(ValueError):
        offset_pager(page(), total=10, size=0)
