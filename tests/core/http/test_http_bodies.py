"""What goes in and out as JSON: bodies read through core.payload, answers that one odd value cannot break."""
from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import threading

from xiaoqu.core import payload
from xiaoqu.core.http import register_webhook, webhook_payload


class Unprintable:
    """What a careless plugin might leave in an attribute: an object that cannot even be shown."""

    def __str__(self) -> str:
        raise RuntimeError("no")

    __repr__ = __str__


async def test_one_lone_surrogate_does_not_break_the_state_list(api, caplog) -> None:
    states = api.hub.states
    states.set("door.block3_unit1", "locked", {"friendly_name": "3-1 单元门"})
    # set directly in the state machine, as a plugin could: no HTTP body was involved
    states.set("sensor.bad_label", "on", {"label": "x\ud800y", "ratio": math.nan, "odd": Unprintable()})
    states.set("sensor.lane_2", "12")
    caplog.set_level(logging.WARNING)
    for _ in range(2):
        status, body = await api.request("GET", "/api/states", role="guard")
        assert status == 200
        by_id = {state["entity_id"]: state for state in body}
        assert set(by_id) == {"door.block3_unit1", "sensor.bad_label", "sensor.lane_2"}
        assert by_id["door.block3_unit1"]["attributes"] == {"friendly_name": "3-1 单元门"}
        assert by_id["sensor.lane_2"]["state"] == "12"
        assert by_id["sensor.bad_label"]["attributes"] == {"label": "x\ufffdy", "ratio": None,
                                                           "odd": "<unwritable Unprintable>"}
    status, body = await api.request("GET", "/api/states/sensor.bad_label", role="guard")
    assert status == 200 and body["attributes"]["label"] == "x\ufffdy"
    logged = [r.getMessage() for r in caplog.records if "sensor.bad_label" in r.getMessage()]
    assert len(logged) == 1, logged  # three answers, one line
    assert "cleaned" in logged[0]


async def test_other_answers_are_cleaned_too(api) -> None:
    def relabel(call) -> None:
        api.hub.states.set("sensor.bad_label", "on", {"label": "x\ud800y"}, context=call.context)

    api.hub.services.register("demo", "relabel", relabel)
    status, body = await api.request("POST", "/api/services/demo/relabel", json={})
    assert status == 200 and body[0]["attributes"] == {"label": "x\ufffdy"}


async def test_bodies_are_cleaned_on_entry(api) -> None:
    status, body = await api.request(
        "POST", "/api/states/sensor.plate", data=b'{"state": "\\ud800A", "attributes": {"\\udfffk": ["\\ud801"]}}'
    )
    assert status == 201 and body["state"] == "\ufffdA"
    assert api.hub.states.get("sensor.plate").attributes == {"\ufffdk": ["\ufffd"]}
    assert (await api.request("GET", "/api/states"))[0] == 200


async def test_bad_bodies_are_refused_saying_what_and_where(api) -> None:
    events: list = []
    api.hub.bus.listen("lpr_plate", events.append)
    status, body = await api.request("POST", "/api/events/lpr_plate", data=b'{"speed": NaN}')
    assert (status, body) == (400, {"message": "The body is not accepted: NaN is not a JSON number."})
    deep = b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}"
    status, body = await api.request("POST", "/api/events/lpr_plate", data=deep)
    assert status == 400 and body["message"].startswith("The body is not accepted: $.a[0][0]")
    assert "nested deeper than 32 levels" in body["message"]
    status, body = await api.request("POST", "/api/events/lpr_plate", data=b'{"n": ' + b"9" * 5000 + b"}")
    assert status == 400 and "a number has more than 4300 digits" in body["message"]
    status, body = await api.request("POST", "/api/events/lpr_plate", data=b'{"a": "\xff"}')
    assert (status, body) == (400, {"message": "The body is not accepted: not UTF-8 (byte 7)."})
    assert events == []


async def test_webhook_payloads_are_read_through_the_same_parser(api, caplog) -> None:
    payloads: list = []

    async def handler(hub, webhook_id, request):
        payloads.append(await webhook_payload(request))

    webhook_id = "d" * 64
    register_webhook(api.hub, webhook_id, handler)
    headers = {"Content-Type": "application/json"}
    status, _ = await api.request("POST", f"/api/webhook/{webhook_id}", role=None, headers=headers,
                                  data=b'{"plate": "\\ud800A"}')
    assert status == 200 and payloads[-1]["json"] == {"plate": "\ufffdA"}
    caplog.set_level(logging.WARNING)
    status, _ = await api.request("POST", f"/api/webhook/{webhook_id}", role=None, headers=headers,
                                  data=b"[" * 100_000)
    assert status == 200 and "json" not in payloads[-1]
    assert any("nested deeper" in r.getMessage() and "127.0.0.1" in r.getMessage() for r in caplog.records)


# --- limits: what a client without a token can make the hub read and parse -----------------


async def _raw_request(api, head: bytes, body: bytes) -> tuple[int, dict]:
    """Send ``head`` and the start of a body, and read the answer without sending the rest.

    The answer can only come if the hub stopped reading where the limit is; the timeout only
    stops a failing test from hanging.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", api.hub.data["http"].port)
    try:
        writer.write(head + b"\r\n" + body)
        await writer.drain()
        async with asyncio.timeout(20):
            status = int((await reader.readline()).split()[1])
            headers = {}
            while (line := await reader.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            answer = await reader.readexactly(int(headers["content-length"]))
    finally:
        writer.close()
    return status, json.loads(answer)


LOGIN_HEAD = b"POST /api/auth/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"


async def test_a_big_login_body_is_refused_before_it_is_read(api) -> None:
    status, body = await _raw_request(api, LOGIN_HEAD + b"Content-Length: 1048576\r\n", b'{"username": "')
    assert status == 413
    assert body == {"message": "The body is over 4096 bytes, the most POST /api/auth/login takes without a token."}
    # without a Content-Length, reading stops at the limit
    chunk = b'{"username": "' + b"a" * 8192
    status, body = await _raw_request(api, LOGIN_HEAD + b"Transfer-Encoding: chunked\r\n",
                                      b"%x\r\n%s\r\n" % (len(chunk), chunk))
    assert status == 413 and "4096 bytes" in body["message"]


async def test_an_address_that_keeps_sending_bad_bodies_is_banned(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, {"http": {"server_port": 0, "login_attempts_threshold": 3}}) as api:
        big = b'{"username": "' + b"a" * (1024 * 1024) + b'"}'
        assert (await api.request("POST", "/api/auth/login", role=None, data=io.BytesIO(big)))[0] == 413
        assert (await api.request("POST", "/api/auth/login", role=None, data=b"{not json"))[0] == 400
        assert (await api.request("POST", "/api/auth/login", role=None, data=b"[" * 100))[0] == 400
        status, body = await api.request("POST", "/api/auth/login", role=None,
                                         json={"username": "admin", "password": "admin"})
        assert status == 403 and "banned" in body["message"]
        assert [ban["ip"] for ban in api.hub.data["auth"].manager.bans()] == ["127.0.0.1"]


async def test_a_token_holder_and_a_webhook_may_send_big_bodies(api) -> None:
    big = {"plates": ["京A12345"] * 50_000}  # ~600 KiB
    assert (await api.request("POST", "/api/events/bulk", json=big))[0] == 200
    payloads: list = []

    async def handler(hub, webhook_id, request):
        payloads.append(await webhook_payload(request))

    register_webhook(api.hub, "e" * 64, handler)
    assert (await api.request("POST", "/api/webhook/" + "e" * 64, role=None, json=big))[0] == 200
    assert payloads[0]["json"] == big


async def test_a_big_body_is_parsed_off_the_event_loop(api, monkeypatch) -> None:
    from xiaoqu.core.http import helpers

    threads: list[int] = []

    def loads(data):
        threads.append(threading.get_ident())
        return payload.loads(data)

    monkeypatch.setattr(helpers, "loads", loads)
    loop_thread = threading.get_ident()
    assert (await api.request("POST", "/api/events/small", json={"plate": "京A12345"}))[0] == 200
    assert (await api.request("POST", "/api/events/bulk", json={"plates": ["京A12345"] * 50_000}))[0] == 200
    assert threads[0] == loop_thread and threads[1] != loop_thread


# --- logs a client can flood ----------------------------------------------------------------


async def _abort_upload(api, path: str, token: str | None) -> None:
    """Start a 3,000-byte upload, send 100 bytes of it and go away; return once the hub hung up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", api.hub.data["http"].port)
    head = f"POST {path} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 3000\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    writer.write(head.encode() + b"\r\n" + b'{"a": "' + b"x" * 93)
    await writer.drain()
    writer.write_eof()
    async with asyncio.timeout(20):  # only so a failing test cannot hang
        await reader.read()  # the hub closed its end: the request was handled
    writer.close()


async def test_aborted_uploads_are_logged_once_a_minute_without_a_traceback(api, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    for n in range(50):
        await _abort_upload(api, "/api/events/bulk", api.tokens["admin"] if n % 2 else None)
    await _abort_upload(api, "/api/auth/login", None)
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r for r in lines if r.exc_info] == []
    assert "Traceback" not in caplog.text
    assert len(lines) <= 2, [r.getMessage() for r in lines]
    assert "127.0.0.1" in lines[0].getMessage() and "went away" in lines[0].getMessage()
    assert (await api.request("GET", "/api/health", role=None))[0] == 200, "not banned: going away is no failure"
