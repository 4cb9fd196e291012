"""The hub's clock: site time zone, timers, and the manual clock tests rely on."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest


def test_now_is_in_site_time_zone(clock):
    assert clock.now().utcoffset() == timedelta(hours=8)
    assert clock.now().hour == 8


def test_manual_clock_runs_timers_in_order_when_advanced(clock):
    fired = []
    clock.call_later(10, lambda: fired.append("b"))
    clock.call_later(5, lambda: fired.append("a"))
    cancelled = clock.call_later(7, lambda: fired.append("never"))
    cancelled.cancel()
    clock.advance(6)
    assert fired == ["a"]
    clock.advance(timedelta(seconds=4))
    assert fired == ["a", "b"]


def test_timer_sees_its_own_due_time(clock):
    seen = []
    start = clock.time()
    clock.call_later(30, lambda: seen.append(clock.time() - start))
    clock.advance(3600)
    assert seen == [30]


def test_manual_clock_never_goes_back(clock):
    with pytest.raises(ValueError, match="forward"):
        clock.set(clock.time() - 1)


async def test_sleep_on_manual_clock_wakes_when_advanced(clock):
    task = asyncio.ensure_future(clock.sleep(300))
    await asyncio.sleep(0)
    assert not task.done()
    clock.advance(300)
    await asyncio.sleep(0)
    assert task.done()


async def test_real_clock_timer_fires():
    from xiaoqu.core.clock import Clock

    real = Clock("UTC")
    fired = asyncio.Event()
    real.call_later(0.01, fired.set)
    await asyncio.wait_for(fired.wait(), 2)
