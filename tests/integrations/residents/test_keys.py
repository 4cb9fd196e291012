"""The key that seals personal data: from secrets, made when missing, rotated without loss."""
from __future__ import annotations

import logging
import stat

from cryptography.fernet import Fernet

from tests.integrations.residents.sample import CONFIG, KEY
from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations.residents import get_residents


async def _someone(residents) -> str:
    await residents.add_household("1-1-0101")
    return (await residents.add_person(household="1-1-0101", role="owner", name="甲", phone="13800000001",
                                       face_id="F1")).id


async def test_with_no_key_configured_one_is_made_private_and_the_site_is_told(tmp_path, clock, caplog) -> None:
    async with running_hub(tmp_path, {"residents": None}, clock=clock) as hub:
        person = await _someone(get_residents(hub))
    key_file = tmp_path / ".xiaoqu" / "residents.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "move it to secrets.yaml" in caplog.text
    async with running_hub(tmp_path, {"residents": None}, clock=clock) as hub:
        assert get_residents(hub).reveal(person, "phone", None) == "13800000001"


async def test_a_new_key_put_first_reads_the_old_data_and_rotation_reseals_it(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        person = await _someone(get_residents(hub))
    new = Fernet.generate_key().decode()
    both = {"residents": {"encryption_key": [new, KEY]}}
    async with running_hub(tmp_path, both, clock=clock) as hub:
        residents = get_residents(hub)
        assert residents.reveal(person, "phone", None) == "13800000001"
        assert await hub.services.call("residents", "rotate_key", {}, return_response=True) == {"persons": 1}
    async with running_hub(tmp_path, {"residents": {"encryption_key": new}}, clock=clock) as hub:
        residents = get_residents(hub)
        assert residents.reveal(person, "phone", None) == "13800000001"
        assert residents.person_by_face("F1").id == person


def test_a_key_that_is_not_one_is_refused_by_check_config_without_showing_it(tmp_path) -> None:
    (tmp_path / "secrets.yaml").write_text("old: hunter2\n", encoding="utf-8")
    config = f"residents:\n  encryption_key: [{KEY}, !secret old]\n"
    checked = check_config(write_config(tmp_path, config))
    assert [str(e) for e in checked.errors] == [
        "config.yaml:2: residents.encryption_key[1]: expected a Fernet key: 44 characters of URL-safe base64 (make "
        "one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`), "
        "got !secret old (value hidden)"]


async def test_the_store_has_one_writer(tmp_path, clock, caplog) -> None:
    caplog.set_level(logging.ERROR)
    async with running_hub(tmp_path, CONFIG, clock=clock):
        from xiaoqu.core.storage import StoreLockedError
        from xiaoqu.integrations.residents.store import ResidentsStore

        second = ResidentsStore(tmp_path / ".xiaoqu")
        try:
            await second.open()
        except StoreLockedError as err:
            assert "residents.db is already open (lock residents.db.lock held by pid" in str(err)
        else:
            raise AssertionError("a second writer opened the store")
