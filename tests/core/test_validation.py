"""core.validation: the helpers' accepted forms and messages, and errors put into words."""
from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from xiaoqu.core.validation import (
    boolean,
    ensure_list,
    entity_id,
    entity_ids,
    explain,
    fen,
    format_path,
    humanize_error,
    key_value_schemas,
    log_level,
    number,
    port,
    positive_int,
    renamed_keys,
    slug,
    string,
    time_of_day,
    time_period,
    time_zone,
    url,
    vol,
)
from xiaoqu.core.yaml_loader import NodeDict, load_yaml


def error_of(schema, data) -> str:
    """The humanized error `schema` raises for `data` (the test fails if it accepts it)."""
    with pytest.raises(vol.Invalid) as caught:
        vol.Schema(schema)(data)
    return humanize_error(data, caught.value)


READER = vol.Schema({vol.Required("door"): entity_id, "name": string, "port": port})


# --- humanize_error ----------------------------------------------------------------------------


def test_humanize_names_the_field_in_each_of_the_three_forms():
    data = {"readers": [{"name": "北门", "colour": "red"}], "port": "abc"}
    assert error_of({"readers": [READER], "port": port}, data) == "\n".join([
        "expected a port number for 'port', got 'abc'",
        "readers[0]: 'colour' is not a valid option",
        "readers[0].door: required key not provided",
    ])


def test_humanize_at_the_top_level_has_no_path():
    assert error_of(READER, {"door": "door.a", "colour": 1}) == "'colour' is not a valid option"
    assert error_of(READER, "door.a") == "expected a dictionary, got 'door.a'"
    assert error_of(port, None) == "expected a port number, got nothing"


def test_every_item_of_a_list_is_checked_not_only_the_first_bad_one():
    """Plain voluptuous stops at readers[0] (wrong inside) and never looks at readers[2]."""
    data = {"readers": [{"door": "Door A"}, {"door": "door.b"}, {"name": "东门"}]}
    assert error_of({"readers": [READER]}, data) == "\n".join([
        "expected an entity id: domain.object_id, lowercase letters, digits and underscores for "
        "'readers[0].door', got 'Door A'",
        "readers[2].door: required key not provided",
    ])


def test_lists_inside_list_items_inside_all_are_checked_too():
    schema = {"buildings": vol.All(ensure_list, [{"units": [{vol.Required("n"): int}]}])}
    data = {"buildings": [{"units": [{"n": "x"}, {}]}, {"units": [{}]}]}
    assert error_of(schema, data) == "\n".join([
        "expected int for 'buildings[0].units[0].n', got 'x'",
        "buildings[0].units[1].n: required key not provided",
        "buildings[1].units[0].n: required key not provided",
    ])


def test_list_alternatives_still_choose_as_voluptuous_does():
    schema = vol.Schema([int, {vol.Required("n"): int}])
    assert schema([1, {"n": 2}]) == [1, {"n": 2}]
    with pytest.raises(vol.MultipleInvalid) as caught:
        schema(["x", {"n": "y"}])
    assert humanize_error(["x", {"n": "y"}], caught.value) == (
        "expected a dictionary for '[0]', got 'x'\nexpected int for '[1].n', got 'y'"
    )


def test_an_offending_value_is_shown_truncated():
    long = "门" * 200
    message = error_of(port, long)
    assert message.startswith("expected a port number, got '门门") and message.endswith("...")
    assert len(message) < 120


def test_values_from_secrets_are_named_never_shown(tmp_path: Path):
    secret = "Pa55-word-north-gate"
    (tmp_path / "secrets.yaml").write_text(f"mqtt_port: {secret}\nmode: {secret}\n")
    (tmp_path / "config.yaml").write_text("port: !secret mqtt_port\nmode: !secret mode\n")
    data = load_yaml(tmp_path / "config.yaml").data
    schema = {"port": port, "mode": vol.Equal("embedded", msg=None)}
    with pytest.raises(vol.Invalid) as caught:
        vol.Schema(schema)(data)
    message = humanize_error(data, caught.value)
    assert "for 'port', got !secret mqtt_port (value hidden)" in message
    assert "got !secret mode (value hidden)" in message
    assert secret not in message  # vol.Equal puts the value in its own message too


def test_a_secret_quoted_by_a_validator_is_blanked_out(tmp_path: Path):
    (tmp_path / "secrets.yaml").write_text("kind: unlok\n")
    (tmp_path / "config.yaml").write_text("steps:\n  - type: !secret kind\n")
    data = load_yaml(tmp_path / "config.yaml").data
    assert error_of({"steps": [STEP]}, data) == (
        "steps[0]: Unexpected value for type: '***'. Expected delay, unlock"
    )


def test_explain_gives_each_problem_its_full_path_for_placing():
    data = {"readers": [{"colour": 1, "door": "door.a"}]}
    with pytest.raises(vol.Invalid) as caught:
        vol.Schema({"readers": [READER]})(data)
    [problem] = explain(data, caught.value)
    assert (problem.kind, problem.path, problem.error_path) == (
        "key", ("readers", 0), ("readers", 0, "colour"))
    assert problem.sentence() == "readers[0]: 'colour' is not a valid option"


def test_format_path():
    assert format_path(("door", "readers", 1, "door")) == "door.readers[1].door"
    assert format_path((0, "name")) == "[0].name"
    assert format_path(("logger", "logs", "core.bus")) == "logger.logs['core.bus']"
    assert format_path(("楼栋", "1号楼")) == "楼栋.1号楼"
    assert format_path(()) == ""


# --- key_value_schemas and renamed_keys --------------------------------------------------------------

STEP = key_value_schemas("type", {
    "delay": {vol.Required("type"): "delay", vol.Required("seconds"): int},
    "unlock": {vol.Required("type"): "unlock", vol.Required("door"): entity_id},
})


def test_key_value_schemas_checks_against_the_chosen_schema_only():
    assert STEP({"type": "delay", "seconds": 3}) == {"type": "delay", "seconds": 3}
    assert error_of([STEP], [{"type": "unlock", "door": "Front"}]) == (
        "expected an entity id: domain.object_id, lowercase letters, digits and underscores for "
        "'[0].door', got 'Front'"
    )


def test_key_value_schemas_names_the_unexpected_value_and_the_choices():
    assert error_of([STEP], [{"type": "unlok", "door": "door.a"}]) == (
        "[0]: Unexpected value for type: 'unlok'. Expected delay, unlock (did you mean 'unlock'?)"
    )
    assert error_of([STEP], [{"door": "door.a"}]) == "[0].type: required key not provided"
    assert error_of(STEP, ["type"]) == "expected a dictionary, got ['type']"


def test_key_value_schemas_default_schema_takes_mappings_without_the_key():
    step = key_value_schemas("type", {"delay": {"type": "delay"}},
                             default_schema={vol.Required("action"): str})
    assert step({"action": "door.unlock"}) == {"action": "door.unlock"}
    assert error_of(step, {"action": 1}) == "expected str for 'action', got 1"
    assert error_of(step, {"type": "wait"}) == "Unexpected value for type: 'wait'. Expected delay"


def test_renamed_keys_accepts_the_old_spelling():
    schema = vol.All(renamed_keys({"service": "action"}), {vol.Required("action"): str})
    assert schema({"service": "door.unlock"}) == {"action": "door.unlock"}
    assert error_of(schema, {"service": "a", "action": "b"}) == (
        "'service' is the old name of 'action'; write only 'action'"
    )


def test_renamed_keys_keeps_the_places_of_the_renamed_keys(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("alias: x\nservice: door.unlock\n")
    data = load_yaml(tmp_path / "a.yaml").data
    renamed = renamed_keys({"service": "action"})(data)
    assert isinstance(renamed, NodeDict)
    assert renamed.__locations__["action"] == ("a.yaml", 2)
    assert renamed_keys({"service": "action"})({"alias": "x"}) == {"alias": "x"}


# --- Helpers -------------------------------------------------------------------------------------


def test_string():
    assert string("北门") == "北门" and string(3) == "3"
    for bad in (None, [1], {"a": 1}):
        with pytest.raises(vol.Invalid):
            string(bad)


@pytest.mark.parametrize("value, expected", [
    (True, True), ("yes", True), ("On", True), ("TRUE", True), ("enable", True), (1, True),
    (False, False), ("no", False), ("off", False), ("False", False), (0, False),
])
def test_boolean(value, expected):
    assert boolean(value) is expected


def test_boolean_rejects_other_words():
    assert error_of(boolean, "maybe") == (
        "expected a boolean (true/false, yes/no, on/off), got 'maybe'"
    )


def test_number():
    assert number(3) == 3.0 and number("2.5") == 2.5 and number(-0.5) == -0.5
    for bad, shown in ((True, "True"), ("x", "'x'"), (None, "nothing"), ([1], "[1]")):
        assert error_of(number, bad) == f"expected a number, got {shown}"


def test_number_is_the_one_the_automations_use():
    from xiaoqu.core.automation import validators

    assert validators.number is number
    assert error_of(validators.number_or_entity, True) == (
        "expected a number or the entity id of a sensor holding one, got True"
    )


def test_positive_int_and_port():
    assert positive_int(0) == 0 and positive_int("12") == 12 and positive_int(3.0) == 3
    assert port(1883) == 1883 and port("8123") == 8123
    assert error_of(positive_int, -1) == "expected a whole number, 0 or more, got -1"
    assert error_of(positive_int, 1.5) == "expected a whole number, got 1.5"
    assert error_of(positive_int, True) == "expected a whole number, got True"
    assert error_of(port, 0) == "expected a port number from 1 to 65535, got 0"
    assert error_of(port, 70000) == "expected a port number from 1 to 65535, got 70000"


def test_fen_is_a_whole_number_of_fen():
    assert fen(150) == 150 and fen("150") == 150 and fen(0) == 0
    assert error_of(fen, 1.5) == "money is a whole number of fen (分): write 150 for ¥1.50, got 1.5"
    assert error_of(fen, "1.50") == (
        "money is a whole number of fen (分): write 150 for ¥1.50, got '1.50'"
    )
    assert error_of(fen, 150.0).startswith("money is a whole number of fen")
    assert error_of(fen, -5) == "expected an amount in fen (分), 0 or more, got -5"
    assert error_of(fen, True) == "expected an amount in fen (分), a whole number, got True"


def test_slug_suggests_a_fix():
    assert slug("sunshine_garden") == "sunshine_garden"
    assert error_of(slug, "Sunshine Garden") == (
        "expected a slug: lowercase letters, digits and underscores (try 'sunshine_garden'), "
        "got 'Sunshine Garden'"
    )
    assert error_of(slug, "阳光") == (
        "expected a slug: lowercase letters, digits and underscores, got '阳光'"
    )


@pytest.mark.parametrize("value", ["door.north_gate", "sensor.b1_u2", "a.b", "Door.North"])
def test_entity_id_accepts(value):
    assert entity_id(value) == value.lower()


@pytest.mark.parametrize("value", ["door", "door.", ".north", "door.north__gate", "_door.a",
                                   "door._a", "door.a_", "door.a.b", "door.北门", "door.a b"])
def test_entity_id_rejects(value):
    with pytest.raises(vol.Invalid):
        entity_id(value)


def test_entity_ids_from_a_list_or_a_comma_string():
    assert entity_ids("door.a, door.b") == ["door.a", "door.b"]
    assert entity_ids(["door.a"]) == ["door.a"] and entity_ids("door.a") == ["door.a"]
    assert error_of(entity_ids, "door.a, north gate") == (
        "'north gate' is not an entity id (domain.object_id, lowercase letters, digits and "
        "underscores), got 'door.a, north gate'"
    )
    assert error_of(entity_ids, ["door.a", "x"]).startswith("expected an entity id: ")
    assert "for '[1]', got 'x'" in error_of(entity_ids, ["door.a", "x"])


def test_ensure_list():
    assert ensure_list(None) == [] and ensure_list("a") == ["a"] and ensure_list([1]) == [1]


@pytest.mark.parametrize("value, expected", [
    (90, timedelta(seconds=90)),
    (1.5, timedelta(seconds=1.5)),
    ("90", timedelta(seconds=90)),
    ("01:30", timedelta(hours=1, minutes=30)),
    ("10:30", timedelta(hours=10, minutes=30)),
    ("00:00:05", timedelta(seconds=5)),
    ("00:01:02.5", timedelta(minutes=1, seconds=2.5)),
    ("-00:10", timedelta(minutes=-10)),
    ({"minutes": 2, "seconds": 5}, timedelta(minutes=2, seconds=5)),
    ({"days": 1, "milliseconds": 250}, timedelta(days=1, milliseconds=250)),
    (timedelta(hours=2), timedelta(hours=2)),
])
def test_time_period_forms(value, expected):
    assert time_period(value) == expected


def test_time_period_in_yaml_unquoted(tmp_path: Path):
    """`delay: 10:30` means ten and a half hours, not YAML 1.1's 630 seconds."""
    (tmp_path / "a.yaml").write_text("delay: 10:30\n")
    assert time_period(load_yaml(tmp_path / "a.yaml").data["delay"]) == timedelta(hours=10, minutes=30)


def test_time_period_rejects():
    expected = ("expected a time period: seconds (90), 'HH:MM', 'HH:MM:SS' or a mapping of "
                "days/hours/minutes/seconds/milliseconds")
    assert error_of(time_period, "soon") == f"{expected}, got 'soon'"
    assert error_of(time_period, True) == f"{expected}, got True"
    assert error_of(time_period, {}) == (
        "expected at least one of days, hours, minutes, seconds, milliseconds, got {}"
    )
    assert error_of(time_period, {"weeks": 1}) == "'weeks' is not a valid option"
    assert error_of(time_period, {"minutes": "x"}) == "expected a number for 'minutes', got 'x'"


def test_time_of_day():
    assert time_of_day("07:00") == time(7, 0) and time_of_day("23:59:30") == time(23, 59, 30)
    for bad in ("24:00", "7", "07:00:00.5", 700, "noon"):
        with pytest.raises(vol.Invalid, match="expected a time of day, 'HH:MM' or 'HH:MM:SS'"):
            time_of_day(bad)


def test_time_zone():
    assert time_zone("Asia/Shanghai") == "Asia/Shanghai" and time_zone("UTC") == "UTC"
    for bad in ("Asia/Beijing", "", "../etc/passwd", 8):
        with pytest.raises(vol.Invalid, match="expected a time zone name such as 'Asia/Shanghai'"):
            time_zone(bad)


def test_url():
    assert url("https://pay.example.cn/notify") == "https://pay.example.cn/notify"
    for bad in ("ftp://x", "example.cn", "http://"):
        with pytest.raises(vol.Invalid, match="expected an http:// or https:// URL"):
            url(bad)


def test_log_level():
    assert log_level("debug") == "DEBUG" and log_level("warn") == "WARNING"
    assert log_level("FATAL") == "CRITICAL"
    assert error_of(log_level, "loud") == (
        "expected a log level: critical, error, warning, info, debug or notset, got 'loud'"
    )


# --- name ------------------------------------------------------------------------------------


def test_name_strips_and_keeps_what_people_write():
    from xiaoqu.core.validation import name

    assert name("  北门车牌相机  ") == "北门车牌相机"
    assert name("Gate 3 — north (B1)") == "Gate 3 — north (B1)"
    assert name("x" * 100) == "x" * 100


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "expected a name, not blank text"),
        ("   ", "expected a name, not blank text"),
        ("x" * 101, "expected a name of at most 100 characters (not 101)"),
        ("x" * 100_000, "expected a name of at most 100 characters (not 100000)"),
        ("gate\n3", "expected a name without control or invisible characters (U+000A at 4)"),
        ("gate\x1b[31m", "expected a name without control or invisible characters (U+001B at 4)"),
        ("gate\u202enepo", "expected a name without control or invisible characters (U+202E at 4)"),
        ("gate\ud800", "expected a name without control or invisible characters (U+D800 at 4)"),
        (None, "expected a name (text)"),
        (["gate"], "expected a name (text)"),
    ],
)
def test_name_refusals_say_why(value, message):
    from xiaoqu.core.validation import name

    with pytest.raises(vol.Invalid) as caught:
        name(value)
    assert caught.value.msg == message
    with pytest.raises(vol.Invalid) as in_schema:
        vol.Schema({"name": name})({"name": value})
    assert humanize_error({"name": value}, in_schema.value).startswith(f"{message} for 'name', got ")
