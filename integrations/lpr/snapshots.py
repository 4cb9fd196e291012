"""Snapshot pictures kept as files in the data dir, referenced from the events.

A push's picture (Hikvision's JPEG part, Vzenith's and Dahua's base64 inside the JSON) is
written to ``<data dir>/lpr/snapshots/<date>/<read_id>.jpg``; the event carries that path
(relative to the data dir), never the picture. Only JPEGs (they start ``FF D8 FF``) of at
most ``max_bytes`` are kept: a camera's truncated or oversized picture is dropped with a log
line, and the read goes on without one. Each day's folder goes after ``keep_days``: the
first snapshot of a day sweeps the folders that are too old, so no timer is needed.
"""
from __future__ import annotations

import base64
import binascii
import logging
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

from .const import SNAPSHOT_DIR

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

JPEG_MAGIC: Final = b"\xff\xd8\xff"


class SnapshotRefused(ValueError):
    """The picture is not kept: the reason says why."""


def decode_picture(image: bytes | str, max_bytes: int) -> bytes:
    """The JPEG bytes of ``image`` (bytes, or base64 text); :class:`SnapshotRefused` if it is none."""
    if isinstance(image, str):
        if len(image) > (max_bytes * 4) // 3 + 4:
            raise SnapshotRefused(f"over {max_bytes // 1024} kB")
        try:
            image = base64.b64decode(image, validate=False)
        except (binascii.Error, ValueError):
            raise SnapshotRefused("not base64") from None
    if len(image) > max_bytes:
        raise SnapshotRefused(f"over {max_bytes // 1024} kB ({len(image) // 1024} kB)")
    if not image.startswith(JPEG_MAGIC):
        raise SnapshotRefused("not a JPEG")
    return image


class Snapshots:
    def __init__(self, hub: Hub, max_bytes: int, keep_days: int) -> None:
        assert hub.config.data_dir is not None
        self._hub = hub
        self.root = hub.config.data_dir
        self.folder = self.root / SNAPSHOT_DIR
        self.max_bytes = max_bytes
        self.keep_days = keep_days
        self._days_seen: set[date] = set()

    async def save(self, read_id: str, day: date, image: bytes | str) -> str | None:
        """Keep ``image`` as ``read_id``'s snapshot; its reference, or None when it is not kept."""
        relative = f"{SNAPSHOT_DIR}/{day.isoformat()}/{read_id}.jpg"
        sweep = day not in self._days_seen
        self._days_seen.add(day)
        try:
            await self._hub.run_in_executor(self._write, image, self.root / relative, day if sweep else None)
        except SnapshotRefused as refused:
            _LOGGER.info("Read %s: its picture is not kept (%s)", read_id, refused)
            return None
        except OSError as err:
            _LOGGER.error("Read %s: its picture could not be written to %s: %s", read_id, relative, err)
            return None
        return relative

    def _write(self, image: bytes | str, path: Path, sweep_from: date | None) -> None:
        picture = decode_picture(image, self.max_bytes)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(picture)
        temporary.replace(path)
        if sweep_from is not None:
            self._sweep(sweep_from - timedelta(days=self.keep_days))

    def _sweep(self, before: date) -> None:
        for folder in self.folder.iterdir():
            try:
                day = date.fromisoformat(folder.name)
            except ValueError:
                continue
            if day < before:
                shutil.rmtree(folder, ignore_errors=True)
                _LOGGER.info("Snapshots of %s removed (kept %d days)", day, self.keep_days)
