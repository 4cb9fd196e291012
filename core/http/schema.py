"""The ``http:`` section, with Home Assistant's key names so its documentation carries over."""
from __future__ import annotations

import ipaddress
from typing import Any, Final

from xiaoqu.core.validation import boolean, ensure_list, port, string, url, vol

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8123
#: Home Assistant's default: 0 disables banning. Here a hub is reachable from the property
#: office's network, so bans are on by default.
DEFAULT_LOGIN_ATTEMPTS: Final = 10


def _port_or_zero(value: Any) -> int:
    """A port, or 0 for "any free port" (tests; the bound port is ``hub.data[DATA_SERVER].port``)."""
    if value == 0 and not isinstance(value, bool):
        return 0
    return port(value)


def _network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(string(value), strict=False)
    except ValueError:
        raise vol.Invalid("expected an IP address or network such as 192.168.1.10 or 172.16.0.0/12") from None


def _origin(value: Any) -> str:
    return url(value).rstrip("/")


def _attempts(value: Any) -> int:
    if value == -1 or value == 0:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise vol.Invalid("expected a whole number of attempts, or -1 to never ban")
    return value


def _hosts(value: Any) -> list[str]:
    hosts = [string(host) for host in ensure_list(value)]
    if not hosts:
        raise vol.Invalid("expected at least one address to listen on")
    return hosts


_FIELDS: Final = vol.Schema(
    {
        vol.Optional("server_host", default=[DEFAULT_HOST]): _hosts,
        vol.Optional("server_port", default=DEFAULT_PORT): _port_or_zero,
        vol.Optional("cors_allowed_origins", default=[]): vol.All(ensure_list, [_origin]),
        vol.Optional("ssl_certificate"): string,
        vol.Optional("ssl_key"): string,
        vol.Optional("use_x_forwarded_for"): boolean,
        vol.Optional("trusted_proxies"): vol.All(ensure_list, [_network]),
        vol.Optional("ip_ban_enabled", default=True): boolean,
        vol.Optional("login_attempts_threshold", default=DEFAULT_LOGIN_ATTEMPTS): _attempts,
    }
)
#: Keys that mean nothing without each other.
_PAIRS: Final = (("ssl_certificate", "ssl_key"), ("use_x_forwarded_for", "trusted_proxies"))


def CONFIG_SCHEMA(value: Any) -> dict[str, Any]:
    """The fields, and the pairs that go together, reported together."""
    value = {} if value is None else value
    errors: list[vol.Invalid] = []
    if isinstance(value, dict):
        for first, second in _PAIRS:
            if (first in value) != (second in value):
                present, missing = (first, second) if first in value else (second, first)
                errors.append(vol.Invalid(f"{present} needs {missing} beside it", path=[present]))
    try:
        validated: dict[str, Any] = _FIELDS(value)
    except vol.MultipleInvalid as err:
        errors.extend(err.errors)
    except vol.Invalid as err:
        errors.append(err)
    if errors:
        raise vol.MultipleInvalid(errors)
    return validated
