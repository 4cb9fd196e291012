"""``POST /api/payments/<provider>/notify``: a provider's notice of a payment, over the network.

The route is public (a provider holds no token); the provider's signature over the raw body
is its only credential, checked before anything is read from the body. What happens to each
request, and the answer in the provider's own form:

- **at most 16 KiB** (a WeChat Pay notify is about 1 KB): a larger body is refused 413 before
  it is read, and counts toward the address's ban (the http plugin does both);
- **an unknown provider**: 404, logged once a minute;
- **unsigned, forged, stale (outside WeChat Pay's five minutes) or replayed later**: 401,
  audited as ``payment_notify_refused`` with the reason, and counted toward the address's ban
  as a wrong password is; a good signature from the address clears its count, so the
  provider's own occasional probe notifies (deliberately bad signatures) cannot add up to a ban;
- **signed, but not readable with our key** (a wrong APIv3 key): 500, logged as an error,
  not counted: the provider retries on its schedule once staff fixed the key;
- **signed and read**: taken once by :meth:`Payments.take` (paid, a repeat, flagged for staff
  or no payment at all), then acknowledged, so the provider stops retrying. Only a store that
  cannot write (disk full) makes the answer 503, and the provider retries.
"""
from __future__ import annotations

import logging
from http import HTTPStatus

from aiohttp import web

from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.http import context_of, documented, hub_of, json_error, public
from xiaoqu.core.http.helpers import ATTEMPTS_KEY, SOURCE_WEBHOOK, problem_log, read_body
from xiaoqu.core.ledger import LedgerError
from xiaoqu.core.rowstore import RowStoreError

from .const import AUDIT_NOTIFY_REFUSED, DATA_PAYMENTS, NOTIFY_MAX_BODY, NOTIFY_PATH
from .errors import NotifyRefused, NotifyUnreadable
from .provider import PaymentProvider

_LOGGER = logging.getLogger(__name__)


def add_routes(app: web.Application) -> None:
    app.router.add_post(NOTIFY_PATH, handle_notify)


@documented(body=dict)
@public(max_body=NOTIFY_MAX_BODY)
async def handle_notify(request: web.Request) -> web.StreamResponse:
    hub = hub_of(request)
    payments = hub.data.get(DATA_PAYMENTS)
    name = request.match_info["provider"]
    provider = payments.providers.get(name) if payments is not None else None
    if payments is None or provider is None:
        problem_log(hub).warning(("payments_unknown", request.remote), "Payment notify from %s for provider %r, "
                                 "which is not registered", request.remote, name[:32])
        raise json_error(HTTPStatus.NOT_FOUND, "There is no such payment provider.")
    body = await read_body(request)
    try:
        notice = provider.read_notify(request.headers, body, hub.clock.time())
    except NotifyRefused as refused:
        return await _refuse(request, provider, str(refused))
    except NotifyUnreadable as err:
        _LOGGER.error("Payment notify through %s from %s is signed but cannot be read: %s", name, request.remote, err)
        return provider.refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "the notify cannot be read; see the hub's log")
    request.app[ATTEMPTS_KEY].succeeded(request.remote)
    if notice is None:
        return provider.acknowledge()
    try:
        taken = await payments.take(provider, notice, context_of(request), request.remote)
    except (LedgerError, RowStoreError) as err:
        _LOGGER.error("Payment %s through %s could not be recorded (%s); the provider will retry", notice.payment_id,
                      name, err)
        return provider.refuse(HTTPStatus.SERVICE_UNAVAILABLE, "the payment could not be recorded; retry")
    _LOGGER.info("Payment notify %s through %s for order %s: %s (%s)", notice.notify_id, name, notice.order_id,
                 taken.outcome, taken.reason)
    return provider.acknowledge()


async def _refuse(request: web.Request, provider: PaymentProvider, reason: str) -> web.StreamResponse:
    """401 in the provider's form; audited, and counted toward the address's ban."""
    hub = hub_of(request)
    get_access(hub).manager.audit.record(AUDIT_NOTIFY_REFUSED, Actor(SOURCE_WEBHOOK, None, None, request.remote),
                                         provider=provider.name, reason=reason)
    await request.app[ATTEMPTS_KEY].failed(request.remote, f"payment notify through {provider.name} refused: {reason}")
    return provider.refuse(HTTPStatus.UNAUTHORIZED, "signature refused")
