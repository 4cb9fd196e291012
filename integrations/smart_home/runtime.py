"""Setting smart_home up and down, and the work of ``smart_home.write_accounts``."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.const import EVENT_HUB_STARTED
from xiaoqu.core.errors import HubError
from xiaoqu.core.hub import HubState
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.residents import get_residents

from .accounts import ACCOUNT_PREFIX, AccountFiles, Written, hub_account, write_accounts
from .const import DATA_SMART_HOME, STORE_NAME, STORE_VERSION
from .households import SmartHome

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


def get_smart_home(hub: Hub) -> SmartHome:
    """The running integration; raises if smart_home is not set up."""
    smart_home = hub.data.get(DATA_SMART_HOME)
    if smart_home is None:
        raise HubError("smart_home is not set up on this hub (see the log for why)")
    return smart_home


async def set_up(hub: Hub, config: dict[str, Any]) -> SmartHome:
    store = await hub.storage.open(STORE_NAME, version=STORE_VERSION)
    smart_home = SmartHome(hub, mqtt.get(hub), mqtt.topic_root(hub), get_residents(hub), store, config)
    hub.data[DATA_SMART_HOME] = smart_home
    # The broker answers the subscription with every household's retained configs at once
    # (5,000 in bench/estate.py), each a tracked task that hub.start() would wait for: the
    # households' devices join once the hub runs, not before its doors and gates do.
    if hub.state is HubState.RUNNING:
        smart_home.start()
    else:
        hub.bus.listen_once(EVENT_HUB_STARTED, lambda _event: smart_home.start())
    return smart_home


async def tear_down(hub: Hub) -> None:
    smart_home = hub.data.pop(DATA_SMART_HOME, None)
    if smart_home is not None:
        await smart_home.stop()


def _beside_config(hub: Hub, path: str | None) -> Path | None:
    return None if path is None else Path(hub.config.config_dir) / path


async def write_household_accounts(hub: Hub) -> Written:
    """Every household's account and, when configured, Mosquitto's files (see accounts.py)."""
    smart_home = get_smart_home(hub)
    mqtt_config = smart_home.mqtt.config
    hub_user, hub_password = hub_account(mqtt_config["broker"])
    files = AccountFiles(
        accounts_file=Path(hub.config.config_dir) / smart_home.config["accounts_file"],
        mosquitto_acl=_beside_config(hub, smart_home.config.get("mosquitto_acl")),
        mosquitto_passwd=_beside_config(hub, smart_home.config.get("mosquitto_passwd")),
        topic_root=smart_home.topic_root,
        hub_user=hub_user,
        hub_password=hub_password,
        site_accounts={name: account for name, account in mqtt_config["users"].items()
                       if not name.startswith(ACCOUNT_PREFIX)},
    )
    households = [household.id for household in smart_home.residents.households()]
    return await hub.run_in_executor(write_accounts, files, households)


def scope_for(hub: Hub, user_name: str) -> Callable[[str], bool] | None:
    """``xiaoqu_entity_scope``: the entities of the user's household (None while smart_home is not running)."""
    smart_home = hub.data.get(DATA_SMART_HOME)
    return None if smart_home is None else smart_home.scope_for(user_name)
