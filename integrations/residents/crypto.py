"""The key that seals personal data at rest, and sealing with it (Fernet, MultiFernet).

The key comes from config.yaml, which should take it from secrets.yaml::

    residents:
      encryption_key: !secret residents_key            # one key
      encryption_key: [!secret residents_key_2026, !secret residents_key_2025]   # rotating

With several keys the first seals and every one opens, so a new key can be put first while
data sealed with the old one is still read (``residents.rotate_key`` then re-seals it all with
the first). With none, a key is made once in ``<data dir>/residents.key`` (0600) and the hub
warns that it belongs in secrets.yaml: the data and its key in one folder protect a backup
of the database file, not a copy of the whole folder.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from xiaoqu.core.storage import open_private

from .const import KEY_FILE
from .personal import Sealed, mask

_LOGGER = logging.getLogger(__package__)


class VaultError(Exception):
    """Sealed data that no configured key opens (a key removed too soon, or a damaged row)."""


class Vault:
    """Seals and opens personal values with the site's keys; the first key seals."""

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise ValueError("the vault needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, field: str, value: str, masked: str | None = None) -> Sealed:
        """``value`` sealed with the first key, shown as ``masked`` (by default the field's mask)."""
        return Sealed(self._fernet.encrypt(value.encode()).decode("ascii"),
                      mask(field, value) if masked is None else masked)

    def open(self, sealed: Sealed) -> str:
        try:
            return self._fernet.decrypt(sealed.token.encode("ascii")).decode()
        except InvalidToken:
            raise VaultError(
                f"sealed value {sealed.masked} cannot be opened with the configured keys "
                "(was the key it was sealed with removed from residents: encryption_key?)"
            ) from None

    def rotate(self, sealed: Sealed) -> Sealed:
        """The same value sealed with the first key."""
        try:
            return Sealed(self._fernet.rotate(sealed.token.encode("ascii")).decode("ascii"), sealed.masked)
        except InvalidToken:
            raise VaultError(f"sealed value {sealed.masked} cannot be opened with the configured keys") from None


def check_key(value: str) -> str:
    """``value`` if it is a Fernet key, else ValueError saying how to make one."""
    try:
        Fernet(value)
    except (ValueError, TypeError):
        raise ValueError(
            "expected a Fernet key: 44 characters of URL-safe base64 (make one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)"
        ) from None
    return value


def load_keys(configured: Sequence[str], data_dir: Path) -> list[bytes]:
    """The configured keys, or the one in ``<data dir>/residents.key`` (made if missing). Blocking."""
    if configured:
        return [key.encode("ascii") for key in configured]
    path = Path(data_dir) / KEY_FILE
    try:
        fd = open_private(path, os.O_RDONLY)
    except FileNotFoundError:
        key = _make_key(path)
    else:
        with os.fdopen(fd, "rb") as file:
            key = file.read().strip()
        check_key(key.decode("ascii", errors="replace"))
    _LOGGER.warning(
        "residents: personal data is sealed with the key in %s; move it to secrets.yaml "
        "(residents: encryption_key: !secret residents_key) and keep it apart from the data", path,
    )
    return [key]


def _make_key(path: Path) -> bytes:
    key = Fernet.generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(fd, "wb") as file:
        file.write(key + b"\n")
        file.flush()
        os.fsync(file.fileno())
    return key
