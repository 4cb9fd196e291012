"""What one offline door controller should hold, version by version, and the messages that
bring it there (docs/device-protocol.md, "Offline door controllers").

A controller decides alone from a copy of the part of access's whitelist that covers its
doors. The hub keeps, per controller, not the copy but a fingerprint of each entry (a key and
eight bytes), so it can tell which entries a change really touched, how many the controller
should hold, and whether the list differs from the one it had before a restart (``digest``).
Each change that touches a controller's part makes a new version; the keys each version
changed are kept for a while (``history``), so a controller a few versions behind gets one
delta of the keys it missed, and one further behind gets the full list.

Every message is cut into chunks of at most ``CHUNK_BYTES`` of entries: a gate controller's
100,000 cards are 200-odd messages of 64 KiB, never one of 20 MB that the broker and the
device would refuse.
"""
from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any, Final

#: The entries' bytes in one whitelist message (the hub's ``mqtt: max_payload`` is 256 KiB,
#: a device's buffer often less; Mosquitto's default limit is far above).
CHUNK_BYTES: Final = 64 * 1024
#: Versions whose changed keys are kept for catching up, and the keys they may hold in all;
#: a controller further behind gets the full list.
HISTORY_VERSIONS: Final = 64
HISTORY_KEYS: Final = 200_000
_MASK: Final = (1 << 63) - 1


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def fingerprint(*parts: Any) -> int:
    """Eight bytes of a stable hash of ``parts`` as JSON (the same in every process, so a
    digest can be stored and compared after a restart)."""
    return int.from_bytes(blake2b(_dumps(parts).encode("utf-8"), digest_size=8).digest(), "big") & _MASK


def meta_of(whitelist: Mapping[str, Any], held: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The schedules, holidays, make-up days and digest key of ``whitelist``. A whitelist asked
    for some keys names only the schedules their entries use: those are laid over the ``held`` ones."""
    schedules = dict(held["schedules"]) if held is not None else {}
    schedules.update(whitelist.get("schedules") or {})
    meta = {"schedules": schedules, "holidays": list(whitelist.get("holidays") or ()),
            "workdays": list(whitelist.get("workdays") or ())}
    digest_key = whitelist.get("digest_key") or (held or {}).get("digest_key")
    if digest_key:
        meta["digest_key"] = digest_key
    return meta


@dataclass(slots=True)
class Change:
    """What one update changed: the entry keys (added, replaced or removed) and the meta."""

    keys: frozenset[str]
    meta: bool

    def __bool__(self) -> bool:
        return bool(self.keys) or self.meta


@dataclass(slots=True)
class Expected:
    """The whitelist one controller should hold: its version, its entries' fingerprints, and
    the keys each recent version changed."""

    controller: str
    doors: frozenset[str]
    version: int = 0
    entries: dict[str, int] = field(default_factory=dict)
    #: The schedules, holidays and make-up days it should hold (small: kept whole), and
    #: their fingerprint.
    meta_value: dict[str, Any] = field(default_factory=lambda: meta_of({}))
    meta: int = 0
    digest: int = 0
    #: (version, keys it changed, whether it changed the meta), oldest first.
    history: deque[tuple[int, frozenset[str], bool]] = field(default_factory=deque)
    #: The oldest version a delta can start from.
    floor: int = 0
    _history_keys: int = 0

    @property
    def count(self) -> int:
        return len(self.entries)

    def load(self, whitelist: Mapping[str, Any], stored_version: int = 0, stored_digest: int | None = None) -> None:
        """Start from the whole ``whitelist``: the stored version if the list is the one it
        named (same digest), else the next one, with no history to make deltas from."""
        entries = whitelist.get("entries") or {}
        self.entries = {key: fingerprint(key, entry) for key, entry in entries.items()}
        self.meta_value = meta_of(whitelist)
        self.meta = fingerprint(self.meta_value)
        self.digest = self._digest()
        self.version = stored_version if stored_digest == self.digest else stored_version + 1
        self.history.clear()
        self._history_keys = 0
        self.floor = self.version

    def _digest(self) -> int:
        digest = self.meta
        for value in self.entries.values():
            digest ^= value
        return digest

    def update(self, whitelist: Mapping[str, Any], keys: Iterable[str] | None) -> Change:
        """Take access's current whitelist for ``keys`` (None: the whole list); a new version
        when anything this controller holds changed."""
        entries = whitelist.get("entries") or {}
        changed: set[str] = set()
        digest = self.digest
        candidates = set(self.entries) | set(entries) if keys is None else keys
        for key in candidates:
            old = self.entries.get(key)
            entry = entries.get(key)
            new = None if entry is None else fingerprint(key, entry)
            if new == old:
                continue
            changed.add(key)
            if old is not None:
                digest ^= old
                del self.entries[key]
            if new is not None:
                digest ^= new
                self.entries[key] = new
        meta_value = meta_of(whitelist, None if keys is None else self.meta_value)
        meta = fingerprint(meta_value)
        change = Change(frozenset(changed), meta != self.meta)
        if change.meta:
            digest ^= self.meta ^ meta
            self.meta, self.meta_value = meta, meta_value
        self.digest = digest
        if change:
            self.version += 1
            self._remember(change)
        return change

    def _remember(self, change: Change) -> None:
        self.history.append((self.version, change.keys, change.meta))
        self._history_keys += len(change.keys)
        while len(self.history) > HISTORY_VERSIONS or self._history_keys > HISTORY_KEYS:
            version, keys, _meta = self.history.popleft()
            self._history_keys -= len(keys)
            self.floor = version

    def missed_since(self, version: int) -> Change | None:
        """What changed after ``version`` (a delta's content), or None when the history does
        not reach back that far (or ``version`` is not one this hub gave): a full list then."""
        if not self.floor <= version <= self.version:
            return None
        keys: set[str] = set()
        meta = False
        for held, changed, meta_changed in self.history:
            if held > version:
                keys |= changed
                meta = meta or meta_changed
        return Change(frozenset(keys), meta)


def messages(
    *,
    version: int,
    count: int,
    entries: Mapping[str, Any],
    meta: Mapping[str, Any] | None,
    tz: str,
    base: int | None = None,
    remove: Iterable[str] = (),
    budget: int = CHUNK_BYTES,
) -> list[str]:
    """The ``controller/<id>/whitelist`` payloads of one version, as JSON text: a full list
    (``base`` None) or a delta from ``base`` (``entries`` put, ``remove`` dropped), with the
    whole ``meta`` (schedules, holidays, make-up days) in chunk 0 when given; entries are cut
    at ``budget`` bytes a message."""
    items = [(True, f"{json.dumps(key, ensure_ascii=False)}:{_dumps(entry)}") for key, entry in entries.items()]
    items += [(False, json.dumps(key, ensure_ascii=False)) for key in remove]
    groups: list[list[tuple[bool, str]]] = [[]]
    size = 0
    for item in items:
        if size + len(item[1]) > budget and groups[-1]:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += len(item[1]) + 1
    head = {"version": version, "mode": "full" if base is None else "delta"}
    if base is not None:
        head["base"] = base
    first = {"tz": tz, **meta} if meta is not None else {}
    payloads = []
    for index, group in enumerate(groups):
        fields = {**head, "chunk": index, "chunks": len(groups), "count": count, **(first if index == 0 else {})}
        text = _dumps(fields)[:-1]
        put = ",".join(body for is_put, body in group if is_put)
        text += f',"put":{{{put}}}'
        if base is not None:
            text += ',"remove":[' + ",".join(body for is_put, body in group if not is_put) + "]"
        payloads.append(text + "}")
    return payloads
