"""Doors and their controllers in the device registry: each controller a device with what the
section says of it, each door reached via its controller, so the devices page (the office's
basic data) lists the demo's eight doors with the controller each is connected via."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.dashboard.conftest import PASSWORD, browser
from tests.integrations.door.conftest import door_site
from xiaoqu.core.auth import Actor

DEMO = Path(__file__).resolve().parents[3] / "config.yaml"


def demo_door_section() -> dict[str, Any]:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))["door"]


async def test_the_demos_doors_show_with_their_controllers(tmp_path: Path, broker: BrokerProcess) -> None:
    section = demo_door_section()
    doors = section["doors"]
    assert len(doors) == 8
    named = {entry["id"]: entry.get("name") or entry["id"] for entry in section.get("controllers") or ()}
    async with door_site(tmp_path, broker, door=section, dashboard={}) as site:
        hub = site.hub
        await hub.data["auth"].manager.add_user("guard", "guard", PASSWORD, Actor("hub", "test"))
        async with browser(hub) as guard:
            await guard.sign_in("guard")
            await guard.get("/dashboard/")
            await guard.post("/dashboard/language", {"language": "en"})
            status, text, _ = await guard.get("/dashboard/devices?format=csv")
            page_status, page, _ = await guard.get("/dashboard/devices")
    assert status == 200 and page_status == 200
    rows = {row["Device name"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    for door in doors:
        row = rows[door["name"]]
        name = named.get(door["controller"], door["controller"])
        controller = rows[name]
        assert row["Connected via"] == name, row
        assert row["Location"] == (door.get("area") or "") and controller["Connected via"] == ""
        assert controller["Entities"] == "1"  # its whitelist sensor
        via = hub.devices.get(hub.devices.find(f"door:{door['id']}").via_device_id)
        assert via is not None and via.identifiers == [f"door:controller:{door['controller']}"]
        assert f">{name}</a><br>" in page  # the page links each door to its controller


async def test_a_controller_and_a_door_carry_the_offices_data(tmp_path: Path, broker: BrokerProcess) -> None:
    doors = [{"id": "d1", "name": "Building 1 unit 1 entrance", "area": "b1", "controller": "ctl-b1",
              "number": "MJ-0101", "manufacturer": "ZKTeco", "model": "FR1200"},
             {"id": "d2", "name": "Building 1 unit 2 entrance", "area": "b2", "controller": "ctl-b1"}]
    controllers = [{"id": "ctl-b1", "name": "Building 1 controller", "number": "KZ-01", "manufacturer": "ZKTeco",
                    "model": "C3-400", "firmware": "AC Ver 5.7.8"}]
    async with door_site(tmp_path, broker, doors, door={"doors": doors, "controllers": controllers}) as site:
        hub = site.hub
        controller = hub.devices.find("door:controller:ctl-b1")
        door = hub.devices.find("door:d1")
        assert controller is not None and door is not None
        assert (controller.name, controller.number, controller.manufacturer, controller.model,
                controller.sw_version) == ("Building 1 controller", "KZ-01", "ZKTeco", "C3-400", "AC Ver 5.7.8")
        assert controller.location is None  # its doors are in two areas and it names none
        assert (door.number, door.manufacturer, door.model, door.location) == ("MJ-0101", "ZKTeco", "FR1200", "b1")
        assert door.via_device_id == controller.id == hub.devices.find("door:d2").via_device_id
        whitelist = [entry.entity_id for entry in hub.entity_registry.for_device(controller.id)]
        assert whitelist == ["sensor.building_1_controller_whitelist"]
