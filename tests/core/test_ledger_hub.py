"""A hub with ``xiaoqu: database:`` keeps the card centre's money on PostgreSQL, in its site's schema."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fixtures_postgresql import place_on
from tests.integrations.cards.conftest import SHEET_CARD, config, populate
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.cards import get_cards


async def _cards(hub: Hub, service: str, **data: Any) -> Any:
    return await hub.services.call("cards", service, data, return_response=True)


async def test_the_card_centres_ledger_lives_in_the_sites_schema_and_survives_a_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    with place_on("postgresql", tmp_path) as place:
        database = place.database
        assert database is not None
        site_config = {"xiaoqu": place.core, **config()}
        async with running_hub(tmp_path, site_config, clock=clock) as hub:
            await populate(hub)
            first = await _cards(hub, "recharge", card=SHEET_CARD, amount_fen=3000, payment_id="wx-1", method="cash")
            again = await _cards(hub, "recharge", card=SHEET_CARD, amount_fen=3000, payment_id="wx-1", method="cash")
            assert (again["balance_fen"], again["receipt_no"], again["new"]) == (3000, first["receipt_no"], False)
            await _cards(hub, "recharge", card=SHEET_CARD, amount_fen=500, payment_id="wx-2", method="cash")
            refunded = await _cards(hub, "refund", transaction_id=first["transaction_id"], reason="paid twice")
            assert refunded["balance_fen"] == 500
            assert f"{database.schema}.cards_ledger_*" in get_cards(hub).wallet.ledger.where

        assert list(tmp_path.rglob("cards_ledger.db*")) == []  # nothing of the money in the data dir
        import psycopg
        with psycopg.connect(database.url) as connection:
            rows = connection.execute(
                f'SELECT t.id, t.reverses, e.amount, e.balance FROM "{database.schema}".cards_ledger_entries e '
                f'JOIN "{database.schema}".cards_ledger_transactions t USING (seq) WHERE e.account = %s ORDER BY seq',
                (f"card:{SHEET_CARD}",)).fetchall()
        assert [row[1:] for row in rows] == [(None, 3000, 3000), (None, 500, 3500), ("recharge:wx-1", -3000, 500)]

        async with running_hub(tmp_path, site_config, clock=clock) as hub:
            cards = get_cards(hub)
            assert cards.balance(SHEET_CARD) == 500
            assert await cards.wallet.ledger.verify() == []
