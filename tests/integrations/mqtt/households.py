"""One scenario, run against every broker we ship: two residents, each kept to its household.

The broker holds retained messages of every kind a site has (both households' topics, the
state stream, a discovery config, a device's state) before the residents connect, and then
gets live messages on the same topics. Each resident, and an account subscribed to an
unrelated topic, must receive its own topics and nothing else: retained, on connect, on
subscribe, or live.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiomqtt

#: Account name → (password, household); the same two accounts in every broker.
RESIDENTS = {
    "resident_3_301": ("resident-pass", "3-301"),
    "resident_5_102": ("other-pass", "5-102"),
}
ROOT = "xiaoqu/demo"
#: Topics that belong to nobody but the hub and the devices: a resident must see none.
FOREIGN = (
    f"{ROOT}/state/lock.front_door_5_102",  # the state stream: every household's states
    "homeassistant/lock/z2m_5_102/config",  # a discovery config
    f"{ROOT}/reader/r1/state",  # a device's state
)

Publish = Callable[[str, str, bool], Awaitable[None]]
Connect = Callable[[str, str], aiomqtt.Client]


def household_topic(household: str, name: str) -> str:
    return f"{ROOT}/household/{household}/{name}"


async def check_households_isolated(
    connect: Connect, publish: Publish, *, bystander: tuple[str, str, str] | None = None, ask_everything: bool = False
) -> None:
    """Retained then live messages on every household's and the site's topics; each resident
    receives only its household's.

    ``connect(user, password)`` makes a client, ``publish(topic, payload, retain)`` publishes
    as the hub. ``bystander`` is ``(user, password, filter)`` of an account subscribed to an
    unrelated topic. ``ask_everything``: the residents also subscribe to ``#`` (Mosquitto
    grants it and filters what is delivered; amqtt refuses it).
    """
    for topic in FOREIGN:
        await publish(topic, "retained", True)
    for _, household in RESIDENTS.values():
        await publish(household_topic(household, "lock"), "retained", True)

    got: dict[str, list[tuple[str, bool]]] = {}
    clients = {name: connect(name, password) for name, (password, _) in RESIDENTS.items()}
    if bystander is not None:
        clients[bystander[0]] = connect(bystander[0], bystander[1])

    async def collect(name: str, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            got[name].append((message.topic.value, bool(message.retain)))

    entered: list[aiomqtt.Client] = []
    readers: list[asyncio.Task[None]] = []
    try:
        for name, client in clients.items():
            await client.__aenter__()
            entered.append(client)
            got[name] = []
            readers.append(asyncio.create_task(collect(name, client)))
        # amqtt delivered retained messages on connect, before any subscription: give a leak
        # the time to show before the subscriptions make the wait below end
        await asyncio.sleep(0.3)
        for name, (_, household) in RESIDENTS.items():
            if ask_everything:
                await clients[name].subscribe("#", qos=1)
            await clients[name].subscribe(household_topic(household, "#"), qos=1)
        if bystander is not None:
            await clients[bystander[0]].subscribe(bystander[2], qos=1)
        for topic in FOREIGN:
            await publish(topic, "live", False)
        for _, household in RESIDENTS.values():
            await publish(household_topic(household, "notice"), "live", False)
        async with asyncio.timeout(10):  # the hub's messages arrive in order: its last ones last
            while not all(
                {(household_topic(household, "notice"), False), (household_topic(household, "lock"), True)} <= set(got[name])
                for name, (_, household) in RESIDENTS.items()
            ):
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # anything else the broker had queued for them
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for client in entered:
            try:
                await client.__aexit__(None, None, None)
            except aiomqtt.MqttError:
                pass
    for name, (_, household) in RESIDENTS.items():
        # (a resident that also asked for "#" gets its own retained message once per subscription)
        assert set(got[name]) == {(household_topic(household, "lock"), True), (household_topic(household, "notice"), False)}, (
            name,
            got[name],
        )
    if bystander is not None:
        assert got[bystander[0]] == [], (bystander[0], got[bystander[0]])
