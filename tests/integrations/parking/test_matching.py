"""The exit's fuzzy match on its own: one camera confusion, else one character, only when one car fits."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiaoqu.integrations.parking.matching import NearPlates, match, one_edit_apart

INSIDE = ["粤B12340", "粤A12348", "京AD12345", "粤C55555", "粤C55556"]


@pytest.mark.parametrize(("read", "expected", "why"), [
    ("粤B12340", "粤B12340", "粤B1***0 is inside"),
    ("粤B1234D", "粤B12340", "read 粤B1***D taken for 粤B1***0, the only car inside one camera confusion away (D for 0)"),
    ("粤A1234B", "粤A12348", "read 粤A1***B taken for 粤A1***8, the only car inside one camera confusion away (B for 8)"),
    ("京AD1234", "京AD12345", "read 京AD***4 taken for 京AD****5, the only car inside one character away"),  # truncated
    ("粤B12341", "粤B12340", "read 粤B1***1 taken for 粤B1***0, the only car inside one character away"),
    ("湘B12340", "粤B12340", "read 湘B1***0 taken for 粤B1***0, the only car inside one character away"),
    ("粤C55557", None, "read 粤C5***7 is one character away from 2 cars inside (粤C5***5, 粤C5***6): not guessed"),
    ("粤E99999", None, "no car inside is 粤E9***9 or one character away from it"),
])
def test_the_rule(read, expected, why):
    found = match(read, INSIDE)
    assert (found.plate, found.reason) == (expected, why)


def test_a_confusion_wins_over_another_character():
    # 粤C5555S: S for 5 fits 粤C55555 by a confusion; 粤C55556 is one character away too
    assert match("粤C5555S", INSIDE).plate == "粤C55555"


def test_one_edit():
    assert one_edit_apart("ABC", "ABD") and one_edit_apart("ABC", "AC") and one_edit_apart("AC", "ABC")
    assert not one_edit_apart("ABC", "ABC") and not one_edit_apart("ABC", "A") and not one_edit_apart("ABC", "BAD")


_PLATE_CHARS = "粤沪AB8D0O1IS5Z2G6Q"


@settings(max_examples=300, deadline=None)
@given(inside=st.sets(st.text(_PLATE_CHARS, min_size=5, max_size=8), max_size=40),
       read=st.text(_PLATE_CHARS, min_size=4, max_size=9), gone=st.data())
def test_the_index_hands_the_rule_every_plate_it_could_match(inside, read, gone):
    near = NearPlates()
    for plate in inside:
        near.add(plate)
    left = gone.draw(st.sets(st.sampled_from(sorted(inside)))) if inside else set()
    for plate in left:
        near.discard(plate)
    still = inside - left
    assert near.near(read) == {plate for plate in still if plate == read or one_edit_apart(read, plate)}
    assert match(read, near.near(read)) == match(read, still)
