"""Every entity-domain integration (``integration_type: entity``) follows one skeleton: its
services table is exactly what it registers when set up and what it declares to
check-config, and each row runs a method its base class defines. Every entity class of a
device integration (MQTT, Modbus, acme_barrier) subclasses its domain's base class."""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from xiaoqu.core.entity import Entity
from xiaoqu.core.testing import running_hub

INTEGRATIONS = Path(__file__).resolve().parents[2] / "integrations"
DOMAINS = sorted(
    path.parent.name for path in INTEGRATIONS.glob("*/manifest.json")
    if json.loads(path.read_text(encoding="utf-8")).get("integration_type") == "entity"
)


def base_class(domain: str) -> type[Entity]:
    module = importlib.import_module(f"xiaoqu.integrations.{domain}.entity")
    [base] = [value for value in vars(module).values()
              if isinstance(value, type) and issubclass(value, Entity) and value.__module__ == module.__name__
              and getattr(value, "domain", None) == domain]
    return base


#: The device integrations' entity modules: every entity class they define implements a domain.
IMPLEMENTERS = (
    "xiaoqu.integrations.mqtt.platforms",
    "xiaoqu.integrations.mqtt.tasmota.entities",
    "xiaoqu.integrations.mqtt.diagnostics",
    "xiaoqu.integrations.modbus.entities",
    "xiaoqu.plugins.acme_barrier.entity",
)


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_every_entity_of_a_device_integration_subclasses_its_domains_base_class():
    from xiaoqu.integrations.mqtt.platforms import PLATFORMS

    for name in IMPLEMENTERS:
        importlib.import_module(name)
    entities = {cls for cls in _subclasses(Entity)
                if cls.__module__.startswith(IMPLEMENTERS) and getattr(cls, "domain", None) is not None}
    assert set(PLATFORMS) | {"barrier"} <= set(DOMAINS)
    assert len(entities) >= len(PLATFORMS) + 4  # light has three schemas; modbus three kinds; acme one
    assert sorted(cls.__qualname__ for cls in entities if not issubclass(cls, base_class(cls.domain))) == []


@pytest.mark.parametrize("domain", DOMAINS)
async def test_the_services_table_is_what_is_registered_and_declared(tmp_path, domain):
    table = importlib.import_module(f"xiaoqu.integrations.{domain}.services").SERVICES
    async with running_hub(tmp_path, {domain: None}) as hub:
        registered = {f"{domain}.{name}" for name in hub.services.describe().get(domain, {})}
        declared = {name for name in hub.plugins.declared_services if name.startswith(f"{domain}.")}
    assert registered == declared == {f"{domain}.{service.name}" for service in table}
    base = base_class(domain)
    assert [service.method for service in table if not callable(getattr(base, service.method, None))] == []
