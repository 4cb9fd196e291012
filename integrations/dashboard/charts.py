"""Chart options every page draws alike (the ``chart`` macro takes them as ECharts does), so the
dashboard's charts share a look: the stylesheet's colours, a legend on top, no wasted margin on
a phone, whole numbers on a count's axis."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

#: The stylesheet's colours (static/dashboard.css), for series that mean the same.
OK: Final = "#1a7f37"
BAD: Final = "#cf222e"
ACCENT: Final = "#1f6feb"
MUTED: Final = "#5b6576"


@dataclass(frozen=True, slots=True)
class Series:
    """One row of values, one per category; ``name`` is shown (already translated)."""

    name: str
    data: Sequence[float | int | None]
    colour: str = ACCENT


def bars(categories: Sequence[str], series: Sequence[Series], *, stacked: bool = True) -> dict[str, Any]:
    """Bars over ``categories`` (hours, days, buildings), one colour per series, stacked so
    their sum reads at a glance (granted and denied: the traffic)."""
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
        "legend": {"top": 0, "textStyle": {"color": MUTED}},
        "grid": {"left": 8, "right": 8, "top": 32, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": list(categories), "axisTick": {"alignWithLabel": True}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": one.name, "type": "bar", "data": list(one.data), "itemStyle": {"color": one.colour},
                    **({"stack": "total"} if stacked else {})} for one in series],
    }
