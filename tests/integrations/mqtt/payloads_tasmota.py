"""Tasmota's own discovery and state messages, as devices publish them.

``DEFAULT_CONFIG`` is copied from home-assistant/core
``tests/components/tasmota/test_common.py`` (commit 007f265768b6): the config Home
Assistant's Tasmota tests start from, hatasmota's field for field, with the keys and texts
Tasmota's ``xdrv_12_discovery.ino`` (``TasDiscoverMessage``) writes. Its ``ft`` is
``%topic%/%prefix%/``, so its topics are ``tasmota_49A3BC/cmnd/…``, not the default
``cmnd/tasmota_49A3BC/…``. The devices below change it as those tests do (``test_switch.py``,
``test_light.py``, ``test_binary_sensor.py``: ``rl``, ``lt_st``, ``so``, ``swc``, ``swn``).

State messages are copied from device consoles quoted in Tasmota issues (each names its
source); only the topic is the test device's.
"""
from __future__ import annotations

import copy
from typing import Any

MAC = "00000049A3BC"
TOPIC = "tasmota_49A3BC"

DEFAULT_CONFIG: dict[str, Any] = {
    "ip": "192.168.15.10",
    "dn": "Tasmota",
    "fn": ["Test", "Beer", "Milk", "Four", None],
    "hn": "tasmota_49A3BC-0956",
    "if": 0,  # iFan
    "lk": 1,  # RGB + white channels linked to a single light
    "mac": "00000049A3BC",
    "md": "Sonoff Basic",
    "ofln": "Offline",
    "onln": "Online",
    "state": ["OFF", "ON", "TOGGLE", "HOLD"],
    "sw": "8.4.0.2",
    "swn": [None, None, None, None, None],
    "t": "tasmota_49A3BC",
    "ft": "%topic%/%prefix%/",
    "tp": ["cmnd", "stat", "tele"],
    "rl": [0, 0, 0, 0, 0, 0, 0, 0],
    "swc": [-1, -1, -1, -1, -1, -1, -1, -1],
    "btn": [0, 0, 0, 0],
    "so": {
        "4": 0,  # Return MQTT response as RESULT or %COMMAND%
        "11": 0,  # Swap button single and double press functionality
        "13": 0,  # Allow immediate action on single button press
        "17": 1,  # Show Color string as hex or comma-separated
        "20": 0,  # Update of Dimmer/Color/CT without turning power on
        "30": 0,  # Enforce Home Assistant auto-discovery as light
        "68": 0,  # Multi-channel PWM instead of a single light
        "73": 0,  # Enable Buttons decoupling and send multi-press and hold MQTT messages
        "82": 0,  # Reduce the CT range from 153..500 to 200.380
        "114": 0,  # Enable sending switch MQTT messages
    },
    "ty": 0,  # Tuya MCU
    "lt_st": 0,
    "ver": 1,
}


def device(relays: list[int], options: dict[str, int] | None = None, **changes: Any) -> dict[str, Any]:
    """``DEFAULT_CONFIG`` with relay types ``relays`` (1 relay, 2 light), SetOptions and fields changed."""
    config = copy.deepcopy(DEFAULT_CONFIG)
    config["rl"][: len(relays)] = relays
    config["so"].update(options or {})
    config.update(changes)
    return config


PLUG = device([1])
TWO_RELAYS = device([1, 1])
DIMMER = device([2], lt_st=1)  # 1 channel light
CT_LIGHT = device([2], lt_st=2)  # 2 channel light (cold/warm white)
RGB_LIGHT = device([2], {"17": 0}, lt_st=3)  # 3 channel light, Color as hex (Tasmota's default)
#: a switch input in Follow mode, reported with SetOption114 1
SWITCH_INPUT = device([1], {"114": 1}, swc=[1, -1, -1, -1, -1, -1, -1, -1], swn=["Switch1", None, None, None, None])
#: a metering plug on Tasmota's default full topic (my_user_config.h: MQTT_FULLTOPIC "%prefix%/%topic%/")
POWER_METER = device([1], ft="%prefix%/%topic%/")

# tele/athomspv3a/STATE and …/SENSOR, Tasmota 13.3, from the author's reply in
# https://github.com/arendst/Tasmota/issues/20459
STATE_ON = (
    '{"Time":"2024-01-14T18:03:15","Uptime":"0T00:03:14","UptimeSec":194,"Heap":183,"SleepMode":"Dynamic",'
    '"Sleep":50,"LoadAvg":21,"MqttCount":1,"Berry":{"HeapUsed":4,"Objects":46},"POWER":"ON","Wifi":{"AP":1,'
    '"SSId":"indebuurt_IoT","BSSId":"18:E8:29:CA:17:C1","Channel":11,"Mode":"11n","RSSI":60,"Signal":-70,'
    '"LinkCount":1,"Downtime":"0T00:00:04"}}'
)
ENERGY_SENSOR = {
    "Time": "2024-01-14T18:03:15",
    "ENERGY": {
        "TotalStartTime": "2024-01-14T18:02:42",
        "Total": 1066.000,
        "Yesterday": 0.000,
        "Today": 0.000,
        "Period": 0.00,
        "Power": 0.00,
        "ApparentPower": 0.00,
        "ReactivePower": 0.00,
        "Factor": 0.00,
        "Voltage": 227.7,
        "Current": 0.000,
    },
}
#: stat/…/RESULT for a command other than Power (same issue): every command answers on RESULT
TELEPERIOD_RESULT = '{"TelePeriod":300}'

# A Sonoff TH16 (Tasmota 5.x) console, https://github.com/robertklep/name.klep.sonoff/issues/6
RESULT_OFF = '{"POWER":"OFF"}'
STATE_OFF = (
    '{"Time":"2018-03-02T18:25:02","Uptime":"0T00:00:19","Vcc":3.151,"POWER":"OFF",'
    '"Wifi":{"AP":1,"SSId":"TGV","RSSI":66,"APMac":"60:A4:4C:DC:F8:78"}}'
)
AM2301_SENSOR = {"Time": "2018-03-02T18:25:03", "AM2301": {"Temperature": 22.6, "Humidity": 32.4}, "TempUnit": "C"}
AM2301_LATER = '{"Time":"2018-03-02T18:30:10","AM2301":{"Temperature":22.7,"Humidity":32.1},"TempUnit":"C"}'

#: ``tasmota/discovery/<MAC>/sensors`` of a plug with both: ``sn`` is what ``tele/…/SENSOR``
#: carries (``TasDiscovery`` publishes ``MqttShowSensor``), energy first as Tasmota writes it
POWER_METER_SENSORS = {"sn": {**ENERGY_SENSOR, "AM2301": AM2301_SENSOR["AM2301"], "TempUnit": "C"}, "ver": 1}

# Shelly 2 relays switched by hand, https://github.com/arendst/Tasmota/issues/4255
RELAY1_ON = '{"POWER1":"ON"}'
RELAY2_ON = '{"POWER2":"ON"}'
RELAY2_OFF = '{"POWER2":"OFF"}'

# A DS02S dimmer (Tasmota 9.1.0), https://github.com/arendst/Tasmota/issues/10079
DIMMER_STATE = (
    '{"Time":"2020-12-06T19:53:27","Uptime":"0T00:05:03","UptimeSec":303,"Heap":26,"SleepMode":"Dynamic",'
    '"Sleep":10,"LoadAvg":99,"MqttCount":1,"POWER":"ON","Dimmer":80,"Fade":"OFF","Speed":1,"LedTable":"OFF",'
    '"Wifi":{"AP":1,"SSId":"FiberPower","BSSId":"88:DC:96:8C:29:90","Channel":2,"RSSI":96,"Signal":-52,'
    '"LinkCount":1,"Downtime":"0T00:00:03"}}'
)
#: its answer to ``Dimmer 80``; the tests answer ``Dimmer 50`` with the same shape
DIMMER_RESULT = '{"POWER":"ON","Dimmer":80}'

# An H801 with SetOption17 0 answering a Dimmer command, https://github.com/arendst/Tasmota/issues/2184
RGB_RESULT = '{"POWER":"ON","Dimmer":73,"Color":"BABABA"}'

# home-assistant/core tests/components/tasmota/test_light.py (test_controlling_state_via_mqtt_ct)
CT_DIMMER_STATE = '{"POWER":"ON","Dimmer":50}'
CT_STATE = '{"POWER":"ON","CT":300}'

# Switch1 of tasmota_0848A2, quoted in hatasmota/switch.py (TasmotaSwitch.subscribe_topics);
# the SENSOR one there says "ON", here the switch has been released
SWITCH_RESULT_ON = '{"Switch1":{"Action":"ON"}}'
SWITCH_SENSOR_OFF = '{"Time":"2020-09-20T09:41:28","Switch1":"OFF"}'
SWITCH_STATUS_ON = '{"StatusSNS":{"Time":"2020-09-20T09:41:00","Switch1":"ON"}}'
