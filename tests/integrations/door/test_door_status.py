"""A door's state from what its controller said and what the hub told it (no hub, no clock)."""
from __future__ import annotations

from xiaoqu.integrations.door.const import DoorState, UnlockSource
from xiaoqu.integrations.door.debounce import Debouncer
from xiaoqu.integrations.door.status import DoorStatus


def test_a_door_opened_while_locked_is_forced_once_and_normal_again_when_shut():
    status = DoorStatus()
    assert status.state is DoorState.LOCKED
    assert status.contact(True, 100.0) is True
    assert status.state is DoorState.FORCED
    assert status.contact(True, 101.0) is False, "a repeated report is no new forcing"
    assert status.check_held(1000.0, 60) is False, "a forced door is already an alarm"
    status.contact(False, 102.0)
    assert status.state is DoorState.LOCKED


def test_an_unlocked_door_opens_is_held_open_past_its_limit_and_relocks_as_it_shuts():
    status = DoorStatus()
    assert status.unlocked(UnlockSource.READER, 105.0, "P000001")
    assert status.state is DoorState.UNLOCKED and status.unlocked_by == "P000001"
    assert status.contact(True, 101.0) is False
    assert status.state is DoorState.OPEN
    assert status.expire(105.0) is True, "the unlock runs out while the door is open"
    assert status.state is DoorState.OPEN
    assert status.check_held(160.0, 60) is False
    assert status.check_held(161.0, 60) is True
    assert status.check_held(200.0, 60) is False, "held open is told once"
    assert status.state is DoorState.HELD_OPEN
    status.contact(False, 210.0)
    assert status.state is DoorState.LOCKED


def test_a_door_that_shuts_before_its_time_is_up_relocks_at_once():
    status = DoorStatus()
    status.unlocked(UnlockSource.REMOTE, 130.0, "guard")
    status.contact(True, 101.0)
    status.contact(False, 103.0)
    assert status.state is DoorState.LOCKED and status.unlock is None
    assert status.expire(130.0) is False


def test_an_emergency_holds_the_door_until_staff_end_it_and_is_never_held_open():
    status = DoorStatus()
    assert status.unlocked(UnlockSource.EMERGENCY, None, "fire panel")
    assert status.unlocked(UnlockSource.READER, 105.0, "P000001") is False
    assert status.unlocked(UnlockSource.FIRST_CARD, 105.0, "P000001") is False
    status.contact(True, 100.0)
    status.contact(False, 101.0)
    assert status.state is DoorState.UNLOCKED and status.emergency
    status.contact(True, 102.0)
    assert status.check_held(10_000.0, 60) is False
    status.locked()
    assert status.unlock is None


def test_the_first_card_keeps_the_door_unlocked_through_openings_and_other_cards():
    status = DoorStatus()
    assert status.unlocked(UnlockSource.FIRST_CARD, 36_000.0, "P000009")
    assert status.unlocked(UnlockSource.READER, 105.0, "P000001") is False
    status.contact(True, 100.0)
    status.contact(False, 101.0)
    assert status.state is DoorState.UNLOCKED and status.unlocked_by == "P000009"
    assert status.expire(40_000.0) is False, "the hub, not a timeout, ends the day's unlock"


def test_staff_unlocking_a_forced_door_make_it_open_on_purpose():
    status = DoorStatus()
    status.contact(True, 100.0)
    status.unlocked(UnlockSource.REMOTE, 110.0, "guard")
    assert status.state is DoorState.OPEN


def test_a_fault_shows_until_cleared_and_is_new_once():
    status = DoorStatus()
    assert status.reported_fault("lock coil open circuit") is True
    assert status.reported_fault("lock coil open circuit") is False
    assert status.state is DoorState.FAULT
    assert status.reported_fault(None) is False
    assert status.state is DoorState.LOCKED


def test_an_interlock_partner_must_be_closed_and_locked():
    status = DoorStatus()
    assert status.closed_and_locked
    status.unlocked(UnlockSource.READER, 105.0, None)
    assert not status.closed_and_locked


def test_a_repeat_within_the_window_gets_the_same_answer_and_the_window_does_not_slide():
    debouncer = Debouncer(0.2)
    answer = {"granted": True, "reason": "granted", "rule": "group:g1"}
    assert debouncer.repeat("r1", "card", "04A2B3C4", 10.0) is None
    debouncer.decided("r1", "card", "04A2B3C4", 10.0, answer)
    assert debouncer.repeat("r1", "card", "04A2B3C4", 10.1) == answer
    assert debouncer.repeat("r1", "card", "04A2B3C4", 10.19) == answer
    assert debouncer.repeat("r1", "card", "04A2B3C4", 10.25) is None, "decided again after 200 ms"
    assert debouncer.repeat("r2", "card", "04A2B3C4", 10.1) is None, "another reader decides for itself"
    assert debouncer.repeat("r1", "card", "0077771234", 10.1) is None, "another credential is decided"
    assert debouncer.repeat("r1", "face", "04A2B3C4", 10.1) is None
    assert debouncer.repeats == 2
