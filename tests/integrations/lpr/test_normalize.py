"""Plate normalisation against a table of real-world reads: what cameras send, what xiaoqu
makes of it, and why a camera sends it. Pure: no hub."""
from __future__ import annotations

from typing import Any

import pytest

from xiaoqu.integrations.lpr import normalize_plate

# (raw, hints, expected plate or None when invalid, kind or reason fragment, why cameras send it)
TABLE: list[tuple[str, dict[str, Any], str | None, str, str]] = [
    # ordinary and new-energy plates as they should come
    ("粤B12345", {}, "粤B12345", "ordinary", "a clean read of a blue plate"),
    ("鲁VF0050", {}, "鲁VF0050", "ordinary", "the ym camera's real push (letters inside the serial)"),
    ("粤BD12345", {}, "粤BD12345", "new_energy", "small new-energy plate: D (battery) first"),
    ("沪AF23456", {}, "沪AF23456", "new_energy", "small new-energy plate: F (hybrid) first"),
    ("京ADA1234", {}, "京ADA1234", "new_energy", "small new-energy plate: second serial character a letter"),
    ("苏A12345D", {}, "苏A12345D", "new_energy_large", "large (yellow-green) new-energy plate: D last"),
    ("苏AD12345", {"colour": "green"}, "苏AD12345", "new_energy", "Dahua's ShadowGreen read (reconstructed sample)"),
    # decorations cameras and people add
    ("粤Ｂ１２３４５", {}, "粤B12345", "ordinary", "full-width letters and digits (Chinese input methods, some firmwares)"),
    ("粤b12345", {}, "粤B12345", "ordinary", "lower case from a hand-typed correction or a sloppy gateway"),
    ("粤B 12345", {}, "粤B12345", "ordinary", "a space where the plate's rivet dot is"),
    ("粤B·12345", {}, "粤B12345", "ordinary", "the middle dot printed on the plate"),
    ("粤B.12345", {}, "粤B12345", "ordinary", "a full stop typed for the dot"),
    ("粤B-12345", {}, "粤B12345", "ordinary", "a hyphen typed for the dot"),
    ("粤B•12345", {}, "粤B12345", "ordinary", "a bullet for the dot (copied from a web page)"),
    ("粤B・12345", {}, "粤B12345", "ordinary", "a katakana middle dot (Japanese input method)"),
    ("  粤B12345\n", {}, "粤B12345", "ordinary", "whitespace around the text from a CSV or a form"),
    ("粤B\u200b12345", {}, "粤B12345", "ordinary", "a zero-width space left by a firmware's text widget"),
    ("粤B　12345", {}, "粤B12345", "ordinary", "an ideographic (full-width) space"),
    ("蓝皖A7XG66", {}, "皖A7XG66", "ordinary", "Hikvision's Chinese firmware prefixes the colour (real capture)"),
    ("蓝苏A8HK52", {}, "苏A8HK52", "ordinary", "the second Hikvision capture, also colour-prefixed"),
    ("黄粤B12345", {}, "粤B12345", "ordinary", "Hikvision's yellow prefix"),
    ("绿粤BD12345", {}, "粤BD12345", "new_energy", "Hikvision's green prefix on a new-energy plate"),
    ("黑A12345", {}, "黑A12345", "ordinary", "Heilongjiang's 黑 is a province, not a colour prefix"),
    ("黑黑A12345", {}, "黑A12345", "ordinary", "Hikvision: a black-colour prefix on a Heilongjiang plate"),
    ("粤ZJ068澳|MX7742|ZM127", {}, "粤ZJ068澳", "macau", "Vzenith joins a three-region plate with |"),
    ("粤Z9065澳", {}, "粤Z9065澳", "macau", "the Vzenith document's Macau cross-border example"),
    ("粤Z1234港", {}, "粤Z1234港", "hk", "a Hong Kong cross-border plate"),
    # the O/0 and I/1 confusions, fixed in the serial only
    ("粤B1234O", {}, "粤B12340", "ordinary", "O read for 0: serials never hold O"),
    ("粤BO2345", {}, "粤B02345", "ordinary", "O read for 0 in the first serial place"),
    ("粤B1I345", {}, "粤B11345", "ordinary", "I read for 1: serials never hold I"),
    ("粤BDO2345", {}, "粤BD02345", "new_energy", "O for 0 inside a new-energy serial"),
    ("粤bd1234o", {}, "粤BD12340", "new_energy", "lower case and o/0 together"),
    ("粤O12345", {}, "粤O12345", "ordinary", "O as the issuing letter (police-owned, some provinces): never changed"),
    # plates with a type character
    ("粤A1234挂", {}, "粤A1234挂", "trailer", "a trailer's yellow plate"),
    ("粤A1234学", {}, "粤A1234学", "coach", "a driving-school car"),
    ("粤A1234警", {}, "粤A1234警", "police", "a police car (white plate)"),
    ("沪A1234领", {}, "沪A1234领", "consulate", "a consulate's car"),
    ("使014578", {}, "使014578", "embassy", "an embassy's black plate: 使 and 6 digits"),
    ("粤A1234应急", {}, "粤A1234应急", "emergency", "an emergency-rescue vehicle (2018 plates)"),
    ("WJ粤12345", {}, "WJ粤12345", "armed_police", "an armed-police plate (2012 style)"),
    ("VA12345", {}, "VA12345", "military", "a military plate (2012 style)"),
    # double-deck yellow plates
    ("12345粤A", {}, "粤A12345", "ordinary", "a two-row plate read lower row first"),
    ("1234挂粤A", {}, "粤A1234挂", "trailer", "a trailer's two-row plate read lower row first"),
    ("粤A\n12345", {}, "粤A12345", "ordinary", "a two-row plate read as two lines"),
    ("12345", {"double_row": True}, None, "only the lower row", "a double-deck yellow plate whose upper row was missed"),
    ("A3456", {"colour": "yellow"}, None, "only the lower row", "a yellow plate's lower row alone (Hikvision yellow)"),
    # truncated and refused reads
    ("粤B12345", {"colour": "green"}, None, "truncated", "a green (new-energy) plate read as 7 characters"),
    ("粤B1234", {}, None, "too short", "a character lost to dirt or a tow bar"),
    ("粤B1234567", {}, None, "too long", "two plates' text run together"),
    ("粤812345", {}, None, "letter", "8 read for B in the issuing letter: never guessed"),
    ("粤012345", {}, None, "letter", "0 read for D/O in the issuing letter: never guessed"),
    ("奥B12345", {}, None, "province", "奥 read for 粤: the province is never guessed"),
    ("B12345", {}, None, "province", "the province character missed altogether"),
    ("粤B12345X6", {}, None, "too long", "a sticker read as characters"),
    ("粤BA12345", {}, None, "new-energy", "8 characters but not a new-energy serial (A is neither D nor F)"),
    ("粤B1234*", {}, None, "cannot be in", "a character the camera could not read shown as *"),
    ("_无_", {}, None, "no plate", "Vzenith and 千熠's no-plate marker"),
    ("--", {}, None, "no plate", "Dahua's no-plate marker"),
    ("unlicensed", {}, None, "no plate", "Dahua's other no-plate marker"),
    ("", {}, None, "no plate", "an empty license field"),
    ("无牌", {}, None, "no plate", "a Chinese no-plate word from a gateway"),
    ("·", {}, None, "no plate", "a read of nothing but the plate's dot"),
    ("临粤B12345", {}, None, "temporary", "a paper temporary plate"),
]


@pytest.mark.parametrize(("raw", "hints", "plate", "expect", "why"), TABLE, ids=[row[4] for row in TABLE])
def test_a_real_world_read(raw: str, hints: dict[str, Any], plate: str | None, expect: str, why: str) -> None:
    result = normalize_plate(raw, **hints)
    if plate is None:
        assert not result.valid, why
        assert result.reason is not None and expect in result.reason, (why, result.reason)
    else:
        assert (result.valid, result.text, result.kind) == (True, plate, expect), (why, result.reason)


def test_the_table_is_long_enough() -> None:
    assert len(TABLE) >= 40


def test_fixes_and_colour_say_what_was_done() -> None:
    plate = normalize_plate("蓝皖A7XG66")
    assert plate.colour == "blue" and plate.fixes == ("colour word 蓝 removed",)
    assert normalize_plate("粤Ｂ1234O").fixes == ("full-width characters made half-width", "O read for 0 in the serial")
    truncated = normalize_plate("粤BD1234", colour="green")
    assert truncated.truncated and truncated.text == "粤BD1234" and not truncated.valid
    assert normalize_plate("粤BD12345", colour="blue").colour == "green"  # every new-energy plate is green


def test_the_service_answer_shapes() -> None:
    assert normalize_plate("粤b12345").as_dict() == {"valid": True, "plate": "粤B12345", "kind": "ordinary",
                                                     "colour": None, "fixes": ["upper case"]}
    answer = normalize_plate("_无_").as_dict()
    assert answer["valid"] is False and answer["reason"].startswith("no plate") and "plate" not in answer
