"""``/api/history/period`` and ``/api/logbook``, shaped as Home Assistant's REST API answers.

    GET /api/history/period/<start>?filter_entity_id=a,b&end_time=<end>
        [&minimal_response][&no_attributes][&significant_changes_only]
    GET /api/logbook/<start>?entity=a&end_time=<end>

``start`` defaults to a day before now and ``end_time`` to a day after ``start``. History is one
list per entity, beginning with its state as it was at ``start``.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth.permissions import API_READ
from xiaoqu.core.http import hub_of, json_error, json_response, requires

from .recording import KIND_LOGBOOK, KIND_STATE

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub
    from xiaoqu.core.recorder import Record

_UTC: Final = UTC
DEFAULT_SPAN: Final = timedelta(days=1)
#: At most this many entities in one history request, and entries in one logbook answer.
MAX_ENTITIES: Final = 100
MAX_LOGBOOK: Final = 10_000


def _moment(text: str, what: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise json_error(HTTPStatus.BAD_REQUEST, f"Invalid {what}: {text[:40]!r} is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    return moment.timestamp()


def _period(request: web.Request) -> tuple[float, float]:
    hub = hub_of(request)
    start_text = request.match_info.get("start")
    start = _moment(start_text, "start time") if start_text else hub.clock.time() - DEFAULT_SPAN.total_seconds()
    end_text = request.query.get("end_time")
    end = _moment(end_text, "end_time") if end_text else start + DEFAULT_SPAN.total_seconds()
    if end <= start:
        raise json_error(HTTPStatus.BAD_REQUEST, "end_time must be after the start time.")
    return start, end


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, _UTC).isoformat()


def _entity_ids(request: web.Request, key: str) -> list[str]:
    ids = [e.strip() for e in request.query.get(key, "").split(",") if e.strip()]
    if len(ids) > MAX_ENTITIES:
        raise json_error(HTTPStatus.BAD_REQUEST, f"{key}: at most {MAX_ENTITIES} entities in one request.")
    return ids


def _state_row(entity_id: str, record: Record, attributes: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"entity_id": entity_id, "state": record.data["s"]}
    if attributes:
        row["attributes"] = record.data["a"]
    row["last_changed"] = _iso(record.data["lc"])
    row["last_updated"] = _iso(record.time)
    return row


async def _one_history(hub: Hub, entity_id: str, start: float, end: float, attributes: bool,
                       significant_only: bool) -> list[dict[str, Any]]:
    recorder = hub.recorder
    before = await recorder.query(KIND_STATE, subject=entity_id, until=start, limit=1, newest_first=True)
    during = await recorder.query(KIND_STATE, subject=entity_id, since=start, until=end, limit=None,
                                  newest_first=False)
    rows = []
    previous: str | None = None
    for record in [*before, *during]:
        if record.data.get("removed"):
            previous = None
            continue
        if significant_only and record.data["s"] == previous:
            continue  # only its attributes changed
        previous = record.data["s"]
        row = _state_row(entity_id, record, attributes)
        if record in before:
            row["last_updated"] = row["last_changed"] = _iso(max(record.time, start))
        rows.append(row)
    return rows


@requires(API_READ)
async def history_period(request: web.Request) -> web.Response:
    hub = hub_of(request)
    start, end = _period(request)
    entity_ids = _entity_ids(request, "filter_entity_id")
    if not entity_ids:
        raise json_error(HTTPStatus.BAD_REQUEST, "filter_entity_id is missing: name the entities (a,b,...).")
    query = request.query
    minimal = "minimal_response" in query
    answer = []
    for entity_id in entity_ids:
        rows = await _one_history(hub, entity_id, start, end, "no_attributes" not in query,
                                  "significant_changes_only" in query)
        if minimal and len(rows) > 2:  # Home Assistant's: full first and last, the rest state and time
            rows = [rows[0], *({"state": r["state"], "last_changed": r["last_changed"]} for r in rows[1:-1]), rows[-1]]
        if rows:
            answer.append(rows)
    return json_response(answer)


def _logbook_row(hub: Hub, record: Record) -> dict[str, Any] | None:
    data = record.data
    if record.kind == KIND_STATE:
        entity_id = record.subject or ""
        state = hub.states.get(entity_id)
        name = (state.attributes.get("friendly_name") if state else None) or entity_id
        if data.get("removed"):
            return {"when": _iso(record.time), "name": name, "entity_id": entity_id, "message": "was removed"}
        if "unit_of_measurement" in data["a"]:  # a measurement is a graph, not a logbook line
            return None
        row = {"when": _iso(record.time), "name": name, "entity_id": entity_id, "state": data["s"]}
    elif data["event"] == "automation_triggered":
        row = {"when": _iso(record.time), "name": data.get("name"), "entity_id": data.get("entity_id"),
               "domain": "automation", "message": f"triggered by {data.get('source') or 'a trigger'}"}
    else:
        row = {"when": _iso(record.time), "name": data.get("name"), "entity_id": data.get("entity_id"),
               "domain": data.get("domain"), "message": data.get("message")}
    if "u" in data:
        row["context_user_id"] = data["u"]
    return row


@requires(API_READ)
async def logbook(request: web.Request) -> web.Response:
    hub = hub_of(request)
    start, end = _period(request)
    wanted = _entity_ids(request, "entity")
    records: list[Record] = []
    for kind in (KIND_STATE, KIND_LOGBOOK):
        subjects: list[str | None] = list(wanted) or [None]
        for subject in subjects:
            records += await hub.recorder.query(kind, subject=subject, since=start, until=end, limit=MAX_LOGBOOK,
                                                newest_first=False)
    records.sort(key=lambda record: (record.time, record.seq))
    rows = [row for record in records if (row := _logbook_row(hub, record)) is not None]
    return json_response(rows[:MAX_LOGBOOK])
