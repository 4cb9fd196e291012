"""``xiaoqu plugins``: every plugin the hub can find, where it came from, and whether the site uses it."""
from __future__ import annotations

import argparse
import json

from xiaoqu.core.cli import add_config_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plugins", help="list plugins", description="List every plugin with its source, version and status."
    )
    add_config_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=list_plugins)


def list_plugins(args: argparse.Namespace) -> int:
    from xiaoqu.core.bootstrap import check_config

    checked = check_config(args.config)
    problems = {p.domain: p for p in checked.problems}
    loaded = checked.hub_config is not None and checked.raw is not None
    rows = []
    for domain, manifest in sorted(checked.available.items()):
        if domain in problems:
            status = f"error: {problems[domain].message}"
        elif loaded and (domain in checked.raw or manifest.source == "core"):
            status = "used"
        else:
            status = "available"
        rows.append(
            {
                "domain": domain,
                "name": manifest.name,
                "version": manifest.version,
                "source": str(manifest.source),
                "module": manifest.module,
                "path": str(manifest.path),
                "status": status,
            }
        )
    rows.extend(
        {"domain": d, "name": "", "version": "", "source": "", "module": "", "path": "", "status": f"error: {p.message}"}
        for d, p in problems.items()
        if d not in checked.available
    )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    widths = {key: max(len(key), *(len(row[key]) for row in rows)) for key in ("domain", "version", "source", "module")}
    header = "  ".join(key.upper().ljust(widths[key]) for key in widths) + "  STATUS"
    print(header)
    for row in rows:
        print("  ".join(row[key].ljust(widths[key]) for key in widths) + f"  {row['status']}")
    return 0
