"""core.config on real files: load_config, validate_section and the core's own sections."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from xiaoqu.core.config import (
    CORE_SCHEMA,
    CORE_SECTIONS,
    LOGGER_SCHEMA,
    ConfigError,
    load_config,
    unknown_domain_error,
    validate_section,
)
from xiaoqu.core.validation import entity_id, key_value_schemas, port, string, time_period, vol

FIXTURES = Path(__file__).parent / "fixtures" / "config"

READER = vol.Schema({
    vol.Required("door"): entity_id,
    vol.Required("name"): string,
    vol.Optional("open_for"): time_period,
})
DOOR_SCHEMA = vol.Schema({vol.Required("readers"): [READER], vol.Optional("open_for"): time_period})
MQTT_SCHEMA = vol.Schema({
    vol.Required("broker"): string,
    vol.Optional("username"): string,
    vol.Optional("password"): string,
    vol.Optional("port"): port,
})


def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root / next(iter(files))


def lines(errors: list[ConfigError]) -> list[str]:
    return [str(error) for error in errors]


# --- ConfigError ---------------------------------------------------------------------------------


def test_config_error_reads_file_line_path_message():
    error = ConfigError("config.yaml", 42, ("door", "readers", 1, "door"), "required key not provided")
    assert str(error) == "config.yaml:42: door.readers[1].door: required key not provided"
    assert error.severity == "error"
    assert str(ConfigError("config.yaml", None, (), "file 'config.yaml' not found")) == (
        "config.yaml: file 'config.yaml' not found"
    )
    assert str(ConfigError(None, None, ("door",), "expected a dictionary")) == (
        "door: expected a dictionary"
    )


# --- load_config -----------------------------------------------------------------------------------


def test_the_example_community_loads_and_validates_cleanly(tmp_path):
    community = shutil.copytree(FIXTURES / "community", tmp_path / "community")
    loaded = load_config(community / "config.yaml")
    assert loaded.errors == []
    assert loaded.config_dir == community and loaded.file == community / "config.yaml"
    assert set(loaded.raw) == {"xiaoqu", "logger", "mqtt", "door", "automation"}
    assert [a["alias"] for a in loaded.raw["automation"]] == [
        "Open the north gate at 07:00", "Lock every door at 23:00"]

    core, errors = loaded.validate("xiaoqu", CORE_SCHEMA)
    assert errors == []
    assert core == {"name": "阳光小区", "site": "sunshine", "time_zone": "Asia/Shanghai",
                    "language": "zh", "data_dir": "/var/lib/xiaoqu", "country": "CN", "elevation": 0}
    logger, errors = loaded.validate("logger", LOGGER_SCHEMA)
    assert (logger, errors) == ({"default": "INFO", "logs": {"integrations.door": "DEBUG"}}, [])
    mqtt, errors = loaded.validate("mqtt", MQTT_SCHEMA)
    assert errors == [] and mqtt["password"] == "Pa55-word-north-gate"
    door, errors = loaded.validate("door", DOOR_SCHEMA)
    assert errors == [] and door["readers"][0]["open_for"].total_seconds() == 5


def test_the_broken_community_reports_every_mistake_with_its_place(tmp_path):
    broken = shutil.copytree(FIXTURES / "broken", tmp_path / "broken")
    loaded = load_config(broken / "config.yaml")
    errors = list(loaded.errors)
    for domain, schema in {**CORE_SECTIONS, "mqtt": MQTT_SCHEMA, "door": DOOR_SCHEMA}.items():
        errors += loaded.validate(domain, schema)[1]
    errors.append(unknown_domain_error(loaded.raw, "frobnicate", ["door", "mqtt"]))
    assert [(e.severity, str(e)) for e in errors] == [
        ("error", "config.yaml:7: mqtt.password: secret 'mqtt_pasword' is not defined in "
                  "secrets.yaml"),
        ("warning", "door.yaml:10: door: duplicate key 'open_for' (lines 9 and 10); the value "
                    "on line 10 is used"),
        ("error", "config.yaml:2: xiaoqu.site: expected a slug: lowercase letters, digits and "
                  "underscores (try 'sunshine_garden'), got 'Sunshine Garden'"),
        ("error", "config.yaml:3: xiaoqu.language: expected zh or en, got 'fr'"),
        ("error", "config.yaml:5: mqtt: not set up: a value in this section failed to load "
                  "(see above)"),
        ("error", "door.yaml:2: door.readers[0].door: required key not provided"),
        ("error", "door.yaml:3: door.readers[0].open_for: expected a time period: seconds (90), "
                  "'HH:MM', 'HH:MM:SS' or a mapping of days/hours/minutes/seconds/milliseconds, "
                  "got 'soon'"),
        ("error", "door.yaml:6: door.readers[1]: 'colour' is not a valid option"),
        ("error", "door.yaml:8: door.readers[2].door: expected an entity id: domain.object_id, "
                  "lowercase letters, digits and underscores, got 'Door 2'"),
        ("error", "config.yaml:11: frobnicate: no integration provides this domain"),
    ]


def test_a_missing_file_is_an_error_not_an_exception(tmp_path):
    loaded = load_config(tmp_path / "config.yaml")
    assert loaded.raw == {} and lines(loaded.errors) == ["config.yaml: file 'config.yaml' not found"]


def test_a_top_level_that_is_not_a_mapping_is_an_error(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": "# the doors\n- door: door.a\n"}))
    assert loaded.raw == {}
    assert lines(loaded.errors) == [
        "config.yaml:2: the top level must be a mapping of domain: settings"
    ]


def test_a_syntax_error_leaves_an_empty_config_and_one_error(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": "door:\n  name: [a\n"}))
    assert loaded.raw == {}
    [error] = loaded.errors
    assert (error.file, error.line, error.path) == ("config.yaml", 3, ())
    assert error.message.startswith("invalid YAML: ")


def test_an_empty_file_is_an_empty_config(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": "\n"}))
    assert (loaded.raw, loaded.errors) == ({}, [])


# --- validate_section ---------------------------------------------------------------------------------


def test_errors_in_two_items_and_two_keys_are_all_reported_on_their_lines(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": """
        door:
          readers:
            - name: 北门
              door: door.north
              open_for: soon
            - name: 东门
            - name: 西门
              door: door.west
          open_for: later
          colour: red
        """}))
    validated, errors = loaded.validate("door", DOOR_SCHEMA)
    assert validated is None
    assert lines(errors) == [
        "config.yaml:5: door.readers[0].open_for: expected a time period: seconds (90), 'HH:MM', "
        "'HH:MM:SS' or a mapping of days/hours/minutes/seconds/milliseconds, got 'soon'",
        "config.yaml:6: door.readers[1].door: required key not provided",
        "config.yaml:9: door.open_for: expected a time period: seconds (90), 'HH:MM', 'HH:MM:SS' "
        "or a mapping of days/hours/minutes/seconds/milliseconds, got 'later'",
        "config.yaml:10: door: 'colour' is not a valid option",
    ]


def test_an_empty_or_wrong_section_is_placed_on_its_key(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": "xiaoqu:\n  name: x\ndoor:\nmqtt: 5\n"}))
    assert lines(loaded.validate("door", DOOR_SCHEMA)[1]) == [
        "config.yaml:3: door: expected a dictionary, got nothing"
    ]
    assert lines(loaded.validate("mqtt", MQTT_SCHEMA)[1]) == [
        "config.yaml:4: mqtt: expected a dictionary, got 5"
    ]
    # without a location, a section with no annotation of its own has no place to name
    assert lines(validate_section("mqtt", MQTT_SCHEMA, 5)[1]) == ["mqtt: expected a dictionary, got 5"]


def test_a_missing_required_key_at_the_top_of_a_section_points_at_the_section(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": "xiaoqu: {}\nmqtt:\n  username: hub\n"}))
    assert lines(loaded.validate("mqtt", MQTT_SCHEMA)[1]) == [
        "config.yaml:2: mqtt.broker: required key not provided"
    ]


def test_a_part_checked_on_its_own_keeps_its_full_path(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": """
        automation:
          - alias: a
            mode: single
          - alias: b
            mode: sometimes
        """}))
    schema = vol.Schema({"alias": string, "mode": vol.In(["single", "queued"], msg="expected single or queued")})
    results = [validate_section("automation", schema, item, path=(index,))
               for index, item in enumerate(loaded.raw["automation"])]
    assert results[0] == ({"alias": "a", "mode": "single"}, [])
    assert lines(results[1][1]) == [
        "config.yaml:5: automation[1].mode: expected single or queued, got 'sometimes'"
    ]


def test_key_value_schemas_errors_are_placed_on_the_key(tmp_path):
    step = key_value_schemas("action", {"door.unlock": {"action": str, "door": entity_id}})
    loaded = load_config(write(tmp_path, {"config.yaml": """
        script:
          - action: door.unlock
            door: door.a
          - door: door.b
            action: door.unlok
        """}))
    assert lines(loaded.validate("script", vol.Schema([step]))[1]) == [
        "config.yaml:5: script[1]: Unexpected value for action: 'door.unlok'. Expected door.unlock "
        "(did you mean 'door.unlock'?)"
    ]


def test_a_value_that_failed_to_load_is_reported_once(tmp_path):
    loaded = load_config(write(tmp_path, {
        "config.yaml": """
            mqtt:
              broker: embedded
              password: !secret nope
              port: abc
            """,
        "secrets.yaml": "other: x\n",
    }))
    assert lines(loaded.errors) == [
        "config.yaml:3: mqtt.password: secret 'nope' is not defined in secrets.yaml"
    ]
    # the password's own schema error is not repeated; the port's is reported
    validated, errors = loaded.validate("mqtt", MQTT_SCHEMA)
    assert validated is None
    assert lines(errors) == ["config.yaml:4: mqtt.port: expected a port number, got 'abc'"]
    # a schema that would accept the marker still does not hand it to the integration
    validated, errors = loaded.validate("mqtt", vol.Schema({}, extra=vol.ALLOW_EXTRA))
    assert validated is None
    assert lines(errors) == [
        "config.yaml:1: mqtt: not set up: a value in this section failed to load (see above)"
    ]


def test_a_surrogate_escape_keeps_its_section_out_and_names_the_line(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": r"""
        mqtt:
          broker: embedded
        door:
          readers:
            - {door: lock.north, name: "北门 \ud83d\ude00"}
        """}))
    assert lines(loaded.errors) == [
        r'config.yaml:5: door.readers[0].name: "\ud83d\ude00" is a UTF-16 surrogate pair, which YAML does not '
        r'join; write 😀 itself or "\U0001F600"'
    ]
    assert loaded.validate("mqtt", MQTT_SCHEMA) == ({"broker": "embedded"}, [])  # the rest still loads
    validated, errors = loaded.validate("door", DOOR_SCHEMA)
    assert validated is None
    assert lines(errors) == ["config.yaml:3: door: not set up: a value in this section failed to load (see above)"]


def test_secret_values_never_reach_a_config_error(tmp_path):
    secret = "Pa55-word-north-gate"
    loaded = load_config(write(tmp_path, {
        "config.yaml": "mqtt:\n  broker: !secret mqtt_password\n  port: !secret mqtt_password\n",
        "secrets.yaml": f"mqtt_password: {secret}\n",
    }))
    schema = vol.Schema({"broker": vol.In(["embedded"]), "port": port})
    errors = loaded.validate("mqtt", schema)[1]
    assert lines(errors) == [
        "config.yaml:2: mqtt.broker: value must be one of ['embedded'], got !secret mqtt_password "
        "(value hidden)",
        "config.yaml:3: mqtt.port: expected a port number, got !secret mqtt_password (value hidden)",
    ]
    assert secret not in "".join(lines(errors))


def test_a_bug_in_a_schema_is_an_error_not_a_crash(tmp_path, caplog):
    def broken(value):
        raise KeyError("internal")

    loaded = load_config(write(tmp_path, {"config.yaml": "door:\n  readers: []\n"}))
    validated, errors = loaded.validate("door", vol.Schema({"readers": broken}))
    assert validated is None
    assert lines(errors) == [
        "config.yaml:1: door: could not be checked: the integration's schema failed with KeyError "
        "(a bug in the integration; see the log)"
    ]
    assert "The door schema failed on its section" in caplog.text


# --- Top-level keys and the core's sections ---------------------------------------------------------------


def test_unknown_domain_error_names_the_key_and_suggests_a_near_one(tmp_path):
    loaded = load_config(write(tmp_path, {"config.yaml": "xiaoqu:\n  name: x\ndoor: {}\ndor: {}\n"}))
    assert str(unknown_domain_error(loaded.raw, "dor", ["door", "mqtt"])) == (
        "config.yaml:4: dor: no integration provides this domain (did you mean 'door'?)"
    )
    assert str(unknown_domain_error(loaded.raw, "dor")) == (
        "config.yaml:4: dor: no integration provides this domain"
    )


def test_core_sections_are_the_core_and_logger():
    assert set(CORE_SECTIONS) == {"xiaoqu", "logger"}
    assert CORE_SECTIONS["xiaoqu"] is CORE_SCHEMA and CORE_SECTIONS["logger"] is LOGGER_SCHEMA


def test_core_schema_defaults():
    assert CORE_SCHEMA(None) == CORE_SCHEMA({}) == {
        "name": "xiaoqu", "site": "demo", "time_zone": "Asia/Shanghai", "language": "zh",
        "data_dir": ".xiaoqu", "country": "CN", "elevation": 0,
    }
    assert LOGGER_SCHEMA(None) == {"default": "INFO", "logs": {}}
    assert LOGGER_SCHEMA({"logs": None}) == {"default": "INFO", "logs": {}}


@pytest.mark.parametrize("section, expected", [
    ({"time_zone": "Asia/Beijing"}, "xiaoqu.time_zone: expected a time zone name such as "
                                    "'Asia/Shanghai' (the IANA tz database), got 'Asia/Beijing'"),
    ({"country": "China"}, "xiaoqu.country: expected a two-letter country code such as CN, "
                           "got 'China'"),
    ({"colour": "red"}, "xiaoqu: 'colour' is not a valid option"),
    ({"latitude": 91, "longitude": 121}, "xiaoqu.latitude: expected degrees from -90 to 90, got 91"),
    ({"latitude": 31.2}, "xiaoqu.<location>: latitude and longitude go together"),
])
def test_core_schema_errors(section, expected):
    assert lines(validate_section("xiaoqu", CORE_SCHEMA, section)[1]) == [expected]


def test_core_schema_normalises():
    assert CORE_SCHEMA({"country": "cn", "language": "en"})["country"] == "CN"


def test_logger_schema_errors():
    errors = validate_section("logger", LOGGER_SCHEMA, {"default": "loud", "logs": {"core.bus": "x"}})[1]
    assert lines(errors) == [
        "logger.default: expected a log level: critical, error, warning, info, debug or notset, "
        "got 'loud'",
        "logger.logs['core.bus']: expected a log level: critical, error, warning, info, debug or "
        "notset, got 'x'",
    ]
