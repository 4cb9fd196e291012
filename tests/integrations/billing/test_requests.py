"""An approved change sent twice with one request id (a form posted again, a retry after a
timeout) is applied once and answered the same; even when the first one's row was lost after
its ledger posting committed."""
from __future__ import annotations

import pytest

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.rowstore import RowStoreError

from .conftest import billing_site

MARCH = "2026-03:1-1-0101"


async def test_a_repeated_request_id_is_applied_once(tmp_path):
    async with billing_site(tmp_path) as site:
        vacancy = {"household": "1-1-0101", "from": "2026-04", "to": "2026-04", "percent": "50",
                   "reason": "无人居住", "request_id": "form-v1"}
        first = await site.call("vacancy", vacancy)
        assert await site.call("vacancy", vacancy) == {**first, "repeat": True}
        await site.call("run", {"period": "2026-03"})
        site.on("2026-04-01")
        await site.call("run", {"period": "2026-04"})
        assert site.billing.bills["2026-04:1-1-0101"].total_fen == 22375 - 11188  # one discount, not two
        waive = {"bill": MARCH, "part": "principal", "amount_fen": 1000, "reason": "协商", "request_id": "form-w1"}
        first = await site.call("waive", waive)
        assert (first["waived_fen"], first["outstanding_fen"], first["repeat"]) == (1000, 21375, False)
        assert await site.call("waive", waive) == {**first, "repeat": True}
        assert site.billing.books.due(MARCH) == 21375
        extend = {"bill": MARCH, "until": "2026-04-30", "reason": "宽限", "request_id": "form-e1"}
        first = await site.call("extend", extend, role="manager")
        assert await site.call("extend", extend, role="manager") == {**first, "repeat": True}
        with pytest.raises(ServiceValidationError, match="form-e1 was used for a change of kind extension, not waiver"):
            await site.call("waive", {**waive, "request_id": "form-e1"})
    async with billing_site(tmp_path) as site:  # remembered across a restart
        assert (await site.call("waive", waive))["repeat"] is True
        assert site.billing.books.due(MARCH) == 21375


async def test_a_waiver_whose_row_was_lost_after_its_posting_is_answered_from_the_ledger(tmp_path, monkeypatch):
    async with billing_site(tmp_path) as site:
        await site.call("run", {"period": "2026-03"})
        store = site.billing.store
        saved = store.save_act

        async def lost(*args, **kwargs):
            raise RowStoreError("disk gone")

        monkeypatch.setattr(store, "save_act", lost)
        waive = {"bill": MARCH, "part": "principal", "amount_fen": 500, "reason": "协商", "request_id": "form-w2"}
        with pytest.raises(RowStoreError):
            await site.call("waive", waive)
        monkeypatch.setattr(store, "save_act", saved)
        again = await site.call("waive", waive)
        assert (again["waived_fen"], again["outstanding_fen"], again["repeat"]) == (500, 21875, True)
        assert site.billing.books.due(MARCH) == 21875 and site.billing.requests["form-w2"]["kind"] == "waiver"
