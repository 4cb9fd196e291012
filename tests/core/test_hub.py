"""Hub lifecycle: start/stop events, task tracking, graceful stop."""
from __future__ import annotations

import asyncio

from xiaoqu.core.const import EVENT_HUB_START, EVENT_HUB_STARTED, EVENT_HUB_STOP
from xiaoqu.core.hub import Hub, HubConfig, HubState


async def test_start_and_stop_fire_events_and_drain_work(tmp_path):
    hub = Hub(HubConfig(config_dir=tmp_path))
    seen = []
    for event_type in (EVENT_HUB_START, EVENT_HUB_STARTED, EVENT_HUB_STOP):
        hub.bus.listen(event_type, lambda e: seen.append(e.event_type))
    finished = []

    async def pending_work():
        await asyncio.sleep(0.01)
        finished.append(True)

    await hub.start()
    assert hub.state is HubState.RUNNING
    hub.create_task(pending_work())
    await hub.stop()
    assert seen == [EVENT_HUB_START, EVENT_HUB_STARTED, EVENT_HUB_STOP]
    assert finished == [True], "stop drains pending tasks"
    assert hub.state is HubState.STOPPED
    assert await hub.wait_stopped() == 0


async def test_background_tasks_are_cancelled_and_stop_callbacks_run(tmp_path):
    hub = Hub(HubConfig(config_dir=tmp_path))
    cancelled = []
    closed = []

    async def loop_forever():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def close_store():
        closed.append("store")

    await hub.start()
    hub.create_background_task(loop_forever(), name="poller")
    hub.on_stop(close_store)
    hub.on_stop(lambda: closed.append("registered last, runs first"))
    await asyncio.sleep(0)
    await hub.stop(exit_code=3)
    assert cancelled == [True]
    assert closed == ["registered last, runs first", "store"]
    assert hub.exit_code == 3


async def test_block_till_done_waits_for_tasks_started_by_tasks(hub):
    order = []

    async def child():
        await asyncio.sleep(0)
        order.append("child")

    async def parent():
        hub.create_task(child())
        order.append("parent")

    hub.create_task(parent())
    await hub.block_till_done()
    assert order == ["parent", "child"]


async def test_failed_task_is_logged(hub, caplog):
    async def broken():
        raise RuntimeError("lost the serial port")

    hub.create_task(broken(), name="reader poll")
    await hub.block_till_done()
    assert "reader poll" in caplog.text and "lost the serial port" in caplog.text


async def test_data_dir_defaults_beside_config(tmp_path):
    config = HubConfig(config_dir=tmp_path)
    assert config.data_dir == tmp_path / ".xiaoqu"
    assert HubConfig(config_dir=tmp_path, data_dir=tmp_path / "x").data_dir == tmp_path / "x"
