"""Reading the card centre's forms: each field checked before any service is called, and a
mistake answered with a 400 page naming the field, so nothing changes.

Money is typed in yuan, as a cashier counts it, and becomes integer fen exactly: the text is
read as a :class:`~decimal.Decimal`, never a float, and a third decimal (``12.345``) is
refused rather than rounded — a fen nobody typed is a fen the till does not hold.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.integrations.dashboard import N_, PageRequest, ServiceRefused

if TYPE_CHECKING:
    from multidict import MultiMapping

#: Yuan as typed: whole yuan and at most two decimals, up to ¥9,999,999.99; a leading ¥ is allowed.
_YUAN: Final = re.compile(r"[¥￥]?\s*([0-9]{1,7}(?:\.[0-9]*)?)")
#: The longest text a field takes (the services refuse longer names and reasons themselves).
MAX_TEXT: Final = 200


def fen_of(text: str) -> int:
    """``"12.5"`` → 1250, exactly; ValueError naming why for anything that is not yuan in
    whole fen (``12.345``, ``1e3``, ``-5``, ``NaN``)."""
    found = _YUAN.fullmatch(text.strip())
    if found is None:
        raise ValueError(N_("expected an amount in yuan, like 50 or 12.50"))
    amount = Decimal(found.group(1))
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(N_("at most two decimals: a fen is the smallest amount"))
    return int(fen)


def refused(page: PageRequest, label: str, why: str, **values: Any) -> ServiceRefused:
    """The 400 page for field ``label`` (a message id) and ``why`` (one, with ``values``), to
    raise: the frame answers with it and the form's service is never called."""
    gettext = page.gettext
    return ServiceRefused(page.message(HTTPStatus.BAD_REQUEST, f"{gettext(label)}: {gettext(why) % values}"))


class Form:
    """A posted form's fields, each read with its label for the message when it is wrong."""

    def __init__(self, page: PageRequest, fields: MultiMapping[Any]) -> None:
        self.page = page
        self.fields = fields

    @classmethod
    async def of(cls, page: PageRequest) -> Form:
        return cls(page, await page.form())

    def refuse(self, label: str, why: str, **values: Any) -> ServiceRefused:
        return refused(self.page, label, why, **values)

    def text(self, name: str, label: str, *, required: bool = True) -> str | None:
        """A line of text, stripped; None when it was left empty and may be."""
        value = self.fields.get(name, "")
        if not isinstance(value, str):
            raise self.refuse(label, N_("expected text"))
        value = value.strip()
        if len(value) > MAX_TEXT:
            raise self.refuse(label, N_("at most %(most)s characters"), most=MAX_TEXT)
        if not value:
            if required:
                raise self.refuse(label, N_("this field is needed"))
            return None
        return value

    def required(self, name: str, label: str) -> str:
        value = self.text(name, label)
        assert value is not None
        return value

    def fen(self, name: str, label: str, *, default: int | None = None) -> int:
        """An amount typed in yuan, in integer fen; ``default`` when left empty and one is given."""
        value = self.text(name, label, required=default is None)
        if value is None:
            assert default is not None
            return default
        try:
            return fen_of(value)
        except ValueError as err:
            raise self.refuse(label, str(err)) from None

    def choice(self, name: str, label: str, choices: Iterable[str]) -> str:
        value = self.required(name, label)
        if value not in choices:
            raise self.refuse(label, N_("%(value)s is not one of the choices"), value=value)
        return value

    def choices(self, name: str, label: str, choices: Iterable[str]) -> list[str]:
        """The boxes ticked, each one of ``choices``."""
        allowed = set(choices)
        values = [value for value in self.fields.getall(name, []) if isinstance(value, str)]
        wrong = [value for value in values if value not in allowed]
        if wrong:
            raise self.refuse(label, N_("%(value)s is not one of the choices"), value=wrong[0])
        return list(dict.fromkeys(values))
