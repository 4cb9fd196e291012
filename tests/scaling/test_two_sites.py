"""Two communities, each its own hub on its own broker, bridged with the shipped configuration,
and the company's report across both from the PostgreSQL they share.

``north`` runs on its estate's production broker (deploy/mosquitto.conf with its ACL) with the
bridge of its site's subtree to the company's broker (deploy/mosquitto/edge-bridge.conf);
``south``'s hub sits on the company's broker itself (deploy/mosquitto/company.conf with its
company.acl: a community next to the office, with no edge machine of its own). Every config is
the shipped file with only what an administrator changes for a site rewritten: the site's name,
the ports, the accounts' passwords, the data and certificate paths (a CA of the test's, made
with openssl: the bridge connects over TLS). The company's broker gets a plain loopback listener
besides, for south's hub and the test's clients.

Each hub runs as ``xiaoqu run`` in its own process with ``xiaoqu: database:`` on a fresh
database. Through the services and the device protocol, as the office, readers and residents'
apps use them: a billing run and a payment at each site, card swipes at each gate; north's fee
notice reaches the resident's app on the company's broker over the bridge and the app's
signature goes back over it and is answered by the north hub (once: south never acts on it).
With the company's broker gone, north's gate still answers (the estate's traffic never crosses
the bridge). Then ``xiaoqu company report`` shows both sites with the figures that traffic makes.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.conftest import SITE_TZ
from tests.e2e.players import user_token
from tests.fixtures_mqtt import MOSQUITTO, BrokerProcess, MqttProbe, free_port, mosquitto_available
from tests.fixtures_postgresql import URL, unreachable
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations.residents import get_residents

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "mosquitto"
#: The site the shipped files are written for, replaced as an administrator would.
SHIPPED_SITE = "lakeside"
PASSWD = shutil.which("mosquitto_passwd") or ""
OPENSSL = shutil.which("openssl") or ""
WAIT = 30.0  # seconds: a hub's start-up on a busy machine

pytestmark = pytest.mark.skipif(not mosquitto_available() or not PASSWD or not OPENSSL,
                                reason=f"needs Mosquitto ({MOSQUITTO}), mosquitto_passwd and openssl")

#: Each site's households and their floor areas; the property fee is ¥2.50 a m² a month.
HOUSEHOLDS = {"north": {"1-2-0601": "100.00", "1-2-0602": "80.00"},
              "south": {"2-1-0101": "90.00", "2-1-0102": "60.00", "2-1-0201": "50.00"}}
RATE_FEN = 250
CARDS = {"north": "0A0B0C01", "south": "0A0B0C02"}
UNKNOWN_CARD = "0FFFFFFF"


def shipped(path: Path, site: str, values: dict[str, str | None]) -> str:
    """The shipped file ``path`` for ``site`` (its example site's name replaced), each option
    named in ``values`` given that value (None: left out). Fails if the file lacks one of them,
    so the test follows the shipped file rather than a copy of it."""
    example = SHIPPED_SITE if path.parent == DEPLOY else "demo"  # deploy/mosquitto.acl's is demo
    lines, seen = [], set()
    for line in path.read_text(encoding="utf-8").replace(example, site).splitlines():
        key = line.split(" ", 1)[0]
        if key in values:
            seen.add(key)
            if values[key] is not None:
                lines.append(f"{key} {values[key]}")
            continue
        lines.append(line)
    assert seen == set(values), f"{path} no longer has {set(values) - seen}"
    return "\n".join(lines) + "\n"


class Mosquitto(BrokerProcess):
    """A Mosquitto on a shipped config, rewritten, with accounts of the test's."""

    def __init__(self, workdir: Path, port: int, users: tuple[str, ...]) -> None:
        super().__init__(workdir, "mosquitto", port)
        workdir.mkdir(parents=True)
        (workdir / "data").mkdir()
        self.conf = workdir / "mosquitto.conf"
        self.passwd = workdir / "passwd"
        self.passwords = {user: secrets.token_hex(8) for user in users}
        self.tls_port: int | None = None
        for user, password in self.passwords.items():
            subprocess.run([PASSWD, "-b", *(["-c"] if not self.passwd.exists() else []), str(self.passwd), user,
                            password], check=True, capture_output=True)

    def configure(self, config: str, acl: str) -> None:
        (self.workdir / "acl").write_text(acl, encoding="utf-8")
        # Started by root, Mosquitto would become the user "mosquitto", who cannot read the test's files.
        me = pwd.getpwuid(os.geteuid()).pw_name
        self.conf.write_text(f"{config}user {me}\nlog_dest file {self.workdir / 'mosquitto.log'}\n",
                             encoding="utf-8")

    def files(self) -> dict[str, str | None]:
        """The options that name this machine's files."""
        return {"password_file": str(self.passwd), "acl_file": str(self.workdir / "acl"),
                "persistence_location": f"{self.workdir / 'data'}/"}

    def _command(self) -> list[str]:
        return [MOSQUITTO, "-c", str(self.conf)]

    def account(self, user: str) -> dict[str, Any]:
        return {"username": user, "password": self.passwords[user]}

    def url_for(self, user: str) -> str:
        return f"mqtt://{user}:{self.passwords[user]}@{self.host}:{self.port}"


def certificates(workdir: Path) -> dict[str, Path]:
    """A CA of the test's and, signed by it, the company broker's certificate for 127.0.0.1."""
    workdir.mkdir(parents=True)
    files = {name: workdir / name for name in ("ca.key", "ca.crt", "company.key", "company.csr", "company.crt", "san")}
    files["san"].write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for command in (
        ["req", "-x509", *key, "-keyout", files["ca.key"], "-out", files["ca.crt"], "-days", "2", "-subj", "/CN=test CA"],
        ["req", *key, "-keyout", files["company.key"], "-out", files["company.csr"], "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", files["company.csr"], "-CA", files["ca.crt"], "-CAkey", files["ca.key"],
         "-CAcreateserial", "-out", files["company.crt"], "-days", "2", "-extfile", files["san"]],
    ):
        subprocess.run([OPENSSL, *map(str, command)], check=True, capture_output=True)
    return files


def company_broker(workdir: Path, tls: dict[str, Path]) -> Mosquitto:
    """deploy/mosquitto/company.conf and company.acl for site north: its TLS listener, where the
    bridge connects, on a free port with the test's certificate; and a plain listener on loopback
    for the test's clients and south's hub, whose accounts (and an observer's of everything that
    reaches this broker) are added."""
    broker = Mosquitto(workdir, free_port(),
                       ("bridge-north", "resident_north_1_2_0601", "hub-south", "reader_r1", "observer"))
    broker.tls_port = free_port()
    config = shipped(DEPLOY / "company.conf", "north", {
        **broker.files(), "listener": f"{broker.tls_port} {broker.host}", "certfile": str(tls["company.crt"]),
        "keyfile": str(tls["company.key"]), "cafile": str(tls["ca.crt"])})
    acl = shipped(DEPLOY / "company.acl", "north", {}) + (
        "\nuser hub-south\ntopic readwrite xiaoqu/south/#\n\nuser reader_r1\ntopic readwrite xiaoqu/south/reader/r1/#\n"
        "\nuser observer\ntopic read #\n")
    broker.configure(f"{config}listener {broker.port} {broker.host}\n", acl)
    return broker


def edge_broker(workdir: Path, company: Mosquitto, tls: dict[str, Path]) -> Mosquitto:
    """North's broker: a hub's production broker (deploy/mosquitto.conf and mosquitto.acl) with
    deploy/mosquitto/edge-bridge.conf for north to the company's broker's TLS listener."""
    broker = Mosquitto(workdir, free_port(), ("xiaoqu-hub", "reader_r1"))
    bridge = shipped(DEPLOY / "edge-bridge.conf", "north", {
        "address": f"{company.host}:{company.tls_port}", "remote_password": company.passwords["bridge-north"],
        "bridge_cafile": str(tls["ca.crt"])})
    broker.configure(shipped(DEPLOY.parent / "mosquitto.conf", "north",
                             {**broker.files(), "listener": f"{broker.port} {broker.host}"}) + bridge,
                     shipped(DEPLOY.parent / "mosquitto.acl", "north", {}))
    return broker


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A database of the test's own on the test server, so the report sees exactly its two
    sites; dropped afterwards."""
    reason = unreachable()
    if reason:
        pytest.skip(reason)
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"xiaoqu_company_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as err:
        pytest.skip(f"cannot create a database on {URL}: {str(err).strip()}")
    info = conninfo_to_dict(URL)
    url = "postgresql://{user}@{host}:{port}/{name}".format(
        user=info.get("user", ""), host=info.get("host", "127.0.0.1"), port=info.get("port", 5432), name=name)
    assert conninfo_to_dict(make_conninfo(url))["dbname"] == name
    try:
        yield url
    finally:
        with psycopg.connect(URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_config(site: str, database: str, broker: str) -> dict[str, Any]:
    return {
        "xiaoqu": {"name": f"{site} test", "site": site, "database": database},
        "http": {"server_port": free_port()},
        "mqtt": {"broker": broker},
        "residents": {"encryption_key": Fernet.generate_key().decode()},
        "access": {"groups": [{"id": "residents", "name": "Residents", "doors": ["*"],
                               "members": {"kinds": ["resident"]}}]},
        "door": {"doors": [{"id": "r1", "name": f"{site} gate"}]},  # its reader is r1
        "payments": {},
        "notices": {},
        # This month's bills, paid on whatever day the test runs: no late fee before the month is out.
        "billing": {"items": [{"id": "property_fee", "name": "物业费", "kind": "area", "rate_fen": RATE_FEN,
                               "due_day": 15}], "late_fee": {"grace_days": 31}},
    }


@dataclass
class Hub:
    """A site's ``xiaoqu run`` in its own process, and its office's token."""

    site: str
    directory: Path
    config: dict[str, Any]
    token: str = ""
    child: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return int(self.config["http"]["server_port"])

    async def prepare(self) -> None:
        """The office's account and the estate (households, a resident with a card), written by
        a hub in this process before the site's own runs (as test_hub_killed does)."""
        self.directory.mkdir(parents=True)
        async with running_hub(self.directory, {**self.config, "http": {"server_port": 0}}) as hub:
            self.token = await user_token(hub, "office", "manager")
            residents = get_residents(hub)
            for household, area in HOUSEHOLDS[self.site].items():
                await residents.add_household(household, area)
            first = next(iter(HOUSEHOLDS[self.site]))
            await residents.add_person(name=f"{self.site} resident", household=first, kind="resident", role="owner",
                                       cards=CARDS[self.site])

    def start(self) -> None:
        path = write_config(self.directory, self.config)
        with (self.directory / "hub.log").open("wb") as log:
            self.child = subprocess.Popen([sys.executable, "-m", "xiaoqu.core.cli", "run", "-c", str(path)],
                                          cwd=self.directory, stdout=log, stderr=subprocess.STDOUT,
                                          env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def log(self) -> str:
        return (self.directory / "hub.log").read_text(encoding="utf-8", errors="replace")[-3000:]

    async def listening(self) -> None:
        start = time.monotonic()
        async with aiohttp.ClientSession() as session:
            while time.monotonic() - start < WAIT:
                assert self.child is not None and self.child.poll() is None, f"{self.site} exited:\n{self.log()}"
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"http://127.0.0.1:{self.port}/api/") as reply:
                        if reply.status < 500:
                            return
                await asyncio.sleep(0.1)
        pytest.fail(f"the {self.site} hub did not listen within {WAIT} s:\n{self.log()}")

    async def call(self, service: str, data: dict[str, Any]) -> Any:
        domain, name = service.split(".")
        url = f"http://127.0.0.1:{self.port}/api/services/{domain}/{name}?return_response"
        async with aiohttp.ClientSession() as session, session.post(
                url, json=data, headers={"Authorization": f"Bearer {self.token}"}) as reply:
            assert reply.status == 200, await reply.text()
            return (await reply.json())["service_response"]

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it: every store flushed and closed."""
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait(10)


@contextlib.asynccontextmanager
async def running(*hubs: Hub) -> AsyncIterator[None]:
    for hub in hubs:
        hub.start()
    try:
        await asyncio.gather(*(hub.listening() for hub in hubs))
        yield
    finally:
        for hub in hubs:
            hub.stop()


class Gate:
    """Plays a site's gate reader on a broker: presents a card, waits for the hub's answer."""

    def __init__(self, probe: MqttProbe, site: str) -> None:
        self.probe, self.site, self.count = probe, site, 0

    async def present(self, card: str) -> dict[str, Any]:
        self.count += 1
        request_id = f"{self.site}-{self.count}"
        root = f"xiaoqu/{self.site}/reader/r1"
        await self.probe.publish(f"{root}/credential", json.dumps({"request_id": request_id, "type": "card",
                                                                   "value": card}))

        def answer() -> dict[str, Any] | None:
            bodies = (json.loads(body) for body in self.probe.payloads(f"{root}/result"))
            return next((body for body in bodies if body.get("request_id") == request_id), None)

        found: dict[str, Any] = await self.probe.wait_until(answer, timeout=WAIT)
        return found


def report(database: str, *options: str) -> str:
    result = subprocess.run([sys.executable, "-m", "xiaoqu.core.cli", "company", "report", "--database", database,
                             *options], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def fen(households: dict[str, str], *which: str) -> int:
    return sum(int(float(area) * RATE_FEN) for household, area in households.items() if household in which)


async def test_two_communities_on_two_bridged_brokers_and_the_company_report(tmp_path: Path) -> None:
    with fresh_database() as database:
        tls = certificates(tmp_path / "certificates")
        company = company_broker(tmp_path / "company", tls)
        edge = edge_broker(tmp_path / "edge", company, tls)
        with company, edge:
            company.start()
            edge.start()
            north = Hub("north", tmp_path / "north", site_config("north", database, edge.url_for("xiaoqu-hub")))
            south = Hub("south", tmp_path / "south", site_config("south", database, company.url_for("hub-south")))
            for hub in (north, south):
                await hub.prepare()
            period = datetime.now(SITE_TZ).strftime("%Y-%m")
            notice = "xiaoqu/north/household/1-2-0601/notices/"
            async with running(north, south), \
                    MqttProbe(edge, "xiaoqu/north/reader/r1/result", **edge.account("reader_r1")) as north_devices, \
                    MqttProbe(company, f"{notice}#", "xiaoqu/north/status",
                              **company.account("resident_north_1_2_0601")) as app, \
                    MqttProbe(company, "xiaoqu/south/reader/r1/result", **company.account("reader_r1")) as south_devices, \
                    MqttProbe(company, "xiaoqu/north/#", **company.account("observer")) as observer:
                # North's status reaches the company's broker over the bridge.
                await app.wait_for("xiaoqu/north/status", b"online", timeout=WAIT)

                # North: the office bills the month, the fee notice reaches the resident's app on
                # the company's broker; the app signs it there, and north's answer comes back.
                ran = await north.call("billing.run", {"period": period})
                assert (ran["notices"], ran["total_fen"]) == (2, fen(HOUSEHOLDS["north"], *HOUSEHOLDS["north"])), ran
                published = await app.wait_until(lambda: next(
                    (m for m in app.messages if re.fullmatch(re.escape(notice) + r"[^/]+", m.topic.value)), None),
                    timeout=WAIT)
                notice_id = published.topic.value.removeprefix(notice)
                assert json.loads(published.payload)["ref"] == f"billing:{period}:1-2-0601"
                await app.publish(f"{notice}{notice_id}/ack", json.dumps({"signed": True}))
                answer = json.loads((await app.wait_for(f"{notice}{notice_id}/status", timeout=WAIT)).payload)
                assert answer["taken"] is True, answer
                await north.call("billing.pay", {"household": "1-2-0601", "amount_fen": 25_000,  # the bill in full
                                                 "payment_id": "north-desk-1", "method": "cash"})

                # North's gate on its own broker: its resident in, a stranger's card refused.
                north_gate = Gate(north_devices, "north")
                assert (await north_gate.present(CARDS["north"]))["granted"] is True
                assert (await north_gate.present(UNKNOWN_CARD))["granted"] is False

                # South, on the company's broker: a run, part of one bill paid, its gate.
                ran = await south.call("billing.run", {"period": period})
                assert (ran["notices"], ran["total_fen"]) == (3, fen(HOUSEHOLDS["south"], *HOUSEHOLDS["south"])), ran
                await south.call("billing.pay", {"household": "2-1-0101", "amount_fen": 10_000,
                                                 "payment_id": "south-desk-1", "method": "cash"})
                south_gate = Gate(south_devices, "south")
                for card, granted in ((CARDS["south"], True), (UNKNOWN_CARD, False), (CARDS["north"], False)):
                    assert (await south_gate.present(card))["granted"] is granted
                # South answered its own gate after north's signature crossed its broker: it did
                # not answer north's (one status, north's).
                assert len(app.payloads(f"{notice}{notice_id}/status")) == 1

                # What of north's reached the company's broker: its states, its status and its
                # household's notice and signature; never its gate's card reads or answers.
                await observer.wait_until(lambda: any(m.topic.value.startswith("xiaoqu/north/state/")
                                                      for m in observer.messages))
                crossed = {m.topic.value.split("/")[2] for m in observer.messages}
                assert crossed == {"state", "status", "household"}, crossed

                # The company's broker goes away: north's gate still answers on north's broker.
                company.kill()
                assert (await north_gate.present(CARDS["north"]))["granted"] is True

        with psycopg.connect(database, autocommit=True) as connection:  # a site whose hub keeps SQLite files
            connection.execute("CREATE SCHEMA xiaoqu_east")
        table = report(database, "--since", f"{period}-01")
        print("\n" + table)
        found = json.loads(report(database, "--since", f"{period}-01", "--format", "json"))

    sites = {site["site"]: site for site in found["sites"]}
    assert set(sites) == {"north", "south", "east"}
    assert sites["east"]["billing"] is None and sites["east"]["access"] is None
    assert [note.split(" (")[0] for note in sites["east"]["notes"]] == ["no billing ledger", "no recorder"]
    north_billed = fen(HOUSEHOLDS["north"], *HOUSEHOLDS["north"])
    assert sites["north"]["billing"] == {
        "bills": 2, "billed_fen": north_billed, "waived_fen": 0, "collected_fen": 25_000, "rate_percent": "55.6",
        "taken_fen": 25_000, "arrears_fen": north_billed - 25_000, "late_fee_fen": 0, "households_owing": 1}
    south_billed = fen(HOUSEHOLDS["south"], *HOUSEHOLDS["south"])
    assert sites["south"]["billing"] == {
        "bills": 3, "billed_fen": south_billed, "waived_fen": 0, "collected_fen": 10_000, "rate_percent": "20.0",
        "taken_fen": 10_000, "arrears_fen": south_billed - 10_000, "late_fee_fen": 0, "households_owing": 3}
    assert sites["north"]["access"] == {"access_granted": 2, "access_denied": 1}
    assert sites["south"]["access"] == {"access_granted": 1, "access_denied": 2}
    assert found["totals"]["collected_fen"] == 35_000 and found["totals"]["rate_percent"] == "36.8"
    assert sites["north"]["notes"] == sites["south"]["notes"] == []
    assert "north" in table and "south" in table and "¥450.00" in table
