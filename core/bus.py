"""The event bus: everything that happens in the hub is an :class:`Event` fired here.

Listeners are indexed by event type (plus one match-all list), so firing an event costs the
same with 10 or 10,000 listeners on other types. Each type's listeners are kept as a tuple
that is rebuilt on (rare) subscribe/unsubscribe, so a fire iterates a snapshot and a
listener may unsubscribe itself while it runs.

Plain functions run inline, in the loop, in subscription order; coroutine functions run as
tracked tasks. A failing listener is logged with its event and never stops the others.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from xiaoqu.core.const import MATCH_ALL

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)
_UTC = ZoneInfo("UTC")

ORIGIN_LOCAL = "local"
ORIGIN_REMOTE = "remote"
MAX_EVENT_TYPE_LENGTH = 64

Listener = Callable[["Event"], Any]
EventFilter = Callable[[Mapping[str, Any]], bool]
Unsubscribe = Callable[[], None]


class Context:
    """Who caused something: a user, an automation or a device, and what it followed from.

    The audit log and the permission checks read it; ``parent_id`` links a chain such as
    "plate read → arrears check → barrier denied". The id is made only when first asked for,
    because most events are never audited.
    """

    __slots__ = ("user_id", "source", "parent_id", "_id")

    def __init__(
        self,
        user_id: str | None = None,
        source: str | None = None,
        parent_id: str | None = None,
        id: str | None = None,
    ) -> None:
        self.user_id = user_id
        self.source = source
        self.parent_id = parent_id
        self._id = id

    @property
    def id(self) -> str:
        if self._id is None:
            self._id = uuid.uuid4().hex
        return self._id

    def child(self, source: str | None = None) -> Context:
        """A context for something this one caused (keeps the user, links the parent)."""
        return Context(self.user_id, source or self.source, self.id)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "source": self.source, "parent_id": self.parent_id}

    def __repr__(self) -> str:
        return f"<Context user={self.user_id} source={self.source} id={self._id}>"


class Event:
    """Something that happened: a type, its data, where it came from and when (epoch seconds)."""

    __slots__ = ("event_type", "data", "origin", "time_fired", "_context")

    def __init__(
        self,
        event_type: str,
        data: Mapping[str, Any],
        origin: str,
        time_fired: float,
        context: Context | None,
    ) -> None:
        self.event_type = event_type
        self.data = data
        self.origin = origin
        self.time_fired = time_fired
        self._context = context

    @property
    def context(self) -> Context:
        if self._context is None:
            self._context = Context()
        return self._context

    def as_dict(self) -> dict[str, Any]:
        data = {key: value.as_dict() if hasattr(value, "as_dict") else value for key, value in self.data.items()}
        return {
            "event_type": self.event_type,
            "data": data,
            "origin": self.origin,
            "time_fired": datetime.fromtimestamp(self.time_fired, _UTC).isoformat(),
            "context": self.context.as_dict(),
        }

    def __repr__(self) -> str:
        return f"<Event {self.event_type}[{self.origin[0].upper()}]: {dict(self.data)}>"


class _Job:
    """A listener, classified once at subscription so a fire does no introspection."""

    __slots__ = ("target", "is_coroutine", "event_filter")

    def __init__(self, target: Listener, event_filter: EventFilter | None) -> None:
        self.target = target
        self.is_coroutine = is_coroutine_callable(target)
        self.event_filter = event_filter

    def __repr__(self) -> str:
        return f"<listener {getattr(self.target, '__qualname__', self.target)!s}>"


def is_coroutine_callable(target: Callable[..., Any]) -> bool:
    """True for ``async def`` functions, also behind ``functools.partial``."""
    while isinstance(target, functools.partial):
        target = target.func
    return asyncio.iscoroutinefunction(target)


class EventBus:
    """Fires events to the listeners of their type and to the match-all listeners."""

    __slots__ = ("_hub", "_time", "_listeners", "_match_all")

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._time = hub.clock.time
        self._listeners: dict[str, tuple[_Job, ...]] = {}
        self._match_all: tuple[_Job, ...] = ()

    def fire(
        self,
        event_type: str,
        data: Mapping[str, Any] | None = None,
        origin: str = ORIGIN_LOCAL,
        context: Context | None = None,
    ) -> None:
        """Fire an event. Must be called from the event loop (see :meth:`fire_threadsafe`)."""
        listeners = self._listeners.get(event_type, ())
        match_all = self._match_all
        if not listeners and not match_all:
            return
        if len(event_type) > MAX_EVENT_TYPE_LENGTH:
            raise ValueError(f"event type {event_type[:20]!r}… is longer than {MAX_EVENT_TYPE_LENGTH} characters")
        event = Event(event_type, {} if data is None else data, origin, self._time(), context)
        if match_all:
            listeners = listeners + match_all
        for job in listeners:
            if job.event_filter is not None:
                try:
                    if not job.event_filter(event.data):
                        continue
                except Exception:
                    _LOGGER.exception("Error in event filter of %r for %r", job, event)
                    continue
            if job.is_coroutine:
                self._hub.create_task(self._run_coroutine(job, event), name=f"listener {event_type}")
                continue
            try:
                job.target(event)
            except Exception:
                _LOGGER.exception("Error in %r handling %r", job, event)

    @staticmethod
    async def _run_coroutine(job: _Job, event: Event) -> None:
        try:
            await job.target(event)
        except Exception:
            _LOGGER.exception("Error in %r handling %r", job, event)

    def fire_threadsafe(self, event_type: str, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Fire from another thread (an executor job, a serial reader)."""
        self._hub.loop.call_soon_threadsafe(functools.partial(self.fire, event_type, data, **kwargs))

    def listen(
        self,
        event_type: str,
        listener: Listener,
        event_filter: EventFilter | None = None,
    ) -> Unsubscribe:
        """Call ``listener(event)`` for each event of ``event_type`` (``MATCH_ALL`` for every one).

        ``event_filter(data)`` runs first, inline; the listener runs only when it returns true.
        Returns a function that unsubscribes.
        """
        job = _Job(listener, event_filter)
        if event_type == MATCH_ALL:
            self._match_all = (*self._match_all, job)
        else:
            self._listeners[event_type] = (*self._listeners.get(event_type, ()), job)
        return functools.partial(self._remove, event_type, job)

    def listen_once(self, event_type: str, listener: Listener) -> Unsubscribe:
        """Call ``listener`` for the next event of ``event_type`` only."""
        unsubscribe: Unsubscribe | None = None
        fired = False

        def once(event: Event) -> Any:
            nonlocal fired
            if fired:
                return None
            fired = True
            assert unsubscribe is not None
            unsubscribe()
            return listener(event)

        if is_coroutine_callable(listener):

            async def once_async(event: Event) -> None:
                result = once(event)
                if result is not None:
                    await result

            unsubscribe = self.listen(event_type, once_async)
        else:
            unsubscribe = self.listen(event_type, once)
        return unsubscribe

    def _remove(self, event_type: str, job: _Job) -> None:
        if event_type == MATCH_ALL:
            self._match_all = tuple(j for j in self._match_all if j is not job)
            return
        remaining = tuple(j for j in self._listeners.get(event_type, ()) if j is not job)
        if remaining:
            self._listeners[event_type] = remaining
        else:
            self._listeners.pop(event_type, None)

    def listeners(self) -> dict[str, int]:
        """How many listeners each event type has (``*`` for match-all)."""
        counts = {event_type: len(jobs) for event_type, jobs in self._listeners.items()}
        if self._match_all:
            counts[MATCH_ALL] = len(self._match_all)
        return counts

