"""The estate drawn from the config: reproducible, believable, and a config that says what
is wrong."""
from __future__ import annotations

import random
import re
from datetime import datetime

import pytest

from tests.conftest import SITE_TZ
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.validation import humanize_error, vol
from xiaoqu.integrations.simulator.estate import build_estate
from xiaoqu.integrations.simulator.plates import is_new_energy, misread, random_plate
from xiaoqu.integrations.simulator.profile import RESIDENTS, SimClock, next_arrival, share
from xiaoqu.integrations.simulator.schema import CONFIG_SCHEMA

#: Province, city letter (no I or O), then five characters — or six for new-energy (D/F first).
PROVINCES = "京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新"
PLATE = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z]([A-HJ-NP-Z0-9]{{5}}|[DF][A-HJ-NP-Z0-9]\d{{4}})$")


def test_the_same_seed_draws_the_same_estate():
    config = CONFIG_SCHEMA({})
    first, second = build_estate(config, random.Random(42)), build_estate(config, random.Random(42))
    assert first == second
    assert build_estate(config, random.Random(7)) != first


def test_defaults_make_a_small_believable_estate():
    estate = build_estate(CONFIG_SCHEMA({}), random.Random(42))
    assert 50 <= len(estate.households) <= 72  # 3 buildings × 2 units × 6 floors × 2 flats, a few empty
    assert len({r.card for r in estate.residents}) == len(estate.residents)
    assert len({r.face_id for r in estate.residents}) == len(estate.residents)
    assert len(set(estate.vehicles)) == len(estate.vehicles) > 20
    assert [r.id for r in estate.readers] == ["b1-u1", "b1-u2", "b2-u1", "b2-u2", "b3-u1", "b3-u2", "gate-1", "gate-2"]
    assert [(lane.id, lane.direction, lane.transport, lane.camera) for lane in estate.lanes] == [
        ("main-1", "in", "modbus", "cam-1"), ("main-2", "out", "modbus", "cam-2"), ("back-1", "both", "mqtt", None)]
    assert [w.online for w in estate.wands] == [True, False]
    assert [d.kind for d in estate.smart_devices] == ["plug", "light", "thermometer"] * 2
    assert [(m.department, m.position) for m in estate.staff][:4] == [
        ("行政部", "经理"), ("行政部", "文员"), ("行政部", "出纳"), ("保安部", "队长")]
    assert not {m.card for m in estate.staff} & {r.card for r in estate.residents}
    assert [m.lunches for m in estate.staff] == [True] * 5 + [False] * 2  # the night guards sleep at noon


def test_plates_look_like_chinese_plates():
    rng = random.Random(1)
    plates = [random_plate(rng, local=rng.random() < 0.5) for _ in range(2000)]
    assert all(PLATE.match(p) for p in plates), [p for p in plates if not PLATE.match(p)][:5]
    share_green = sum(map(is_new_energy, plates)) / len(plates)
    assert 0.2 < share_green < 0.4
    wrong = misread("粤B88888", rng)
    assert wrong != "粤B88888" and sum(a != b for a, b in zip(wrong, "粤B88888", strict=True)) == 1


def test_the_profile_peaks_morning_and_evening():
    day = datetime(2026, 3, 2, tzinfo=SITE_TZ)
    assert share(RESIDENTS, day.replace(hour=8)) == share(RESIDENTS, day.replace(hour=18)) == 1.0
    assert share(RESIDENTS, day.replace(hour=3)) < 0.1
    night = SimClock(ManualClock(day.replace(hour=3), SITE_TZ), speed=60)
    assert night.real_delay(3600) == 60
    peak = SimClock(ManualClock(day.replace(hour=7, minute=30), SITE_TZ), speed=60)

    def median_wait(sim: SimClock) -> float:
        return sorted(next_arrival(random.Random(seed), sim, RESIDENTS, 60) for seed in range(301))[150]

    # At 60 an hour the peak's median wait is ln 2 minutes; at night the rate is 3% of that.
    assert 30 < median_wait(peak) < 55
    assert median_wait(night) > 20 * median_wait(peak)


@pytest.mark.parametrize(("config", "message"), [
    ({"speed": 0}, "expected a speed above 0 and at most 3600"),
    ({"barriers": 21}, "expected at most 20"),
    ({"buildings": -1}, "expected a whole number, 0 or more"),
    ({"modbus_port": 70000}, "expected a port number from 1 to 65535"),
    ({"lanes": 2}, "is not a valid option"),
])
def test_a_bad_option_is_named(config, message):
    with pytest.raises(vol.Invalid) as err:
        CONFIG_SCHEMA(config)
    assert message in humanize_error(config, err.value)
    assert next(iter(config)) in humanize_error(config, err.value)
