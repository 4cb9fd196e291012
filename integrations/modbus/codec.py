"""Registers to values and back: data types, byte and word order, scale, offset, precision.

Modbus moves 16-bit registers; what they mean is the device's business. A 32-bit value
takes two registers, and vendors disagree on the order of the words and of the bytes inside
each word, so every value has a ``swap`` (Home Assistant's names):

==========  =================================  =================
swap        registers of 0x11223344            also called
==========  =================================  =================
none        0x1122 0x3344                      ABCD, big-endian
byte        0x2211 0x4433                      BADC
word        0x3344 0x1122                      CDAB, word-swapped
word_byte   0x4433 0x2211                      DCBA, little-endian
==========  =================================  =================

The conversion itself is pymodbus' ``convert_from_registers`` / ``convert_to_registers``
(big-endian words and bytes); the swap is applied to the registers around it.
"""
from __future__ import annotations

import enum
import math
import struct
from collections.abc import Callable, Sequence
from typing import Final

from pymodbus.client.mixin import ModbusClientMixin

_PYMODBUS_TYPE: type[ModbusClientMixin.DATATYPE] = ModbusClientMixin.DATATYPE  # a variable, not a type alias


class DataType(enum.StrEnum):
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    INT64 = "int64"
    UINT64 = "uint64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    STRING = "string"

    @property
    def registers(self) -> int | None:
        """Registers one value takes; None for a string (its length is configured)."""
        return _REGISTERS.get(self)

    @property
    def is_float(self) -> bool:
        return self in (DataType.FLOAT32, DataType.FLOAT64)


_REGISTERS: Final = {
    DataType.INT16: 1, DataType.UINT16: 1,
    DataType.INT32: 2, DataType.UINT32: 2, DataType.FLOAT32: 2,
    DataType.INT64: 4, DataType.UINT64: 4, DataType.FLOAT64: 4,
}


class Swap(enum.StrEnum):
    NONE = "none"
    BYTE = "byte"
    WORD = "word"
    WORD_BYTE = "word_byte"

    @property
    def swaps_words(self) -> bool:
        return self in (Swap.WORD, Swap.WORD_BYTE)

    @property
    def swaps_bytes(self) -> bool:
        return self in (Swap.BYTE, Swap.WORD_BYTE)


class DecodeError(ValueError):
    """Registers that do not hold a value of the configured type (wrong count, bad text)."""


def _swap(registers: Sequence[int], swap: Swap) -> list[int]:
    """Put registers into big-endian order (its own inverse, so it serves both ways)."""
    regs = list(registers)
    if swap.swaps_bytes:
        regs = [((reg & 0xFF) << 8) | (reg >> 8) for reg in regs]
    if swap.swaps_words:
        regs.reverse()
    return regs


Decoder = Callable[[Sequence[int]], "int | float | str"]


def decoder(data_type: DataType, swap: Swap = Swap.NONE) -> Decoder:
    """A function turning registers into the value they hold (a string loses its NUL padding).

    An entity makes its decoder once and calls it on every poll; the common single register
    without byte swap is read directly, everything else through pymodbus.
    """
    expected = data_type.registers
    if expected == 1 and not swap.swaps_bytes:
        signed = data_type is DataType.INT16

        def one_register(registers: Sequence[int]) -> int:
            if len(registers) != 1:
                raise DecodeError(f"{data_type} takes 1 register, got {len(registers)}")
            value = registers[0]
            return value - 0x10000 if signed and value & 0x8000 else value

        return one_register
    pymodbus_type = _PYMODBUS_TYPE[data_type.name]

    def convert(registers: Sequence[int]) -> int | float | str:
        if expected is not None and len(registers) != expected:
            raise DecodeError(f"{data_type} takes {expected} register(s), got {len(registers)}")
        try:
            value = ModbusClientMixin.convert_from_registers(_swap(registers, swap), pymodbus_type)
        except UnicodeDecodeError as err:
            raise DecodeError(f"not UTF-8 text: {bytes(err.object)!r}") from None
        assert isinstance(value, int | float | str)
        return value

    return convert


def decode(registers: Sequence[int], data_type: DataType, swap: Swap = Swap.NONE) -> int | float | str:
    """The value ``registers`` hold (see :func:`decoder`)."""
    return decoder(data_type, swap)(registers)


def encode(value: int | float | str, data_type: DataType, swap: Swap = Swap.NONE) -> list[int]:
    """The registers that hold ``value`` (the inverse of :func:`decode`)."""
    try:
        registers = ModbusClientMixin.convert_to_registers(value, _PYMODBUS_TYPE[data_type.name])
    except (TypeError, struct.error) as err:
        raise DecodeError(f"{value!r} does not fit {data_type}: {err}") from None
    return _swap(registers, swap)


def to_state(value: int | float | str, scale: float = 1, offset: float = 0,
             precision: int | None = None) -> str | None:
    """The state string of a decoded value: ``value * scale + offset`` with ``precision`` decimals.

    Without a precision, a whole number scaled by whole numbers stays whole (``21``) and
    anything else gets 2 decimals (``21.50``). Text is shown as it is. NaN or infinity (a float
    register the device has not filled) is None: the state is unknown, not a number.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    result = value * scale + offset
    if precision is None:
        whole = isinstance(value, int) and float(scale).is_integer() and float(offset).is_integer()
        precision = 0 if whole else 2
    if precision == 0:
        return str(int(round(result)))
    return f"{result:.{precision}f}"
