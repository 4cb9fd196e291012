"""core.yaml_loader on real files: annotations, every tag, and every mistake reported with its place."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from xiaoqu.core import yaml_loader
from xiaoqu.core.yaml_loader import (
    Input,
    NodeDict,
    NodeList,
    NodeStr,
    Unresolved,
    YamlIssue,
    load_yaml,
    location,
    lookup,
)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (relative name -> text) under root; return the first one's path."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root / next(iter(files))


@pytest.fixture(params=["c", "pure"])
def parser(request, monkeypatch) -> str:
    """Run a test with libyaml's parser and with the pure-Python one: both must agree."""
    if request.param == "c":
        if len(yaml_loader._LOADERS) < 2:
            pytest.skip("PyYAML has no libyaml here")
    else:
        monkeypatch.setattr(yaml_loader, "_LOADERS", [yaml_loader._PureLoader])
    return request.param


def messages(issues: list[YamlIssue]) -> list[str]:
    return [f"{i.file}:{i.line}: {i.severity}: {i.message}" for i in issues]


# --- Annotations -----------------------------------------------------------------------------


def test_every_mapping_list_and_string_knows_its_file_and_line(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": """
        door:
          readers:
            - name: 北门
              timeout: 5
            - name: 东门
        """})
    result = load_yaml(config)
    assert result.issues == []
    door = result.data["door"]
    readers = door["readers"]
    assert isinstance(result.data, NodeDict) and isinstance(readers, NodeList)
    assert isinstance(readers[0]["name"], NodeStr) and readers[0]["name"] == "北门"
    assert location(result.data) == ("config.yaml", 1)
    assert location(door) == ("config.yaml", 2)
    assert location(readers) == ("config.yaml", 3)
    assert location(readers[1]) == ("config.yaml", 5)
    assert location(readers[1]["name"]) == ("config.yaml", 5)


def test_lookup_places_a_mapping_value_on_its_keys_line(tmp_path):
    config = write(tmp_path, {"config.yaml": """
        door:
          timeout: 5
          readers:
            - name: 北门
        """})
    data = load_yaml(config).data
    # The int 5 carries no annotation of its own: its key's line stands for it.
    found = lookup(data, ("door", "timeout"))
    assert (found.found, found.value, found.file, found.line) == (True, 5, "config.yaml", 2)
    # The block mapping under `door:` starts on line 2, but the key `door` is on line 1.
    assert lookup(data, ("door",)).line == 1
    # A path that leaves the data keeps the last place reached.
    missing = lookup(data, ("door", "readers", 0, "door"))
    assert (missing.found, missing.depth, missing.line) == (False, 3, 4)


def test_yaml_1_1_surprises_are_switched_off(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": """
        at: 10:30
        room: 0101
        count: 1_000
        hex: 0x1f
        ratio: 0.5
        enabled: yes
        lights: off
        """})
    data = load_yaml(config).data
    assert data == {"at": "10:30", "room": "0101", "count": 1000, "hex": 31, "ratio": 0.5,
                    "enabled": True, "lights": False}


def test_an_empty_file_is_nothing_and_a_missing_one_an_issue(tmp_path):
    empty = write(tmp_path, {"empty.yaml": "# only a comment\n"})
    assert load_yaml(empty) == yaml_loader.YamlResult(None, [])
    result = load_yaml(tmp_path / "nowhere.yaml")
    assert isinstance(result.data, Unresolved)
    assert messages(result.issues) == ["nowhere.yaml:None: error: file 'nowhere.yaml' not found"]


# --- Mistakes in the text ------------------------------------------------------------------------


def test_a_syntax_error_names_file_line_and_column(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": """
        door:
          name: a: b
        """})
    result = load_yaml(config)
    assert isinstance(result.data, Unresolved)
    assert messages(result.issues) == [
        "config.yaml:2: error: invalid YAML: mapping values are not allowed here (column 10)"
    ]


def test_a_bad_indent_names_the_block_it_breaks(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": """
        door:
          name: a
         timeout: 5
        """})
    assert messages(load_yaml(config).issues) == [
        "config.yaml:3: error: invalid YAML: expected <block end>, but found '<block mapping start>'"
        " (column 2; while parsing a block mapping that starts on line 1)"
    ]


def test_a_tab_is_explained(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": "door:\n\tname: a\n"})
    assert messages(load_yaml(config).issues) == [
        "config.yaml:2: error: invalid YAML: a tab character; YAML needs spaces (column 1)"
    ]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    config = write(tmp_path, {"config.yaml": b"xiaoqu:\n  name: ok\n  site: " + "北门".encode("gbk")})
    assert messages(load_yaml(config).issues) == [
        "config.yaml:3: error: the file is not UTF-8 text; save it as UTF-8"
    ]


def test_a_utf8_bom_is_ignored(tmp_path):
    config = write(tmp_path, {"config.yaml": "\ufeffname: 北门\n".encode()})
    assert load_yaml(config).data == {"name": "北门"}


def test_duplicate_keys_warn_with_both_lines_and_the_later_value_wins(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": """
        door:
          name: 北门
          timeout: 5
          name: 东门
        """})
    result = load_yaml(config)
    assert result.data["door"]["name"] == "东门"
    assert result.issues == [YamlIssue(
        "config.yaml", 4, "duplicate key 'name' (lines 2 and 4); the value on line 4 is used",
        "warning", ("door",),
    )]


def test_a_key_overriding_a_merged_anchor_is_not_a_duplicate(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": """
        defaults: &reader {timeout: 5, beep: true}
        north:
          <<: *reader
          timeout: 9
        """})
    result = load_yaml(config)
    assert result.issues == []
    assert result.data["north"] == {"timeout": 9, "beep": True}


def test_an_unknown_tag_is_an_error_and_the_rest_still_loads(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": """
        door: !includ door.yaml
        name: 北门
        """})
    result = load_yaml(config)
    assert result.data["name"] == "北门" and isinstance(result.data["door"], Unresolved)
    [issue] = result.issues
    assert (issue.file, issue.line, issue.path) == ("config.yaml", 1, ("door",))
    assert issue.message.startswith("unknown tag !includ; the tags are !include, ")


def test_a_mapping_as_a_key_is_an_error(tmp_path):
    config = write(tmp_path, {"config.yaml": """
        ? {a: 1}
        : x
        name: 北门
        """})
    result = load_yaml(config)
    assert result.data == {"name": "北门"}
    assert messages(result.issues) == ["config.yaml:1: error: a key must be a plain value, not a mapping"]


# --- !include -----------------------------------------------------------------------------------


def test_include_reads_relative_to_the_including_file(tmp_path, parser):
    config = write(tmp_path, {
        "config.yaml": "door: !include door/door.yaml\n",
        "door/door.yaml": "readers: !include readers.yaml\n",
        "door/readers.yaml": "- name: 北门\n",
    })
    result = load_yaml(config)
    assert result.issues == []
    readers = result.data["door"]["readers"]
    assert readers == [{"name": "北门"}]
    assert location(readers[0]) == ("door/readers.yaml", 1)
    # the key that includes is placed in the including file
    assert result.data["door"].__locations__["readers"] == ("door/door.yaml", 1)


def test_an_error_inside_an_included_file_names_that_file_and_line(tmp_path, parser):
    config = write(tmp_path, {
        "config.yaml": """
            xiaoqu:
              name: 阳光小区
            door: !include door.yaml
            """,
        "door.yaml": """
            readers:
              - name: 北门
                door: [unclosed
            """,
    })
    result = load_yaml(config)
    assert result.data["xiaoqu"] == {"name": "阳光小区"}
    assert isinstance(result.data["door"], Unresolved)
    [issue] = result.issues
    assert (issue.file, issue.line, issue.path) == ("door.yaml", 4, ("door",))
    assert issue.message.startswith("invalid YAML: ")


def test_a_missing_include_is_an_error_at_the_tag(tmp_path):
    config = write(tmp_path, {"config.yaml": "name: x\ndoor: !include nowhere.yaml\n"})
    result = load_yaml(config)
    assert result.issues == [YamlIssue("config.yaml", 2, "file 'nowhere.yaml' not found",
                                       "error", ("door",))]


def test_an_include_cycle_is_an_error_not_a_hang(tmp_path):
    config = write(tmp_path, {
        "config.yaml": "a: !include a.yaml\n",
        "a.yaml": "b: !include b.yaml\n",
        "b.yaml": "a: !include a.yaml\n",
    })
    result = load_yaml(config)
    assert messages(result.issues) == [
        "b.yaml:1: error: !include cycle: config.yaml -> a.yaml -> b.yaml -> a.yaml"
    ]
    assert result.issues[0].path == ("a", "b", "a")


# --- !include_dir_* --------------------------------------------------------------------------------

DIR_FILES = {
    "config.yaml": """
        as_list: !include_dir_list parts
        merged_list: !include_dir_merge_list parts
        as_named: !include_dir_named named
        merged_named: !include_dir_merge_named named
        """,
    "parts/b.yaml": "- two\n- three\n",
    "parts/a.yaml": "- one\n",
    "parts/sub/c.yaml": "- four\n",
    "parts/.hidden.yaml": "- hidden\n",
    "parts/notes.txt": "not yaml",
    "parts/secrets.yaml": "- secret\n",
    "named/north.yaml": "gate: 北门\n",
    "named/east.yaml": "door: 东门\n",
}


def test_include_dir_tags_read_every_yaml_file_in_a_stable_order(tmp_path, parser):
    result = load_yaml(write(tmp_path, DIR_FILES))
    assert result.issues == []
    assert result.data["as_list"] == [["one"], ["two", "three"], ["four"]]
    assert result.data["merged_list"] == ["one", "two", "three", "four"]
    assert result.data["as_named"] == {"east": {"door": "东门"}, "north": {"gate": "北门"}}
    assert list(result.data["as_named"]) == ["east", "north"]
    assert result.data["merged_named"] == {"door": "东门", "gate": "北门"}


def test_include_dir_items_keep_their_own_files_lines(tmp_path):
    data = load_yaml(write(tmp_path, DIR_FILES)).data
    assert lookup(data, ("merged_list", 2)).file == "parts/b.yaml"
    assert (lookup(data, ("merged_list", 2)).line, lookup(data, ("merged_list", 3)).file) == (
        2, "parts/sub/c.yaml")
    assert (lookup(data, ("merged_named", "gate")).file, lookup(data, ("as_named", "east")).file) == (
        "named/north.yaml", "named/east.yaml")


def test_include_dir_problems_are_reported(tmp_path):
    config = write(tmp_path, {
        "config.yaml": """
            missing: !include_dir_list nowhere
            lists: !include_dir_merge_list parts
            maps: !include_dir_merge_named maps
            """,
        "parts/a.yaml": "- one\n",
        "parts/b.yaml": "name: not a list\n",
        "maps/a.yaml": "gate: 北门\n",
        "maps/b.yaml": "gate: 东门\n",
    })
    result = load_yaml(config)
    assert result.data["lists"] == ["one"] and result.data["maps"] == {"gate": "东门"}
    assert messages(result.issues) == [
        "config.yaml:1: error: !include_dir_list: directory 'nowhere' not found",
        "parts/b.yaml:1: error: !include_dir_merge_list needs a list in every file, this file "
        "holds a mapping",
        "maps/b.yaml:1: warning: duplicate key 'gate' (maps/a.yaml:1 and maps/b.yaml:1); the value "
        "from maps/b.yaml:1 is used",
    ]


# --- !secret ----------------------------------------------------------------------------------------

SECRET = "Pa55-word-north-gate"


def test_secret_is_read_from_secrets_yaml_beside_the_file(tmp_path, parser):
    config = write(tmp_path, {
        "config.yaml": "mqtt:\n  password: !secret mqtt_password\n",
        "secrets.yaml": f"mqtt_password: {SECRET}\n",
    })
    result = load_yaml(config)
    assert result.issues == []
    assert result.data["mqtt"]["password"] == SECRET
    # placed where it is used, and remembered as hidden
    assert location(result.data["mqtt"]["password"]) == ("config.yaml", 2)
    assert lookup(result.data, ("mqtt", "password")).hidden == "!secret mqtt_password"


def test_secret_lookup_walks_up_to_the_config_directory(tmp_path):
    config = write(tmp_path, {
        "site/config.yaml": "door: !include door/door.yaml\n",
        "site/door/door.yaml": "key: !secret door_key\nuser: !secret mqtt_user\n",
        "site/door/secrets.yaml": "door_key: near\n",
        "site/secrets.yaml": "door_key: far\nmqtt_user: hub\n",
        "secrets.yaml": "other: above the config directory, never read\n",
    })
    result = load_yaml(config)
    assert result.issues == []
    assert result.data["door"] == {"key": "near", "user": "hub"}


def test_a_missing_secret_names_file_line_and_where_it_looked(tmp_path):
    config = write(tmp_path, {
        "config.yaml": "mqtt:\n  broker: embedded\n  password: !secret mqtt_pasword\n",
        "secrets.yaml": f"mqtt_password: {SECRET}\n",
    })
    result = load_yaml(config)
    assert isinstance(result.data["mqtt"]["password"], Unresolved)
    assert result.issues == [YamlIssue(
        "config.yaml", 3, "secret 'mqtt_pasword' is not defined in secrets.yaml", "error",
        ("mqtt", "password"),
    )]


def test_a_secret_without_any_secrets_file_is_an_error(tmp_path):
    config = write(tmp_path, {"config.yaml": "password: !secret mqtt_password\n"})
    assert messages(load_yaml(config).issues) == [
        "config.yaml:1: error: secret 'mqtt_password' cannot be read: no secrets.yaml beside "
        "config.yaml or above it"
    ]


def test_a_syntax_error_in_secrets_yaml_does_not_show_the_text(tmp_path, parser):
    config = write(tmp_path, {
        "config.yaml": "password: !secret mqtt_password\n",
        "secrets.yaml": f"mqtt_password: {SECRET}\nbad: [{SECRET}\n",
    })
    result = load_yaml(config)
    assert messages(result.issues) == [
        "secrets.yaml:3: error: invalid YAML (details hidden: this file holds secrets)",
        "config.yaml:1: error: secret 'mqtt_password' is not defined in secrets.yaml",
    ]


def test_no_issue_or_log_line_ever_shows_a_secret_value(tmp_path, caplog):
    caplog.set_level("DEBUG")
    config = write(tmp_path, {
        "config.yaml": """
            a: !secret mqtt_password
            b: !secret nope
            a: !secret mqtt_password
            c: !secret mqtt_password
            """,
        "secrets.yaml": f"mqtt_password: {SECRET}\nnested: !secret mqtt_password\nbad: {{\n",
    })
    result = load_yaml(config)
    assert len(result.issues) > 2
    shown = "\n".join(str(issue) for issue in result.issues) + caplog.text
    assert SECRET not in shown


def test_secret_cannot_be_used_inside_secrets_yaml(tmp_path):
    config = write(tmp_path, {
        "config.yaml": "password: !secret alias\n",
        "secrets.yaml": "real: x\nalias: !secret real\n",
    })
    assert messages(load_yaml(config).issues) == [
        "secrets.yaml:2: error: !secret cannot be used inside secrets.yaml"
    ]


# --- !env_var and !input ---------------------------------------------------------------------------


def test_env_var_reads_the_environment_or_its_default(tmp_path, monkeypatch, parser):
    monkeypatch.setenv("XIAOQU_TEST_BROKER", "mqtt.local")
    monkeypatch.delenv("XIAOQU_TEST_UNSET", raising=False)
    config = write(tmp_path, {"config.yaml": """
        broker: !env_var XIAOQU_TEST_BROKER
        port: !env_var XIAOQU_TEST_UNSET 1883
        name: !env_var XIAOQU_TEST_UNSET 阳光 小区
        site: !env_var XIAOQU_TEST_UNSET    sunshine
        """})
    result = load_yaml(config)
    assert result.issues == []
    assert result.data == {"broker": "mqtt.local", "port": "1883", "name": "阳光 小区",
                           "site": "sunshine"}
    assert location(result.data["broker"]) == ("config.yaml", 1)
    assert lookup(result.data, ("broker",)).hidden == "!env_var XIAOQU_TEST_BROKER"


def test_an_unset_env_var_without_default_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("XIAOQU_TEST_UNSET", raising=False)
    config = write(tmp_path, {"config.yaml": "a: 1\nbroker: !env_var XIAOQU_TEST_UNSET\n"})
    assert load_yaml(config).issues == [YamlIssue(
        "config.yaml", 2,
        "environment variable XIAOQU_TEST_UNSET is not set and !env_var gives no default",
        "error", ("broker",),
    )]


def test_a_surrogate_escape_is_refused_at_its_line_and_the_rest_loads(tmp_path, parser):
    config = write(tmp_path, {"config.yaml": r"""
        name: 北门
        door:
          label: "gate \ud800 north"
          emoji: "\ud83d\ude00"
          "\udfffkey": 1
          open_for: 5
        """})
    result = load_yaml(config)
    door = result.data["door"]
    assert result.data["name"] == "北门" and door["open_for"] == 5
    assert isinstance(door["label"], Unresolved) and isinstance(door["emoji"], Unresolved)
    assert not any(isinstance(key, str) and "\udfff" in key for key in door)
    assert any(isinstance(value, Unresolved) for value in door.values())  # the key's entry is unusable
    assert messages(result.issues) == [
        r'config.yaml:3: error: "\ud800" is half of a UTF-16 surrogate pair, not a character; '
        "write the character itself",
        r'config.yaml:4: error: "\ud83d\ude00" is a UTF-16 surrogate pair, which YAML does not join; '
        r'write 😀 itself or "\U0001F600"',
        r'config.yaml:5: error: "\udfff" is half of a UTF-16 surrogate pair, not a character; '
        "write the character itself",
    ]
    assert [issue.path for issue in result.issues] == [("door", "label"), ("door", "emoji"), ("door",)]


def test_an_env_var_that_is_not_utf8_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("XIAOQU_TEST_NAME", "gate \udcff")  # what Python makes of the byte 0xff
    config = write(tmp_path, {"config.yaml": "a: 1\nname: !env_var XIAOQU_TEST_NAME\n"})
    result = load_yaml(config)
    assert result.data["a"] == 1 and isinstance(result.data["name"], Unresolved)
    assert messages(result.issues) == [
        "config.yaml:2: error: environment variable XIAOQU_TEST_NAME is not UTF-8 text"
    ]


def test_input_is_a_placeholder_for_blueprints(tmp_path, parser):
    config = write(tmp_path, {"blueprint.yaml": """
        triggers:
          - trigger: state
            entity_id: !input reader
        """})
    result = load_yaml(config)
    placeholder = result.data["triggers"][0]["entity_id"]
    assert placeholder == Input("reader") and placeholder != Input("door")
    assert location(placeholder) == ("blueprint.yaml", 3)
    assert repr(placeholder) == "!input reader"


def test_a_tag_without_a_value_is_an_error(tmp_path):
    config = write(tmp_path, {"config.yaml": "a: !include\nb: !secret ''\n"})
    result = load_yaml(config)
    assert messages(result.issues) == [
        "config.yaml:1: error: !include needs a value after it",
        "config.yaml:2: error: !secret needs a value after it",
    ]
    assert [issue.path for issue in result.issues] == [("a",), ("b",)]


def test_an_alias_bomb_is_refused_quickly_with_its_file(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    (tmp_path / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load_yaml(tmp_path / "config.yaml", config_dir=tmp_path)
    assert [(i.file, i.line) for i in result.issues] == [("config.yaml", 1)]
    assert "expands to more than 2,000,000 values" in result.issues[0].message


def test_ordinary_anchors_still_work(tmp_path):
    (tmp_path / "config.yaml").write_text("base: &b {x: 1}\nuse: *b\n", encoding="utf-8")
    assert load_yaml(tmp_path / "config.yaml", config_dir=tmp_path).data["use"] == {"x": 1}
