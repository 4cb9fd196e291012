"""The confidence rule and folding, on given times (pure), and the snapshots' retention."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from xiaoqu.integrations.lpr.normalize import normalize_plate
from xiaoqu.integrations.lpr.rules import Rules, Verdict
from xiaoqu.integrations.lpr.snapshots import SnapshotRefused, decode_picture

from .conftest import lpr_site
from .test_vzenith import JPEG


def _judge(rules: Rules, plate: str, confidence: float, at: float, read_id: str, camera: str = "c1") -> tuple[str, ...]:
    judgement = rules.judge(camera, normalize_plate(plate), confidence, at, read_id)
    return tuple(x for x in (judgement.verdict, judgement.agreed_with, judgement.folded_into) if x is not None)


def test_folding_slides_with_the_reads_and_is_per_camera_and_plate() -> None:
    rules = Rules(0.8, 5)
    assert _judge(rules, "粤B12345", 0.9, 0, "r1") == (Verdict.READ,)
    assert _judge(rules, "粤B12345", 0.9, 4, "r2") == (Verdict.FOLDED, "r1")
    assert _judge(rules, "粤B12345", 0.5, 8, "r3") == (Verdict.FOLDED, "r1")  # 4 s after the last: still the same car
    assert _judge(rules, "粤B12345", 0.9, 2, "r4", camera="c2") == (Verdict.READ,)  # another camera
    assert _judge(rules, "粤B54321", 0.9, 9, "r5") == (Verdict.READ,)  # another plate
    assert _judge(rules, "粤B12345", 0.9, 14, "r6") == (Verdict.READ,)  # 6 s after the last read: a new visit


def test_a_doubtful_read_needs_a_second_that_agrees_in_time() -> None:
    rules = Rules(0.8, 5)
    assert _judge(rules, "粤B12345", 0.5, 0, "r1") == (Verdict.UNCERTAIN,)
    assert _judge(rules, "粤B12346", 0.5, 1, "r2") == (Verdict.UNCERTAIN,)  # disagrees: another doubt
    assert _judge(rules, "粤B12345", 0.4, 2, "r3") == (Verdict.READ, "r1")  # agrees, however low
    assert _judge(rules, "粤B12346", 0.5, 7, "r4") == (Verdict.UNCERTAIN,)  # its doubt is 6 s old: no agreement
    assert _judge(rules, "粤B12346", 0.95, 8, "r5") == (Verdict.READ, "r4")


def test_truncated_reads_wait_for_a_full_one_and_unreadables_fold() -> None:
    rules = Rules(0.8, 5)
    truncated = normalize_plate("粤BD1234", colour="green")
    assert rules.judge("c1", truncated, 0.99, 0, "r1").verdict == Verdict.UNCERTAIN  # even sure of itself
    assert _judge(rules, "粤BD12345", 0.5, 1, "r2") == (Verdict.READ, "r1")
    assert _judge(rules, "_无_", 0, 10, "r3") == (Verdict.UNREADABLE,)
    assert _judge(rules, "--", 0, 11, "r4") == (Verdict.UNREADABLE_FOLDED, "r3")


def test_only_jpegs_within_the_cap_are_kept() -> None:
    assert decode_picture(JPEG, 1024) == JPEG
    for image in ("efwefwefwef", b"GIF89a", JPEG + b"\0" * 2048, "!!not base64!!"):
        with pytest.raises(SnapshotRefused):
            decode_picture(image, 1024)


async def test_old_snapshot_days_are_swept(tmp_path: Path) -> None:
    async with lpr_site(tmp_path, lpr={"snapshot_keep_days": 30}) as site:
        snapshots = site.lpr.snapshots
        old = snapshots.folder / "2026-01-01"
        old.mkdir(parents=True)
        (old / "x.jpg").write_bytes(JPEG)
        kept = snapshots.folder / "2026-02-20"
        kept.mkdir()
        assert await snapshots.save("r1", date(2026, 3, 2), JPEG) == "lpr/snapshots/2026-03-02/r1.jpg"
        assert not old.exists() and kept.exists()
