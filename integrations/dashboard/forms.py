"""Reading a posted form: each field checked before any service is called, and a mistake
answered with a 400 page naming the field, so nothing changes.

Money is typed in yuan, as a cashier counts it, and becomes integer fen exactly
(:func:`xiaoqu.core.money.fen_of`).
"""
from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.money import fen_of

from .registry import N_
from .request import PageRequest, ServiceRefused

if TYPE_CHECKING:
    from multidict import MultiMapping

#: The longest text a field takes (the services refuse longer names and reasons themselves).
MAX_TEXT: Final = 200


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
