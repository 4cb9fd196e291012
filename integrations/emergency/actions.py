"""What the system does for a plan, one function per action key, each answering a
:class:`~.models.Result` per target so the office sees which doors and gates did and which did
not. Nothing here stops at a failure: a gate that does not answer is written down and the next
one is opened all the same.

The actions reach the devices through their integrations' services, as the hub (a context with
no user, ``source`` naming the plan): a guard may start the fire plan, and the plan then holds
every door open although ``door.unlock_all`` alone is a manager's. Who asked is in the
activation, the event and the audit log.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.validation import ENTITY_MATCH_ALL
from xiaoqu.integrations import mqtt

from .const import CLEAR_SECONDS, DISPLAY_SECONDS, Outcome
from .models import Result

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub

    from .holding import GateHold

_LOGGER = logging.getLogger(__package__)

#: Door states of a door whose controller cannot have taken the command.
_DOOR_DOWN: Final = frozenset({"unavailable", "fault"})


@dataclass(slots=True)
class Run:
    """One activation's (or stand-down's) actions being done: the hub, as whom, why, since when."""

    hub: Hub
    context: Context
    reason: str
    hold: GateHold
    started: float

    def result(self, action: str, target: str, outcome: Outcome, detail: str) -> Result:
        return Result(action, target, outcome.value, detail, round(time.perf_counter() - self.started, 4))

    def has(self, domain: str, service: str) -> bool:
        return self.hub.services.has(domain, service)

    async def call(self, domain: str, service: str, data: dict[str, Any], response: bool = False) -> Any:
        return await self.hub.services.call(domain, service, data, context=self.context, return_response=response)


def _doors(run: Run, action: str, held: bool) -> list[Result]:
    """Each door's outcome from the door integration's states: held open (or locked again) by the
    hub and its controller online, or why not. The device protocol acknowledges no door command,
    so an online controller that was sent it is as confirmed as a door gets."""
    results = []
    for state in run.hub.states.all("door"):
        if state.state in _DOOR_DOWN:
            why = state.attributes.get("fault") or state.state
            results.append(run.result(action, state.entity_id, Outcome.FAILED,
                                      f"{state.state}: {why}; the command waits at the broker for its controller"))
        elif bool(state.attributes.get("emergency")) == held:
            results.append(run.result(action, state.entity_id, Outcome.CONFIRMED, state.state))
        else:
            results.append(run.result(action, state.entity_id, Outcome.FAILED, f"still {state.state}"))
    return results


async def unlock_doors(run: Run, _data: Any) -> list[Result]:
    if not run.has("door", "unlock_all"):
        return [run.result("unlock_doors", "door", Outcome.SKIPPED, "no door integration on this site")]
    await run.call("door", "unlock_all", {"reason": run.reason})
    return _doors(run, "unlock_doors", held=True)


async def restore_doors(run: Run, _data: Any) -> list[Result]:
    if not run.has("door", "restore"):
        return [run.result("restore_doors", "door", Outcome.SKIPPED, "no door integration on this site")]
    await run.call("door", "restore", {"reason": run.reason})
    return _doors(run, "restore_doors", held=False)


def gate_ids(run: Run, targets: str | list[str]) -> list[str]:
    return sorted(run.hub.states.entity_ids("barrier")) if targets == ENTITY_MATCH_ALL else list(targets)


async def open_gate(run: Run, entity_id: str, action: str = "open_barriers") -> Result:
    """Raise one arm and wait for the gate to confirm it (barrier.open's own wait and reasons)."""
    try:
        await run.call("barrier", "open", {"entity_id": entity_id, "reason": run.reason})
    except Exception as err:  # each gate's failure is its own: written down, the others go on
        return run.result(action, entity_id, Outcome.FAILED, str(err))
    state = run.hub.states.get(entity_id)
    return run.result(action, entity_id, Outcome.CONFIRMED, state.state if state is not None else "")


async def open_barriers(run: Run, targets: str | list[str]) -> list[Result]:
    if not run.has("barrier", "open"):
        return [run.result("open_barriers", "barrier", Outcome.SKIPPED, "no barrier integration on this site")]
    gates = gate_ids(run, targets)
    results = list(await asyncio.gather(*(open_gate(run, gate) for gate in gates)))
    run.hold.hold(gates)
    return results


async def _close_gate(run: Run, entity_id: str) -> Result:
    try:
        await run.call("barrier", "close", {"entity_id": entity_id, "reason": run.reason})
    except Exception as err:
        return run.result("close_barriers", entity_id, Outcome.FAILED, str(err))
    state = run.hub.states.get(entity_id)
    # barrier.close is sent, not waited for: the gate's state shows what it did
    return run.result("close_barriers", entity_id, Outcome.SENT, state.state if state is not None else "")


async def close_barriers(run: Run, targets: str | list[str]) -> list[Result]:
    gates = gate_ids(run, targets) if run.has("barrier", "close") else []
    run.hold.release(gates)
    if not gates:
        return [run.result("close_barriers", "barrier", Outcome.SKIPPED, "no barrier integration on this site")]
    return list(await asyncio.gather(*(_close_gate(run, gate) for gate in gates)))


async def announce(run: Run, data: dict[str, Any]) -> list[Result]:
    if not run.has("notices", "send"):
        return [run.result("announce", "notices", Outcome.SKIPPED, "no notices integration on this site")]
    try:
        answer = await run.call("notices", "send", dict(data), response=True)
    except Exception as err:
        return [run.result("announce", data.get("template") or "notice", Outcome.FAILED, str(err))]
    households = len(answer.get("recipients", ()))
    return [run.result("announce", answer["notice_id"], Outcome.SENT, f"to {households} households")]


async def _show(run: Run, action: str, display: str, payload: dict[str, Any]) -> Result:
    try:
        await mqtt.publish(run.hub, f"{mqtt.topic_root(run.hub)}/display/{display}/show", payload, qos=1)
    except Exception as err:
        return run.result(action, display, Outcome.FAILED, str(err))
    return run.result(action, display, Outcome.SENT, " / ".join(payload["lines"]))


def display_payload(data: dict[str, Any]) -> dict[str, Any]:
    payload = {"lines": list(data["lines"]), "mode": "event", "seconds": DISPLAY_SECONDS, "colour": data["colour"]}
    if data.get("voice"):
        payload["voice"] = data["voice"]
    return payload


async def display(run: Run, data: dict[str, Any]) -> list[Result]:
    payload = display_payload(data)
    results = list(await asyncio.gather(*(_show(run, "display", d, payload) for d in data["displays"])))
    run.hold.show(data["displays"], payload)
    return results


async def clear_displays(run: Run, data: dict[str, Any]) -> list[Result]:
    """The all-clear for a few seconds; then each display goes back to its standing guidance."""
    run.hold.unshow(data["displays"])
    payload = {"lines": list(data["lines"]), "mode": "event", "seconds": CLEAR_SECONDS, "colour": "green"}
    return list(await asyncio.gather(*(_show(run, "clear_displays", d, payload) for d in data["displays"])))


async def service(run: Run, data: dict[str, Any]) -> list[Result]:
    domain, name = data["action"].split(".", 1)
    try:
        await run.call(domain, name, dict(data["data"]))
    except Exception as err:
        return [run.result("service", data["action"], Outcome.FAILED, str(err))]
    return [run.result("service", data["action"], Outcome.CONFIRMED, "done")]


ACTIONS: Final[dict[str, Callable[[Run, Any], Awaitable[list[Result]]]]] = {
    "unlock_doors": unlock_doors,
    "restore_doors": restore_doors,
    "open_barriers": open_barriers,
    "close_barriers": close_barriers,
    "announce": announce,
    "display": display,
    "clear_displays": clear_displays,
    "service": service,
}


async def perform(run: Run, actions: tuple[dict[str, Any], ...]) -> list[Result]:
    """Every action, in order; one that raises is a failed result and the next still runs."""
    results: list[Result] = []
    for act in actions:
        ((key, data),) = act.items()
        try:
            results.extend(await ACTIONS[key](run, data))
        except Exception as err:
            _LOGGER.exception("emergency: %s failed", key)
            results.append(run.result(key, key, Outcome.FAILED, str(err)))
    return results
