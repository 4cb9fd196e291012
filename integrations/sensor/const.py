"""Names of the sensor domain: its attributes and state classes."""
from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "sensor"

ATTR_UNIT_OF_MEASUREMENT: Final = "unit_of_measurement"
ATTR_STATE_CLASS: Final = "state_class"


class SensorStateClass(StrEnum):
    """How the history of a value adds up (Home Assistant's state classes)."""

    #: a value now (a temperature, free parking spaces)
    MEASUREMENT = "measurement"
    #: a total that may go up and down (a balance)
    TOTAL = "total"
    #: a counter that only goes up, restarting from zero (energy, messages)
    TOTAL_INCREASING = "total_increasing"

#: The English name an unnamed sensor takes from its device class, as Home Assistant names it
#: (the ``entity_component`` translations of its ``sensor`` domain): a ``temperature`` sensor
#: of the device "Weather sensor" is "Weather sensor Temperature",
#: ``sensor.weather_sensor_temperature``. ``enum`` is not here: such a sensor keeps its default name.
DEVICE_CLASS_NAMES: Final[dict[str, str]] = {
    "absolute_humidity": "Absolute humidity",
    "apparent_power": "Apparent power",
    "aqi": "Air quality index",
    "area": "Area",
    "atmospheric_pressure": "Atmospheric pressure",
    "battery": "Battery",
    "blood_glucose_concentration": "Blood glucose concentration",
    "carbon_dioxide": "Carbon dioxide",
    "carbon_monoxide": "Carbon monoxide",
    "conductivity": "Conductivity",
    "current": "Current",
    "data_rate": "Data rate",
    "data_size": "Data size",
    "date": "Date",
    "distance": "Distance",
    "duration": "Duration",
    "energy": "Energy",
    "energy_distance": "Energy per distance",
    "energy_storage": "Stored energy",
    "frequency": "Frequency",
    "gas": "Gas",
    "humidity": "Humidity",
    "illuminance": "Illuminance",
    "irradiance": "Irradiance",
    "moisture": "Moisture",
    "monetary": "Monetary balance",
    "nitrogen_dioxide": "Nitrogen dioxide",
    "nitrogen_monoxide": "Nitrogen monoxide",
    "nitrous_oxide": "Nitrous oxide",
    "ozone": "Ozone",
    "ph": "pH",
    "pm1": "PM1",
    "pm10": "PM10",
    "pm25": "PM2.5",
    "pm4": "PM4",
    "power": "Power",
    "power_factor": "Power factor",
    "precipitation": "Precipitation",
    "precipitation_intensity": "Precipitation intensity",
    "pressure": "Pressure",
    "reactive_energy": "Reactive energy",
    "reactive_power": "Reactive power",
    "signal_strength": "Signal strength",
    "sound_pressure": "Sound pressure",
    "speed": "Speed",
    "sulphur_dioxide": "Sulphur dioxide",
    "temperature": "Temperature",
    "temperature_delta": "Temperature delta",
    "timestamp": "Timestamp",
    "volatile_organic_compounds": "Volatile organic compounds",
    "volatile_organic_compounds_parts": "Volatile organic compounds parts",
    "voltage": "Voltage",
    "volume": "Volume",
    "volume_flow_rate": "Volume flow rate",
    "volume_storage": "Stored volume",
    "water": "Water",
    "weight": "Weight",
    "wind_direction": "Wind direction",
    "wind_speed": "Wind speed",
}
