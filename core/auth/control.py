"""The staff commands (``xiaoqu user …``, ``xiaoqu token …``, ``xiaoqu ban …``), run where the data is.

A store has exactly one writer, and the hub keeps the ``auth`` store open while it runs. So
the command line does not open the store behind a running hub's back: it asks the hub,
through a Unix socket in ``<data dir>/control/`` (a directory only the hub's OS user may enter,
which is the same trust as being able to read the store file). A token revoked that way stops
working at once, and a user added while the hub runs can log in at once. When no hub is
running, the command line opens the store itself. Both paths run the same
:class:`AuthCommands`, so they behave alike.

Protocol: one JSON line in (``{"command": …, "args": {…}}``), one JSON line out
(``{"ok": true, "result": …}`` or ``{"ok": false, "error": "…"}``), then the hub closes.
"""
from __future__ import annotations

import asyncio
import contextlib
import getpass
import inspect
import json
import logging
import os
import pwd
import socket
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final, Protocol

from xiaoqu.core.auth.audit import Actor, AuditLog
from xiaoqu.core.auth.manager import DEFAULT_TOKEN_DAYS, AuthError, AuthManager
from xiaoqu.core.const import RECORDER_FILE
from xiaoqu.core.errors import HubError
from xiaoqu.core.payload import PayloadError, loads
from xiaoqu.core.storage import Storage, StoreLockedError

_LOGGER = logging.getLogger(__name__)

CONTROL_DIR: Final = "control"
SOCKET_NAME: Final = "auth.sock"
MAX_SOCKET_PATH: Final = 107  # sun_path is 108 bytes on Linux, with the terminating NUL
MAX_REQUEST: Final = 64 * 1024
#: The longest reply the command line reads: an import's 1,000 listed bad rows fit many times over.
MAX_REPLY: Final = 16 * 1024 * 1024
IO_TIMEOUT: Final = 10.0  # a stuck client must not hold a connection forever


def socket_path(data_dir: Path) -> Path:
    return Path(data_dir) / CONTROL_DIR / SOCKET_NAME


class Commands(Protocol):
    async def call(self, command: str, **args: Any) -> Any: ...


class AuthCommands:
    """Each staff command as a method returning JSON data; ``call`` dispatches by name."""

    NAMES: Final = frozenset(
        {"ping", "user_add", "user_list", "user_remove", "user_password", "token_create", "token_list",
         "token_revoke", "ban_list", "ban_remove"}
    )

    def __init__(self, auth: AuthManager, actor: Actor, where: str) -> None:
        self._auth = auth
        self._actor = actor
        self._where = where

    async def call(self, command: str, **args: Any) -> Any:
        if command not in self.NAMES:
            raise AuthError(f"unknown command {command!r}")
        method = getattr(self, command)
        try:
            inspect.signature(method).bind(**args)
        except TypeError as err:
            raise AuthError(f"{command}: {err}") from None
        try:
            return await method(**args)
        except ValueError as err:  # a weak password
            raise AuthError(str(err)) from None

    async def ping(self) -> dict[str, Any]:
        return {"where": self._where}

    async def user_add(self, name: str, role: str, password: str | None = None) -> dict[str, Any]:
        return (await self._auth.add_user(name, role, password, self._actor)).as_dict()

    async def user_list(self) -> list[dict[str, Any]]:
        tokens: dict[str, int] = {}
        for token in self._auth.tokens():
            tokens[token.user_id] = tokens.get(token.user_id, 0) + 1
        return [{**user.as_dict(), "tokens": tokens.get(user.id, 0)} for user in self._auth.users()]

    async def user_remove(self, name: str) -> dict[str, Any]:
        user = self._auth.user_by_name(name)
        revoked = len(self._auth.tokens(user.id)) if user else 0
        removed = await self._auth.remove_user(name, self._actor)
        return {**removed.as_dict(), "tokens_revoked": revoked}

    async def user_password(self, name: str, password: str) -> dict[str, Any]:
        return (await self._auth.set_password(name, password, self._actor)).as_dict()

    async def token_create(self, user: str, name: str | None = None, days: float | None = DEFAULT_TOKEN_DAYS) -> dict[str, Any]:
        token, secret = await self._auth.create_token(user, self._actor, name=name, days=days)
        return {**token.as_dict(self._auth.user(token.user_id)), "token": secret}

    async def token_list(self) -> list[dict[str, Any]]:
        return [token.as_dict(self._auth.user(token.user_id)) for token in self._auth.tokens()]

    async def token_revoke(self, id: str) -> dict[str, Any]:
        token = await self._auth.revoke_token(id, self._actor)
        return token.as_dict(self._auth.user(token.user_id))

    async def ban_list(self) -> list[dict[str, Any]]:
        return self._auth.bans()

    async def ban_remove(self, ip: str) -> dict[str, Any]:
        await self._auth.unban(ip, self._actor)
        return {"ip": ip}


#: A plugin's command on the socket: ``await handler(actor, **args)`` answers it (see ``add_command``).
PluginCommand = Callable[..., Awaitable[Any]]


class ControlServer:
    """The hub's end of the socket."""

    def __init__(self, auth: AuthManager, data_dir: Path) -> None:
        self._auth = auth
        self.path = socket_path(data_dir)
        self._server: asyncio.Server | None = None
        self._plugin_commands: dict[str, PluginCommand] = {}

    def add_command(self, name: str, handler: PluginCommand) -> None:
        """Answer ``name`` with ``await handler(actor, **args)``: a plugin's staff command run in the
        running hub (``xiaoqu residents import``), reached with :class:`RemoteCommands` as the user
        commands are. A :class:`~xiaoqu.core.errors.HubError` it raises is the answer's error."""
        if name in AuthCommands.NAMES or name in self._plugin_commands:
            raise ValueError(f"control command {name!r} is already taken")
        self._plugin_commands[name] = handler

    async def start(self) -> bool:
        """Listen; False (with a warning saying what that means) if the socket cannot be made."""
        try:
            await asyncio.get_running_loop().run_in_executor(None, _prepare_directory, self.path)
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path), limit=MAX_REQUEST)
        except (OSError, ValueError) as err:
            _LOGGER.warning(
                "No control socket at %s (%s): `xiaoqu user` and `xiaoqu token` will only work while the hub "
                "is stopped", self.path, err,
            )
            return False
        return True

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(IO_TIMEOUT):
                line = await reader.readline()
            if not line.strip():
                return
            reply = await self._answer(line, _peer(writer))
            writer.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
            async with asyncio.timeout(IO_TIMEOUT):
                await writer.drain()
        except (OSError, TimeoutError, ValueError) as err:  # ValueError: a line over the limit
            _LOGGER.warning("Control socket: dropped a request: %s", err)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _answer(self, line: bytes, os_user: str) -> dict[str, Any]:
        try:
            request = loads(line)
            if not isinstance(request, dict) or not isinstance(request.get("args", {}), dict):
                raise AuthError('a request is {"command": NAME, "args": {...}}')
            actor = Actor("cli", f"cli:{os_user}")
            command, args = str(request.get("command")), request.get("args", {})
            if command in self._plugin_commands:
                return {"ok": True, "result": await _call_plugin(self._plugin_commands[command], command, actor, args)}
            commands = AuthCommands(self._auth, actor, "hub")
            return {"ok": True, "result": await commands.call(command, **args)}
        except PayloadError as err:
            return {"ok": False, "error": f"the request is not JSON: {err}"}
        except (AuthError, HubError) as err:
            return {"ok": False, "error": str(err)}
        except Exception:
            _LOGGER.exception("Control socket: command failed")
            return {"ok": False, "error": "the command failed in the hub; see the hub's log"}


async def _call_plugin(handler: PluginCommand, command: str, actor: Actor, args: dict[str, Any]) -> Any:
    try:
        inspect.signature(handler).bind(actor, **args)
    except TypeError as err:
        raise AuthError(f"{command}: {err}") from None
    return await handler(actor, **args)


def _prepare_directory(path: Path) -> None:
    """Make the socket's directory private to this OS user and clear a socket left by a crash.

    A second hub cannot be running on this data dir (it would hold the store lock), so a
    socket file already there is stale.
    """
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise ValueError(f"the path is longer than the {MAX_SOCKET_PATH} bytes a Unix socket allows")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.parent.stat()
    if info.st_uid != os.getuid():
        raise OSError(f"{path.parent} belongs to another user")
    os.chmod(path.parent, 0o700)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _peer(writer: asyncio.StreamWriter) -> str:
    """The OS user at the other end, from the kernel (SO_PEERCRED), not from what it claims."""
    sock = writer.get_extra_info("socket")
    if sock is not None and hasattr(socket, "SO_PEERCRED"):
        with contextlib.suppress(OSError):
            _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            with contextlib.suppress(KeyError):
                return pwd.getpwuid(uid).pw_name
            return f"uid {uid}"
    return "unknown"


class RemoteCommands:
    """The command line's end: each call is one connection to the running hub.

    A reply may be far longer than a request (an import's list of bad rows), so it is read
    with its own limit, :data:`MAX_REPLY`. A reply that cannot be read — over that limit, late,
    cut off, not JSON — is an :class:`AuthError` saying so, which the command line prints as
    one line: the hub may well have done the work, and a traceback would hide that.
    """

    def __init__(self, path: Path, timeout: float = IO_TIMEOUT * 2) -> None:
        self.path = path
        self.timeout = timeout

    async def call(self, command: str, **args: Any) -> Any:
        reader, writer = await asyncio.open_unix_connection(str(self.path), limit=MAX_REPLY)
        try:
            writer.write(json.dumps({"command": command, "args": args}).encode() + b"\n")
            await writer.drain()
            line = await self._read_reply(reader)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        return _result(line)

    async def _read_reply(self, reader: asyncio.StreamReader) -> bytes:
        try:
            async with asyncio.timeout(self.timeout):  # a password hash may queue behind others
                return await reader.readline()
        except TimeoutError:
            raise AuthError(f"the hub did not answer within {self.timeout:g} s; see the hub's log") from None
        except ValueError:  # the line is over the reader's limit
            raise AuthError(f"the hub's answer is longer than the {MAX_REPLY // 2**20} MiB the command line reads; "
                            "the hub may have done the work: see the hub's log") from None
        except OSError as err:
            raise AuthError(f"the connection to the hub broke before it answered ({err}); see the hub's log") from None


def _result(line: bytes) -> Any:
    """The result in the hub's reply line, or AuthError with what the hub or the line says is wrong."""
    if not line:
        raise AuthError("the hub closed the control socket without answering; see the hub's log")
    try:
        reply = json.loads(line)
    except ValueError:
        raise AuthError("the hub's answer was cut off or is not JSON; see the hub's log") from None
    if not isinstance(reply, dict) or not reply.get("ok"):
        error = reply.get("error") if isinstance(reply, dict) else None
        raise AuthError(error or "the hub refused the command")
    return reply.get("result")


async def running_hub(data_dir: Path, timeout: float | None = None) -> RemoteCommands | None:
    """The control socket of the hub running on ``data_dir``, if one answers; None when no hub
    runs (a socket left by a hub that died: nobody listens, so its stores are free to open)."""
    path = socket_path(data_dir)
    if not path.exists():
        return None
    remote = RemoteCommands(path) if timeout is None else RemoteCommands(path, timeout)
    try:
        await remote.call("ping")
    except (OSError, AuthError, ValueError):
        return None
    return remote


@asynccontextmanager
async def open_commands(data_dir: Path) -> AsyncIterator[Commands]:
    """The staff commands on the running hub if there is one, else on the store directly."""
    if (remote := await running_hub(data_dir)) is not None:
        yield remote
        return
    from xiaoqu.core.recorder import Recorder

    storage = Storage(data_dir)
    recorder = Recorder(Path(data_dir) / RECORDER_FILE)
    await recorder.start()
    try:
        audit_log = AuditLog(recorder)
        await audit_log.resume()
        try:
            auth = await AuthManager.open(storage, audit_log, time.time)
        except StoreLockedError:
            raise AuthError(
                f"the hub is running on {data_dir} but does not answer on {socket_path(data_dir)}; stop the hub and "
                "run the command again"
            ) from None
        yield AuthCommands(auth, Actor("cli", f"cli:{getpass.getuser()}"), "store")
    finally:
        try:
            await storage.close()
        finally:
            await recorder.stop()
