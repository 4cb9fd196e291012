"""The device and entity registries: the office's basic data, kept across restarts.

Every device (door controller, card terminal, camera, barrier, patrol wand, a resident's
plug) has an entry with its number, name, location, model, vendor and the integration that
owns it. Every entity that has a stable ``unique_id`` has an entry mapping it to its entity
id, so a rename or a "disabled" set by staff survives restarts and re-discovery.
"""
from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tinydb.table import Document

from xiaoqu.core.const import EVENT_DEVICE_REGISTRY_UPDATED, EVENT_ENTITY_REGISTRY_UPDATED
from xiaoqu.core.errors import HubError, InvalidEntityId
from xiaoqu.core.states import valid_entity_id

if TYPE_CHECKING:
    from xiaoqu.core.entity import DeviceInfo
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.storage import Document, Store, Table

STORE_NAME = "core_registry"
DISABLED_BY_USER = "user"
DISABLED_BY_INTEGRATION = "integration"


@dataclass(slots=True)
class DeviceEntry:
    """A physical (or simulated) device."""

    id: str
    integration: str
    identifiers: list[str]
    #: As the integration reports it; None when it never said (an MQTT device block with
    #: identifiers alone)
    name: str | None
    number: str | None = None  # the office's device number (设备编号)
    location: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    sw_version: str | None = None
    via_device_id: str | None = None
    name_by_user: str | None = None
    disabled_by: str | None = None
    #: Fields staff have set; what an integration reports never overwrites them.
    user_fields: list[str] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.name_by_user or self.name or self.identifiers[0]


@dataclass(slots=True)
class EntityEntry:
    """The stable identity of an entity: ``(platform, unique_id)`` → ``entity_id``."""

    entity_id: str
    unique_id: str
    platform: str
    device_id: str | None = None
    original_name: str | None = None
    name: str | None = None  # set by staff; wins over original_name
    disabled_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return self.entity_id.partition(".")[0]

    @property
    def disabled(self) -> bool:
        return self.disabled_by is not None


_REPORTED_FIELDS = {"name", "number", "location", "model", "manufacturer", "sw_version", "via_device_id"}


class _Registry:
    """Shared persistence: an in-memory dict mirrored to one TinyDB table, one doc per entry."""

    event_type: str
    table_name: str
    key: str

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._table: Table  # set by load()
        self._doc_ids: dict[str, int] = {}
        self._next_doc_id = 1
        self._build([])

    def load(self, store: Store) -> None:
        """Read the entries from ``store``; the hub opens it before any plugin is set up."""
        self._table = store.table(self.table_name)
        self._reload()
        # A change the disk refused is undone in the table: the entries follow it, so a
        # caller told "failed" never sees the change in effect.
        store.on_undo(self._reload)

    def _reload(self) -> None:
        """The entries, and where each one's document is, from the table.

        A document is then found by its id, never by a query: a query reads every document,
        so saving 10,000 new entries one by one read 50 million.
        """
        docs = self._table.all()
        self._doc_ids = {doc[self.key]: doc.doc_id for doc in docs}
        self._next_doc_id = max(self._doc_ids.values(), default=0) + 1
        self._build(docs)

    def _build(self, docs: list[Document]) -> None:
        """Build the entries and their lookups from the table's documents."""
        raise NotImplementedError

    async def _save(self, entry: Any, key: str | None = None) -> None:
        """Write ``entry`` as its one document, found by ``key`` (its key before a rename).

        One document updated in place is one store write: a rename is on disk whole or not at
        all, never removed under the old key without being saved under the new one.
        """
        # Shallow: the table keeps a copy of its own (dataclasses.asdict copied every list).
        doc = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}
        doc_id = self._doc_ids.pop(key or doc[self.key], None)
        if doc_id is not None:
            self._doc_ids[doc[self.key]] = doc_id
            await self._table.update(doc, doc_ids=[doc_id])
            return
        doc_id, self._next_doc_id = self._next_doc_id, self._next_doc_id + 1
        self._doc_ids[doc[self.key]] = doc_id
        await self._table.insert(Document(doc, doc_id))

    async def _delete(self, key_value: str) -> None:
        doc_id = self._doc_ids.pop(key_value, None)
        if doc_id is not None:
            await self._table.remove(doc_ids=[doc_id])

    def _fire(self, action: str, **data: Any) -> None:
        self._hub.bus.fire(self.event_type, {"action": action, **data})


class DeviceRegistry(_Registry):
    event_type = EVENT_DEVICE_REGISTRY_UPDATED
    table_name = "devices"
    key = "id"

    def _build(self, docs: list[Document]) -> None:
        self._devices = {doc["id"]: DeviceEntry(**doc) for doc in docs}
        self._by_identifier = {ident: dev for dev in self._devices.values() for ident in dev.identifiers}

    def get(self, device_id: str) -> DeviceEntry | None:
        return self._devices.get(device_id)

    def find(self, identifier: str) -> DeviceEntry | None:
        return self._by_identifier.get(identifier)

    def all(self, integration: str | None = None) -> list[DeviceEntry]:
        return [d for d in self._devices.values() if integration is None or d.integration == integration]

    async def get_or_create(
        self, *, integration: str, identifiers: list[str], name: str | None, **info: Any
    ) -> DeviceEntry:
        """Find a device by any of its identifiers or create it; refresh what the integration reports.

        A field reported as None is not reported: it leaves what is known (MQTT devices share
        one device block, and a config may carry only its identifiers). Fields staff set
        (through :meth:`update`) are never overwritten here.
        """
        if not identifiers:
            raise HubError(f"device {name!r} from {integration} needs at least one identifier")
        device = next((self._by_identifier[i] for i in identifiers if i in self._by_identifier), None)
        if device is None:
            device = DeviceEntry(id=uuid.uuid4().hex, integration=integration, identifiers=list(identifiers), name=name)
            self._devices[device.id] = device
            action = "create"
        else:
            action = "update"
        changed = action == "create"
        for ident in identifiers:
            if ident not in device.identifiers:
                device.identifiers.append(ident)
                changed = True
        updates = {k: v for k, v in {"name": name, **info}.items() if v is not None and k not in device.user_fields}
        if unknown := set(updates) - _REPORTED_FIELDS:
            raise HubError(f"device {name!r}: unknown device field(s) {', '.join(sorted(unknown))}")
        for key, value in updates.items():
            if getattr(device, key) != value:
                setattr(device, key, value)
                changed = True
        for ident in device.identifiers:
            self._by_identifier[ident] = device
        if changed:
            await self._save(device)
            self._fire(action, device_id=device.id)
        return device

    async def get_or_create_for(self, integration: str, info: DeviceInfo) -> DeviceEntry:
        """:meth:`get_or_create` from what an entity (or an MQTT device trigger) says of its device.

        ``info.via_device`` names the device it is reached through by one of its identifiers,
        as Home Assistant's ``via_device``; that device must be registered first (Home
        Assistant refuses a ``via_device`` it does not know since 2025.12), so the link is
        never left dangling or guessed.
        """
        via_device_id = None
        if info.via_device is not None:
            via = self.find(":".join(info.via_device))
            if via is None:
                raise HubError(f"device {info.name or ', '.join(info.identifiers)!r} from {integration} is reached via "
                               f"{':'.join(info.via_device)}, which is not in the device registry; register it first")
            via_device_id = via.id
        return await self.get_or_create(
            integration=integration,
            identifiers=info.identifiers,
            name=info.name,
            number=info.number,
            location=info.location,
            model=info.model,
            manufacturer=info.manufacturer,
            sw_version=info.sw_version,
            via_device_id=via_device_id,
        )

    async def update(self, device_id: str, **changes: Any) -> DeviceEntry:
        """Change what staff may change: ``name_by_user``, ``number``, ``location``, ``disabled_by``."""
        device = self._devices.get(device_id)
        if device is None:
            raise HubError(f"no device with id {device_id}")
        allowed = {"name_by_user", "number", "location", "disabled_by"}
        if unknown := set(changes) - allowed:
            raise HubError(f"cannot change {', '.join(sorted(unknown))} of a device; allowed: {', '.join(sorted(allowed))}")
        for key, value in changes.items():
            setattr(device, key, value)
            if key not in device.user_fields:
                device.user_fields.append(key)
        await self._save(device)
        self._fire("update", device_id=device_id, changes=sorted(changes))
        return device

    async def remove(self, device_id: str) -> None:
        device = self._devices.pop(device_id, None)
        if device is None:
            return
        for ident in device.identifiers:
            self._by_identifier.pop(ident, None)
        await self._delete(device_id)
        self._fire("remove", device_id=device_id)


class EntityRegistry(_Registry):
    event_type = EVENT_ENTITY_REGISTRY_UPDATED
    table_name = "entities"
    key = "entity_id"

    def _build(self, docs: list[Document]) -> None:
        self._entities = {doc["entity_id"]: EntityEntry(**doc) for doc in docs}
        self._by_unique = {(e.platform, e.unique_id): e for e in self._entities.values()}

    def get(self, entity_id: str) -> EntityEntry | None:
        return self._entities.get(entity_id)

    def find(self, platform: str, unique_id: str) -> EntityEntry | None:
        return self._by_unique.get((platform, unique_id))

    def all(self, platform: str | None = None) -> list[EntityEntry]:
        return [e for e in self._entities.values() if platform is None or e.platform == platform]

    def for_device(self, device_id: str) -> list[EntityEntry]:
        return [e for e in self._entities.values() if e.device_id == device_id]

    async def get_or_create(
        self,
        *,
        platform: str,
        unique_id: str,
        suggested_entity_id: str,
        device_id: str | None = None,
        original_name: str | None = None,
        disabled_by: str | None = None,
    ) -> EntityEntry:
        """The registered entry for ``(platform, unique_id)``; new ones get a free entity id.

        ``disabled_by`` applies to a new entry only: once staff enable an entity, it stays so.
        """
        entry = self._by_unique.get((platform, unique_id))
        if entry is not None:
            if (entry.device_id, entry.original_name) != (device_id, original_name):
                entry.device_id, entry.original_name = device_id, original_name
                await self._save(entry)
            return entry
        entity_id = self._free_entity_id(suggested_entity_id)
        entry = EntityEntry(entity_id, unique_id, platform, device_id, original_name, disabled_by=disabled_by)
        self._entities[entity_id] = entry
        self._by_unique[(platform, unique_id)] = entry
        await self._save(entry)
        self._fire("create", entity_id=entity_id)
        return entry

    def _free_entity_id(self, suggested: str) -> str:
        if not valid_entity_id(suggested):
            raise InvalidEntityId(f"invalid entity id {suggested!r}")
        candidate, n = suggested, 2
        while candidate in self._entities or candidate in self._hub.states:
            candidate = f"{suggested}_{n}"
            n += 1
        return candidate

    async def update(
        self,
        entity_id: str,
        *,
        new_entity_id: str | None = None,
        name: str | None = None,
        disabled_by: str | None = ...,  # type: ignore[assignment]
    ) -> EntityEntry:
        """Rename or disable an entity; the live entity follows (see EntityManager)."""
        entry = self._entities.get(entity_id)
        if entry is None:
            raise HubError(f"{entity_id} is not in the entity registry (it has no unique id)")
        if new_entity_id is not None and new_entity_id != entity_id:
            if not valid_entity_id(new_entity_id) or new_entity_id.partition(".")[0] != entry.domain:
                raise InvalidEntityId(f"cannot rename {entity_id} to {new_entity_id!r}: keep the domain {entry.domain}")
            if new_entity_id in self._entities or new_entity_id in self._hub.states:
                raise HubError(f"cannot rename {entity_id}: {new_entity_id} is taken")
            del self._entities[entity_id]
            entry.entity_id = new_entity_id
            self._entities[new_entity_id] = entry
        if name is not None:
            entry.name = name
        if disabled_by is not ...:
            entry.disabled_by = disabled_by
        await self._save(entry, entity_id)
        self._fire("update", entity_id=entry.entity_id, old_entity_id=entity_id)
        return entry

    async def remove(self, entity_id: str) -> None:
        entry = self._entities.pop(entity_id, None)
        if entry is None:
            return
        self._by_unique.pop((entry.platform, entry.unique_id), None)
        await self._delete(entity_id)
        self._fire("remove", entity_id=entity_id)
