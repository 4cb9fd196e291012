"""Automations on a bare hub (the core only, a manual clock), written as YAML like a site's.

``automations(text)`` loads ``text`` the way a config file is loaded (every value with its
file and line), then checks and arms it exactly as the engine does when the hub starts.
``calls`` records the calls of the test services ``test.record`` and ``test.fail``.
"""
from __future__ import annotations

import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from xiaoqu.core.automation.config import section_automations
from xiaoqu.core.automation.const import DOMAIN
from xiaoqu.core.automation.engine import AutomationEngine
from xiaoqu.core.hub import Hub
from xiaoqu.core.services import ServiceCall, SupportsResponse
from xiaoqu.core.yaml_loader import load_yaml


class ServiceFailed(Exception):
    """What ``test.fail`` raises."""


@dataclass
class Calls:
    made: list[ServiceCall] = field(default_factory=list)

    @property
    def data(self) -> list[dict[str, Any]]:
        return [dict(call.data) for call in self.made]

    def __len__(self) -> int:
        return len(self.made)


@pytest.fixture
def calls(hub: Hub) -> Calls:
    recorded = Calls()

    def record(call: ServiceCall) -> dict[str, Any]:
        recorded.made.append(call)
        return {"count": len(recorded.made), "echo": dict(call.data)}

    def fail(call: ServiceCall) -> None:
        recorded.made.append(call)
        raise ServiceFailed(f"the device did not answer ({call.data.get('why', 'no reason')})")

    hub.services.register("test", "record", record, supports_response=SupportsResponse.OPTIONAL)
    hub.services.register("test", "fail", fail)
    return recorded


def write_yaml(folder: Path, text: str, name: str = "automations.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def automations(hub: Hub, tmp_path: Path, calls: Calls) -> Callable[[str], Awaitable[AutomationEngine]]:
    """Arm the automations of a YAML text (a list, as in automations.yaml) on the bare hub."""

    async def arm(text: str) -> AutomationEngine:
        loaded = load_yaml(write_yaml(tmp_path, text), config_dir=tmp_path)
        assert not loaded.issues, loaded.issues
        engine = hub.data.get(DOMAIN)
        if engine is None:
            engine = hub.data[DOMAIN] = AutomationEngine(hub)
            engine.register_services()
        problem, written = section_automations(loaded.data)
        await engine.apply([problem] if problem is not None else [], written)
        await hub.block_till_done()
        return engine

    return arm


class Traces:
    """Reading an engine's traces in tests (conftest helpers cannot be imported by name)."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    def last(self, automation_id: str) -> dict[str, Any]:
        trace = self._hub.data[DOMAIN].trace(automation_id)
        assert trace is not None, f"{automation_id} has no trace"
        return trace

    @staticmethod
    def paths(trace: dict[str, Any]) -> list[str]:
        return [element["path"] for element in trace["trace"]]

    def element(self, trace: dict[str, Any], path: str) -> dict[str, Any]:
        found = [e for e in trace["trace"] if e["path"] == path]
        assert found, f"no {path} in {self.paths(trace)}"
        return found[-1]


@pytest.fixture
def traces(hub: Hub) -> Traces:
    return Traces(hub)
