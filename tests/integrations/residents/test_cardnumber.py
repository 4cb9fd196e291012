"""One card, however a reader writes it: hex UID, decimal UID, Wiegand-26 and Wiegand-34."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaoqu.integrations.residents.cardnumber import CardNumberError, CardRead, low24_key, parse_card, wiegand26

UID = 0x04A2B3C4  # 77771716; low 24 bits 0xA2B3C4: facility 162, number 46020


def test_the_same_card_in_every_form_a_reader_sends() -> None:
    hex_read = parse_card("04A2B3C4")
    assert hex_read == CardRead(UID, 0xA2B3C4, "hex", "04A2B3C4")
    assert parse_card("04a2 b3c4 ") == hex_read
    assert parse_card("0077771716") == CardRead(UID, 0xA2B3C4, "decimal", "04A2B3C4")
    assert parse_card("162,46020") == CardRead(None, 0xA2B3C4, "wiegand26", None)
    assert parse_card("162，46020").low24 == parse_card("162:46020").low24 == 0xA2B3C4
    assert parse_card("01186,46020") == CardRead(UID, 0xA2B3C4, "wiegand34", "04A2B3C4")  # 0x04A2 = 1186
    assert hex_read.wiegand26 == wiegand26(low24_key(UID)) == "162,46020"


def test_a_form_forces_one_reading() -> None:
    assert parse_card("12345678", "decimal") == CardRead(12345678, 12345678 & 0xFFFFFF, "decimal", "00BC614E")
    assert parse_card("12345678").canonical == "12345678"  # 8 digits without a form: hex
    assert parse_card("1186,46020", "wiegand34").uid == UID
    assert parse_card("0162,46020", "wiegand26").low24 == 0xA2B3C4
    with pytest.raises(CardNumberError, match=r"^card number '04A2B3C4': a Wiegand-26 read is a pair"):
        parse_card("04A2B3C4", "wiegand26")
    with pytest.raises(CardNumberError, match="a pair 'facility,number' is a Wiegand read, not a hex UID"):
        parse_card("162,46020", "hex")
    with pytest.raises(CardNumberError, match="form 'octal': expected one of hex, decimal, wiegand26, wiegand34"):
        parse_card("04A2B3C4", "octal")


@pytest.mark.parametrize(("value", "message"), [
    ("04A2B3", "card number '04A2B3': 6 hex digits; a card UID is 8 hex digits or 10 decimal digits, "
               "or a Wiegand pair 'facility,number'"),
    ("04A2B3G4", "card number '04A2B3G4': 'G' is not a hex digit"),
    ("12345", "card number '12345': 5 decimal digits"),
    ("4294967296", "card number '4294967296': above 4294967295"),
    ("300,1", "card number '300,1': facility 300 is above 255, the largest of Wiegand-26"),
    ("162,65536", "card number '162,65536': card number 65536 is above 65535"),
    ("65536,1", "facility 65536 is above 65535, the largest of Wiegand-34"),
    ("123456,1", "a facility code has at most 5 digits"),
    ("", "card number '': empty"),
    ("   ", "card number '   ': empty"),
    ("x" * 10_000_000, "characters; a card UID is"),
])
def test_what_is_wrong_with_a_card_number_is_said(value: str, message: str) -> None:
    with pytest.raises(CardNumberError) as caught:
        parse_card(value)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 200  # a huge value is quoted cut short


def test_not_text_is_refused() -> None:
    with pytest.raises(CardNumberError, match="expected text, not int"):
        parse_card(77771716)  # type: ignore[arg-type]


def test_cards_that_differ_only_above_24_bits_look_alike_to_wiegand_26() -> None:
    one, other = parse_card("04A2B3C4"), parse_card("14A2B3C4")
    assert one.uid != other.uid
    assert one.low24 == other.low24 == low24_key(0x14A2B3C4)


@given(st.integers(min_value=0, max_value=0xFFFFFFFF))
def test_every_form_of_a_uid_reads_back_to_it(uid: int) -> None:
    hex_read = parse_card(f"{uid:08x}")
    assert parse_card(f"{uid:010d}") == CardRead(uid, uid & 0xFFFFFF, "decimal", hex_read.canonical)
    assert parse_card(f"{uid >> 16:05d},{uid & 0xFFFF}").uid == uid
    assert parse_card(hex_read.wiegand26).low24 == hex_read.low24 == low24_key(uid)
