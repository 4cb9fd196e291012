"""Registers to values: every data type in every byte/word order, scale, offset, precision."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaoqu.integrations.modbus.codec import DataType, DecodeError, Swap, decode, encode, to_state

# 0x11223344 as the four orders name it (docstring of codec.py).
ORDERS = {
    Swap.NONE: [0x1122, 0x3344],
    Swap.BYTE: [0x2211, 0x4433],
    Swap.WORD: [0x3344, 0x1122],
    Swap.WORD_BYTE: [0x4433, 0x2211],
}


@pytest.mark.parametrize("swap", list(Swap))
def test_the_four_orders_of_a_32_bit_value(swap):
    assert encode(0x11223344, DataType.UINT32, swap) == ORDERS[swap]
    assert decode(ORDERS[swap], DataType.UINT32, swap) == 0x11223344


def test_signed_16_bit_and_byte_swap():
    assert decode([0xFFFE], DataType.INT16) == -2
    assert decode([0xFEFF], DataType.INT16, Swap.BYTE) == -2
    assert decode([0xFFFE], DataType.UINT16) == 0xFFFE
    assert decode([0x8000], DataType.INT16) == -32768 and decode([0x7FFF], DataType.INT16) == 32767
    with pytest.raises(DecodeError, match="int16 takes 1 register, got 2"):
        decode([1, 2], DataType.INT16)


def test_float32_as_devices_send_it():
    # 10.0 is 0x41200000; many meters send the low word first.
    assert decode([0x4120, 0x0000], DataType.FLOAT32) == 10.0
    assert decode([0x0000, 0x4120], DataType.FLOAT32, Swap.WORD) == 10.0


def test_64_bit_word_order_reverses_all_four_registers():
    registers = encode(0x0102030405060708, DataType.UINT64, Swap.WORD)
    assert registers == [0x0708, 0x0506, 0x0304, 0x0102]
    assert decode(registers, DataType.UINT64, Swap.WORD) == 0x0102030405060708


def test_text_loses_its_padding_and_may_be_byte_swapped():
    assert decode([0x4142, 0x4300, 0x0000], DataType.STRING) == "ABC"
    assert decode([0x4241, 0x0043], DataType.STRING, Swap.BYTE) == "ABC"


def test_wrong_register_count_and_bad_text_are_decode_errors():
    with pytest.raises(DecodeError, match="int32 takes 2 register"):
        decode([1], DataType.INT32)
    with pytest.raises(DecodeError, match="not UTF-8 text"):
        decode([0xC328], DataType.STRING)
    with pytest.raises(DecodeError, match="70000 does not fit int16"):
        encode(70000, DataType.INT16)


@given(
    data_type=st.sampled_from([t for t in DataType if t is not DataType.STRING]),
    swap=st.sampled_from(list(Swap)),
    raw=st.binary(min_size=8, max_size=8),
)
def test_encode_inverts_decode_for_any_registers(data_type, swap, raw):
    count = data_type.registers
    registers = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, 2 * count, 2)]
    value = decode(registers, data_type, swap)
    if isinstance(value, float) and math.isnan(value):
        return  # NaN payloads are not unique
    assert encode(value, data_type, swap) == registers


@pytest.mark.parametrize(("value", "scale", "offset", "precision", "expected"), [
    (215, 1, 0, None, "215"),
    (215, 0.1, 0, None, "21.50"),  # a fractional scale shows two decimals unless told
    (215, 0.1, 0, 1, "21.5"),
    (2731, 0.1, -273.1, 1, "0.0"),
    (7, 2, 1, None, "15"),
    (3.14159, 1, 0, 3, "3.142"),
    (21.5, 1, 0, 0, "22"),
    ("ABC", 1, 0, None, "ABC"),
    (float("nan"), 1, 0, 2, None),  # an unfilled float register: unknown, not "nan"
])
def test_state_from_scale_offset_precision(value, scale, offset, precision, expected):
    assert to_state(value, scale, offset, precision) == expected
