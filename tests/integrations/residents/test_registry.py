"""The registry on a real hub: look-ups by card, face, plate and user; one row per change;
personal data sealed on disk and masked everywhere; the change feed."""
from __future__ import annotations

import sqlite3

import pytest

from tests.integrations.residents.sample import CONFIG, ID_NUMBER
from xiaoqu.core.loader import discover, setup_order
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import ResidentsChange, ResidentsError, get_residents, parse_card


async def _family(residents) -> tuple:
    await residents.add_household("1-2-0601", area_m2="89.5")
    owner = await residents.add_person(household="1-2-0601", role="owner", name="王芳", phone="138 1234 5678",
                                       id_number=ID_NUMBER, face_id="P000012", cards=["04A2B3C4"])
    child = await residents.add_person(household="1-2-0601", role="family", name="王小明", cards="0077771717")
    await residents.add_vehicle("沪A·12345", "1-2-0601", owner.id)
    return owner, child


@pytest.mark.parametrize("wanted", [["residents"], ["access", "auth"], ["door", "auth"], ["auth", "smart_home"]])
def test_auth_is_set_up_before_residents_whatever_pulls_them_in(wanted: list[str]) -> None:
    """Residents audits through auth and offers its commands on auth's control socket."""
    order, problems = setup_order(wanted, discover()[0])
    assert problems == [] and order.index("auth") < order.index("residents")


async def test_a_family_is_found_by_every_key_a_door_or_gate_has(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        owner, child = await _family(residents)
        home = residents.household("1-2-0601")
        assert (home.building, home.unit, home.floor, home.area_m2, home.area_centi_m2) == ("1", "1-2", 6, "89.50", 8950)
        assert (owner.id, child.id) == ("P000001", "P000002")
        assert child.cards == ("04A2B3C5",)  # 0077771717 is that UID in decimal
        for form in ("04A2B3C4", "0077771716", "162,46020", "01186,46020"):
            assert residents.person_by_card(form) is owner
        assert residents.person_by_uid(0x04A2B3C4) is owner
        assert residents.person_by_low24(parse_card("162,46021").low24) is child
        assert residents.person_by_face("P000012") is owner
        assert residents.person_by_face("P000013") is None
        assert residents.vehicle("沪A12345").person == owner.id
        assert residents.vehicle("沪a 12345").household == "1-2-0601"
        assert [v.plate for v in residents.vehicles_of("1-2-0601")] == ["沪A12345"]
        assert residents.persons_of("1-2-0601") == [owner, child]
        assert (owner.building, owner.unit, owner.kind, owner.role) == ("1", "1-2", "resident", "owner")
        assert owner.as_dict()["phone"] == "138****5678"
        assert owner.as_dict()["id_number"] == "110***********002X"
        assert owner.as_dict()["face_id"] == "F****12"
        assert "13812345678" not in repr(owner) and ID_NUMBER not in repr(owner)


async def test_records_survive_a_restart_sealed_on_disk(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        owner, _child = await _family(get_residents(hub))
    raw = (tmp_path / ".xiaoqu" / "residents.db").read_bytes()
    wal = tmp_path / ".xiaoqu" / "residents.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert "王芳".encode() in raw
    for secret in (b"13812345678", ID_NUMBER.encode(), b"P000012"):
        assert secret not in raw
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        again = residents.person(owner.id)
        assert again == owner
        assert residents.person_by_face("P000012") is again
        assert residents.person_by_card("04A2B3C4") is again
        assert residents.reveal(owner.id, "phone", None) == "13812345678"
        assert (await residents.add_person(household="1-2-0601", role="tenant", name="李四")).id == "P000003"


async def test_a_change_writes_one_row(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        owner, _child = await _family(residents)
        written = []
        real_write = residents._store.write

        async def spy(changes):
            changes = list(changes)
            written.append([(c.table, c.key) for c in changes])
            await real_write(changes)

        residents._store.write = spy
        await residents.update_person(owner.id, phone="13900001111")
        assert written == [[("persons", owner.id)]]


async def test_a_card_that_clashes_on_its_wiegand_26_number_is_refused(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        owner, child = await _family(residents)
        with pytest.raises(ResidentsError, match=r"^cards: card 14A2B3C4 clashes with card 04A2B3C4 of P000001 on "
                                                 r"its Wiegand-26 number \(162,46020\)$"):
            await residents.update_person(child.id, cards=["04A2B3C5", "14A2B3C4"])
        with pytest.raises(ResidentsError, match=r"^cards: card 04A2B3C4 is already P000001's$"):
            await residents.add_person(household="1-2-0601", role="tenant", name="张三", cards=["04A2B3C4"])
        assert residents.person(child.id) == child  # nothing changed
        assert residents.person_by_card("14A2B3C4") is None
        moved = await residents.update_person(owner.id, cards=["14A2B3C4"])  # a person may swap their own card
        assert residents.person_by_card("14A2B3C4") is moved
        assert residents.person_by_uid(0x04A2B3C4) is None


async def test_what_is_wrong_is_said_naming_the_field(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        await _family(residents)
        cases = [
            ({"household": "1-2-0601", "role": "owner", "name": "赵", "phone": "12ab"},
             "phone: expected a phone number"),
            ({"household": "1-2-0601", "role": "owner", "name": "赵", "id_number": "110105194912310021"},
             "id_number: expected a resident ID number whose last character is its check digit"),
            ({"household": "9-9-0101", "role": "owner", "name": "赵"}, "household: no household 9-9-0101"),
            ({"household": "1-2-0601", "role": "boss", "name": "赵"}, "role: expected owner, tenant, family"),
            ({"household": "1-2-0601", "name": "赵"}, "role: a resident is an owner, a tenant or family"),
            ({"household": "1-2-0601", "role": "owner", "name": "王芳"}, "name: household 1-2-0601 already has a 王芳"),
            ({"household": "1-2-0601", "role": "owner", "name": "赵", "cards": "162,46022"},
             "is a Wiegand-26 read, which does not carry the card's full UID"),
            ({"household": "1-2-0601", "role": "owner", "name": "x" * 15_000_000},
             "name: expected a name of at most 100 characters"),
            ({"household": "1-2-0601", "role": "owner", "name": "赵\ud800"}, "without control or invisible characters"),
            ({"household": "1-2-0601", "role": "owner", "name": "赵", "face_id": "P000012"},
             "face_id: the face id is already P000001's"),
        ]
        for fields, message in cases:
            with pytest.raises(ResidentsError) as caught:
                await residents.add_person(**fields)
            assert message in str(caught.value), fields.keys()
        assert len(list(residents.persons())) == 2


async def test_erasing_keeps_the_id_and_drops_the_personal_data(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        owner, _child = await _family(residents)
        erased = await residents.erase_person(owner.id)
        assert (erased.id, erased.name, erased.phone, erased.cards, erased.erased) == (owner.id, "", None, (), True)
        assert residents.person(owner.id) is erased
        assert residents.person_by_card("04A2B3C4") is None and residents.person_by_face("P000012") is None
        assert residents.vehicle("沪A12345").person is None
        with pytest.raises(ResidentsError, match="was erased"):
            await residents.update_person(owner.id, name="王芳")
        with pytest.raises(ResidentsError, match=r"still has 1 persons \(P000002\) and 1 vehicles"):
            await residents.remove_household("1-2-0601")


async def test_listeners_hear_each_durable_change(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        heard: list[ResidentsChange] = []
        unsubscribe = residents.listen(heard.append)
        residents.listen(lambda change: 1 / 0)  # a failing listener stops no other
        owner, child = await _family(residents)
        assert [(c.kind, c.id, c.old is None, c.new is None) for c in heard] == [
            ("household", "1-2-0601", True, False), ("person", owner.id, True, False),
            ("person", child.id, True, False), ("vehicle", "沪A12345", True, False)]
        unsubscribe()
        await residents.erase_person(child.id)
        assert len(heard) == 4


async def test_a_store_that_stops_writing_leaves_memory_as_it_was(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        owner, _child = await _family(residents)

        async def broken(changes):
            raise sqlite3.OperationalError("disk I/O error")

        residents._store.write = broken
        with pytest.raises(sqlite3.OperationalError):
            await residents.update_person(owner.id, cards=["0A0B0C0D"], face_id="P000099")
        assert residents.person(owner.id) is owner
        assert residents.person_by_card("0A0B0C0D") is None and residents.person_by_face("P000099") is None
        assert residents.person_by_face("P000012") is owner
