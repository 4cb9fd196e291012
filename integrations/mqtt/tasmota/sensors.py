"""The readings in a Tasmota ``sensors`` message, with the unit and classes of each.

The ``sn`` object is what the device publishes on ``tele/<topic>/SENSOR``
(``{"Time": ..., "AM2301": {"Temperature": 21.7, "Humidity": 75.8}, "TempUnit": "C"}``).
Every value one or two levels under a sensor's name is one reading, as hatasmota walks it
(``sensor.py``: ``get_sensor_entities``, ``_get_quantity``): simple values, lists
(``"TotalTariff": [0.0, 0.017]`` → one reading per item) and nested objects
(``"Speed": {"Act": 14.8}``). Units follow hatasmota's ``SENSOR_UNIT_MAP`` written the way
Home Assistant's ``tasmota`` integration shows them; device and state classes follow its
``SENSOR_DEVICE_CLASS_ICON_MAP``.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Keys of ``sn`` that are not sensors (hatasmota's ``IGNORED_SENSORS``; card readers report events).
IGNORED = frozenset({"Time", "PN532", "RDM6300"})

_UG_M3 = "µg/m³"
#: quantity → unit
UNITS: dict[str, str] = {
    "ActivePower": "W",
    "Ambient": "lx",
    "ApparentPower": "VA",
    "Battery": "%",
    "Blue": "B",
    "CarbonDioxide": "ppm",
    "CCT": "K",
    "CF1": _UG_M3,
    "CF2.5": _UG_M3,
    "CF10": _UG_M3,
    "Current": "A",
    "CurrentNeutral": "A",
    "Distance": "cm",
    "eCO2": "ppm",
    "Energy": "kWh",
    "ExportActive": "kWh",
    "ExportReactive": "kvarh",
    "Frequency": "Hz",
    "Green": "G",
    "Humidity": "%",
    "Illuminance": "lx",
    "ImportActive": "kWh",
    "ImportReactive": "kvarh",
    "Moisture": "%",
    "PB0.3": "ppd",
    "PB0.5": "ppd",
    "PB1": "ppd",
    "PB2.5": "ppd",
    "PB5": "ppd",
    "PB10": "ppd",
    "PhaseAngle": "°",
    "PM1": _UG_M3,
    "PM2.5": _UG_M3,
    "PM10": _UG_M3,
    "Power": "W",
    "ReactivePower": "var",
    "Red": "R",
    "Today": "kWh",
    "Total": "kWh",
    "TVOC": "ppb",
    "Voltage": "V",
    "Weight": "kg",
    "Yesterday": "kWh",
}
#: quantity → the key of ``sn`` that names its unit (the device's ``SetOption8`` and friends)
DEVICE_UNITS = {
    "DewPoint": "TempUnit",
    "Pressure": "PressureUnit",
    "SeaPressure": "PressureUnit",
    "Speed": "SpeedUnit",
    "Temperature": "TempUnit",
}
_TEMPERATURE_UNITS = {"C": "°C", "F": "°F"}

_MEASURED = "measurement"
#: quantity → (device class, state class)
CLASSES: dict[str, tuple[str | None, str | None]] = {
    "ActivePower": ("power", _MEASURED),
    "Ambient": ("illuminance", _MEASURED),
    "ApparentPower": ("apparent_power", _MEASURED),
    "Battery": ("battery", _MEASURED),
    "CarbonDioxide": ("carbon_dioxide", _MEASURED),
    "CCT": (None, _MEASURED),
    "Current": ("current", _MEASURED),
    "CurrentNeutral": ("current", _MEASURED),
    "DewPoint": ("temperature", _MEASURED),
    "Distance": ("distance", _MEASURED),
    "ExportActive": ("energy", "total"),
    "ExportReactive": (None, "total"),
    "Factor": ("power_factor", _MEASURED),
    "Frequency": ("frequency", _MEASURED),
    "Humidity": ("humidity", _MEASURED),
    "Illuminance": ("illuminance", _MEASURED),
    "ImportActive": ("energy", "total"),
    "ImportReactive": (None, "total"),
    "Moisture": ("moisture", None),
    "PM1": ("pm1", _MEASURED),
    "PM2.5": ("pm25", _MEASURED),
    "PM10": ("pm10", _MEASURED),
    "Power": ("power", _MEASURED),
    "Pressure": ("pressure", _MEASURED),
    "Proximity": ("distance", None),
    "ReactivePower": ("reactive_power", _MEASURED),
    "SeaPressure": ("pressure", _MEASURED),
    "Temperature": ("temperature", _MEASURED),
    "Today": ("energy", "total_increasing"),
    "Total": ("energy", "total"),
    "Voltage": (None, _MEASURED),
    "Weight": ("weight", _MEASURED),
    "Yesterday": ("energy", None),
}

Path = tuple[str | int, ...]


def _quantity(sensor: str, key: str, inner: str | None) -> str:
    """What a reading measures (hatasmota's ``_get_quantity``)."""
    if sensor in ("AS3935", "LD2410") and key == "Energy":
        return "EnergyOther"  # lightning energy / presence level, not kWh
    if inner in UNITS:
        return inner  # {"ANALOG": {"CTEnergy1": {"Power": 2300, "Voltage": 230}}}
    if sensor == "ANALOG" and key[-1:].isdigit():
        return key[:-1]  # ANALOG readings are numbered by ADC pin: Temperature1, Illuminance3
    return key


def readings(sn: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """``(path to the value, quantity)`` for every reading in a ``sensors`` message's ``sn``."""
    for sensor, values in sn.items():
        if sensor in IGNORED or not isinstance(values, dict):
            continue
        for key, value in values.items():
            if isinstance(value, dict):
                for inner in value:
                    yield (sensor, key, inner), _quantity(sensor, key, inner)
            elif isinstance(value, list):
                for index in range(len(value)):
                    yield (sensor, key, index), _quantity(sensor, key, None)
            else:
                yield (sensor, key), _quantity(sensor, key, None)


def unit(quantity: str, sn: dict[str, Any]) -> str | None:
    """The unit a reading is shown in; for temperature, pressure and speed the device says which."""
    unit_key = DEVICE_UNITS.get(quantity)
    if unit_key is None:
        return UNITS.get(quantity)
    reported = sn.get(unit_key)
    if not isinstance(reported, str):
        return None
    return _TEMPERATURE_UNITS.get(reported, reported) if unit_key == "TempUnit" else reported
