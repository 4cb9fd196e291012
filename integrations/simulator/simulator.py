"""The simulated community as one object: built at set-up, living once the hub has started.

Set-up draws the estate, starts the barriers' Modbus server and connects every simulated
device to the broker, so the hub's pollers and subscribers find them. Traffic starts with
``hub_started``, and so does the staff's day (visitors go through the visitors integration
when the hub runs it); stopping cancels every timer, says ``offline`` for each device and closes
the Modbus server.
"""
from __future__ import annotations

import asyncio
import logging
import random
from typing import TYPE_CHECKING, Any

from xiaoqu.core.const import EVENT_HUB_STARTED

from .acme_device import AcmeMap
from .actlog import ActLog
from .apps import NOTICES, TICKETS, ResidentApps
from .barrier import BarrierGate
from .billing import BILLING, Office
from .cameras import CCTV, CameraStatuses
from .const import DATA_SIMULATOR
from .context import SimContext, Timers
from .controllers import OfflineController, controller_connection
from .estate import CANTEEN, Estate, build_estate
from .fire_panel import FirePanel
from .gates import MqttBarrier, VehicleLane
from .link import Broker, DeviceConnection
from .modbus_server import BarrierModbusServer, ReferenceMap, RegisterMap
from .patrol import PatrolWand
from .pos import PosDevice
from .profile import SimClock
from .readers import DoorReader
from .service_desk import ServiceDesk
from .smart_home import KINDS, SmartHomeDevice, home_prefix, own_connection, zigbee_bridge
from .staff import StaffDay
from .traffic import Traffic
from .visitors import VISITORS, VisitorDesk, household_apps

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: How long set-up waits for the devices to reach the broker before going on without them.
CONNECT_TIMEOUT = 5.0


def hub_broker(hub: Hub) -> tuple[Broker, str]:
    """The broker the hub uses and its discovery prefix (devices are installed to match)."""
    from xiaoqu.integrations import mqtt

    data = mqtt.get(hub)
    settings = data.client.settings
    return Broker(settings.host, settings.port, settings.username, settings.password), data.config["discovery_prefix"]


class Simulator:
    def __init__(self, hub: Hub, config: dict[str, Any]) -> None:
        self.hub = hub
        self.config = config
        self.rng = random.Random(config["seed"])
        self.estate: Estate = build_estate(config, self.rng)
        self.sim = SimClock(hub.clock, config["speed"], config.get("start_at"))
        self.log = ActLog(lambda: self.sim.now().strftime("%H:%M"))
        self.timers = Timers(hub)
        self.gates = {lane.id: BarrierGate(hub.clock, lane.id) for lane in self.estate.lanes}
        self.modbus: BarrierModbusServer | None = None
        self.connections: list[DeviceConnection] = []
        self.readers: list[DoorReader] = []
        self.controllers: list[OfflineController] = []
        #: The door controllers' own connections (they stop without a goodbye).
        self.controller_connections: list[DeviceConnection] = []
        self.lanes: list[VehicleLane] = []
        self.mqtt_barriers: list[MqttBarrier] = []
        self.wands: list[PatrolWand] = []
        self.pos: list[PosDevice] = []
        self.smart_home: list[SmartHomeDevice] = []
        self.traffic: Traffic | None = None
        self.staff_day: StaffDay | None = None
        #: The guard's booth and the hosts' apps, when the hub runs visitors (visitors.py).
        self.visitors: VisitorDesk | None = None
        #: The residents' apps and the office's service desk, when the hub runs tickets or notices
        #: (apps.py, service_desk.py).
        self.apps: ResidentApps | None = None
        self.desk: ServiceDesk | None = None
        #: The cameras' NVR status reports, when the hub runs cctv (cameras.py).
        self.cameras: CameraStatuses | None = None
        #: The property office's bills and the residents' payments, when the hub runs billing (billing.py).
        self.office: Office | None = None
        #: The fire panel's alarm output (fire_panel.py), for the emergency integration's fire linkage.
        self.fire_panel: FirePanel | None = None

    async def start(self) -> None:
        """Open the devices to the hub: the Modbus server and the MQTT connections."""
        config, estate, hub = self.config, self.estate, self.hub
        maps: dict[str, RegisterMap] = {"reference": ReferenceMap(), "acme": AcmeMap()}
        units = {lane.unit_id: (self.gates[lane.id], maps[lane.model])
                 for lane in estate.lanes if lane.transport == "modbus" and lane.unit_id is not None}
        if units:
            self.modbus = BarrierModbusServer(units, config["modbus_host"], config["modbus_port"])
            await self.modbus.start()
        broker, prefix = hub_broker(hub)
        if own := config.get("mqtt"):
            broker = Broker(own["host"], own["port"], own.get("username"), own.get("password"))
        gateway = DeviceConnection(hub, broker, f"xiaoqu-sim-gateway-{hub.config.site}")
        self.connections.append(gateway)
        ctx = SimContext(hub, self.rng, self.sim, self.log, gateway, self.timers)
        for reader in estate.readers:
            connection = controller_connection(hub, broker, reader)
            self.controller_connections.append(connection)
            self.controllers.append(OfflineController(ctx, reader, connection))
            self.readers.append(DoorReader(ctx, reader, self.controllers[-1]))
        for lane in estate.lanes:
            gate = self.gates[lane.id]
            self.lanes.append(VehicleLane(ctx, lane, gate))
            if lane.transport == "mqtt":
                self.mqtt_barriers.append(MqttBarrier(ctx, lane.id, gate))
        stagger = 7200.0 / max(1, len(estate.wands))
        self.wands = [PatrolWand(ctx, wand, estate.checkpoints, i * stagger) for i, wand in enumerate(estate.wands)]
        self.pos = [PosDevice(ctx, terminal) for terminal in estate.pos_terminals]
        self._smart_home(ctx, broker, prefix)
        self.fire_panel = FirePanel(gateway, hub.config.site, prefix)
        raw = hub.config.raw
        if {VISITORS, TICKETS, NOTICES} & raw.keys():
            apps = household_apps(hub, broker)
            self.connections.append(apps)
            if VISITORS in raw:
                self.visitors = VisitorDesk(ctx, apps, estate.households, estate.staff, self.readers, self.lanes)
            if TICKETS in raw or NOTICES in raw:
                self.apps = ResidentApps(ctx, apps, estate.households, config["seed"])
                self.desk = ServiceDesk(ctx, estate.households, estate.staff, config["seed"])
                self.apps.answer_desk = self.desk.resident_answered
        if CCTV in hub.config.raw:
            self.cameras = CameraStatuses(ctx, hub.config.raw[CCTV])
        if config["billing"] and BILLING in hub.config.raw:
            self.office = Office(ctx, estate.households, config["seed"])
            if self.office.available:
                await self.office.history()  # before the arrears procedure's first look at the hub's start
        everything = [*self.controller_connections, *self.connections]
        for connection in everything:
            connection.start()
        try:
            await asyncio.wait_for(asyncio.gather(*(c.wait_connected() for c in everything)), CONNECT_TIMEOUT)
        except TimeoutError:
            _LOGGER.warning("Simulated devices could not all reach the broker at %s:%d; they keep trying",
                            broker.host, broker.port)
        self.traffic = Traffic(ctx, estate, self.readers, self.lanes, self.pos, self.smart_home, self.visitors)
        canteen = next((device for device in self.pos if device.terminal.name == CANTEEN), None)
        gates = [reader for reader in self.readers if reader.reader.building is None]
        self.staff_day = StaffDay(ctx, estate.staff, gates, canteen)
        hub.bus.listen_once(EVENT_HUB_STARTED, self._begin)

    def _smart_home(self, ctx: SimContext, broker: Broker, prefix: str) -> None:
        bridges: dict[str, DeviceConnection] = {}  # one per home when they join their households
        for device in self.estate.smart_devices:
            if device.kind == "plug":
                home = home_prefix(self.hub, device)
                connection = bridges.get(home)
                if connection is None:
                    connection = bridges[home] = zigbee_bridge(self.hub, broker, home)
                    self.connections.append(connection)
            else:
                connection = own_connection(self.hub, broker, device)
                self.connections.append(connection)
            self.smart_home.append(KINDS[device.kind](ctx, device, connection, prefix))

    def _begin(self, _event: Event) -> None:
        """The hub is listening: the devices announce themselves and the day begins."""
        _LOGGER.info("Simulated community '%s' at speed ×%g: %s", self.hub.config.site, self.config["speed"],
                     self.estate.summary())
        for device in self.smart_home:
            device.announce()
        for barrier in self.mqtt_barriers:
            barrier.start()
        for wand in self.wands:
            wand.start()
        assert self.traffic is not None and self.staff_day is not None
        self.traffic.start()
        self.staff_day.start()
        if self.cameras is not None:
            self.cameras.start()
        if self.apps is not None and self.desk is not None:
            self.apps.start()
            self.desk.start()
        if self.office is not None and self.office.available:
            self.office.start()

    async def stop(self) -> None:
        """Stop the simulated devices that talk MQTT and the traffic; the barrier controllers'
        Modbus server stays up until :meth:`stop_controllers` (the hub's last act). The door
        controllers leave without their goodbye: powered hardware does not go offline because
        the hub stops, and the door integration would take the goodbye for a fault."""
        self.timers.cancel_all()
        await asyncio.gather(*(connection.stop() for connection in self.connections),
                             *(connection.stop(goodbye=False) for connection in self.controller_connections))
        for gate in self.gates.values():
            gate.shutdown()

    async def stop_controllers(self) -> None:
        """Switch the barrier controllers off: after the hub's integrations have stopped, as
        powered hardware outlives them, so the modbus integration never sees them vanish."""
        if self.modbus is not None:
            await self.modbus.stop()


async def set_up(hub: Hub, config: dict[str, Any]) -> None:
    """Start the simulated community (its Modbus server and device connections) in ``hub.data``."""
    simulator = hub.data[DATA_SIMULATOR] = Simulator(hub, config)
    try:
        await simulator.start()
    except BaseException:
        await simulator.stop()
        await simulator.stop_controllers()
        hub.data.pop(DATA_SIMULATOR, None)
        raise
    hub.on_stop(simulator.stop_controllers)


async def tear_down(hub: Hub) -> None:
    simulator = hub.data.pop(DATA_SIMULATOR, None)
    if simulator is not None:
        await simulator.stop()
