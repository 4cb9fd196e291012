"""Users, their tokens and banned addresses, kept in the ``auth`` store.

Everything is held in memory and written through to the store, so checking a token on an API
request is a SHA-256 and a dict lookup, with no I/O. Only hashes of passwords and tokens are
ever written. Each change is audited with the actor who made it.
"""
from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from tinydb import Query

from xiaoqu.core.auth import audit
from xiaoqu.core.auth.audit import Actor, AuditLog
from xiaoqu.core.auth.crypto import (
    MAX_TOKEN_LENGTH,
    check_password_strength,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)
from xiaoqu.core.auth.permissions import ROLES
from xiaoqu.core.errors import HubError
from xiaoqu.core.storage import Storage, Store
from xiaoqu.core.validation import name as valid_name
from xiaoqu.core.validation import vol

STORE_NAME: Final = "auth"
STORE_VERSION: Final = 1
USERS: Final = "users"
TOKENS: Final = "tokens"
BANS: Final = "ip_bans"

LONG_LIVED: Final = "long_lived"
LOGIN: Final = "login"
DEFAULT_TOKEN_DAYS: Final = 3650  # as Home Assistant's long-lived tokens: revoke, don't wait
DAY: Final = 86_400.0
#: Password checks running at once: each takes 32 MiB and a core for a moment, so a flood of
#: logins queues here instead of exhausting the machine.
MAX_CONCURRENT_HASHES: Final = 2

USER_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,63}$")


class AuthError(HubError):
    """A user or token command that cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    role: str
    created: float
    has_password: bool

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "created": _iso(self.created),
                "has_password": self.has_password}


@dataclass(frozen=True, slots=True)
class Token:
    """A token's record; the token itself is not here and cannot be recovered."""

    id: str
    user_id: str
    name: str
    kind: str
    created: float
    expires: float | None

    def as_dict(self, user: User | None = None) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "user": user.name if user else None, "kind": self.kind,
                "created": _iso(self.created), "expires": _iso(self.expires) if self.expires else None}


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds")


def check_user_name(name: object) -> str:
    if not isinstance(name, str) or not USER_NAME.fullmatch(name):  # fullmatch: "$" lets "admin\n" through
        raise AuthError(
            f"user name {name!r} must be 1-64 characters: lower-case letters, digits and _ . @ -, "
            "starting with a letter or digit"
        )
    return name


def check_token_name(name: object) -> str:
    """A token's name as staff gave it (``xiaoqu token create NAME``): shown in lists and the audit log."""
    try:
        return valid_name(name)
    except vol.Invalid as err:
        raise AuthError(f"token name: {err.msg}") from None


def check_role(role: object) -> str:
    if role not in ROLES:
        raise AuthError(f"role {role!r} does not exist; roles are: {', '.join(ROLES)}")
    return str(role)


class AuthManager:
    """The site's users, tokens and IP bans."""

    def __init__(self, store: Store, audit_log: AuditLog, clock: Callable[[], float]) -> None:
        self._users_table = store.table(USERS)
        self._tokens_table = store.table(TOKENS)
        self._bans_table = store.table(BANS)
        self.audit = audit_log
        self._clock = clock
        self._hashing = asyncio.Semaphore(MAX_CONCURRENT_HASHES)
        self._passwords: dict[str, str | None] = {}
        self._users: dict[str, User] = {}
        self._by_name: dict[str, User] = {}
        for doc in self._users_table.all():
            self._remember_user(doc)
        self._tokens: dict[str, Token] = {}
        self._by_hash: dict[str, Token] = {}
        self._hash_of: dict[str, str] = {}
        for doc in self._tokens_table.all():
            self._remember_token(doc)
        self._bans: dict[str, dict[str, Any]] = {doc["ip"]: dict(doc) for doc in self._bans_table.all()}

    @classmethod
    async def open(cls, storage: Storage, audit_log: AuditLog, clock: Callable[[], float]) -> AuthManager:
        """Open the ``auth`` store (the caller closes ``storage``) and drop expired tokens."""
        manager = cls(await storage.open(STORE_NAME, version=STORE_VERSION), audit_log, clock)
        await manager.purge_expired()
        return manager

    # --- users ------------------------------------------------------------------------------

    def _remember_user(self, doc: dict[str, Any]) -> User:
        user = User(doc["id"], doc["name"], doc["role"], doc["created"], bool(doc.get("password")))
        self._users[user.id] = user
        self._by_name[user.name] = user
        self._passwords[user.id] = doc.get("password")
        return user

    def users(self) -> list[User]:
        return sorted(self._users.values(), key=lambda u: u.name)

    def user(self, user_id: str | None) -> User | None:
        return self._users.get(user_id) if user_id is not None else None

    def user_by_name(self, name: str) -> User | None:
        return self._by_name.get(name)

    def _existing(self, name: str) -> User:
        user = self._by_name.get(name)
        if user is None:
            raise AuthError(f"no user {name!r}; add one with: xiaoqu user add {name} --role ROLE")
        return user

    async def add_user(self, name: str, role: str, password: str | None, actor: Actor) -> User:
        check_user_name(name)
        check_role(role)
        if name in self._by_name:
            raise AuthError(f"user {name!r} already exists")
        if password is not None:
            check_password_strength(password)
        doc = {
            "id": secrets.token_hex(16),
            "name": name,
            "role": role,
            "created": self._clock(),
            "password": await self._hash(password) if password is not None else None,
        }
        if name in self._by_name:  # added meanwhile, while the password was being hashed
            raise AuthError(f"user {name!r} already exists")
        await self._users_table.insert(doc)
        user = self._remember_user(doc)
        self.audit.record(audit.USER_ADDED, actor, user=name, role=role, with_password=password is not None)
        return user

    async def remove_user(self, name: str, actor: Actor) -> User:
        """Remove a user and revoke every token they hold."""
        user = self._existing(name)
        for token in [t for t in self._tokens.values() if t.user_id == user.id]:
            await self._drop_token(token)
        await self._users_table.remove(Query().id == user.id)
        del self._users[user.id], self._by_name[user.name], self._passwords[user.id]
        self.audit.record(audit.USER_REMOVED, actor, user=name, role=user.role)
        return user

    async def set_password(self, name: str, password: str, actor: Actor) -> User:
        user = self._existing(name)
        check_password_strength(password)
        encoded = await self._hash(password)
        await self._users_table.update({"password": encoded}, Query().id == user.id)
        self._passwords[user.id] = encoded
        changed = self._users[user.id] = self._by_name[name] = User(user.id, name, user.role, user.created, True)
        self.audit.record(audit.PASSWORD_CHANGED, actor, user=name)
        return changed

    async def check_password(
        self, name: str, password: str, *, proceed: Callable[[], bool] | None = None
    ) -> User | None:
        """The user if ``password`` is theirs; None otherwise (taking the same time either way).

        Hashing is queued (it is slow on purpose); ``proceed`` is asked once this call's turn
        comes, so a login queued behind a flood from an address banned meanwhile costs nothing.
        """
        user = self._by_name.get(name) if isinstance(name, str) else None
        encoded = self._passwords.get(user.id) if user else None
        async with self._hashing:
            if proceed is not None and not proceed():
                return None
            ok = await asyncio.get_running_loop().run_in_executor(None, verify_password, password, encoded)
        return user if ok else None

    async def _hash(self, password: str) -> str:
        async with self._hashing:
            return await asyncio.get_running_loop().run_in_executor(None, hash_password, password)

    # --- tokens -----------------------------------------------------------------------------

    def _remember_token(self, doc: dict[str, Any]) -> Token:
        token = Token(doc["id"], doc["user_id"], doc["name"], doc["kind"], doc["created"], doc.get("expires"))
        self._tokens[token.id] = token
        self._by_hash[doc["hash"]] = token
        self._hash_of[token.id] = doc["hash"]
        return token

    def tokens(self, user_id: str | None = None) -> list[Token]:
        found = [t for t in self._tokens.values() if user_id is None or t.user_id == user_id]
        return sorted(found, key=lambda t: t.created)

    async def create_token(
        self,
        user_name: str,
        actor: Actor,
        *,
        name: str | None = None,
        days: float | None = DEFAULT_TOKEN_DAYS,
        kind: str = LONG_LIVED,
    ) -> tuple[Token, str]:
        """Make a token for ``user_name``; returns its record and the token, which is shown once."""
        user = self._existing(user_name)
        name = check_token_name(name or user.name)
        if days is not None and not days > 0:
            raise AuthError(f"a token must be valid for more than 0 days, not {days}")
        if kind == LOGIN:  # logins come and go all day: drop the expired ones as new ones come
            await self.purge_expired()
        token_id = secrets.token_hex(4)
        while token_id in self._tokens:
            token_id = secrets.token_hex(4)
        secret = new_token()
        now = self._clock()
        doc = {
            "id": token_id,
            "user_id": user.id,
            "name": name,
            "kind": kind,
            "created": now,
            "expires": now + days * DAY if days is not None else None,
            "hash": token_hash(secret),
        }
        await self._tokens_table.insert(doc)
        token = self._remember_token(doc)
        if kind == LONG_LIVED:  # logins are audited as logins
            self.audit.record(audit.TOKEN_CREATED, actor, token_id=token_id, token_name=token.name, user=user.name,
                              expires=_iso(token.expires) if token.expires else None)
        return token, secret

    def validate_token(self, secret: object) -> tuple[User, Token] | None:
        """The user and token record for a bearer token, or None if it is unknown or expired."""
        if not isinstance(secret, str) or not secret or len(secret) > MAX_TOKEN_LENGTH:
            return None
        token = self._by_hash.get(token_hash(secret))
        if token is None or (token.expires is not None and token.expires <= self._clock()):
            return None
        user = self._users.get(token.user_id)
        return (user, token) if user is not None else None

    async def revoke_token(self, token_id: str, actor: Actor) -> Token:
        token = self._tokens.get(token_id)
        if token is None:
            raise AuthError(f"no token with id {token_id!r}; `xiaoqu token list` shows the ids")
        await self._drop_token(token)
        user = self._users.get(token.user_id)
        act = audit.LOGOUT if token.kind == LOGIN and actor.user_id == token.user_id else audit.TOKEN_REVOKED
        self.audit.record(act, actor, token_id=token.id, token_name=token.name, user=user.name if user else None)
        return token

    async def _drop_token(self, token: Token) -> None:
        await self._tokens_table.remove(Query().id == token.id)
        del self._tokens[token.id]
        del self._by_hash[self._hash_of.pop(token.id)]

    async def purge_expired(self) -> int:
        now = self._clock()
        expired = [t for t in self._tokens.values() if t.expires is not None and t.expires <= now]
        for token in expired:
            await self._drop_token(token)
        return len(expired)

    # --- banned addresses -------------------------------------------------------------------

    def is_banned(self, ip: str | None) -> bool:
        return ip is not None and ip in self._bans

    def bans(self) -> list[dict[str, Any]]:
        return [{**ban, "banned_at": _iso(ban["banned_at"])} for ban in sorted(self._bans.values(), key=lambda b: b["banned_at"])]

    async def ban(self, ip: str, reason: str, actor: Actor) -> None:
        if ip in self._bans:
            return
        doc = {"ip": ip, "banned_at": self._clock(), "reason": reason}
        self._bans[ip] = doc
        await self._bans_table.upsert(doc, Query().ip == ip)
        self.audit.record(audit.IP_BANNED, actor, banned_ip=ip, reason=reason)

    async def unban(self, ip: str, actor: Actor) -> None:
        if ip not in self._bans:
            raise AuthError(f"{ip} is not banned; `xiaoqu ban list` shows the banned addresses")
        del self._bans[ip]
        await self._bans_table.remove(Query().ip == ip)
        self.audit.record(audit.IP_UNBANNED, actor, banned_ip=ip)
