"""core.ratelimit: a recurring problem is logged once per interval, with a count."""
from __future__ import annotations

import logging

import pytest

from xiaoqu.core.ratelimit import RateLimitedLog

LOGGER = logging.getLogger("tests.ratelimit")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def messages(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER.name and r.levelno == level]


def test_an_exception_shows_its_traceback_once_per_interval(clock, caplog):
    log = RateLimitedLog(LOGGER, clock, interval=60)
    for n in range(3):
        try:
            raise KeyError(n)
        except KeyError:
            log.exception("handler", "handler failed on %s", f"topic/{n}")
    clock.now += 60
    try:
        raise KeyError(9)
    except KeyError:
        log.exception("handler", "handler failed on %s", "topic/9")
    records = [r for r in caplog.records if r.name == LOGGER.name]
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.ERROR, "handler failed on topic/0"),
        (logging.ERROR, "handler failed on topic/9 (2 similar messages not logged)"),
    ]
    assert all(r.exc_info is not None and r.exc_info[0] is KeyError for r in records)


def test_logged_once_per_interval_then_with_the_count_left_out(clock, caplog):
    log = RateLimitedLog(LOGGER, clock, interval=60)
    for n in range(5):
        log.warning("k", "bad payload from %s", f"dev{n}")
    clock.now += 59
    log.warning("k", "bad payload from %s", "dev5")
    clock.now += 1
    log.warning("k", "bad payload from %s", "dev6")
    assert messages(caplog) == ["bad payload from dev0", "bad payload from dev6 (5 similar messages not logged)"]


def test_a_different_message_under_the_same_key_is_logged_at_once(clock, caplog):
    log = RateLimitedLog(LOGGER, clock, interval=600)
    log.warning("sensor.a", "sensor.a is unavailable: timeout")
    log.warning("sensor.a", "sensor.a is unavailable: timeout")
    log.warning("sensor.a", "sensor.a is unavailable: illegal address")
    assert messages(caplog) == ["sensor.a is unavailable: timeout", "sensor.a is unavailable: illegal address"]


def test_clear_says_the_problem_is_gone_only_if_it_was_logged(clock, caplog):
    caplog.set_level(logging.INFO)
    log = RateLimitedLog(LOGGER, clock)
    log.clear("quiet", "quiet reads again")
    log.warning("noisy", "noisy fails")
    log.clear("noisy", "noisy reads again")
    log.warning("noisy", "noisy fails")
    assert messages(caplog, logging.INFO) == ["noisy reads again"]
    assert messages(caplog) == ["noisy fails", "noisy fails"], "after clear the problem is new again"


def test_keys_are_bounded_least_recently_used_first(clock, caplog):
    log = RateLimitedLog(LOGGER, clock, max_keys=2)
    for key in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        log.warning(key, "problem %s", key)
    assert len(log) == 2
    log.warning("a", "problem %s", "a")  # still remembered: suppressed
    log.warning("b", "problem %s", "b")  # forgotten: logged again
    assert messages(caplog) == ["problem a", "problem b", "problem c", "problem b"]


def test_a_message_without_arguments_may_hold_a_percent_sign(clock, caplog):
    log = RateLimitedLog(LOGGER, clock, interval=1)
    log.warning("k", "valve at 100% is stuck")
    log.warning("k", "valve at 100% is stuck")
    clock.now += 1
    log.warning("k", "valve at 100% is stuck")
    assert messages(caplog) == ["valve at 100% is stuck", "valve at 100% is stuck (1 similar messages not logged)"]
