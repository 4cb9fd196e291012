"""``xiaoqu audit verify``: check that no audit record was deleted or edited.

Reads the site's records directly and read-only, where the hub keeps them (the recorder's
file in the data dir, or the site's schema with ``xiaoqu: database:``), so it works whether
the hub runs or not and cannot disturb it.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from xiaoqu.core.cli import add_config_option

if TYPE_CHECKING:
    from xiaoqu.core.auth import audit
    from xiaoqu.core.recorder_backends import Backend


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="check the audit log", description="Check the audit log.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    help_text = "check the audit log's hash chain: exit 1 if a record was deleted or edited"
    verify = group.add_parser("verify", help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    add_config_option(verify)
    verify.set_defaults(func=audit_verify)


def audit_verify(args: argparse.Namespace) -> int:
    from xiaoqu.core.auth import audit
    from xiaoqu.core.cli.site import CommandError, load_site
    from xiaoqu.core.const import RECORDER_FILE
    from xiaoqu.core.recorder import read_only
    from xiaoqu.core.recorder_backends import SQLite, backend_for

    try:
        path = load_site(args.config).data_dir / RECORDER_FILE
        backend = backend_for(path)
        if isinstance(backend, SQLite):
            if not path.exists():
                raise CommandError(f"no recorder file at {path}")
            verdict = audit.verify(read_only(path, audit.KIND))  # the file opened read-only
        else:
            verdict = _verify_on_server(backend)
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in _report(verdict):
        print(line)
    return 1 if verdict.breaks else 0


def _verify_on_server(backend: Backend) -> audit.Verdict:
    """The verdict on the records in the site's schema; a server that does not answer, or a
    schema the hub never wrote, is a :class:`CommandError` naming where it looked."""
    import psycopg

    from xiaoqu.core.auth import audit
    from xiaoqu.core.cli.site import CommandError
    from xiaoqu.core.recorder import read_only

    try:
        return audit.verify(read_only(backend, audit.KIND))
    except psycopg.errors.UndefinedTable:
        raise CommandError(f"no records in {backend}: no hub has written there yet") from None
    except psycopg.Error as err:
        raise CommandError(f"cannot read the records in {backend}: {str(err).strip()}") from None


def _report(verdict: audit.Verdict) -> list[str]:
    from xiaoqu.core.auth import audit

    if verdict.breaks:
        return [*verdict.breaks, f"audit log broken: {len(verdict.breaks)} breaks in {verdict.count} records"]
    if verdict.first is None or verdict.last is None:
        return ["audit log intact: no chained records yet"]
    lines = [
        f"audit log intact: {verdict.count} records from {audit.local_time(verdict.first.time)} "
        f"to {audit.local_time(verdict.last.time)}"
    ]
    if verdict.first.data.get("prev") != audit.GENESIS:
        lines.append(
            f"checked from the oldest record kept (seq {verdict.first.seq}); the records before it "
            "were purged, so its link to them is taken on trust"
        )
    return lines
