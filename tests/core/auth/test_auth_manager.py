"""Users and tokens on a real store and recorder: hashes only, expiry, revocation, audit."""
from __future__ import annotations

import pytest

from xiaoqu.core.auth import Actor, AuthError, AuthManager
from xiaoqu.core.auth.audit import AuditLog
from xiaoqu.core.auth.crypto import TOKEN_PREFIX, hash_password, verify_password
from xiaoqu.core.auth.manager import DAY, STORE_NAME
from xiaoqu.core.recorder import Recorder
from xiaoqu.core.storage import Storage

CLI = Actor("cli", "cli:staff")


class Clock:
    def __init__(self) -> None:
        self.now = 1_772_400_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def site(tmp_path):
    """(open_manager, clock, recorder): open_manager() opens the auth store anew each time."""
    clock = Clock()
    recorder = Recorder(tmp_path / "recorder.db", clock=clock)
    await recorder.start()
    storages: list[Storage] = []

    async def open_manager() -> AuthManager:
        for storage in storages:
            await storage.close()
        storages.append(Storage(tmp_path))
        return await AuthManager.open(storages[-1], AuditLog(recorder), clock)

    yield open_manager, clock, recorder
    for storage in storages:
        await storage.close()
    await recorder.stop()


def test_password_hashes_are_salted_and_verify() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$15$8$1$")
    assert verify_password("correct horse", first)
    assert not verify_password("correct horsf", first)
    assert not verify_password("correct horse", None)
    assert not verify_password("correct horse", "md5$abc")


async def test_users_and_passwords(site, tmp_path) -> None:
    open_manager, _clock, _recorder = site
    manager = await open_manager()
    user = await manager.add_user("zhang.wei", "guard", "night-shift-7", CLI)
    assert user.has_password and user.role == "guard"
    assert await manager.check_password("zhang.wei", "night-shift-7") == user
    assert await manager.check_password("zhang.wei", "night-shift-8") is None
    assert await manager.check_password("nobody", "night-shift-7") is None
    with pytest.raises(AuthError, match="already exists"):
        await manager.add_user("zhang.wei", "guard", None, CLI)
    with pytest.raises(AuthError, match="roles are"):
        await manager.add_user("li", "janitor", None, CLI)
    with pytest.raises(AuthError, match="user name"):
        await manager.add_user("Li Na", "guard", None, CLI)
    with pytest.raises(ValueError, match="at least 8"):
        await manager.add_user("li", "guard", "short", CLI)
    assert [u.name for u in manager.users()] == ["zhang.wei"]

    manager = await open_manager()  # what was written reads back
    assert await manager.check_password("zhang.wei", "night-shift-7") is not None
    assert "night-shift-7" not in (tmp_path / f"{STORE_NAME}.json").read_text()


async def test_user_and_token_names_are_checked(site) -> None:
    open_manager, _clock, _recorder = site
    manager = await open_manager()
    with pytest.raises(AuthError, match="user name"):
        await manager.add_user("admin\n", "admin", None, CLI)
    await manager.add_user("ops", "admin", None, CLI)
    with pytest.raises(AuthError, match=r"^token name: expected a name of at most 100 characters \(not 100000\)$"):
        await manager.create_token("ops", CLI, name="x" * 100_000)
    refused = r"^token name: expected a name without control or invisible characters \(U\+001B at 6\)$"
    with pytest.raises(AuthError, match=refused):
        await manager.create_token("ops", CLI, name="camera\x1b[2J")
    token, _secret = await manager.create_token("ops", CLI, name=" camera gateway ")
    assert token.name == "camera gateway"
    assert [t.name for t in manager.tokens()] == ["camera gateway"]


async def test_tokens_are_stored_as_hashes_and_stop_working_when_revoked(site, tmp_path) -> None:
    open_manager, clock, _recorder = site
    manager = await open_manager()
    user = await manager.add_user("ops", "admin", None, CLI)
    token, secret = await manager.create_token("ops", CLI, name="camera gateway")
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40
    assert manager.validate_token(secret) == (user, token)
    assert manager.validate_token(secret + "x") is None
    assert manager.validate_token("x" * 10_000) is None
    assert manager.validate_token(None) is None
    assert secret not in (tmp_path / f"{STORE_NAME}.json").read_text()

    manager = await open_manager()
    assert manager.validate_token(secret)[1].name == "camera gateway"
    await manager.revoke_token(token.id, CLI)
    assert manager.validate_token(secret) is None
    with pytest.raises(AuthError, match="no token with id"):
        await manager.revoke_token(token.id, CLI)
    assert (await open_manager()).validate_token(secret) is None


async def test_tokens_expire_by_the_clock_and_are_purged(site) -> None:
    open_manager, clock, _recorder = site
    manager = await open_manager()
    await manager.add_user("ops", "admin", None, CLI)
    _token, secret = await manager.create_token("ops", CLI, days=2)
    with pytest.raises(AuthError, match="more than 0 days"):
        await manager.create_token("ops", CLI, days=0)
    clock.now += 2 * DAY - 1
    assert manager.validate_token(secret) is not None
    clock.now += 1
    assert manager.validate_token(secret) is None
    manager = await open_manager()
    assert manager.tokens() == []


async def test_removing_a_user_revokes_their_tokens(site) -> None:
    open_manager, _clock, _recorder = site
    manager = await open_manager()
    await manager.add_user("temp", "maintenance", None, CLI)
    _token, secret = await manager.create_token("temp", CLI)
    await manager.remove_user("temp", CLI)
    assert manager.validate_token(secret) is None and manager.tokens() == []
    with pytest.raises(AuthError, match="xiaoqu user add temp"):
        await manager.create_token("temp", CLI)


async def test_every_change_is_audited_without_secrets(site) -> None:
    open_manager, _clock, recorder = site
    manager = await open_manager()
    await manager.add_user("ops", "admin", "a-long-password", CLI)
    token, secret = await manager.create_token("ops", CLI)
    await manager.set_password("ops", "another-long-one", CLI)
    await manager.revoke_token(token.id, CLI)
    await manager.ban("198.51.100.4", "test", Actor("hub", "hub", None, "198.51.100.4"))
    await manager.unban("198.51.100.4", CLI)
    await manager.remove_user("ops", CLI)
    await recorder.flush()
    records = await recorder.query("audit", newest_first=False)
    assert [r.data["act"] for r in records] == [
        "user_added", "token_created", "password_changed", "token_revoked", "ip_banned", "ip_unbanned", "user_removed",
    ]
    assert {r.data["by"] for r in records if r.data["source"] == "cli"} == {"cli:staff"}
    text = repr([r.data for r in records])
    for value in ("a-long-password", "another-long-one", secret):
        assert value not in text
