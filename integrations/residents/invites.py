"""Invitations: a one-time code a resident types at ``/portal/join`` to make their own account.

The office invites a person (``residents.invite``, ``xiaoqu residents invite P000012``) and
hands them the code on paper or by phone. The code is short enough to type on a phone (ten
characters of Crockford's base32, ``7KQ2M-XR4PD``: 50 bits, no I, L, O or U to misread), valid
for :data:`VALID_FOR`, good once, and replaced by the next invitation of the same person.

Only a keyed digest of a code is kept (HMAC-SHA256 under a key derived from
``residents: encryption_key``), so a copy of the invitations store alone does not let anyone
test guesses offline; guesses online count toward the sign-in ban like wrong passwords.
Rotating the encryption key voids the codes still pending: invite those people again.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tinydb import Query

from xiaoqu.core.errors import HubError
from xiaoqu.core.validation import vol

from .const import AUDIT_INVITED, KEY_FILE, KIND_RESIDENT
from .schema import person_id

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.storage import Table

    from .audit import Auditor, Who
    from .models import Person
    from .registry import Residents

#: The invitations' TinyDB store (``<data dir>/residents_invites.json``): a few rows per person
#: invited and not yet joined, so a small store rather than a table of ``residents.db``.
STORE: Final = "residents_invites"
TABLE: Final = "invites"
#: Crockford's base32: digits and upper-case letters but I, L, O and U.
ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: What a person may type for a letter that is not in the alphabet.
READ_AS: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_LENGTH: Final = 10
VALID_FOR: Final = 7 * 86_400.0
_KEY_LABEL: Final = b"xiaoqu residents invitation\0"

INVITE_SCHEMA: Final = vol.Schema({vol.Required("person"): person_id})


class InviteError(HubError):
    """An invitation refused or a code that does not admit; the message says why, never the code."""


@dataclass(frozen=True, slots=True)
class Invite:
    person: str
    digest: str
    expires: float

    def as_doc(self) -> dict[str, Any]:
        return {"person": self.person, "digest": self.digest, "expires": self.expires}


def new_code() -> str:
    """A fresh code as a person reads it: two groups of five."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def typed(code: str) -> str | None:
    """The code a person typed, as it was made (any case, spaces and dashes dropped, O read as
    0, I and L as 1); None when it cannot be one."""
    text = "".join(code.split()).replace("-", "").upper().translate(READ_AS)
    return text if len(text) == CODE_LENGTH and all(char in ALPHABET for char in text) else None


def invite_key(configured: list[str], data_dir: Path) -> bytes:
    """The digest key, derived from the first residents key (the one that seals): from
    config.yaml, else the file the residents integration made at its set-up. Blocking."""
    seed = configured[0].encode() if configured else (Path(data_dir) / KEY_FILE).read_bytes().strip()
    return hashlib.sha256(_KEY_LABEL + seed).digest()


class Invites:
    """The pending invitations of one site, in memory by digest and by person."""

    def __init__(self, table: Table, key: bytes, clock: Callable[[], float], tz: tzinfo,
                 residents: Residents, auditor: Auditor) -> None:
        self._table = table
        self._key = key
        self._clock = clock
        self._tz = tz
        self._residents = residents
        self._auditor = auditor
        self._by_digest: dict[str, Invite] = {}
        for doc in table.all():
            self._remember(Invite(doc["person"], doc["digest"], doc["expires"]))

    def _remember(self, invite: Invite) -> None:
        self._by_digest[invite.digest] = invite

    def _digest(self, code: str) -> str:
        return hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()

    def iso(self, at: float) -> str:
        return datetime.fromtimestamp(at, self._tz).isoformat(timespec="seconds")

    def invitable(self, person_id: str) -> Person:
        """The person, if they may be invited: a resident, not erased, with a household and no
        account yet; InviteError saying what stands in the way otherwise."""
        person = self._residents.person(person_id)
        if person is None:
            raise InviteError(f"person: no person {person_id}")
        if person.erased:
            raise InviteError(f"person: {person_id} was erased")
        if person.kind != KIND_RESIDENT or person.household is None:
            raise InviteError(f"person: {person_id} is not a resident of a household")
        if person.user is not None:
            raise InviteError(f"person: {person_id} already signs in as {person.user} (unlink them first: "
                              "residents.link_user with user: null)")
        return person

    async def invite(self, person_id: str, who: Who) -> tuple[str, Invite]:
        """A new code for ``person_id`` (any earlier one of theirs stops working)."""
        self.invitable(person_id)
        await self._drop(lambda invite: invite.person == person_id or invite.expires <= self._clock())
        code = new_code()
        invite = Invite(person_id, self._digest(typed(code) or ""), self._clock() + VALID_FOR)
        await self._table.insert(invite.as_doc())
        self._remember(invite)
        self._auditor.record(AUDIT_INVITED, who, person=person_id, expires=self.iso(invite.expires))
        return code, invite

    def take(self, code: str) -> Invite:
        """Spend ``code``: its invitation, no longer pending (:meth:`give_back` if what it was
        for then fails). InviteError when it is not a live code of a person still invitable."""
        normal = typed(code)
        invite = self._by_digest.get(self._digest(normal)) if normal is not None else None
        if invite is None or invite.expires <= self._clock():
            raise InviteError("this code is not valid: it was mistyped, already used, replaced or has expired")
        self.invitable(invite.person)
        del self._by_digest[invite.digest]
        return invite

    def give_back(self, invite: Invite) -> None:
        """An invitation taken for an account that could not be made is pending again."""
        self._by_digest.setdefault(invite.digest, invite)

    async def spent(self, invite: Invite) -> None:
        """The account is made: forget the invitation on disk too."""
        await self._table.remove(Query().digest == invite.digest)

    async def _drop(self, which: Callable[[Invite], bool]) -> None:
        for invite in [invite for invite in self._by_digest.values() if which(invite)]:
            del self._by_digest[invite.digest]
            await self._table.remove(Query().digest == invite.digest)


async def open_invites(hub: Hub, config: dict[str, Any], residents: Residents, auditor: Auditor) -> Invites:
    assert hub.config.data_dir is not None
    key = await hub.run_in_executor(invite_key, list(config.get("encryption_key") or ()), hub.config.data_dir)
    table = (await hub.storage.open(STORE)).table(TABLE)
    return Invites(table, key, hub.clock.time, hub.clock.tz, residents, auditor)
