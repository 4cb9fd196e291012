"""Every committed ``.mo`` says what its ``.po`` says: a string translated in the ``.po`` but
not compiled would show in English on a Chinese screen, with nothing to tell anyone why."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
CATALOGUES = sorted(ROOT.glob("integrations/*/**/translations/*/LC_MESSAGES/dashboard.po"))


def _translations(catalog) -> dict[object, object]:
    return {message.id: message.string for message in catalog if message.id and message.string and not message.fuzzy}


def test_there_are_catalogues() -> None:
    assert len(CATALOGUES) >= 2


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_each_mo_is_compiled_from_its_po(po: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: pybabel compile -d {po.parents[2]} -D dashboard"
    with po.open("rb") as source:
        expected = _translations(read_po(source))
    with mo.open("rb") as compiled:
        found = _translations(read_mo(compiled))
    assert found == expected, f"{mo} is stale: pybabel compile -d {po.parents[2]} -D dashboard"
