"""The dashboard's catalogues: every committed ``.mo`` says what its ``.po`` says, and no two
packages translate one message differently.

A string translated in the ``.po`` but not compiled would show in English on a Chinese screen,
with nothing to tell anyone why. The packages' catalogues are merged into one per language
(integrations/dashboard/i18n.py), where a later package wins a clash: the same English word
translated two ways would change another integration's page depending on load order, so a
clash fails here and is settled with a message context (``pgettext``) or one wording.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
CATALOGUES = sorted(ROOT.glob("integrations/*/**/translations/*/LC_MESSAGES/dashboard.po"))


def _translations(catalog: Catalog) -> dict[tuple[Any, str | None], Any]:
    """``(message id, context)`` to its translation, as ``pybabel compile`` keeps them (no fuzzy ones)."""
    return {(message.id, message.context): message.string for message in catalog
            if message.id and message.string and not message.fuzzy}


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def test_there_are_catalogues() -> None:
    assert len(CATALOGUES) >= 2


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_each_mo_is_compiled_from_its_po(po: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: pybabel compile -d {po.parents[2]} -D dashboard"
    with mo.open("rb") as compiled:
        found = _translations(read_mo(compiled))
    assert found == _translations(_read_po(po)), f"{mo} is stale: pybabel compile -d {po.parents[2]} -D dashboard"


def test_no_two_packages_translate_a_message_differently() -> None:
    seen: dict[tuple[str, Any, str | None], dict[Any, list[str]]] = defaultdict(lambda: defaultdict(list))
    for po in CATALOGUES:
        language = po.parents[1].name
        for key, string in _translations(_read_po(po)).items():
            seen[(language, *key)][string].append(str(po.relative_to(ROOT).parents[3]))
    clashes = [f"{language} {message!r}: " + "; ".join(f"{string!r} in {', '.join(where)}"
                                                      for string, where in strings.items())
               for (language, message, _context), strings in seen.items() if len(strings) > 1]
    assert not clashes, "\n".join(clashes)
