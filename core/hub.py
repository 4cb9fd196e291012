"""The hub: one object that carries the bus, the states, the services and the plugins.

Every background task goes through :meth:`Hub.create_task` (work that should finish, and
that :meth:`block_till_done` waits for) or :meth:`Hub.create_background_task` (loops that
run until the hub stops), so none is ever orphaned and a stop drains or cancels each one.
"""
from __future__ import annotations

import asyncio
import enum
import functools
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pluggy

from xiaoqu.core import hookspecs
from xiaoqu.core.bus import EventBus
from xiaoqu.core.clock import Clock
from xiaoqu.core.const import (
    DEFAULT_DATA_DIR,
    DEFAULT_SITE,
    EVENT_HUB_START,
    EVENT_HUB_STARTED,
    EVENT_HUB_STOP,
    RECORDER_FILE,
)
from xiaoqu.core.entity import EntityManager
from xiaoqu.core.hookspecs import PROJECT_NAME
from xiaoqu.core.hub_data import HubData
from xiaoqu.core.ledger_backend import Database, place
from xiaoqu.core.loader import PluginSet
from xiaoqu.core.recorder import Recorder
from xiaoqu.core.registry import STORE_NAME, DeviceRegistry, EntityRegistry
from xiaoqu.core.services import ServiceRegistry
from xiaoqu.core.states import StateMachine
from xiaoqu.core.storage import Storage
from xiaoqu.core.storage_alarm import StorageAlarm

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

STOP_TIMEOUT = 30.0


class HubState(enum.StrEnum):
    NOT_RUNNING = "not_running"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


@dataclass(slots=True)
class HubConfig:
    """The core's own settings (the ``xiaoqu:`` section) and where the site's files live."""

    config_dir: Path
    site: str = DEFAULT_SITE
    name: str = "xiaoqu"
    time_zone: str = "Asia/Shanghai"
    language: str = "zh"
    country: str = "CN"
    #: Where the site is, in degrees (None until the site says); metres above the sea.
    latitude: float | None = None
    longitude: float | None = None
    elevation: float = 0
    data_dir: Path | None = None
    #: ``xiaoqu: database:``, a PostgreSQL URL; None: SQLite files in the data dir.
    database: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.data_dir is None:
            self.data_dir = self.config_dir / DEFAULT_DATA_DIR
        elif not self.data_dir.is_absolute():
            self.data_dir = self.config_dir / self.data_dir

    @classmethod
    def from_section(cls, config_dir: Path, core: Mapping[str, Any], raw: dict[str, Any] | None = None) -> HubConfig:
        """The settings of a validated ``xiaoqu:`` section (``config.CORE_SCHEMA``'s result): the
        hub and the commands that work on a site without it read a config the same way."""
        return cls(
            config_dir=config_dir,
            site=core["site"],
            name=core["name"],
            time_zone=core["time_zone"],
            language=core["language"],
            country=core["country"],
            latitude=core.get("latitude"),
            longitude=core.get("longitude"),
            elevation=core["elevation"],
            data_dir=Path(core["data_dir"]),
            database=core.get("database"),
            raw=raw if raw is not None else {},
        )

    def place_stores(self) -> None:
        """Keep the recorder and every ledger of the data dir where ``database:`` says: the site's
        schema on that server, else SQLite files in the data dir. The hub calls this as it is
        made, and every command that opens those stores without a hub (``core/cli/site.py``)
        calls it for the config it is given, so both open the same tables."""
        assert self.data_dir is not None  # __post_init__ fills it in
        place(self.data_dir, Database(self.database, self.site) if self.database else None)


class Hub:
    """The running community hub."""

    def __init__(self, config: HubConfig, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock(config.time_zone)
        self.state = HubState.NOT_RUNNING
        self.bus = EventBus(self)
        self.states = StateMachine(self)
        self.services = ServiceRegistry(self)
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        #: Each plugin's runtime objects, under typed keys (``HubKey``) from its ``const.py``.
        self.data = HubData()
        # Complete from the start; open() reads what is on disk before plugins are set up.
        assert config.data_dir is not None  # HubConfig fills it in
        self.storage = Storage(config.data_dir)
        # the recorder and every ledger the integrations open in the data dir: where the config says
        config.place_stores()
        self.recorder = Recorder(config.data_dir / RECORDER_FILE, clock=self.clock.time, sleep=self.clock.sleep)
        self.storage_alarm = StorageAlarm(config.data_dir, self.bus)
        self.devices = DeviceRegistry(self)
        self.entity_registry = EntityRegistry(self)
        self.entities = EntityManager(self)
        self.plugins = PluginSet(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._stop_callbacks: list[Callable[[], Any]] = []
        self._stopped: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.exit_code = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop the hub runs in (set at start; usable from other threads)."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    # --- tasks ----------------------------------------------------------------------------

    def create_task(self, coro: Coroutine[Any, Any, _T], name: str | None = None) -> asyncio.Task[_T]:
        """Run ``coro`` as a task the hub tracks; :meth:`block_till_done` and stop wait for it."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def create_background_task(self, coro: Coroutine[Any, Any, _T], name: str) -> asyncio.Task[_T]:
        """Run a long-lived loop (a connection, a poller); cancelled when the hub stops."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._log_failure(task)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        self._log_failure(task)

    @staticmethod
    def _log_failure(task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            _LOGGER.error("Task %s failed", task.get_name(), exc_info=exc)

    async def block_till_done(self, timeout: float | None = None) -> bool:
        """Wait until every tracked task, including ones they start, has finished.

        Returns False if ``timeout`` seconds passed first. The calling task is never waited for.
        """
        current = asyncio.current_task()
        deadline = None if timeout is None else self.loop.time() + timeout
        while pending := [task for task in self._tasks if task is not current and not task.done()]:
            remaining = None if deadline is None else deadline - self.loop.time()
            if remaining is not None and remaining <= 0:
                return False
            await asyncio.wait(pending, timeout=remaining)
        return True

    async def run_in_executor(self, func: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run blocking work (file writes, hashing, serial I/O) off the event loop."""
        call = functools.partial(func, *args, **kwargs) if kwargs else functools.partial(func, *args)
        return await asyncio.get_running_loop().run_in_executor(None, call)

    def on_stop(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` (plain or async) while the hub stops, after plugins' ``xiaoqu_stop``."""
        self._stop_callbacks.append(callback)

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Open the data directory, the recorder and the registries (before plugins set up).

        The data directory holds hashes, personal data and the audit log: the hub's user only.
        """
        data_dir = self.storage.directory
        await self.run_in_executor(_private_dir, data_dir)
        self.storage_alarm.start(self.loop)
        self.on_stop(self.storage_alarm.stop)  # the last to stop: the stores' last commits are heard
        self.on_stop(self.storage.close)
        await self.recorder.start()
        self.on_stop(self.recorder.stop)
        registry_store = await self.storage.open(STORE_NAME)
        self.devices.load(registry_store)
        self.entity_registry.load(registry_store)

    async def start(self) -> None:
        """Fire ``hub_start``, let start-up work settle, then fire ``hub_started``."""
        self.state = HubState.STARTING
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self.bus.fire(EVENT_HUB_START)
        await self.block_till_done()
        self.state = HubState.RUNNING
        self.bus.fire(EVENT_HUB_STARTED)

    async def stop(self, exit_code: int = 0) -> None:
        """Stop gracefully: fire ``hub_stop``, drain pending work, stop plugins, flush stores."""
        if self.state in (HubState.STOPPING, HubState.STOPPED):
            return
        self.exit_code = exit_code
        self.state = HubState.STOPPING
        self.bus.fire(EVENT_HUB_STOP)
        if not await self.block_till_done(STOP_TIMEOUT):
            unfinished = sorted(t.get_name() for t in self._tasks if t is not asyncio.current_task())
            _LOGGER.warning("Stopping with unfinished tasks: %s", unfinished)
        await self.plugins.stop_all()
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.wait(list(self._background), timeout=STOP_TIMEOUT)
        for callback in reversed(self._stop_callbacks):
            try:
                result = callback()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                _LOGGER.exception("Error while stopping in %r", callback)
        for task in list(self._tasks):
            task.cancel()
        self.state = HubState.STOPPED
        if self._stopped is not None:
            self._stopped.set()

    async def wait_stopped(self) -> int:
        """Block until :meth:`stop` has completed; returns the exit code."""
        assert self._stopped is not None, "the hub was never started"
        await self._stopped.wait()
        return self.exit_code


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
