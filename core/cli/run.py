"""``xiaoqu run``: start the hub on a config file and run until Ctrl-C or SIGTERM."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from xiaoqu.core.cli import add_config_option
from xiaoqu.core.validation import log_level, vol

_LOGGER = logging.getLogger("xiaoqu")
LOG_FORMAT = "%(asctime)s %(levelname)-7s [%(name)s] %(message)s"


def _level(value: str) -> str:
    try:
        return log_level(value)
    except vol.Invalid as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="start the hub", description="Start the hub on a config file.")
    add_config_option(parser)
    parser.add_argument("--log-level", type=_level, default=None, help="default log level (overrides logger:)")
    parser.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="NAME=LEVEL",
        help="log level for one integration or logger, e.g. --log mqtt=debug (repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S")
    try:
        return asyncio.run(serve(args.config, args.log_level, args.log))
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        return 130


async def serve(config_path: Path, log_level_override: str | None = None, log_overrides: list[str] | None = None) -> int:
    from xiaoqu.core.bootstrap import setup_hub
    from xiaoqu.core.gc_tuning import freeze_start_up, tune_for_hub

    logs = {}
    for item in log_overrides or []:
        name, _, level = item.partition("=")
        logs[name] = _level(level)
    tune_for_hub()
    hub, checked = await setup_hub(config_path, log_overrides={"default": log_level_override, "logs": logs})
    for error in checked.errors:
        _LOGGER.log(logging.ERROR if error.severity == "error" else logging.WARNING, "%s", error)
    for problem in checked.problems:
        _LOGGER.error("Not running: %s", problem)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # ignored: mypy cannot infer the type of a lambda with a default argument (python/mypy#15459)
        loop.add_signal_handler(sig, lambda s=sig: _request_stop(hub, s))  # type: ignore[misc]
    await hub.start()
    freeze_start_up()
    running = ", ".join(hub.plugins.running) or "nothing"
    _LOGGER.info("xiaoqu is running site %r from %s: %s", hub.config.site, config_path, running)
    code = await hub.wait_stopped()
    _LOGGER.info("Stopped")
    return code


def _request_stop(hub, sig: signal.Signals) -> None:
    _LOGGER.info("Received %s, stopping", sig.name)
    hub.create_task(hub.stop(), name="stop")
