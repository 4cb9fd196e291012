"""The ``modbus:`` section: defaults, Home Assistant's spellings, and every mistake on its line."""
from __future__ import annotations

import textwrap

from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.hub import HubState
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.modbus.schema import CONFIG_SCHEMA


def errors(tmp_path, text: str) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    checked = check_config(path)
    return [str(e) for e in checked.errors if e.severity == "error"]


def test_defaults_and_the_old_name_slave():
    [hub] = CONFIG_SCHEMA([{"type": "tcp", "host": "10.0.0.5",
                            "sensors": [{"name": "t", "address": 3, "slave": 4}]}])
    assert hub["name"] == "modbus_hub"
    assert (hub["port"], hub["timeout"], hub["retries"], hub["delay"]) == (502, 3.0, 3, 0.0)
    [sensor] = hub["sensors"]
    assert sensor == {"name": "t", "address": 3, "device_id": 4, "scan_interval": 10.0,
                      "input_type": "holding", "data_type": "int16", "swap": "none"}
    [serial] = CONFIG_SCHEMA({"type": "rtu", "port": "/dev/ttyUSB0"})
    assert (serial["baudrate"], serial["bytesize"], serial["parity"], serial["stopbits"]) == (9600, 8, "N", 1)


def test_every_mistake_is_reported_on_its_line(tmp_path):
    assert errors(tmp_path, """
        modbus:
          - name: plant
            type: tcp
            host: 10.0.0.5
            port: 70000
            sensors:
              - name: Temperature
                address: 100
                data_type: int16
                swap: word
              - name: Model
                address: 200
                data_type: string
              - name: Power
                address: 300
                data_type: float32
                count: 2
              - name: Level
                address: 10
                input_type: coil
                scan_interval: 0
              - name: Energy
                address: 65535
                data_type: float32
            binary_sensors:
              - name: Door
                address: 3
                bit: 2
            switches:
              - name: Pump
                address: 5
                write_type: coil
                command_on: 255
          - name: plant
            type: serial
            port: /dev/ttyUSB0
          - name: line2
            type: rtu
            parity: X
        """) == [
        "config.yaml:5: modbus[0].port: expected a port number from 1 to 65535, got 70000",
        "config.yaml:10: modbus[0].sensors[0].swap: swap word reorders the registers of a value of 2 or more; "
        "int16 takes one (use byte or none), got 'word'",
        "config.yaml:13: modbus[0].sensors[1].data_type: data_type string needs count: "
        "the number of registers the text takes, got 'string'",
        "config.yaml:17: modbus[0].sensors[2].count: count is only for data_type string; "
        "float32 always takes 2 registers, got 2",
        "config.yaml:20: modbus[0].sensors[3].input_type: expected holding or input, got 'coil'",
        "config.yaml:21: modbus[0].sensors[3].scan_interval: expected a time period of more than 0 seconds, got 0",
        "config.yaml:23: modbus[0].sensors[4].address: 2 registers from address 65535 run past address 65535, "
        "got 65535",
        "config.yaml:28: modbus[0].binary_sensors[0].bit: bit picks a bit of a register; "
        "input_type coil is a single bit already, got 2",
        "config.yaml:33: modbus[0].switches[0].command_on: command_on is for write_type holding; "
        "a coil is written on or off, got 255",
        "config.yaml:35: modbus[1]: Unexpected value for type: 'serial'. Expected tcp, rtuovertcp, rtu",
        "config.yaml:37: modbus[2].port: required key not provided",
        "config.yaml:39: modbus[2].parity: expected E, O or N, got 'X'",
    ]


def test_names_and_unique_ids_must_not_repeat(tmp_path):
    assert errors(tmp_path, """
        modbus:
          - name: plant
            type: tcp
            host: 10.0.0.5
            devices:
              - device_id: 3
              - device_id: 3
                name: again
            sensors:
              - name: a
                address: 1
                unique_id: t1
          - name: plant
            type: rtuovertcp
            host: 10.0.0.6
            switches:
              - name: b
                address: 1
                unique_id: t1
        """) == [
        "config.yaml:7: modbus[0].devices[1].device_id: this device is already listed above, got 3",
        "config.yaml:13: modbus[1].name: already the name of modbus[0] (give each hub its own name), got 'plant'",
        "config.yaml:19: modbus[1].switches[0].unique_id: already used by modbus[0].sensors[0], got 't1'",
    ]


async def test_a_bad_section_keeps_modbus_down_and_the_hub_up(tmp_path, clock):
    config = {"modbus": [{"type": "tcp", "host": "127.0.0.1", "sensors": [{"name": "x"}]}]}
    async with running_hub(tmp_path, config, clock=clock, expect_problems=True) as hub:
        assert "modbus" not in hub.plugins.running
        assert [str(p) for p in hub.plugins.problems if p.domain == "modbus"] == [
            "modbus: invalid configuration (1 error(s))"]
        assert hub.state is HubState.RUNNING
        assert not hub.services.has("modbus", "write_register")
