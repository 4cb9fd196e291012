"""``xiaoqu check-config``: run exactly the validation ``xiaoqu run`` runs and list every error."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from xiaoqu.core.cli import add_config_option

if TYPE_CHECKING:
    from xiaoqu.core.bootstrap import Checked


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-config",
        help="validate a config file",
        description="Validate a config file: every error with file:line and key path; exit 1 on any error.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="count warnings (unknown entities and services, duplicate keys) as errors: exit 1 on any",
    )
    parser.set_defaults(func=check)


def check(args: argparse.Namespace) -> int:
    from xiaoqu.core.bootstrap import check_config

    checked = check_config(args.config)
    errors = [e for e in checked.errors if e.severity == "error"]
    warnings = [e for e in checked.errors if e.severity != "error"]
    if args.strict:
        errors, warnings = errors + warnings, []
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    # A plugin whose section is invalid is a problem too, but its errors are printed already.
    problems = [p for p in checked.problems if p.stage != "config"]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if note := _unchecked_entities(checked):
        print(f"note: {note}", file=sys.stderr)
    failures = len(errors) + len(problems)
    if failures:
        strict = " (--strict: warnings count as errors)" if args.strict else ""
        print(f"{args.config}: {failures} error(s), {len(warnings)} warning(s){strict}", file=sys.stderr)
        return 1
    print(f"{args.config}: configuration is valid" + (f" ({len(warnings)} warning(s))" if warnings else ""))
    return 0


def _unchecked_entities(checked: Checked) -> str | None:
    """Why the automations' entity ids were not checked, when they were not: no registry yet."""
    from xiaoqu.core.automation.references import registry_file
    from xiaoqu.core.config import domain_keys

    config = checked.hub_config
    written = any(checked.raw.get(key) for key in [*domain_keys(checked.raw, "automation"), "script"])
    if config is None or config.data_dir is None or not written:
        return None
    if registry_file(config.data_dir).exists():
        return None
    data_dir = config.data_dir
    shown = data_dir.relative_to(config.config_dir) if data_dir.is_relative_to(config.config_dir) else data_dir
    return (f"entity ids were not checked: there is no entity registry in {shown} yet "
            "(the hub keeps one from its first run)")
