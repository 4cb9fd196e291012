"""``xiaoqu user``, ``xiaoqu token`` and ``xiaoqu ban``: staff accounts, API tokens and banned addresses.

Each works on the site of ``-c FILE``: through the running hub when there is one (changes
take effect at once), else on the site's store directly (see ``core.auth.control``).
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xiaoqu.core.cli import add_config_option
from xiaoqu.core.cli.site import CommandError, command_errors, load_site

ROLES_HELP = "admin, manager, finance, guard, maintenance or resident"


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_user(subparsers)
    _register_token(subparsers)
    _register_ban(subparsers)


def _group(subparsers: argparse._SubParsersAction, name: str, help_text: str) -> argparse._SubParsersAction:
    parser = subparsers.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    return parser.add_subparsers(title="commands", metavar="COMMAND", required=True)


def _command(group: argparse._SubParsersAction, name: str, help_text: str, run: Callable[..., Any]) -> argparse.ArgumentParser:
    parser = group.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    add_config_option(parser)
    parser.set_defaults(func=lambda args: _run(run, args))
    return parser


def _register_user(subparsers: argparse._SubParsersAction) -> None:
    group = _group(subparsers, "user", "manage staff accounts")
    parser = _command(group, "add", "add a user", user_add)
    parser.add_argument("name", help="login name: lower-case letters, digits and _ . @ -")
    parser.add_argument("--role", required=True, help=ROLES_HELP)
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="set a password, read from standard input (asked twice, unseen, at a terminal); "
        "without it the user logs in with tokens only",
    )
    parser = _command(group, "list", "list users with their roles", user_list)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser = _command(group, "remove", "remove a user and revoke their tokens", user_remove)
    parser.add_argument("name")
    parser = _command(group, "passwd", "set a user's password (read from standard input)", user_passwd)
    parser.add_argument("name")


def _register_token(subparsers: argparse._SubParsersAction) -> None:
    group = _group(subparsers, "token", "manage API tokens")
    parser = _command(group, "create", "create a long-lived API token and print it once", token_create)
    parser.add_argument("name", help="what the token is for (a camera, a script); also the user unless --user")
    parser.add_argument("--user", help="the user the token acts as (default: NAME)")
    parser.add_argument("--days", type=_positive_days, default=None, help="days until it expires (default: 3650)")
    parser = _command(group, "list", "list tokens (never the tokens themselves)", token_list)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser = _command(group, "revoke", "revoke a token by its id", token_revoke)
    parser.add_argument("id", help="the token's id, as `xiaoqu token list` shows")


def _register_ban(subparsers: argparse._SubParsersAction) -> None:
    group = _group(subparsers, "ban", "list or lift bans of addresses that failed to authenticate")
    parser = _command(group, "list", "list banned addresses", ban_list)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser = _command(group, "remove", "lift the ban of an address", ban_remove)
    parser.add_argument("ip")


def _positive_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, 1 or more, not {text!r}")
    return days


# --- running a command --------------------------------------------------------------------


def _run(command: Callable[..., Any], args: argparse.Namespace) -> int:
    try:
        directory = load_site(args.config).data_dir
        password = _read_password(args) if getattr(args, "password_stdin", False) or command is user_passwd else None
        return asyncio.run(_with_commands(directory, command, args, password))
    except command_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


async def _with_commands(data_dir: Path, command: Callable[..., Any], args: argparse.Namespace, password: str | None) -> int:
    from xiaoqu.core.auth import AuthError
    from xiaoqu.core.auth.control import open_commands

    try:
        async with open_commands(data_dir) as commands:
            return int(await command(commands, args, password) or 0)
    except AuthError as err:
        raise CommandError(str(err)) from None


def _read_password(args: argparse.Namespace) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise CommandError("the two passwords differ; nothing was changed")
        return first
    line = sys.stdin.readline()
    if not line:
        raise CommandError("no password on standard input")
    return line.rstrip("\r\n")


def _print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], empty: str) -> None:
    if not rows:
        print(empty)
        return
    cells = [[("" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for line in cells:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def _print_rows(args: argparse.Namespace, rows: Sequence[dict[str, Any]], columns: Sequence[str], empty: str) -> None:
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _print_table(rows, columns, empty)


# --- the commands ---------------------------------------------------------------------------


async def user_add(commands: Any, args: argparse.Namespace, password: str | None) -> None:
    user = await commands.call("user_add", name=args.name, role=args.role, password=password)
    how = "with a password" if user["has_password"] else "without a password (tokens only)"
    print(f"Added {user['name']} ({user['role']}), {how}.")
    print(f"Make an API token with: xiaoqu token create {user['name']}", file=sys.stderr)


async def user_list(commands: Any, args: argparse.Namespace, _password: None) -> None:
    users = await commands.call("user_list")
    _print_rows(args, users, ("name", "role", "has_password", "tokens", "created"),
                "No users yet: xiaoqu user add NAME --role ROLE")


async def user_remove(commands: Any, args: argparse.Namespace, _password: None) -> None:
    user = await commands.call("user_remove", name=args.name)
    print(f"Removed {user['name']} ({user['role']}); {user['tokens_revoked']} token(s) revoked.")


async def user_passwd(commands: Any, args: argparse.Namespace, password: str | None) -> None:
    await commands.call("user_password", name=args.name, password=password)
    print(f"Password of {args.name} changed.")


async def token_create(commands: Any, args: argparse.Namespace, _password: None) -> None:
    arguments: dict[str, Any] = {"user": args.user or args.name, "name": args.name}
    if args.days is not None:
        arguments["days"] = args.days
    token = await commands.call("token_create", **arguments)
    expires = f"expires {token['expires']}" if token["expires"] else "never expires"
    print(
        f"Token {token['id']} for {token['user']} ({expires}). It is shown only this once: "
        "store it now. Send it as the header  Authorization: Bearer <token>",
        file=sys.stderr,
    )
    print(token["token"])


async def token_list(commands: Any, args: argparse.Namespace, _password: None) -> None:
    tokens = await commands.call("token_list")
    _print_rows(args, tokens, ("id", "name", "user", "kind", "created", "expires"),
                "No tokens yet: xiaoqu token create NAME")


async def token_revoke(commands: Any, args: argparse.Namespace, _password: None) -> None:
    token = await commands.call("token_revoke", id=args.id)
    print(f"Revoked token {token['id']} ({token['name']}) of {token['user']}.")


async def ban_list(commands: Any, args: argparse.Namespace, _password: None) -> None:
    bans = await commands.call("ban_list")
    _print_rows(args, bans, ("ip", "banned_at", "reason"), "No banned addresses.")


async def ban_remove(commands: Any, args: argparse.Namespace, _password: None) -> None:
    await commands.call("ban_remove", ip=args.ip)
    print(f"Lifted the ban of {args.ip}.")
