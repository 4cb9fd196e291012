"""What a security review of access asked for: what-if checks leave no trace, credentials are
never in clear in reasons, log lines or the log, PINs are keyed digests with a wrong-PIN limit,
and a controller's upload is taken only as far as that controller could have decided."""
from __future__ import annotations

import hashlib
import json
import logging
import stat

from tests.integrations.access.conftest import CARD, estate
from xiaoqu.integrations.access.credentials import SiteKey
from xiaoqu.integrations.access.offline import Sender, Upload


async def test_a_check_at_another_time_answers_only(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, _access, people):
        fired: list[dict] = []
        hub.bus.listen("access_granted", lambda e: fired.append(e.data))
        hub.bus.listen("access_denied", lambda e: fired.append(e.data))
        for moment, granted in (("2026-02-01T12:00:00+08:00", True), ("2026-02-01T03:00:00+08:00", False)):
            answer = await hub.services.call("access", "check", {"type": "card", "value": CARD, "door": "b1_east",
                                                                 "at": moment}, return_response=True)
            assert answer["granted"] is granted
        await hub.block_till_done()
        log = (await hub.services.call("access", "log", {"person": people["王芳"]}, return_response=True))["records"]
        assert fired == [] and log == []


async def test_cards_and_plates_are_masked_in_reasons_log_lines_and_the_log(tmp_path, clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with estate(tmp_path, clock) as (hub, access, _people):
        reasons = [access.check("plate", "沪A12345", "gate_car").reason, access.check("plate", "沪C99999", "gate_car").reason,
                   access.check("card", "DEADBEEF", "b1_east").reason]
        assert reasons[1:] == ["denied: plate 沪C9***9 is not known", "denied: card DEAD**** is not known"]
        await hub.services.call("access", "restrict", {"card": CARD, "reason": "reported lost", "kind": "lost"},
                                blocking=True)
        assert access.check("card", CARD, "b1_east").reason.startswith("denied: card 04A2**** reported lost 2026-03-02")
        await hub.recorder.flush()
        stored = json.dumps([r.data for r in await hub.recorder.query("access")], ensure_ascii=False) + "".join(reasons)
        for clear in ("沪A12345", "沪C99999", "DEADBEEF", CARD):
            assert clear not in stored and clear not in caplog.text, clear


async def test_an_erased_persons_records_cannot_be_found_by_card(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        access.check("card", CARD, "b1_east")
        access.check("plate", "沪A12345", "gate_car")
        assert (await hub.services.call("access", "log", {"card": CARD}, return_response=True))["records"]
        await hub.services.call("residents", "erase_person", {"id": people["王芳"]}, blocking=True)
        await hub.block_till_done()
        await hub.recorder.flush()
        records = [r.data for r in await hub.recorder.query("access", subject=people["王芳"])]
        assert len(records) == 2 and not any("card" in r for r in records)
        assert "沪A12345" not in json.dumps(records, ensure_ascii=False)
        await hub.services.call("residents", "add_person", {"kind": "resident", "name": "新", "household": "1-1-0101",
                                                            "role": "owner", "cards": [CARD]}, blocking=True)
        access.check("card", CARD, "b1_east")  # the card given to someone else: only their entry is found
        found = (await hub.services.call("access", "log", {"card": CARD}, return_response=True))["records"]
        assert [r["person"] for r in found] != [] and people["王芳"] not in {r["person"] for r in found}


async def test_pins_are_kept_as_keyed_digests_under_a_private_site_key(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        await hub.services.call("access", "add_credential", {"type": "pin", "pin": "482913", "person": people["张伟"]},
                                blocking=True)
        assert access.check("pin", "482913", "b2_east").granted
        keys = [k for k in access.whitelist(["b2_east"])["entries"] if k.startswith("pin:")]
        assert keys == [access.site_key.credential("pin", "482913")]
        assert keys[0] != f"pin:{hashlib.sha256(b'482913').hexdigest()}"
        key_file = hub.config.data_dir / "access.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert SiteKey(bytes.fromhex(key_file.read_text().strip())).credential("pin", "482913") == keys[0]
        assert key_file.read_text().strip() != access.site_key.credentials_hex  # a controller's key is not the secret


async def test_five_wrong_pins_in_a_minute_lock_that_readers_pins_for_a_minute(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        await hub.services.call("access", "add_credential", {"type": "pin", "pin": "482913", "person": people["张伟"]},
                                blocking=True)
        for guess in range(5):
            assert access.check("pin", f"00000{guess}", "b2_east").rule == "credential:unknown"
        locked = access.check("pin", "482913", "b2_east")
        assert (locked.granted, locked.rule) == (False, "pin:locked")
        assert locked.reason == "denied: too many wrong PINs at door b2_east; its PINs are refused until 08:01:00"
        assert access.check("pin", "482913", "gate_south").granted  # another reader takes PINs
        assert access.check("card", "55667788", "b2_east").granted  # and this one cards
        clock.advance(60)
        assert access.check("pin", "482913", "b2_east").granted


async def test_an_upload_is_taken_only_for_its_controllers_doors_and_the_logs_time(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        mismatches: list[dict] = []
        hub.bus.listen("access_offline_mismatch", lambda e: mismatches.append(e.data))
        sender = Sender("c1", frozenset({"b1_east"}), access.whitelist(["b1_east"])["entries"])
        await hub.services.call("access", "restrict", {"card": "11223344", "reason": "lost", "kind": "lost"},
                                blocking=True)  # after the list was sent
        now = clock.time()
        event = {"door": "b1_east", "type": "card", "value": CARD, "granted": True, "ts": now - 60}
        upload = [{**event, "event_id": "gate", "door": "gate_south"}, {**event, "event_id": "ghost", "door": "nowhere"},
                  {**event, "event_id": "1970", "ts": 1}, {**event, "event_id": "ahead", "ts": now + 301},
                  {**event, "event_id": "ok", "reason": "granted by group Residents (residents)"},
                  {**event, "event_id": "stranger", "value": "55667788"},
                  {**event, "event_id": "lost", "value": "11223344", "ts": now + 1}]
        assert await access.record_offline(upload, sender) == Upload(3, ("gate", "ghost", "1970", "ahead"))
        assert access.counts["offline_foreign_door"] == 2 and access.counts["offline_out_of_window"] == 2
        await hub.recorder.flush()
        records = {r.data["event_id"]: r.data for r in await hub.recorder.query("access", where={"source": "offline"})}
        assert set(records) == {"ok", "stranger", "lost"}
        assert (records["ok"]["reason"], records["ok"]["rule"]) == (
            "granted: controller c1 reported: granted by group Residents (residents)", "offline:c1")
        assert [(m["event_id"], m["problem"].split(":")[0]) for m in mismatches] == [
            ("stranger", "not on the list it was sent"), ("lost", "restricted")]
        assert mismatches[0]["value"] == "5566****" and mismatches[0]["person"] == people["张伟"]
