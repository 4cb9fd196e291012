"""The card registry and the ledger the POS builds on: any form of a card number, sheet cards, balances."""
from __future__ import annotations

from pathlib import Path

import pytest

from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.cards import CardError, card_account

from .conftest import SHEET_CARD, estate


async def test_a_sheet_card_is_a_resident_card_for_door_and_consumption_without_a_record(
        tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        card = site.cards.card(SHEET_CARD)
        assert (card.holder, card.card_class, card.subsystems, card.source) == (
            site.people["王芳"], "resident", ("door", "consumption"), "sheet")
        assert site.cards.registry.stored(SHEET_CARD) is None
        assert site.cards.balance(SHEET_CARD) == 0


@pytest.mark.parametrize("form", ["04a2b3c4", "0077771716", "162,46020", "01186,46020"])
async def test_a_card_is_found_in_every_form_a_reader_sends(tmp_path: Path, clock: ManualClock, form: str) -> None:
    async with estate(tmp_path, clock) as site:
        await site.call("issue", {"card": "0A0B0C0D", "person": site.people["李强"]})
        assert site.cards.card(form).uid == SHEET_CARD
        assert site.cards.card("11,3085").uid == "0A0B0C0D"  # 0x0B0C0D = facility 11, number 3085


async def test_a_card_never_issued_or_malformed_is_refused_naming_why(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        with pytest.raises(CardError, match="card 99999999 was never issued here"):
            site.cards.card("99999999")
        with pytest.raises(CardError, match="card"):
            site.cards.card("not a card")


async def test_records_and_balances_survive_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        await site.call("issue", {"card": "0A0B0C0D", "person": site.people["李强"], "card_class": "staff"})
        await site.call("recharge", {"card": "0A0B0C0D", "amount_fen": 5000, "payment_id": "p1", "method": "cash"})
    async with estate(tmp_path, clock) as site:
        assert site.cards.card("0A0B0C0D").card_class == "staff"
        assert site.cards.balance("0A0B0C0D") == 5000
        assert site.cards.wallet.ledger.balance(card_account("0A0B0C0D")) == 5000
        assert await site.cards.wallet.ledger.verify() == []
