"""``/api/history/period`` and ``/api/logbook``, shaped as Home Assistant's REST API answers.

    GET /api/history/period/<start>?filter_entity_id=a,b&end_time=<end>
        [&minimal_response][&no_attributes][&significant_changes_only]
    GET /api/logbook/<start>?entity=a&end_time=<end>

``start`` defaults to a day before now and ``end_time`` to a day after ``start``. History is one
list per entity, beginning with its state as it was at ``start``.

A resident (a scoped role) is answered only about the entities in their scope: others they
name are left out as if they had no past, and their logbook without ``entity`` is the one of
their own entities.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.const import EVENT_AUTOMATION_TRIGGERED
from xiaoqu.core.http import documented, hub_of, json_error, json_response, reads_entities, scope_of

from .recording import KIND_LOGBOOK, KIND_STATE

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub
    from xiaoqu.core.recorder import Record

DEFAULT_SPAN: Final = timedelta(days=1)
#: The longest period one request may ask for: what is kept by default.
MAX_SPAN: Final = timedelta(days=10)
#: At most this many entities in one request, states in one history answer, and entries in
#: one logbook answer: every row is read, built and written on the event loop.
MAX_ENTITIES: Final = 100
MAX_STATES: Final = 50_000
MAX_LOGBOOK: Final = 10_000


class _Budget:
    """How many more records one request may read; past it the caller is told to ask for less."""

    def __init__(self, most: int, what: str) -> None:
        self.left = most
        self.most = most
        self.what = what

    async def query(self, hub: Hub, kind: str, **criteria: Any) -> list[Record]:
        """``hub.recorder.query`` reading one record more than is left, to know it is too much."""
        records = await hub.recorder.query(kind, limit=self.left + 1, newest_first=False, **criteria)
        self.left -= len(records)
        if self.left < 0:
            raise json_error(HTTPStatus.BAD_REQUEST, f"More than {self.most:,} {self.what} in this period: "
                                                     "ask for a shorter one or for fewer entities.")
        return records


def _moment(text: str, what: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise json_error(HTTPStatus.BAD_REQUEST, f"Invalid {what}: {text[:40]!r} is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _period(request: web.Request) -> tuple[float, float]:
    hub = hub_of(request)
    start_text = request.match_info.get("start")
    start = _moment(start_text, "start time") if start_text else hub.clock.time() - DEFAULT_SPAN.total_seconds()
    end_text = request.query.get("end_time")
    end = _moment(end_text, "end_time") if end_text else start + DEFAULT_SPAN.total_seconds()
    if end <= start:
        raise json_error(HTTPStatus.BAD_REQUEST, "end_time must be after the start time.")
    if end - start > MAX_SPAN.total_seconds():
        raise json_error(HTTPStatus.BAD_REQUEST, f"A period of at most {MAX_SPAN.days} days in one request.")
    return start, end


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _entity_ids(request: web.Request, key: str) -> list[str]:
    """The entities the query names; of a resident's, only those in their scope."""
    ids = [e.strip() for e in request.query.get(key, "").split(",") if e.strip()]
    if len(ids) > MAX_ENTITIES:
        raise json_error(HTTPStatus.BAD_REQUEST, f"{key}: at most {MAX_ENTITIES} entities in one request.")
    scope = scope_of(request)
    return ids if scope is None else [entity_id for entity_id in ids if scope.allows(entity_id)]


def _own_entity_ids(request: web.Request, key: str) -> list[str]:
    """A resident's logbook without ``key``: the entities in their scope that are there now."""
    scope = scope_of(request)
    assert scope is not None
    ids = [entity_id for entity_id in hub_of(request).states.entity_ids() if scope.allows(entity_id)]
    if len(ids) > MAX_ENTITIES:
        raise json_error(HTTPStatus.BAD_REQUEST, f"You have more than {MAX_ENTITIES} entities: name those you want "
                                                 f"in {key}.")
    return ids


def _state_row(entity_id: str, record: Record, attributes: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"entity_id": entity_id, "state": record.data["s"]}
    if attributes:
        row["attributes"] = record.data["a"]
    row["last_changed"] = _iso(record.data["lc"])
    row["last_updated"] = _iso(record.time)
    return row


async def _one_history(hub: Hub, budget: _Budget, entity_id: str, start: float, end: float, attributes: bool,
                       significant_only: bool) -> list[dict[str, Any]]:
    before = await hub.recorder.query(KIND_STATE, subject=entity_id, until=start, limit=1, newest_first=True)
    during = await budget.query(hub, KIND_STATE, subject=entity_id, since=start, until=end)
    rows = []
    previous: str | None = None
    for index, record in enumerate([*before, *during]):
        if record.data.get("removed"):
            previous = None
            continue
        if significant_only and record.data["s"] == previous:
            continue  # only its attributes changed
        previous = record.data["s"]
        row = _state_row(entity_id, record, attributes)
        if index < len(before):  # the state it had when the period began
            row["last_updated"] = row["last_changed"] = _iso(max(record.time, start))
        rows.append(row)
    return rows


@documented(query={"filter_entity_id": "the entities, a,b,...", "end_time": "ISO 8601 (a day after the start)",
                   "minimal_response": "state and time only between the first and last",
                   "no_attributes": "leave attributes out", "significant_changes_only": "state changes only"})
@reads_entities
async def history_period(request: web.Request) -> web.Response:
    hub = hub_of(request)
    start, end = _period(request)
    if not request.query.get("filter_entity_id", "").strip(", "):
        raise json_error(HTTPStatus.BAD_REQUEST, "filter_entity_id is missing: name the entities (a,b,...).")
    entity_ids = _entity_ids(request, "filter_entity_id")
    query = request.query
    minimal = "minimal_response" in query
    budget = _Budget(MAX_STATES, "states")
    answer = []
    for entity_id in entity_ids:
        rows = await _one_history(hub, budget, entity_id, start, end, "no_attributes" not in query,
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
    elif data["event"] == EVENT_AUTOMATION_TRIGGERED:
        row = {"when": _iso(record.time), "name": data.get("name"), "entity_id": data.get("entity_id"),
               "domain": "automation", "message": f"triggered by {data.get('source') or 'a trigger'}"}
    else:
        row = {"when": _iso(record.time), "name": data.get("name"), "entity_id": data.get("entity_id"),
               "domain": data.get("domain"), "message": data.get("message")}
    if "u" in data:
        row["context_user_id"] = data["u"]
    return row


@documented(query={"entity": "the entities, a,b,...", "end_time": "ISO 8601 (a day after the start)"})
@reads_entities
async def logbook(request: web.Request) -> web.Response:
    hub = hub_of(request)
    start, end = _period(request)
    subjects: list[str | None]
    if scope_of(request) is None:
        subjects = list(_entity_ids(request, "entity")) or [None]
    elif request.query.get("entity", "").strip(", "):
        subjects = list(_entity_ids(request, "entity"))
    else:
        subjects = list(_own_entity_ids(request, "entity"))
    budget = _Budget(MAX_LOGBOOK, "entries")
    records: list[Record] = []
    for kind in (KIND_STATE, KIND_LOGBOOK):
        for subject in subjects:
            records += await budget.query(hub, kind, subject=subject, since=start, until=end)
    records.sort(key=lambda record: (record.time, record.seq))
    return json_response([row for record in records if (row := _logbook_row(hub, record)) is not None])
