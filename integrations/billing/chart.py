"""A bar chart of the collection rate as a PNG, drawn with the standard library (zlib, struct).

One chart, bars of 0–100 %, a label under each and its figure over it: matplotlib (tens of MB
and a font cache) or Pillow would be a dependency for this alone. The labels are drawn in a
3×5 pixel font of the few characters they use (digits, ``-``, ``.``, ``%``), scaled up. The
dashboard draws the live chart; this is the CLI's file for a report or an e-mail.
"""
from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from typing import Final

#: Each character as five rows of three pixels ("1": on).
FONT: Final = {
    "0": ("111", "101", "101", "101", "111"), "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"), "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"), "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"), "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"), "9": ("111", "101", "111", "001", "111"),
    "-": ("000", "000", "111", "000", "000"), ".": ("000", "000", "000", "000", "010"),
    "%": ("101", "001", "010", "100", "101"), " ": ("000", "000", "000", "000", "000"),
}
SCALE: Final = 2  # pixels per font pixel
BAR, GAP, MARGIN, PLOT_HEIGHT = 48, 16, 24, 200
WHITE, AXIS, BAR_COLOUR, LOW_COLOUR, TEXT = (255, 255, 255), (90, 90, 90), (46, 125, 50), (198, 40, 40), (30, 30, 30)
#: A bar below this rate is drawn in red.
LOW_RATE: Final = 90.0

Pixel = tuple[int, int, int]


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = [bytearray(bytes(WHITE) * width) for _ in range(height)]

    def box(self, x: int, y: int, w: int, h: int, colour: Pixel) -> None:
        for row in range(max(0, y), min(self.height, y + h)):
            left, right = max(0, x), min(self.width, x + w)
            if right > left:
                self.pixels[row][left * 3:right * 3] = bytes(colour) * (right - left)

    def text(self, x: int, y: int, text: str, colour: Pixel = TEXT) -> None:
        """``text`` with its top left at (x, y); characters outside the font drawn as spaces."""
        for index, char in enumerate(text):
            for row, bits in enumerate(FONT.get(char, FONT[" "])):
                for col, bit in enumerate(bits):
                    if bit == "1":
                        self.box(x + (index * 4 + col) * SCALE, y + row * SCALE, SCALE, SCALE, colour)

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(row) for row in self.pixels)

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def text_width(text: str) -> int:
    return len(text) * 4 * SCALE


def bar_chart(bars: Sequence[tuple[str, float | None]]) -> bytes:
    """A PNG of one bar per ``(label, percent)`` (None: no figure, no bar), 0–100 % high."""
    width = MARGIN * 2 + max(1, len(bars)) * (BAR + GAP)
    line = 5 * SCALE + 4
    top = MARGIN + line
    height = top + PLOT_HEIGHT + line + MARGIN
    canvas = Canvas(width, height)
    for mark in (0, 50, 100):  # the scale's marks
        y = top + PLOT_HEIGHT - PLOT_HEIGHT * mark // 100
        canvas.box(MARGIN - 4, y, width - 2 * MARGIN + 4, 1, (225, 225, 225) if mark else AXIS)
    for index, (label, percent) in enumerate(bars):
        x = MARGIN + GAP // 2 + index * (BAR + GAP)
        if percent is not None:
            high = round(PLOT_HEIGHT * max(0.0, min(percent, 100.0)) / 100)
            canvas.box(x, top + PLOT_HEIGHT - high, BAR, high, BAR_COLOUR if percent >= LOW_RATE else LOW_COLOUR)
            figure = f"{percent:.1f}"
            canvas.text(x + (BAR - text_width(figure)) // 2, top + PLOT_HEIGHT - high - line, figure)
        canvas.text(x + (BAR - text_width(label)) // 2, top + PLOT_HEIGHT + 4, label)
    return canvas.png()
