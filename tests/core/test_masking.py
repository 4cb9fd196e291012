"""One masking for the whole hub: each kind's format, free text masked by shape, and the
integrations that show personal data masking through the core's functions, not copies."""
from __future__ import annotations

from xiaoqu.core import masking
from xiaoqu.core.masking import (
    mask_card,
    mask_face,
    mask_middle,
    mask_name,
    mask_plate,
    mask_secret,
    mask_token,
    masked,
    masked_state,
    masked_value,
)


def test_each_kind_keeps_what_its_docstring_says() -> None:
    assert mask_middle("13812345678") == "138****5678"
    assert mask_middle("110101199003074518") == "110***********4518"
    assert mask_middle("12345") == "****5"
    assert mask_face("P000123") == "F****23"
    assert mask_face("abc") == "F****"
    assert mask_card("04A2B3C4") == "04A2****"
    assert mask_card("04A2") == "****"
    assert mask_plate("粤A17964") == "粤A1***4"
    assert mask_plate("沪AD12345") == "沪AD****5"
    assert mask_plate("粤A1") == "粤***"
    assert (mask_name("王芳"), mask_name("欧阳娜娜"), mask_name("")) == ("王*", "欧***", "")
    assert mask_secret("123456") == "****"
    assert mask_token("Zk3vQ9") == "Zk3v…"


def test_free_text_is_masked_by_shape_and_masking_twice_changes_nothing() -> None:
    text = "car 粤A17964 of 13812345678 (ID 11010119900307451X) at 2026-03-02 08:47, meter 1234567"
    once = masked(text)
    assert once == "car 粤A1***4 of 138****5678 (ID 110***********451X) at 2026-03-02 08:47, meter 1234567"
    assert masked(once) == once
    assert masked("123456789012") == "123456789012"  # twelve digits: neither a phone nor an ID
    assert masked_state("13812345678", "L") == "13812345678"
    assert masked_state("13812345678", None) == "138****5678"


def test_the_integrations_mask_with_the_cores_functions() -> None:
    from xiaoqu.integrations.access import credentials
    from xiaoqu.integrations.access.const import CARD, FACE, PIN, PLATE, QR
    from xiaoqu.integrations.residents import personal

    assert personal.MASKS == {"phone": mask_middle, "id_number": mask_middle, "face_id": mask_face}
    assert credentials.MASKS == {CARD: mask_card, PIN: mask_secret, QR: mask_token, PLATE: mask_plate,
                                 FACE: mask_face}
    assert credentials.mask("unknown", "secret") == "****"
    assert personal.mask("phone", "13812345678") == "138****5678"
    assert masking.PLATE.fullmatch("粤A17964")


def test_a_value_of_data_is_masked_by_its_shape() -> None:
    assert masked_value(13812345678) == "138****5678"
    assert masked_value(12345678901) == 12345678901  # eleven digits, no mobile prefix
    assert masked_value(1_700_000_000) == 1_700_000_000  # a timestamp
    assert masked_value(True) is True
    assert masked_value(2.5) == 2.5
    assert masked_value("粤A17964") == "粤A1***4"
