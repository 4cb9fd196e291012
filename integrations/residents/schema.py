"""The residents section of config.yaml, the fields of every record, and the services' data.

Each field has one validator, used alike by the services, the sheet importer and the
Python API (:class:`~.registry.Residents` runs its arguments through the same schemas), so
a value is refused with the same sentence whichever way it came. Personal values come out
wrapped in :class:`~.personal.Personal`, so from here on only the mask can be printed.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from xiaoqu.core.auth.manager import USER_NAME
from xiaoqu.core.validation import ensure_list, name, vol

from .cardnumber import CardNumberError, parse_card
from .const import CONSENT_WHAT, KIND_RESIDENT, KINDS, PERSONAL_FIELDS, ROLES
from .crypto import check_key
from .personal import Personal

#: Longer text is refused before anything else looks at it (a 15 MB "phone").
MAX_TEXT: Final = 200
MAX_CARDS: Final = 20
MAX_RECORDS: Final = 500  # trainings or assessments of one person

_HOUSEHOLD: Final = re.compile(r"([0-9A-Z]{1,6})-([0-9A-Z]{1,6})-([0-9]{3,6})")
_PERSON: Final = re.compile(r"P[0-9]{6,9}")
_PHONE: Final = re.compile(r"\+?[0-9]{5,20}")
_PHONE_SEPARATORS: Final = re.compile(r"[\s\-()]")
_ID_NUMBER: Final = re.compile(r"[0-9A-Z]{5,20}")
_FACE: Final = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_PLATE: Final = re.compile(r"[\u4e00-\u9fffA-Z0-9]{5,10}")
_PLATE_SEPARATORS: Final = re.compile(r"[\s·•.\-]")
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"


def _text(value: Any, what: str = "text") -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise vol.Invalid(f"expected {what}")
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise vol.Invalid(f"expected {what} of at most {MAX_TEXT} characters (not {len(text)})")
    return text


def household_id(value: Any) -> str:
    """``<building>-<unit>-<floor><room>``, e.g. ``1-2-0601`` (as the simulator and the office write it)."""
    text = _text(value, "a household id").upper()
    if not _HOUSEHOLD.fullmatch(text):
        raise vol.Invalid(f"expected a household id <building>-<unit>-<floor><room> such as 1-2-0601, not {text!r}")
    return text


def area_m2(value: Any) -> str:
    """A floor area in m², kept exact with two decimals: ``89.5`` → ``"89.50"``."""
    if isinstance(value, float):
        value = repr(value)
    try:
        area = Decimal(_text(value, "an area in m²"))
    except InvalidOperation:
        raise vol.Invalid(f"expected an area in m² such as 89.50, not {value!r}") from None
    if not area.is_finite() or area <= 0 or area >= 100_000:
        raise vol.Invalid(f"expected an area above 0 and below 100000 m², not {value!r}")
    if area != area.quantize(Decimal("0.01")):
        raise vol.Invalid(f"expected an area to the hundredth of a m² at most, not {value!r}")
    return str(area.quantize(Decimal("0.01")))


def person_id(value: Any) -> str:
    text = _text(value, "a person id").upper()
    if not _PERSON.fullmatch(text):
        raise vol.Invalid(f"expected a person id such as P000123, not {text!r}")
    return text


def person_name(value: Any) -> str:
    return name(_text(value, "a name") if isinstance(value, int) else value)


def _unwrap(value: Any, field: str) -> Any:
    if isinstance(value, Personal):
        if value.field != field:
            raise vol.Invalid(f"expected a {field}, not a {value.field}")
        return value.value
    return value


def phone(value: Any) -> Personal:
    """Digits with an optional ``+``; spaces, dashes and brackets are dropped."""
    text = _PHONE_SEPARATORS.sub("", _text(_unwrap(value, "phone"), "a phone number"))
    if not _PHONE.fullmatch(text):
        raise vol.Invalid("expected a phone number: 5 to 20 digits, perhaps after a +")
    return Personal("phone", text)


def id_number(value: Any) -> Personal:
    """An ID card number (18 characters, its check digit checked) or another document's number."""
    text = _text(_unwrap(value, "id_number"), "an ID number").upper().replace(" ", "")
    if not _ID_NUMBER.fullmatch(text):
        raise vol.Invalid("expected an ID number: 5 to 20 letters and digits")
    if len(text) == 18 and text[:17].isdigit():
        check = _ID_CHECK[sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True)) % 11]
        if text[17] != check:
            raise vol.Invalid("expected a resident ID number whose last character is its check digit; "
                              "this one does not match (a digit mistyped?)")
    return Personal("id_number", text)


def face_id(value: Any) -> Personal:
    """The id a face terminal gives its template of the person (not the image)."""
    text = _text(_unwrap(value, "face_id"), "a face id")
    if not _FACE.fullmatch(text):
        raise vol.Invalid("expected a face id: 1 to 64 letters, digits and _ . : -")
    return Personal("face_id", text)


PERSONAL_VALIDATORS: Final = {"phone": phone, "id_number": id_number, "face_id": face_id}
assert tuple(PERSONAL_VALIDATORS) == PERSONAL_FIELDS


def card(value: Any) -> str:
    """A card's full UID in any form that carries it, as 8 upper-case hex digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:010d}"  # a spreadsheet's number cell: the decimal UID
    try:
        read = parse_card(_text(value, "a card number"))
    except CardNumberError as err:
        raise vol.Invalid(str(err)) from None
    if read.canonical is None:
        raise vol.Invalid(f"card number {value!r} is a Wiegand-26 read, which does not carry the card's full "
                          "UID; write the UID (8 hex digits or 10 decimal digits)")
    return read.canonical


def cards(value: Any) -> tuple[str, ...]:
    """One card or a list; text with several cards separated by ``;`` or ``、`` or new lines."""
    if isinstance(value, str):
        value = [part for part in re.split(r"[;；、\n]", value) if part.strip()]
    items = list(value) if isinstance(value, tuple) else ensure_list(value)
    if len(items) > MAX_CARDS:
        raise vol.Invalid(f"expected at most {MAX_CARDS} cards per person")
    found = tuple(card(item) for item in items)
    if len(set(found)) != len(found):
        raise vol.Invalid("names the same card twice")
    return found


def plate(value: Any) -> str:
    """A licence plate, upper case with no spaces or dots: ``沪A·12345`` → ``沪A12345``."""
    text = _PLATE_SEPARATORS.sub("", _text(value, "a plate")).upper()
    if not _PLATE.fullmatch(text):
        raise vol.Invalid(f"expected a licence plate such as 沪A12345, not {text!r}")
    return text


def user_name(value: Any) -> str:
    text = _text(value, "a user name")
    if not USER_NAME.fullmatch(text):
        raise vol.Invalid("expected a hub user name: lower-case letters, digits and _ . @ -")
    return text


def iso_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(_text(value, "a date")).isoformat()
    except ValueError:
        raise vol.Invalid(f"expected a date such as 2026-03-02, not {value!r}") from None


def hours(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise vol.Invalid("expected a number of hours") from None
    if isinstance(value, bool) or not 0 < number <= 1000:
        raise vol.Invalid("expected a number of hours above 0 and at most 1000")
    return number


def explain(err: vol.Invalid) -> str:
    """``field: what is wrong``, one per error, never quoting the value (it may be someone's phone)."""
    errors = err.errors if isinstance(err, vol.MultipleInvalid) else [err]
    sentences = []
    for error in errors:
        path = ".".join(str(step) for step in error.path)
        message = error.error_message
        if message == "extra keys not allowed":
            message = "not a field here"
        elif message == "required key not provided":
            message = "required"
        sentences.append(f"{path}: {message}" if path else message)
    return "; ".join(sentences)


def check_fields(data: dict[str, Any], validators: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``data`` with each field through its validator: a schema's work without its machinery,
    for the import's 30,000 persons (voluptuous costs more than the checks themselves)."""
    errors = [vol.Invalid("not a field here", path=[key]) for key in data if key not in validators]
    errors += [vol.Invalid("required", path=[key]) for key in required if key not in data]
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key in validators:
            try:
                result[key] = validators[key](value)
            except vol.Invalid as err:
                leaves = err.errors if isinstance(err, vol.MultipleInvalid) else [err]
                errors += [vol.Invalid(leaf.error_message, path=[key, *leaf.path]) for leaf in leaves]
    if errors:
        raise vol.MultipleInvalid(errors)
    return result


def optional(validator: Any) -> Any:
    """``validator``, letting None through (a field being cleared) with the validator's own errors."""
    def check(value: Any) -> Any:
        return None if value is None else validator(value)

    return check


def _keys(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            return [check_key(value)]
        except ValueError as err:
            raise vol.Invalid(str(err)) from None
    if not isinstance(value, list):
        raise vol.Invalid("expected a Fernet key, or a list of them (the first seals, all open)")
    keys = []
    for index, key in enumerate(value):
        try:
            keys.append(check_key(key if isinstance(key, str) else ""))
        except ValueError as err:  # the error names the item, so a key from secrets.yaml is shown hidden
            raise vol.Invalid(str(err), path=[index]) from None
    return keys


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({vol.Optional("encryption_key", default=list): _keys}),
)

# The fields of each record, as the Python API, the services and the importer take them.
_KIND: Final = vol.In(KINDS, msg=f"expected {' or '.join(KINDS)}")
OPTIONAL_TEXT: Final = optional(person_name)
TRAINING: Final = vol.Schema({vol.Required("date"): iso_date, vol.Required("title"): person_name,
                              vol.Required("hours"): hours})
ASSESSMENT: Final = vol.Schema({vol.Required("date"): iso_date, vol.Required("subject"): person_name,
                                vol.Required("result"): person_name})
PERSON_FIELDS: Final[dict[Any, Any]] = {
    vol.Optional("name"): person_name,
    vol.Optional("kind"): _KIND,
    vol.Optional("household"): optional(household_id),
    vol.Optional("role"): optional(vol.In(ROLES, msg=f"expected {', '.join(ROLES)}")),
    vol.Optional("phone"): optional(phone),
    vol.Optional("id_number"): optional(id_number),
    vol.Optional("face_id"): optional(face_id),
    vol.Optional("cards"): cards,
    vol.Optional("department"): OPTIONAL_TEXT,
    vol.Optional("position"): OPTIONAL_TEXT,
    vol.Optional("trainings"): vol.All(ensure_list, vol.Length(max=MAX_RECORDS), [TRAINING]),
    vol.Optional("assessments"): vol.All(ensure_list, vol.Length(max=MAX_RECORDS), [ASSESSMENT]),
}
def _with(fields: dict[Any, Any], **markers: Any) -> dict[Any, Any]:
    """``fields`` with some keys' markers replaced (a dict keeps the first marker of equal keys)."""
    kept: dict[Any, Any] = {k: v for k, v in fields.items() if str(k) not in markers}
    return {**kept, **dict(markers.values())}


_PERSON_VALIDATORS: Final = {str(key): value for key, value in PERSON_FIELDS.items()}


def new_person(data: dict[str, Any]) -> dict[str, Any]:
    """A new person's fields, checked; ``kind`` defaults to resident."""
    fields = check_fields(data, _PERSON_VALIDATORS, required=("name",))
    fields.setdefault("kind", KIND_RESIDENT)
    return fields


def person_changes(data: dict[str, Any]) -> dict[str, Any]:
    return check_fields(data, _PERSON_VALIDATORS)

# Service data.
HOUSEHOLD_SCHEMA: Final = vol.Schema({vol.Required("id"): household_id, vol.Optional("area_m2"): optional(area_m2)})
HOUSEHOLD_ID_SCHEMA: Final = vol.Schema({vol.Required("id"): household_id})
ADD_PERSON_SCHEMA: Final = vol.Schema({**_with(PERSON_FIELDS, name=(vol.Required("name"), person_name)),
                                       vol.Optional("user"): optional(user_name)})
_UPDATE_PERSON: dict[Any, Any] = {vol.Required("id"): person_id, **PERSON_FIELDS}
UPDATE_PERSON_SCHEMA: Final = vol.Schema(_UPDATE_PERSON)
PERSON_ID_SCHEMA: Final = vol.Schema({vol.Required("id"): person_id})
VEHICLE_SCHEMA: Final = vol.Schema({vol.Required("plate"): plate, vol.Required("household"): household_id,
                                    vol.Optional("person"): optional(person_id)})
PLATE_SCHEMA: Final = vol.Schema({vol.Required("plate"): plate})
CONSENT_SCHEMA: Final = vol.Schema({
    vol.Required("person"): person_id,
    vol.Required("what"): vol.In(CONSENT_WHAT, msg=f"expected one of {', '.join(CONSENT_WHAT)}"),
    vol.Required("purpose"): person_name,
    vol.Optional("collected_by"): person_name,
})
TRAINING_SCHEMA: Final = TRAINING.extend({vol.Required("person"): person_id})
ASSESSMENT_SCHEMA: Final = ASSESSMENT.extend({vol.Required("person"): person_id})
LINK_USER_SCHEMA: Final = vol.Schema({vol.Required("person"): person_id, vol.Required("user"): optional(user_name)})
REVEAL_SCHEMA: Final = vol.Schema({
    vol.Required("person"): person_id,
    vol.Required("field"): vol.In(PERSONAL_FIELDS, msg=f"expected one of {', '.join(PERSONAL_FIELDS)}"),
})
NOTHING_SCHEMA: Final = vol.Schema({})
FIND_LIMIT: Final = 100


def _something_to_find(data: dict[str, Any]) -> dict[str, Any]:
    if len(data) < 2:  # limit always has its default
        raise vol.Invalid("name something to find by: household, building, name, card, face_id, plate, user, "
                          "kind or department")
    return data


FIND_SCHEMA: Final = vol.All(
    vol.Schema({
        vol.Optional("household"): household_id,
        vol.Optional("building"): vol.All(_text, vol.Upper),
        vol.Optional("name"): person_name,
        vol.Optional("card"): _text,
        vol.Optional("face_id"): face_id,
        vol.Optional("plate"): plate,
        vol.Optional("user"): user_name,
        vol.Optional("kind"): _KIND,
        vol.Optional("department"): person_name,
        vol.Optional("limit", default=FIND_LIMIT): vol.All(int, vol.Range(min=1, max=1000)),
    }),
    _something_to_find,
)
