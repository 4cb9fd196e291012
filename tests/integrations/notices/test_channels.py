"""The webhook and email channels against real local servers: a signed POST with the household's
phone (opened from residents for the request, never in the log or the delivery), retried after a
503, refused at once after a 400; a mail through a small SMTP server; one channel failing while
the others deliver (a plugin's channel: test_channel_plugin.py)."""
from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.notices.conftest import ALICE, BOB, site

SECRET = "s" * 32


@asynccontextmanager
async def gateway(answers: list[int]) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """An SMS gateway on a free port answering ``answers`` in turn (then 200); what it was sent."""
    seen: list[dict[str, Any]] = []

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(SECRET.encode(), request.headers["X-Xiaoqu-Timestamp"].encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        seen.append({"signed": hmac.compare_digest(expected, request.headers["X-Xiaoqu-Signature"]),
                     **json.loads(body)})
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/send", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/send", seen
    finally:
        await runner.cleanup()


@asynccontextmanager
async def smtp_server() -> AsyncIterator[tuple[int, list[email.message.Message]]]:
    """A mail server that speaks enough SMTP to take a message, and keeps what it took."""
    mails: list[email.message.Message] = []

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 localhost ready\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250 localhost\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                data = await reader.readuntil(b"\r\n.\r\n")
                mails.append(email.message_from_bytes(data[:-5], policy=email.policy.default))
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], mails
    finally:
        server.close()
        await server.wait_closed()


async def test_webhook_signed_retried_and_the_phone_never_logged(site_dir: Path, broker: BrokerProcess,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with gateway([503, 503]) as (url, seen):
        channels = {"webhook": {"url": url, "secret": SECRET, "backoff": 0.01, "retries": 3}, "log": {}}
        async with site(site_dir, broker, channels=channels, default_channels=["webhook", "log"]) as here:
            sent = await here.notices.send({"household": ALICE}, title="停车场维修", body="明日停车场B区维修。")
            await here.settle()
            assert len(seen) == 3 and all(request["signed"] for request in seen)
            assert seen[-1]["to"] == ["13812345678"] and seen[-1]["household"] == ALICE
            [row] = here.notices.recipients_of(sent["notice_id"])
            assert row["channels"]["webhook"]["status"] == "sent" and row["status"] == "sent"
            assert "13812345678" not in caplog.text
            assert "13812345678" not in (Path(here.hub.config.data_dir) / "notices.db").read_bytes().decode("latin-1")


async def test_a_refusing_gateway_fails_its_delivery_and_the_others_still_deliver(
        site_dir: Path, broker: BrokerProcess) -> None:
    async with gateway([400]) as (url, seen), smtp_server() as (port, mails):
        channels = {"webhook": {"url": url, "secret": SECRET, "backoff": 0.01}, "log": {}, "mqtt": {},
                    "email": {"host": "127.0.0.1", "port": port, "sender": "wuye@example.com"}}
        async with site(site_dir, broker, channels=channels) as here:
            here.notices.contacts.add_source("email", lambda household: [f"{household}@example.com"]
                                             if household == ALICE else [])
            sent = await here.call("staff", "send", to={"all": True}, title="消防演练", body="本周六上午消防演练。",
                                   channels=["webhook", "email", "mqtt", "log"])
            await here.settle()
            rows = {row["household"]: row for row in here.notices.recipients_of(sent["notice_id"])}
            assert len(seen) == 2  # a 400 is not retried: one request per household
            first = rows[ALICE]["channels"]
            assert (first["webhook"]["status"], first["webhook"]["reason"]) == ("failed", "the gateway answered 400")
            assert first["email"]["status"] == "sent" and first["mqtt"]["status"] == "sent"
            assert rows[BOB]["channels"]["email"] == {**rows[BOB]["channels"]["email"], "status": "failed",
                                                      "reason": f"household {BOB} has no email on record"}
            assert rows[ALICE]["status"] == "sent"
            [mail] = mails
            assert mail["To"] == f"{ALICE}@example.com" and mail["Subject"] == "消防演练"
            assert mail["X-Xiaoqu-Notice"] == sent["notice_id"]
            assert "本周六上午消防演练" in mail.get_content()
            counts = here.notices.counts(here.notices.notices[sent["notice_id"]])
            assert counts == {"pending": 0, "sent": 2, "failed": 0, "acknowledged": 0}


async def test_a_channel_with_a_bad_section_stops_the_set_up_naming_the_key(site_dir: Path,
                                                                           broker: BrokerProcess) -> None:
    from tests.integrations.portal.conftest import portal_config
    from xiaoqu.core.testing import running_hub

    config = portal_config(broker, notices={"channels": {"webhook": {"url": "ftp://x", "secret": "short"}}})
    async with running_hub(site_dir, config, expect_problems=True) as hub:
        assert "notices" not in hub.data
