"""The site a command works on without the hub: its config read as the hub reads it, and its
stores placed where the hub keeps them.

Every command that opens the recorder or a ledger itself (``xiaoqu audit verify``, ``user``,
``token``, ``ban``, and the integrations' offline commands) loads its site here, so with
``xiaoqu: database:`` it reads and writes the site's schema on that server, as the running hub
does, and without it the SQLite files in the data dir (:meth:`HubConfig.place_stores`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xiaoqu.core.hub import HubConfig


class CommandError(Exception):
    """A command that cannot be done; printed as ``error: ...`` with exit status 1."""


def command_errors() -> tuple[type[Exception], ...]:
    """What a command prints as one line, ``error: ...``, with exit status 1, not a traceback:
    a bad config, the hub's refusal, or a store that cannot be opened (a file another writer
    holds, a database server that does not answer). A function, so ``xiaoqu --help`` does not
    import the stores: an ``except`` evaluates it only when something was raised."""
    from xiaoqu.core.auth.manager import AuthError
    from xiaoqu.core.errors import HubError
    from xiaoqu.core.recorder_backends import RecorderError
    from xiaoqu.core.storage import StorageError

    return CommandError, HubError, AuthError, StorageError, RecorderError


@dataclass(frozen=True, slots=True)
class Site:
    """A site's core settings and the integrations' sections a command asked for, validated."""

    config: HubConfig
    sections: dict[str, Any]

    @property
    def data_dir(self) -> Path:
        assert self.config.data_dir is not None  # HubConfig fills it in
        return self.config.data_dir


def load_site(config: Path, schemas: Mapping[str, Any] | None = None) -> Site:
    """The site of ``config`` with the sections of ``schemas`` (domain → schema), its stores
    placed as the hub places them. Only those sections are checked, so a command on the
    office's data works while another integration's section has an error.

    The modules are imported here, not above: ``xiaoqu --help`` imports every command."""
    from xiaoqu.core import config as conf
    from xiaoqu.core.hub import HubConfig

    loaded = conf.load_config(config)
    core, problems = loaded.validate(conf.CORE_DOMAIN, conf.CORE_SCHEMA)
    problems = [*loaded.errors, *problems]
    sections = {}
    for domain, schema in (schemas or {}).items():
        sections[domain], section_errors = loaded.validate(domain, schema)
        problems += section_errors
    problems = [e for e in problems if e.severity == "error"]
    if problems or not isinstance(core, dict):
        raise CommandError(f"cannot use {config}: " + ("; ".join(str(e) for e in problems) or "it could not be read"))
    hub_config = HubConfig.from_section(loaded.config_dir, core, loaded.raw)
    hub_config.place_stores()
    return Site(hub_config, sections)
