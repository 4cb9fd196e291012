"""The patrol services, one table: upload, evaluate, report and export.

Guards upload their wands' scans and read rounds and reports; managers also export, which
is audited with the file, the period and the row count (the core audits the call too).
"""
from __future__ import annotations

from typing import Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import HubError
from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse
from xiaoqu.integrations.residents.sheet import SheetError, write_table

from . import schema
from .const import (
    AUDIT_EXPORTED,
    EXPORT_DIR,
    SERVICE_EVALUATE,
    SERVICE_EXPORT,
    SERVICE_REPORT,
    SERVICE_UPLOAD,
    SOURCE_UPLOAD,
)
from .reports import build
from .runtime import get_patrol


async def upload(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    result = await get_patrol(call.hub).intake.take(data["wand"], data["scans"], source=SOURCE_UPLOAD,
                                                    sent=data.get("sent"), prompt=True)
    return result.as_dict()


async def evaluate(call: ServiceCall) -> dict[str, Any]:
    patrol = get_patrol(call.hub)
    on = call.data["date"]
    rounds = await patrol.evaluate(call.data["route"], on)
    return {"route": call.data["route"], "date": on.isoformat(), "rounds": [r.as_dict(patrol.tz) for r in rounds]}


async def report(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    found = await build(get_patrol(call.hub), data["kind"], data["start"], data["end"], data.get("route"),
                        data.get("patroller"))
    return found.as_dict()


async def export(call: ServiceCall) -> dict[str, Any]:
    hub, data = call.hub, call.data
    assert hub.config.data_dir is not None
    folder = hub.config.data_dir / EXPORT_DIR
    found = await build(get_patrol(hub), data["kind"], data["start"], data["end"], data.get("route"),
                        data.get("patroller"))
    path = folder / data["file"]
    lines = [[row[column] for column in found.columns] for row in found.rows]

    def write() -> int:
        folder.mkdir(parents=True, exist_ok=True)
        return write_table(path, found.columns, lines, f"patrol {data['kind']}")

    try:
        rows = await hub.run_in_executor(write)
    except (SheetError, OSError) as err:
        raise HubError(f"cannot write {path}: {err}") from None
    try:
        get_auth(hub).record(AUDIT_EXPORTED, call.context, file=str(path), kind=data["kind"],
                             start=data["start"].isoformat(), end=data["end"].isoformat(), rows=rows)
    except HubError:
        pass  # no auth on this hub: nobody to audit for
    return {"path": str(path), "rows": rows, "totals": found.totals}


_ONLY = SupportsResponse.ONLY
_OPTIONAL = SupportsResponse.OPTIONAL

SERVICES = [
    ServiceSpec(SERVICE_UPLOAD, upload, schema.UPLOAD_SCHEMA,
                "Take a wand's scans (repeats ignored by scan_id); answers accepted, duplicates and each refusal",
                _OPTIONAL),
    ServiceSpec(SERVICE_EVALUATE, evaluate, schema.EVALUATE_SCHEMA,
                "A route's rounds on a day, each checkpoint on time, early, late, missed or out of order, with why",
                _ONLY),
    ServiceSpec(SERVICE_REPORT, report, schema.REPORT_SCHEMA,
                "Missed checkpoints (or rounds) over a period, per route or patroller", _ONLY),
    ServiceSpec(SERVICE_EXPORT, export, schema.EXPORT_SCHEMA,
                "Write a patrol report (.csv or .xlsx) to the data dir's exports folder", _OPTIONAL),
]
