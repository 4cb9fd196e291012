"""Names of the simulated WeChat Pay provider: files, defaults, its service, its hub.data key."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .platform import Platform

DOMAIN: Final = "sim_pay"
#: The simulated platform (its keys, the orders it was given, the payer).
DATA_PLATFORM: Final[HubKey[Platform]] = HubKey(DOMAIN)

#: Under the hub's data dir (0700): the platform's RSA key and self-signed certificate, and the
#: merchant's APIv3 key, each 0600, made on the first start and kept.
KEY_DIR: Final = "sim_pay"
PRIVATE_KEY_FILE: Final = "platform_key.pem"
CERTIFICATE_FILE: Final = "platform_cert.pem"
APIV3_KEY_FILE: Final = "apiv3_key"
RSA_BITS: Final = 2048
APIV3_KEY_LENGTH: Final = 32
CERTIFICATE_DAYS: Final = 3650

#: The merchant the simulated orders are for (WeChat Pay's own sandbox-style numbers).
DEFAULT_MCHID: Final = "1900000001"
DEFAULT_APPID: Final = "wxd678efh567hg6787"
#: Seconds from an order to its simulated payment (a driver scanning the QR code and paying).
DEFAULT_PAY_AFTER: Final = 5.0
#: Seconds between attempts at delivering a notify the hub did not take: WeChat Pay's schedule
#: (15 s, 15 s, 30 s, 3 min, ... 24 h 4 min in all) compressed for a demo.
DEFAULT_RETRIES: Final = (1.0, 2.0, 5.0, 15.0, 30.0)
#: How long one delivery may take: WeChat Pay waits five seconds for the merchant's answer.
DELIVERY_TIMEOUT: Final = 5.0

SERVICE_PAY: Final = "pay"
#: Managers and cashiers play the payer in a demo (a payment of the wrong amount, say).
ROLE_PERMISSIONS: Final = {"manager": [f"{DOMAIN}.*"], "finance": [f"{DOMAIN}.*"]}
