"""cctv in the hub: the cameras' entities and their health (checked or pushed), the footage
requests, and ``get_cctv``.

A status comes from three places, all through :meth:`Cctv.report` or the check: the TCP check of
a camera with an address, the device protocol's ``cctv/<camera>/status`` (when mqtt is set up),
and a plugin calling ``get_cctv(hub).report(camera, status)`` (or the ``cctv.report_status``
service).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.rowstore import RowStore
from xiaoqu.core.validation import vol
from xiaoqu.integrations import mqtt

from . import reachability
from .const import DATA_CCTV, DOMAIN, STATUS_KIND, STORE_FILE, TABLE_REQUESTS
from .entity import CameraEntity
from .health import Change, Health
from .models import Camera, Nvr
from .playback import Players
from .requests import Requests
from .schema import STATUS_FIELDS, STATUS_MESSAGE

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.mqtt.device_protocol import DeviceMessage

_LOGGER = logging.getLogger(__name__)
#: A pushed status as :meth:`Cctv.report` takes it (``ts`` is the device's, and not needed).
_STATUS = vol.Schema({**STATUS_FIELDS, vol.Optional("ts"): object})
#: The times in events' data, written in the site's zone.
_TIMES = ("since", "offline_since", "stopped_since")
#: The pushed cameras' silence is looked at this often at most (seconds).
_SWEEP_MAX = 30.0


class Cctv:
    def __init__(self, hub: Hub, config: dict[str, Any], rows: RowStore) -> None:
        self.hub = hub
        self.config = config
        self.rows = rows
        self.nvrs = {conf["id"]: Nvr.of(conf) for conf in config["nvrs"]}
        self.cameras = {conf["id"]: Camera.of(conf, config) for conf in config["cameras"]}
        self.health = {camera.id: Health(camera.id, camera.required_days) for camera in self.cameras.values()}
        self.entities = {camera.id: CameraEntity(camera, self.nvrs[camera.nvr], self.health[camera.id])
                         for camera in self.cameras.values()}
        self.players = Players()
        self.requests = Requests(hub, config, self.cameras, self.health, self.nvrs, rows, self.players)
        self.started = hub.clock.time()
        self._undo: list[Callable[[], object]] = []
        self._log = RateLimitedLog(_LOGGER, hub.clock.time)

    async def start(self) -> None:
        await self.requests.load()
        await self.hub.entities.add(DOMAIN, list(self.entities.values()))
        for camera in self.cameras.values():
            if camera.address is not None:
                self.hub.create_background_task(self._check_loop(camera), f"cctv check {camera.id}")
        pushed = [camera for camera in self.cameras.values() if camera.address is None]
        if pushed:
            self.hub.create_background_task(self._sweep_loop(pushed), "cctv silence")
        self._listen_mqtt()

    def stop(self) -> None:
        for undo in self._undo:
            undo()

    def _listen_mqtt(self) -> None:
        """The device protocol's ``cctv/<camera>/status``, when the mqtt integration runs."""
        try:
            self._undo.append(mqtt.register_device_message(self.hub, STATUS_KIND, STATUS_MESSAGE, self._on_status))
        except RuntimeError as err:  # no mqtt on this hub, or its device protocol is off
            _LOGGER.info("cctv: statuses are not read over MQTT (%s); checks and plugins report them", err)

    def _on_status(self, message: DeviceMessage, _reply: Any) -> None:
        try:
            self.report(message.device_id, message.payload)
        except (ServiceValidationError, vol.Invalid) as err:
            self._log.warning(("status", message.device_id), "cctv/%s/status ignored: %s", message.device_id, err)

    # --- health -------------------------------------------------------------------------

    def report(self, camera_id: str, status: Mapping[str, Any]) -> list[str]:
        """A camera's status from its NVR or a plugin (fields of ``cctv/<camera>/status``);
        answers the events it fired. Raises for an unknown camera or a field that is wrong."""
        camera = self.cameras.get(camera_id)
        if camera is None:
            raise ServiceValidationError(f"camera: no camera {camera_id} (known: {', '.join(sorted(self.cameras))})")
        checked = dict(_STATUS(dict(status)))
        if "backup" in checked:
            last = checked["backup"].get("last")
            checked["backup"] = {**checked["backup"], "last": None if last is None else self._iso(last)}
        changes = self.health[camera_id].report(checked, self.hub.clock.time(), reachability=camera.address is None)
        return self._apply(camera, changes)

    async def check(self, camera: Camera) -> str | None:
        """One TCP check of ``camera`` now; why it failed, or None."""
        assert camera.address is not None
        why = await reachability.connect(*camera.address, self.config["check_timeout"])
        self._apply(camera, self.health[camera.id].reachable(why is None, self.hub.clock.time(), why or ""))
        return why

    async def _check_loop(self, camera: Camera) -> None:
        while True:
            await self.check(camera)
            await self.hub.clock.sleep(camera.check_interval)

    async def _sweep_loop(self, cameras: list[Camera]) -> None:
        every = min(_SWEEP_MAX, *(camera.stale_after / 2 for camera in cameras))
        while True:
            await self.hub.clock.sleep(every)
            self.sweep(cameras)

    def sweep(self, cameras: list[Camera]) -> None:
        """Pushed cameras silent past ``stale_after`` go offline (once: the episode holds)."""
        now = self.hub.clock.time()
        for camera in cameras:
            health = self.health[camera.id]
            why = reachability.silence(camera, health.last_seen, self.started, now)
            if why is not None and health.online is not False:
                self._apply(camera, health.reachable(False, now, why))

    def _apply(self, camera: Camera, changes: list[Change]) -> list[str]:
        self.entities[camera.id].changed()
        for change in changes:
            data = {**change.data, "name": camera.name, "location": camera.location}
            for key in _TIMES:
                if isinstance(data.get(key), float | int):
                    data[key] = self._iso(datetime.fromtimestamp(data[key], self.hub.clock.tz))
            _LOGGER.info("%s: %s", change.event, data)
            self.hub.bus.fire(change.event, data)
        return [change.event for change in changes]

    def _iso(self, when: datetime) -> str:
        aware = when if when.tzinfo is not None else when.replace(tzinfo=self.hub.clock.tz)
        return aware.astimezone(self.hub.clock.tz).isoformat(timespec="seconds")


async def set_up(hub: Hub, config: dict[str, Any]) -> Cctv:
    assert hub.config.data_dir is not None
    rows = RowStore(Path(hub.config.data_dir) / STORE_FILE, (TABLE_REQUESTS,))
    await rows.open()
    cctv = hub.data[DATA_CCTV] = Cctv(hub, config, rows)
    await cctv.start()
    return cctv


async def tear_down(hub: Hub) -> None:
    cctv = hub.data.pop(DATA_CCTV, None)
    if cctv is None:
        return
    cctv.stop()
    await cctv.rows.close()


def get_cctv(hub: Hub) -> Cctv:
    """The hub's cameras and requests; raises if the cctv integration is not set up."""
    cctv = hub.data.get(DATA_CCTV)
    if cctv is None:
        raise HubError("cctv is not set up on this hub (see the log for why)")
    return cctv
