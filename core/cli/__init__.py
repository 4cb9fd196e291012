"""The ``xiaoqu`` command line: one sub-command per module here, plus those plugins add."""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from xiaoqu.core.const import DEFAULT_CONFIG_FILE, __version__

#: Core command modules; each has ``register(subparsers)`` that sets ``func`` on its parser.
COMMAND_MODULES = (
    "xiaoqu.core.cli.run",
    "xiaoqu.core.cli.check",
    "xiaoqu.core.cli.plugins",
    "xiaoqu.core.cli.scaffold",
    "xiaoqu.core.cli.users",
    "xiaoqu.core.cli.audit",
    "xiaoqu.core.cli.automation",
)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``-c FILE``: every command that reads a site takes it (its data lives beside the file)."""
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=Path(DEFAULT_CONFIG_FILE),
        metavar="FILE",
        help=f"the site's config file (default: ./{DEFAULT_CONFIG_FILE})",
    )


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="xiaoqu", description="xiaoqu (小区): the smart residential community hub."
    )
    parser.add_argument("--version", action="version", version=f"xiaoqu {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    _plugin_commands(subparsers)
    return parser


def _plugin_commands(subparsers: argparse._SubParsersAction) -> None:
    """Let plugins add their staff commands (``xiaoqu_cli`` hook); a broken plugin is skipped.

    Only plugins whose manifest says ``"cli": true`` are imported, so a command stays quick.
    """
    import logging

    import pluggy

    from xiaoqu.core import hookspecs
    from xiaoqu.core.loader import discover

    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    available, _problems = discover(Path.cwd())
    for domain, manifest in sorted(available.items()):
        if not manifest.info.get("cli"):
            continue
        try:
            module = __import__(manifest.module, fromlist=["_"])
            pm.register(module, name=domain)
        except Exception as err:  # a plugin's import may raise anything
            logging.getLogger(__name__).debug("Plugin %s not loaded for the command line: %s", domain, err)
    pm.hook.xiaoqu_cli(subparsers=subparsers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
