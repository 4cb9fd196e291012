"""What cctv keeps: the configured cameras and NVRs, and the footage and export requests (one
row each in ``cctv.db``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from .const import APPROVED, EXPIRED, KIND_EXPORT


@dataclass(frozen=True, slots=True)
class Nvr:
    id: str
    name: str
    vendor: str
    playback_url: str | None
    export_url: str | None
    #: kept here and in the URL a viewer is given; never in a log line, an event or the audit
    username: str = field(repr=False)
    password: str = field(repr=False)

    @classmethod
    def of(cls, conf: dict[str, Any]) -> Nvr:
        return cls(conf["id"], conf.get("name") or conf["id"], conf["vendor"], conf.get("playback_url"),
                   conf.get("export_url"), conf["username"], conf["password"])


@dataclass(frozen=True, slots=True)
class Camera:
    id: str
    name: str
    location: str | None
    area: str | None
    nvr: str
    channel: int
    required_days: int
    #: ``(host, port)`` a TCP connect checks, or None: its status is pushed
    address: tuple[str, int] | None
    check_interval: float
    stale_after: float

    @classmethod
    def of(cls, conf: dict[str, Any], section: dict[str, Any]) -> Camera:
        return cls(conf["id"], conf.get("name") or conf["id"], conf.get("location"), conf.get("area"), conf["nvr"],
                   conf["channel"], conf["retention_days"], conf.get("address"),
                   conf.get("check_interval", section["check_interval"]), conf.get("stale_after", section["stale_after"]))

    @property
    def checked(self) -> str:
        """How its reachability is known, in words."""
        return f"TCP connect to {self.address[0]}:{self.address[1]}" if self.address else "status pushed"


@dataclass(slots=True)
class FootageRequest:
    """A request to view (``R…``) or to export (``X…``, with its ``parent``) a camera's span."""

    id: str
    kind: str
    camera: str
    start: float
    end: float
    reason: str
    requester_id: str
    requester: str
    created_at: float
    status: str
    viewers: list[str] = field(default_factory=list)
    authority: dict[str, str] | None = None
    parent: str | None = None
    decided_at: float | None = None
    decided_by: str | None = None
    decided_by_id: str | None = None
    note: str | None = None
    valid_until: float | None = None

    def doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, doc: dict[str, Any]) -> FootageRequest:
        return cls(**doc)

    def status_at(self, now: float) -> str:
        """The stored status, or ``expired`` for an approval whose window has passed."""
        if self.status == APPROVED and self.valid_until is not None and now >= self.valid_until:
            return EXPIRED
        return self.status

    def may_see(self, user_id: str, user_name: str) -> bool:
        """The requester, or (for a footage request) a user they named as a viewer."""
        return user_id == self.requester_id or (self.kind != KIND_EXPORT and user_name in self.viewers)

    def shown(self, tz: tzinfo, now: float) -> dict[str, Any]:
        """As an answer or a page shows it: times in the site's zone, the status as of ``now``."""
        def when(value: float | None) -> str | None:
            return None if value is None else datetime.fromtimestamp(value, tz).isoformat(timespec="seconds")

        return {"request_id": self.id, "kind": self.kind, "camera": self.camera, "start": when(self.start),
                "end": when(self.end), "reason": self.reason, "requester": self.requester,
                "viewers": list(self.viewers), "authority": self.authority, "parent": self.parent,
                "status": self.status_at(now), "created_at": when(self.created_at),
                "decided_at": when(self.decided_at), "decided_by": self.decided_by, "note": self.note,
                "valid_until": when(self.valid_until)}
