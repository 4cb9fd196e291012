"""The credentials access issues itself: QR passes, PINs and temporary cards.

The office's sheet brings residents' cards, faces and plates (they live in ``residents``);
staff issue the rest here, for a person (a PIN for a resident who forgot their card) or for
a visitor, who is no person of the estate: such a credential names the groups it opens
instead (``groups``), and usually a short validity.

QR tokens and PINs are kept as HMAC-SHA256 digests under a key drawn from the site's
secret (:class:`SiteKey`), never as themselves: the store, the log and a controller's whitelist hold
``qr:<digest>`` / ``pin:<digest>``, and a reader's value is digested to be looked up. A PIN
has a million values, so an unkeyed hash of it is undone in a second; keyed, a copy of
``access.db`` without the key (``<data dir>/access.key``) gives no PIN back. A QR token is
made by the hub (128 random bits) and shown once, when it is issued. PINs are unique, so a
PIN alone says who it is. A temporary card is kept by its canonical UID and indexed by its
low 24 bits, like every card. The access log keeps a card as :meth:`SiteKey.card`, so it can
be searched by the card's number without holding the number.

Masks (what events and answers show), the core's (core/masking.py): a card ``04A2****``, a PIN
``****``, a QR token its first four characters, a plate ``沪A1***5``, a face id ``F****12``.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from xiaoqu.core.masking import mask_card, mask_face, mask_plate, mask_secret, mask_token

from .const import CARD, FACE, PIN, PLATE, QR


class SiteKey:
    """The site's secret and the two keys drawn from it, one per use, so that giving one out
    gives nothing of the other: the credentials key digests QR tokens and PINs (access keeps
    only those digests; each offline controller is given this key to digest what its keypad
    reads the same way — the broker's per-controller ACL keeps it to that controller), and
    the log key digests a card for the access log (it never leaves the hub)."""

    __slots__ = ("_credentials", "_log")

    def __init__(self, secret: bytes) -> None:
        self._credentials = hmac.new(secret, b"xiaoqu access credentials", hashlib.sha256).digest()
        self._log = hmac.new(secret, b"xiaoqu access log", hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "<site key>"

    @property
    def credentials_hex(self) -> str:
        """The credentials key as a controller is given it (docs/device-protocol.md)."""
        return self._credentials.hex()

    def credential(self, kind: str, value: str) -> str:
        """The key of a QR token or PIN: ``pin:<HMAC-SHA256 hex of the PIN's text>``."""
        return f"{kind}:{hmac.new(self._credentials, value.encode(), hashlib.sha256).hexdigest()}"

    def card(self, uid: str) -> str:
        """What the access log keeps of a card (its canonical UID): found by the number, not giving it."""
        return hmac.new(self._log, f"{CARD}:{uid}".encode(), hashlib.sha256).hexdigest()


#: Each kind's mask (core/masking.py says why each keeps what it keeps).
MASKS: Final[dict[str, Callable[[str], str]]] = {
    CARD: mask_card, PIN: mask_secret, QR: mask_token, PLATE: mask_plate, FACE: mask_face,
}


def mask(kind: str, value: str) -> str:
    """``value`` as an event, an answer or the log may show it; a kind not listed shows nothing."""
    return MASKS.get(kind, mask_secret)(value)


@dataclass(frozen=True, slots=True)
class Credential:
    """One credential of access's own. ``key`` is its id everywhere (``card:0A1B2C3D``,
    ``qr:<digest>``); ``masked`` what may be shown of it."""

    key: str
    type: str  # qr | pin | card
    masked: str
    person: str | None = None
    household: str | None = None
    groups: tuple[str, ...] = ()
    label: str | None = None  # who it is for, when no person: "visitor for 1-2-0601"
    valid_from: float | None = None
    valid_until: float | None = None
    low24: int | None = None  # a card's Wiegand-26 key
    issued_at: float = 0.0
    issued_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def valid_at(self, at: float) -> bool:
        return (self.valid_from is None or at >= self.valid_from) and (self.valid_until is None or at < self.valid_until)

    def as_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["groups"] = list(self.groups)
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Credential:
        values = {k: doc[k] for k in cls.__dataclass_fields__ if k in doc}
        values["groups"] = tuple(values.get("groups") or ())
        return cls(**values)

    def as_response(self) -> dict[str, Any]:
        """What staff see of it: everything but the digest."""
        doc = self.as_doc()
        doc["credential_id"] = doc.pop("key")
        doc.pop("low24")
        doc.pop("extra")
        return doc


class CredentialIndex:
    """Access's own credentials by key, and cards by their low 24 bits."""

    def __init__(self, credentials: Iterable[Credential] = ()) -> None:
        self.by_key: dict[str, Credential] = {}
        self.by_low24: dict[int, Credential] = {}
        self._of_person: dict[str, set[str]] = {}
        for credential in credentials:
            self.add(credential)

    def __len__(self) -> int:
        return len(self.by_key)

    def __iter__(self) -> Iterator[Credential]:
        return iter(self.by_key.values())

    def get(self, key: str) -> Credential | None:
        return self.by_key.get(key)

    def add(self, credential: Credential) -> None:
        self.remove(credential.key)
        self.by_key[credential.key] = credential
        if credential.low24 is not None:
            self.by_low24[credential.low24] = credential
        if credential.person is not None:
            self._of_person.setdefault(credential.person, set()).add(credential.key)

    def remove(self, key: str) -> Credential | None:
        credential = self.by_key.pop(key, None)
        if credential is None:
            return None
        if credential.low24 is not None:
            self.by_low24.pop(credential.low24, None)
        if credential.person is not None:
            keys = self._of_person.get(credential.person)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._of_person[credential.person]
        return credential

    def of_person(self, person: str) -> list[Credential]:
        return [self.by_key[key] for key in sorted(self._of_person.get(person, ()))]
