"""The card centre's reports on the dashboard, and its box on the overview.

The reports page asks ``cards.report`` as the signed-in user — the same report, rows and
totals as ``xiaoqu cards report`` writes, reconciled with the ledger — for a kind and days
(both included, as on the command line), shows it with money in yuan, exports it, and for
consumption draws the takings per meal period, per terminal and per hour.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.masking import mask_card
from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, PageRequest, refused
from xiaoqu.integrations.dashboard.charts import Series, bars
from xiaoqu.integrations.dashboard.const import PAGE_SIZE
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import asked as filled_in
from xiaoqu.integrations.dashboard.paging import offset_pager

from .const import CHARGE, DOMAIN, SALES_ACCOUNT, SERVICE_REPORT
from .dashboard_view import CLASS_LABELS, FIELD_LABELS, METHOD_LABELS, PERIOD_LABELS, STATUS_LABELS
from .reports import KINDS, Books, build
from .runtime import get_cards

if TYPE_CHECKING:
    from aiohttp import web

    from .cards import Cards

REPORT: Final = f"{DOMAIN}.{SERVICE_REPORT}"
KIND_LABELS: Final = {"issued": N_("Cards issued"), "balances": N_("Balances"), "recharges": N_("Recharges"),
                      "extensions": N_("Extensions"), "losses": N_("Losses"), "consumption": N_("Consumption")}
FILTERS: Final = ("kind", "from", "to")
#: A money column in an export: integer fen, named so (a spreadsheet sums them exactly).
IN_FEN: Final = N_("%(heading)s (fen)")


def heading(page: PageRequest, name: str, *, export: bool = False) -> str:
    label = page.gettext(FIELD_LABELS.get(name, name))
    return page.gettext(IN_FEN) % {"heading": label} if export and name.endswith("_fen") else label


def midnight(cards: Cards, day: date | None = None) -> float:
    """The start of ``day`` (today) in the site's time zone, the day the office counts in."""
    day = day or datetime.fromtimestamp(cards.hub.clock.time(), cards.tz).date()
    return datetime.combine(day, time(), cards.tz).timestamp()


def _day(page: PageRequest, asked: dict[str, str], name: str, label: str) -> date | None:
    text = asked.get(name)
    if text is None:
        return None
    try:
        found: date | None = date.fromisoformat(text)
    except ValueError:
        found = None
    if found is None or found == date.max:  # a period ends at its last day's end: the calendar's last has none
        raise refused(page, label, N_("expected a date like 2026-03-02"))
    return found


async def takings_by_hour(cards: Cards, start: float, end: float | None) -> list[int]:
    """What the terminals took in each hour of the day (site time), in fen, over the period."""
    hours = [0] * 24
    async for transaction in cards.wallet.ledger.transactions(CHARGE, start, end):
        hour = datetime.fromtimestamp(transaction.time, cards.tz).hour
        hours[hour] += sum(amount for account, amount in transaction.legs if account.startswith(SALES_ACCOUNT))
    return hours


def _bar(page: PageRequest, labels: list[str], fen: list[int], *, every_label: bool = True) -> dict[str, Any]:
    """Takings as bars in yuan, drawn as the frame draws every chart; with ``every_label`` each
    category named (a terminal's long name wrapped), else as many as fit (the hours). A bar's
    height is ``Decimal`` fen / 100 as a number for ECharts: a picture of the amount, whose
    exact figures are the table's."""
    options = bars(labels, [Series(page.gettext("Takings"), [float(Decimal(amount) / 100) for amount in fen])],
                   stacked=False)
    if every_label:
        options["xAxis"]["axisLabel"] = {"interval": 0, "overflow": "break", "width": 96}
    options["yAxis"].update(name="¥", minInterval=0)
    return options


async def _charts(page: PageRequest, cards: Cards, rows: list[list[Any]], start: float, end: float | None
                  ) -> list[tuple[str, str, dict[str, Any]]]:
    """The consumption report's charts: takings per meal period, per terminal, per hour."""
    periods: Counter[str] = Counter()
    terminals: Counter[str] = Counter()
    for _date, terminal, period, _count, amount in rows:
        periods[period] += amount
        terminals[terminal] += amount
    names = terminal_names(cards)
    hours = await takings_by_hour(cards, start, end)
    return [
        ("cards-periods", N_("Takings per meal period"),
         _bar(page, [period_label(page, p) for p in periods], list(periods.values()))),
        ("cards-terminals", N_("Takings per terminal"),
         _bar(page, [names.get(t, t) for t in terminals], list(terminals.values()))),
        ("cards-hours", N_("Takings per hour"), _bar(page, [f"{h:02d}" for h in range(24)], hours, every_label=False)),
    ]


def terminal_names(cards: Cards) -> dict[str, str]:
    return {terminal["id"]: terminal["name"] for terminal in (cards.config.get("pos") or {}).get("terminals", ())}


def period_label(page: PageRequest, period: str | None) -> str:
    """A meal period as staff read it; a shop's sale has none."""
    if not period:
        return page.gettext("no meal period")
    return page.gettext(PERIOD_LABELS.get(period, period))


#: Report columns whose values are words staff read in their language.
_WORDS: Final = {"status": {**STATUS_LABELS, "retired": N_("retired")}, "card_class": CLASS_LABELS,
                 "method": METHOD_LABELS}


def _cell(page: PageRequest, cards: Cards, name: str, value: Any, *, export: bool) -> Any:
    """A report's cell as the page (money in yuan) or an export (money in integer fen) shows it;
    cards masked as everywhere on the dashboard."""
    if name == "card" and value:
        return mask_card(str(value))
    if name.endswith("_fen") and isinstance(value, int):
        return value if export else yuan(value)
    if name == "period":
        return period_label(page, value)
    if name == "terminal":
        return terminal_names(cards).get(value, value)
    if name in _WORDS and value:
        return page.gettext(_WORDS[name].get(value, value))
    return "" if value is None else value


def _line(page: PageRequest, cards: Cards, header: list[str], row: list[Any], *, export: bool) -> list[Any]:
    return [_cell(page, cards, name, value, export=export) for name, value in zip(header, row, strict=True)]


async def reports_page(page: PageRequest) -> web.Response:
    cards = get_cards(page.hub)
    asked = filled_in(page, FILTERS)
    kind = asked.setdefault("kind", "consumption")
    if kind not in KINDS:
        raise refused(page, N_("Report"), N_("%(value)s is not one of the choices"), value=kind)
    first = _day(page, asked, "from", N_("From")) or datetime.fromtimestamp(midnight(cards), cards.tz).date()
    last = _day(page, asked, "to", N_("Through"))
    data: dict[str, Any] = {"kind": kind, "start": first.isoformat()}
    if last is not None:
        data["end"] = (last + timedelta(days=1)).isoformat()
    report = await page.call(DOMAIN, SERVICE_REPORT, data, return_response=True)
    assert isinstance(report, dict)
    header, rows = report["header"], report["rows"]
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, f"cards-{kind}", [heading(page, name, export=True) for name in header],
                               (_line(page, cards, header, row, export=True) for row in rows), fmt)
    start = midnight(cards, first)
    end = None if last is None else midnight(cards, last + timedelta(days=1))
    charts = await _charts(page, cards, rows, start, end) if kind == "consumption" else []
    pager = offset_pager(page, len(rows), PAGE_SIZE)
    return page.render(
        "cards/reports.html", kinds=KIND_LABELS, asked=asked, first=first.isoformat(), pager=pager,
        headings=[heading(page, name) for name in header],
        rows=[_line(page, cards, header, row, export=False) for row in rows[pager.offset:pager.offset + pager.size]],
        totals=[(heading(page, name), yuan(value) if name.endswith("_fen") else value)
                for name, value in report["totals"].items()],
        charts=charts, exports=export_urls(page))


async def overview_panel(page: PageRequest) -> dict[str, Any]:
    """Today so far: what the terminals took, what was recharged, which cards were reported lost."""
    cards = get_cards(page.hub)
    books, today = Books.of(cards), midnight(cards)
    consumption = await build(books, "consumption", today, None)
    recharges = await build(books, "recharges", today, None)
    losses = await build(books, "losses", today, None)
    return {"takings": yuan(consumption.totals["amount_fen"]), "charges": consumption.totals["charges"],
            "recharged": yuan(recharges.totals["amount_fen"]), "recharges": recharges.totals["recharges"],
            "lost": [{"time": row[0], "card": mask_card(row[1]), "reason": row[3]} for row in losses.rows]}
