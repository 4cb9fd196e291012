"""Names the notify integration and its callers share."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .notifier import Notifier

DOMAIN: Final = "notify"
#: The targets and the sending, in ``hub.data``.
DATA_NOTIFIER: Final[HubKey[Notifier]] = HubKey(DOMAIN)
#: The service that sends to every target (Home Assistant's default ``notify.notify``).
SERVICE_NOTIFY: Final = "notify"
#: The built-in channel: the hub's log.
CHANNEL_LOG: Final = "log"
#: Fired for each message sent, so a trace, a dashboard or a test can see what went out.
EVENT_NOTIFICATION_SENT: Final = "notification_sent"

ATTR_MESSAGE: Final = "message"
ATTR_TITLE: Final = "title"
ATTR_TARGET: Final = "target"
ATTR_DATA: Final = "data"
