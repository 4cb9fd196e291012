"""config.yaml and its automations, written wrong on purpose: random structures and YAML's own
tricks (alias bombs, tags, huge numbers, deep nesting) through ``xiaoqu check-config``'s check.
Every outcome is a list of errors, each placed in its file and at its key path; never a traceback."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.badinput.common import JSON_VALUES, bounded, mutated
from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.config import ConfigError

FILE = "configuration.yaml"
#: Sections of the shipped config: the core's, the automation engine's, and a few integrations'.
DOMAINS = ["xiaoqu", "logger", "automation", "script", "mqtt", "http", "door", "lpr", "payments", "residents",
           "parking", "billing", "nosuchdomain", "automation 2", "light kitchen"]
AUTOMATION = {
    "id": "night_door", "alias": "Door open at night", "mode": "single",
    "triggers": [{"trigger": "state", "entity_id": "binary_sensor.east_door", "to": "on", "for": {"minutes": 2}}],
    "conditions": [{"condition": "time", "after": "22:00", "before": "06:00"},
                   {"condition": "template", "value_template": "{{ states('sensor.x') | int(0) > 3 }}"}],
    "actions": [{"action": "notify.guard", "data": {"message": "{{ trigger.entity_id }} open"}},
                {"delay": "00:00:05"}, {"choose": [{"conditions": [], "sequence": [{"event": "x"}]}]}],
}


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]")
    return "\n".join(lines) + f"\nautomation: *a{levels - 1}\n"


#: YAML that is legal, or nearly, and hostile: each must come back as errors, quickly.
TRICKS = [
    _bomb(9),  # a billion "lol"s by aliases
    "a: &a [*a]\n",  # an alias to itself
    "xiaoqu:\n  <<: [*nowhere]\n",
    "base: &b {site: x}\nxiaoqu:\n  <<: [*b, 5]\n",  # a merge of something not a mapping
    "xiaoqu: !!python/object/apply:os.system ['true']\n",
    "xiaoqu: !!python/name:os.system\n",
    "automation: !include ../../../../etc/passwd\n",
    "automation: !include_dir_merge_list /proc\n",
    "http: !secret nosuch\n",
    "mqtt: {password: !env_var NO_SUCH_VARIABLE_XQ}\n",
    "automation: [{use_blueprint: {path: ../../etc/x.yaml, input: {a: !input b}}}]\n",
    "xiaoqu: {elevation: " + "9" * 5000 + "}\n",  # past Python's int-from-text limit
    "xiaoqu: {latitude: 1e999, longitude: -.inf, elevation: .nan}\n",
    "xiaoqu: {elevation: 0x7fffffffffffffffffffffff, time_zone: 1:30:00}\n",
    "automation: " + "[" * 2000 + "]" * 2000 + "\n",  # deeper than Python's recursion
    "automation: " + "{a: " * 500 + "1" + "}" * 500 + "\n",
    "automation: " + "[" * 95 + "]" * 95 + "\n",  # deep, under the limit: validated as any other
    "automation:\n" + "".join("  " * n + "- a:\n" for n in range(1, 300)),
    "? [1, 2]\n: x\n{3: 4}: y\n",  # keys that are not text
    "automation:\n  - !!binary aGVsbG8=\n  - !!set {a, b}\n  - !!timestamp 2026-99-99\n",
    'xiaoqu: {name: "\\ud800\\udfff\\ud800"}\n',  # half a surrogate pair
    "\ufeffxiaoqu:\n\tsite: x\n",  # a BOM, then a tab where YAML wants spaces
    "xiaoqu: {site: x}\nxiaoqu: {site: y}\n",  # a duplicate key
    "--- \n...\n--- {a: 1}\n",  # two documents
    "\x00\x01\x02",
    "xiaoqu: 'unterminated\n",
    "automation:\n- id: x\n  triggers: [{trigger: template, value_template: '{{ 2 ** 99999999 }}'}]\n  actions: []\n",
    "automation:\n- triggers: [{trigger: time_pattern, minutes: '/0'}]\n  actions: [{delay: -1}]\n",
    "script: {s: {sequence: [{repeat: {count: 1e99, sequence: []}}]}}\n",
]


#: The tricks that must be refused (the others may be legal: an empty document, an absolute include).
REFUSED = ("a: &a", "a0:", "xiaoqu: !!", "automation: !include ", "\x00", "xiaoqu: 'un", "xiaoqu: {elevation: 99",
           "automation: [[[", "automation: {a", "automation:\n  - !!binary")


def _check(directory: Path, text: str) -> list[ConfigError]:
    path = directory / FILE
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    checked = check_config(path)  # the test: this never raises
    for error in checked.errors:
        shown = str(error)
        assert error.message and "Traceback" not in shown, shown
        assert error.file is not None and shown.startswith(error.file), f"not placed in its file: {shown}"
    for problem in checked.problems:
        assert str(problem)
    return checked.errors


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("config"))


@pytest.mark.parametrize("text", TRICKS, ids=range(len(TRICKS)))
def test_yaml_tricks_are_errors_placed_in_the_file(directory: Path, text: str) -> None:
    errors = _check(directory, text)
    if text.startswith(REFUSED):
        assert [e for e in errors if e.severity == "error"], "refused"


@bounded(120)
@given(st.dictionaries(st.sampled_from(DOMAINS), JSON_VALUES, min_size=1, max_size=4))
def test_random_sections_are_errors_at_their_key_path(directory: Path, config: dict) -> None:
    errors = _check(directory, yaml.safe_dump(config, allow_unicode=True))
    for error in errors:  # a section's error is at its path; one a section needs is named by its own
        if error.path:
            assert isinstance(error.path[0], str), str(error)


@bounded(150)
@given(mutated({"automation": [AUTOMATION]}))
def test_an_automation_broken_anywhere_is_an_error_at_its_path(directory: Path, config: object) -> None:
    text = json.dumps(config, ensure_ascii=False)  # JSON is YAML
    errors = _check(directory, text)
    for error in errors:
        if error.path and isinstance(config, dict):
            assert error.path[0] in config, str(error)
