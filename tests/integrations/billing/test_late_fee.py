"""The late fee: the worked examples of docs/billing.md, read from the page, are what the rule answers."""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from xiaoqu.integrations.billing.latefee import LateFeeRule

DOC = Path(__file__).resolve().parents[3] / "docs" / "billing.md"
TABLE_HEAD = "| # | settings | principal_fen | days | late_fee_fen | explanation |"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n## Late fee\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def _rules() -> dict[str, LateFeeRule]:
    block = re.search(r"```yaml worked-examples\n(.*?)```", _section(), re.S)
    assert block is not None, "docs/billing.md: the worked examples' settings are missing"
    return {name: LateFeeRule.from_config(section) for name, section in yaml.safe_load(block.group(1)).items()}


def _rows() -> list[list[str]]:
    lines = _section().splitlines()
    rows = []
    for line in lines[lines.index(TABLE_HEAD) + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


ROWS = _rows()


def test_the_page_has_its_worked_examples() -> None:
    assert len(ROWS) >= 10
    assert [row[0] for row in ROWS] == [str(n) for n in range(1, len(ROWS) + 1)]


@pytest.mark.parametrize("row", ROWS, ids=[f"example {row[0]}" for row in ROWS])
def test_each_worked_example_is_what_the_rule_answers(row: list[str]) -> None:
    _number, name, principal, days, fee, explanation = row
    answer = _rules()[name.strip("`")].charge(int(principal), int(days))
    assert (answer.fen, answer.explanation) == (int(fee), explanation)


@given(st.integers(0, 10_000_000), st.integers(0, 2000), st.integers(0, 60))
def test_the_fee_is_the_exact_product_rounded_within_a_fen(principal: int, days: int, grace: int) -> None:
    rule = LateFeeRule.from_config({"grace_days": grace})
    exact = Fraction(principal * 3 * max(0, days - grace), 1000)  # fen; 0.3% a day
    assert abs(rule.charge(principal, days).fen - exact) <= Fraction(1, 2)


@given(st.integers(0, 1_000_000), st.integers(0, 3650))
def test_a_cap_is_never_exceeded(principal: int, days: int) -> None:
    rule = LateFeeRule.from_config({"cap_percent": "100", "cap_fen": 300_000})
    assert rule.charge(principal, days).fen <= min(principal, 300_000)
