"""The cameras' HTTP pushes: ``/api/lpr/<camera>/<secret>`` (Dahua adds ``/NotificationInfo/<message>``).

Cameras cannot hold a bearer token; they can be given a URL. So each camera has its own
route with its own secret in the path (as a webhook id is), and the route is public:

- an unknown camera is answered 404, a wrong secret 401 — both audited (``lpr_push_refused``)
  and counted toward the address's ban as a wrong password is; the secret is compared in
  constant time, and never logged (the log names the route's pattern);
- a camera pushing faster than :mod:`.throttle` allows is answered 429;
- a body over :data:`MAX_PUSH_BYTES` (8 MiB: a read with its pictures fits many times over)
  is refused 413 before it is read;
- the body is parsed by the camera's format (:mod:`.vzenith`, :mod:`.hikvision`,
  :mod:`.dahua`), a large one off the loop; one that cannot be read is answered 400;
- a read is taken (:meth:`Lpr.take`), and the camera answered with parking's reply, waited
  for up to ``reply_timeout`` (:mod:`.replies`).
"""
from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from aiohttp import web

from xiaoqu.core.auth import Actor
from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.http import hub_of, json_error, public
from xiaoqu.core.http.helpers import ATTEMPTS_KEY, PARSE_IN_EXECUTOR, problem_log, read_body

from . import dahua, hikvision, vzenith
from .const import AUDIT_PUSH_REFUSED, DAHUA, DATA_LPR, HIKVISION, HTTP_FORMATS, MAX_PUSH_BYTES, ROUTE
from .decoding import PushError
from .lpr import DUPLICATE, Lpr
from .models import NO_REPLY, Camera
from .push import Push
from .rules import Verdict

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

SOURCE: Final = "lpr_push"
#: Reads whose camera waits for parking's reply; the others get one only if it is already there.
WAITING: Final = frozenset({Verdict.READ, Verdict.FOLDED, DUPLICATE})


def add_routes(app: web.Application) -> None:
    app.router.add_post(ROUTE, receive)
    app.router.add_put(ROUTE, receive)


async def _refuse(request: web.Request, status: int, camera: str, reason: str) -> web.HTTPException:
    """Audit the refusal, count it toward the address's ban, and the error to raise."""
    hub = hub_of(request)
    get_auth(hub).manager.audit.record(AUDIT_PUSH_REFUSED, Actor(SOURCE, None, None, request.remote),
                                       camera=camera[:64], reason=reason)
    await request.app[ATTEMPTS_KEY].failed(request.remote, f"plate camera push refused: {reason}")
    return json_error(status, f"Refused: {reason}.")


async def _camera(request: web.Request, lpr: Lpr) -> Camera:
    camera_id = request.match_info["camera"]
    camera = lpr.cameras.get(camera_id)
    if camera is None or camera.format not in HTTP_FORMATS or camera.secret is None:
        raise await _refuse(request, HTTPStatus.NOT_FOUND, camera_id, "no camera pushes to this address")
    if not hmac.compare_digest(request.match_info["secret"].encode(), camera.secret.encode()):
        raise await _refuse(request, HTTPStatus.UNAUTHORIZED, camera_id, "wrong secret")
    return camera


@public(max_body=MAX_PUSH_BYTES)
async def receive(request: web.Request) -> web.StreamResponse:
    hub = hub_of(request)
    lpr = hub.data.get(DATA_LPR)
    if lpr is None:
        raise json_error(HTTPStatus.SERVICE_UNAVAILABLE, "The plate cameras' integration is not running.")
    camera = await _camera(request, lpr)
    if not lpr.throttle.allow(camera.id):
        problem_log(hub).warning(("lpr_throttled", camera.id), "Camera %s pushes too fast; refused with 429", camera.id)
        return web.Response(status=HTTPStatus.TOO_MANY_REQUESTS)
    request.app[ATTEMPTS_KEY].succeeded(request.remote)
    body = await read_body(request)
    try:
        push = await _parse(hub, camera, request, body)
    except PushError as err:
        problem_log(hub).warning(("lpr_unreadable", camera.id), "Camera %s sent a push that cannot be read: %s",
                                 camera.id, err)
        raise json_error(HTTPStatus.BAD_REQUEST, f"The push cannot be read: {err}.") from None
    return await _answer(lpr, push)


async def _parse(hub: Hub, camera: Camera, request: web.Request, body: bytes) -> Push:
    content_type = request.headers.get("Content-Type", "").lower()
    job: Callable[[], Push]
    if camera.format == HIKVISION:
        job = partial(hikvision.parse, camera, content_type, body)
    elif camera.format == DAHUA:
        job = partial(dahua.parse, camera, request.match_info["tail"], body, hub.clock.tz)
    else:
        job = partial(vzenith.parse, camera, content_type, body)
    return await hub.run_in_executor(job) if len(body) > PARSE_IN_EXECUTOR else job()


async def _answer(lpr: Lpr, push: Push) -> web.Response:
    reply = NO_REPLY
    if push.read is not None:
        taken = await lpr.take(push.read)
        timeout = lpr.reply_timeout if taken.verdict in WAITING else 0.0
        reply = await lpr.replies.wait(taken.answered_by, timeout)
    answer = push.answer(reply)
    return web.Response(body=answer.body, content_type=answer.content_type, charset="utf-8")
