"""``xiaoqu check-config``: run exactly the validation ``xiaoqu run`` runs and list every error."""
from __future__ import annotations

import argparse
import sys

from xiaoqu.core.cli import add_config_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-config",
        help="validate a config file",
        description="Validate a config file: every error with file:line and key path; exit 1 on any error.",
    )
    add_config_option(parser)
    parser.set_defaults(func=check)


def check(args: argparse.Namespace) -> int:
    from xiaoqu.core.bootstrap import check_config

    checked = check_config(args.config)
    errors = [e for e in checked.errors if e.severity == "error"]
    warnings = [e for e in checked.errors if e.severity != "error"]
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    # A plugin whose section is invalid is a problem too, but its errors are printed already.
    problems = [p for p in checked.problems if p.stage != "config"]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    failures = len(errors) + len(problems)
    if failures:
        print(f"{args.config}: {failures} error(s), {len(warnings)} warning(s)", file=sys.stderr)
        return 1
    print(f"{args.config}: configuration is valid" + (f" ({len(warnings)} warning(s))" if warnings else ""))
    return 0
