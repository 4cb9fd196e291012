"""The property company's report across the communities whose hubs share one PostgreSQL
server (``xiaoqu: database:``): ``xiaoqu company report``. A command only; no hub runs it.

docs/scaling.md ("Several communities") says how each figure is made.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from xiaoqu.core import hookimpl

from . import cli

if TYPE_CHECKING:
    import argparse


@hookimpl
def xiaoqu_cli(subparsers: argparse._SubParsersAction) -> None:
    cli.register(subparsers)
