"""The demo's fire panel (the simulator's ``fire_panel.py``) over a real broker: announced by
Home Assistant discovery as ``binary_sensor.fire_panel_alarm``, off until its relay closes; the
emergency integration's linkage starts the fire plan from it."""
from __future__ import annotations

from tests.integrations.emergency.conftest import until
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.simulator.fire_panel import FirePanel
from xiaoqu.integrations.simulator.link import DeviceConnection
from xiaoqu.integrations.simulator.simulator import hub_broker

PLANS = {"fire": {"actions": [{"service": {"action": "logbook.log", "data": {"name": "火警", "message": "on"}}}]}}


async def test_the_simulated_panel_is_a_binary_sensor_that_starts_the_fire_plan(tmp_path, broker):
    config = {"mqtt": broker.hub_config(), "emergency": {"fire_alarm": "binary_sensor.fire_panel_alarm", "plans": PLANS}}
    async with running_hub(tmp_path, config) as hub:
        await mqtt.wait_connected(hub)
        where, prefix = hub_broker(hub)
        connection = DeviceConnection(hub, where, "xiaoqu-sim-fire-panel")
        connection.start()
        try:
            panel = FirePanel(connection, hub.config.site, prefix)
            state = await until(lambda: hub.states.get("binary_sensor.fire_panel_alarm"))
            await until(lambda: hub.states.get("binary_sensor.fire_panel_alarm").state == "off")
            assert state.attributes["device_class"] == "smoke"
            assert hub.states.get("emergency.fire").state == "standby"
            panel.alarm(True)
            await until(lambda: hub.states.get("emergency.fire").state == "active")
            assert hub.states.get("emergency.fire").attributes["activated_by"] == "fire-alarm linkage"
        finally:
            await connection.stop()
