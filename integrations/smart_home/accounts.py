"""One MQTT account per household, for the embedded broker and for Mosquitto.

``smart_home.write_accounts`` writes, for every household residents knows:

- ``accounts_file`` (``household_accounts.yaml`` beside config.yaml, mode 0600): the
  accounts as ``mqtt: users:`` takes them (``household-1-2-0601: {password: ..., household:
  1-2-0601}``), for ``mqtt: users: !include household_accounts.yaml`` on the embedded
  broker, and for handing each household its password. A household that already has an
  account keeps its password; a new one gets a fresh random one; a household that is gone
  loses its account. This file is the only place a password is written in clear.
- ``mosquitto_acl`` (when set): Mosquitto's ``acl_file`` giving each account what the
  embedded broker gives it (``integrations/mqtt/broker.py``): the hub every topic, each
  ``mqtt: users`` account its own, each household ``xiaoqu/<site>/household/<id>/#`` and the
  hub's status.
- ``mosquitto_passwd`` (when set): Mosquitto's ``password_file`` with PBKDF2-SHA512 hashes
  (its ``$7$`` format, as ``mosquitto_passwd`` writes them) of the same accounts, and of the
  hub's when ``mqtt: broker`` gives its password.

Passwords are never logged, audited or answered: the service says how many accounts there
are and which files it wrote. Brokers read these files when they start (Mosquitto also on
SIGHUP).
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from xiaoqu.integrations.mqtt.broker import HUB_USER, account_topics

from .discovery import household_prefix

ACCOUNT_PREFIX: Final = "household-"
#: Mosquitto's own defaults for ``$7$`` hashes (mosquitto_passwd: 101 iterations, 12-byte salt).
PBKDF2_ITERATIONS: Final = 101
SALT_BYTES: Final = 12
PASSWORD_BYTES: Final = 18


def account_name(household: str) -> str:
    return f"{ACCOUNT_PREFIX}{household}"


@dataclass(frozen=True, slots=True)
class Written:
    """What :func:`write_accounts` did (no passwords)."""

    accounts: int
    new: int
    removed: int
    files: list[str]

    def as_response(self) -> dict[str, Any]:
        return {"accounts": self.accounts, "new": self.new, "removed": self.removed, "files": self.files}


def household_accounts(households: Iterable[str], known: Mapping[str, Any]) -> tuple[dict[str, dict[str, str]], int]:
    """Every household's account, keeping the passwords ``known`` (the file as it was) holds;
    returns them and how many are new."""
    accounts: dict[str, dict[str, str]] = {}
    new = 0
    for household in sorted(households):
        name = account_name(household)
        entry = known.get(name)
        password = entry.get("password") if isinstance(entry, dict) else None
        if not isinstance(password, str) or not password:
            password = secrets.token_urlsafe(PASSWORD_BYTES)
            new += 1
        accounts[name] = {"password": password, "household": household}
    return accounts, new


def mosquitto_hash(password: str, salt: bytes | None = None) -> str:
    """``$7$<iterations>$<salt>$<hash>``: PBKDF2-HMAC-SHA512, as Mosquitto 2 stores passwords."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, PBKDF2_ITERATIONS)
    return f"$7${PBKDF2_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def mosquitto_acl(topic_root: str, hub_user: str, site_accounts: Mapping[str, Mapping[str, Any]],
                  households: Mapping[str, Mapping[str, str]]) -> str:
    """The ``acl_file``: per account, ``readwrite`` what it may publish and subscribe to,
    ``write`` what it may only publish, ``read`` what it may only subscribe to."""
    blocks = [f"# Written by smart_home.write_accounts for {topic_root}: edit config.yaml and residents, not this.\n",
              f"user {hub_user}\ntopic readwrite #\n"]
    for name, account in site_accounts.items():
        blocks.append(_block(name, *account_topics(dict(account), topic_root)))
    for name, account in households.items():
        own = f"{household_prefix(topic_root, account['household'])}/#"
        blocks.append(_block(name, [own], [own, f"{topic_root}/status"]))
    return "\n".join(blocks)


def _block(name: str, publish: list[str], subscribe: list[str]) -> str:
    lines = [f"user {name}"]
    lines += [f"topic readwrite {t}" for t in publish if t in subscribe]
    lines += [f"topic write {t}" for t in publish if t not in subscribe]
    lines += [f"topic read {t}" for t in subscribe if t not in publish]
    return "\n".join(lines) + "\n"


def mosquitto_passwd(passwords: Mapping[str, str]) -> str:
    return "".join(f"{name}:{mosquitto_hash(password)}\n" for name, password in passwords.items())


def read_accounts(path: Path) -> dict[str, Any]:
    """The accounts file as it is (empty when there is none yet)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by the hub's user only (0600), replacing the file at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    tmp.replace(path)


@dataclass(frozen=True, slots=True)
class AccountFiles:
    """Where the accounts go, and what the site's mqtt config says of its other accounts."""

    accounts_file: Path
    mosquitto_acl: Path | None
    mosquitto_passwd: Path | None
    topic_root: str
    hub_user: str
    hub_password: str | None
    site_accounts: Mapping[str, Mapping[str, Any]]


def write_accounts(files: AccountFiles, households: Iterable[str]) -> Written:
    """Write the files (blocking: hashing and disk; run it in the executor)."""
    known = read_accounts(files.accounts_file)
    accounts, new = household_accounts(households, known)
    removed = len([name for name in known if name.startswith(ACCOUNT_PREFIX) and name not in accounts])
    header = "# mqtt: users: !include this file. Written by smart_home.write_accounts; keep it private (0600).\n"
    write_private(files.accounts_file, header + yaml.safe_dump(accounts, sort_keys=True, allow_unicode=True))
    written = [str(files.accounts_file)]
    if files.mosquitto_acl is not None:
        acl = mosquitto_acl(files.topic_root, files.hub_user, files.site_accounts, accounts)
        write_private(files.mosquitto_acl, acl)
        written.append(str(files.mosquitto_acl))
    if files.mosquitto_passwd is not None:
        passwords = {name: str(account["password"]) for name, account in files.site_accounts.items()}
        if files.hub_password is not None:
            passwords[files.hub_user] = files.hub_password
        passwords.update({name: account["password"] for name, account in accounts.items()})
        write_private(files.mosquitto_passwd, mosquitto_passwd(passwords))
        written.append(str(files.mosquitto_passwd))
    return Written(len(accounts), new, removed, written)


def hub_account(broker: Mapping[str, Any]) -> tuple[str, str | None]:
    """The account the hub logs in to an outside broker with (the embedded broker makes its own)."""
    return str(broker.get("username") or HUB_USER), broker.get("password")
