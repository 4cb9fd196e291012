"""What a Chinese plate may hold: the tables :mod:`.normalize` reads a camera's text against.

The formats are those of GA 36-2018 《中华人民共和国机动车号牌》 (and GA 36-2014/2007 before it
for the plates still on the road): a province abbreviation, the issuing office's letter, then
five characters (ordinary plates), six (new-energy plates, GA 36-2018 §5), or four and a
type character (trailer 挂, coach 学, police 警, Hong Kong and Macau cross-border 港/澳,
consulate 领, test 试, over-limit 超) or the two characters 应急 (emergency rescue). The
letters I and O never appear in a serial: they would be read as 1 and 0. docs/lpr.md has the
table with examples and where each rule comes from.
"""
from __future__ import annotations

from typing import Final

#: The 31 province, region and municipality abbreviations a civil plate starts with.
PROVINCES: Final = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
#: What a serial may hold: digits and capital letters but I and O (GA 36-2018 §5.3).
SERIAL_CHARS: Final = frozenset("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
DIGITS: Final = frozenset("0123456789")
LETTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: The two confusions the standard itself rules out: a serial never holds I or O, so a
#: camera that reads them means 1 and 0. (B/8, D/0, S/5, Z/2 are both legal: never guessed.)
SERIAL_FIXES: Final = {"O": "0", "I": "1"}
#: New-energy plates (GA 36-2018): D battery electric, F any other (hybrid, fuel cell).
NEW_ENERGY_LETTERS: Final = frozenset("DF")

#: Plate kinds (``Plate.kind``).
ORDINARY: Final = "ordinary"
NEW_ENERGY: Final = "new_energy"  # small new-energy plate, gradient green, 8 characters
NEW_ENERGY_LARGE: Final = "new_energy_large"  # large new-energy plate, yellow-green, 8 characters
TRAILER: Final = "trailer"
COACH: Final = "coach"
POLICE: Final = "police"
HK: Final = "hk"
MACAU: Final = "macau"
CONSULATE: Final = "consulate"
EMBASSY: Final = "embassy"
TEST: Final = "test"
OVER_LIMIT: Final = "over_limit"
EMERGENCY: Final = "emergency"
MILITARY: Final = "military"
ARMED_POLICE: Final = "armed_police"
CIVIL_AVIATION: Final = "civil_aviation"

#: Military plates (2012 style): two letters, the unit's and the office's, then 5 digits
#: (``VA12345``, ``KJ12345``); never I or O, as on every plate.
MILITARY_LETTERS: Final = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ")
#: The type character (or characters) that end a plate with a four-character serial.
SUFFIXES: Final = {
    "挂": TRAILER, "学": COACH, "警": POLICE, "港": HK, "澳": MACAU, "领": CONSULATE, "试": TEST, "超": OVER_LIMIT,
    "应急": EMERGENCY,
}
#: Hong Kong and Macau cross-border plates are Guangdong's, letter Z (粤Z1234港).
CROSS_BORDER: Final = frozenset({HK, MACAU})

#: Plate colours (``Plate.colour``), as the device protocol names them (lpr_plate.json).
COLOURS: Final = ("blue", "yellow", "green", "white", "black", "other")
#: The colour a kind always has; kinds that may be blue or yellow (ordinary: small or large
#: vehicle) take the camera's.
KIND_COLOURS: Final = {
    NEW_ENERGY: "green", NEW_ENERGY_LARGE: "green", TRAILER: "yellow", COACH: "yellow", POLICE: "white",
    HK: "black", MACAU: "black", CONSULATE: "black", EMBASSY: "black", MILITARY: "white", ARMED_POLICE: "white",
}
#: The colour word Hikvision's Chinese firmware puts before the plate (``蓝皖A7XG66``), longest first.
COLOUR_PREFIXES: Final = (
    ("渐变绿", "green"), ("黄绿", "green"), ("蓝色", "blue"), ("黄色", "yellow"), ("绿色", "green"), ("白色", "white"),
    ("黑色", "black"), ("蓝", "blue"), ("黄", "yellow"), ("绿", "green"), ("白", "white"), ("黑", "black"),
)

#: What cameras send when they saw a vehicle and read no plate (Vzenith and 千熠 ``_无_``,
#: Dahua ``--``/``unlicensed``, others an empty string or a word), compared case-folded.
NO_PLATE: Final = frozenset({
    "", "_无_", "无", "无牌", "无牌车", "无车牌", "未识别", "--", "-", "unlicensed", "unknown", "none", "null",
    "noplate", "no plate", "n/a",
})
#: Separators cameras and people put inside a plate: spaces, dots, middle dots, hyphens,
#: underscores, slashes and the invisible characters some firmwares leave in.
SEPARATORS: Final = frozenset(
    " \t\r\n.·•‧・-‐‑‒–—_/\\\u00a0\u200b\u200c\u200d\u2060\ufeff"
)
#: Cross-border "three-region" plates come joined with ``|`` (``粤ZJ068澳|MX7742|ZM127``): the
#: mainland plate is the first.
REGION_JOIN: Final = "|"
