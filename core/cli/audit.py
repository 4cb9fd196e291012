"""``xiaoqu audit verify``: check that no audit record was deleted or edited.

Reads the recorder's file directly and read-only, so it works whether the hub runs or not
and cannot disturb it.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from xiaoqu.core.cli import add_config_option

if TYPE_CHECKING:
    from xiaoqu.core.auth import audit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="check the audit log", description="Check the audit log.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    help_text = "check the audit log's hash chain: exit 1 if a record was deleted or edited"
    verify = group.add_parser("verify", help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    add_config_option(verify)
    verify.set_defaults(func=audit_verify)


def audit_verify(args: argparse.Namespace) -> int:
    from xiaoqu.core.auth import audit
    from xiaoqu.core.cli.users import CommandError, data_dir
    from xiaoqu.core.const import RECORDER_FILE
    from xiaoqu.core.recorder import read_only

    try:
        path = data_dir(args.config) / RECORDER_FILE
        if not path.exists():
            raise CommandError(f"no recorder file at {path}")
        verdict = audit.verify(read_only(path, audit.KIND))
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in _report(verdict):
        print(line)
    return 1 if verdict.breaks else 0


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
