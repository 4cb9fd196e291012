"""The template helpers billing gives every template: ``arrears(household)`` and ``arrears_months(household)``.

``arrears`` is the fen a household owes today (principal not paid or waived, and the late fee,
charged or accrued); ``arrears_months`` the whole months since its oldest unpaid due date.
Both are read-only and answer 0 when billing is not set up (a template must never fail for it).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .const import DATA_BILLING

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


def template_helpers(hub: Hub) -> dict[str, Callable[..., Any]]:
    def arrears(household: str) -> int:
        billing = hub.data.get(DATA_BILLING)
        return 0 if billing is None else billing.arrears(str(household)).total_fen

    def arrears_months(household: str) -> int:
        billing = hub.data.get(DATA_BILLING)
        return 0 if billing is None else billing.arrears(str(household)).months

    return {"arrears": arrears, "arrears_months": arrears_months}
