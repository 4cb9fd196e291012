"""``Access``: THE decision, and the in-memory indexes it reads, kept true by every change.

Every entry goes through :meth:`Access.check` — readers (through the ``door`` integration),
plates at gates, QR passes, the API. It is a plain function on the event loop that reads
only memory: resolve the credential (``resolve.py``), apply the rules (``decide.py``),
anti-passback, then fire ``access_granted`` / ``access_denied`` and queue the access-log
record (the recorder writes it in its own thread). A change — a restriction, a credential,
a group — is made in memory before its service returns, so the next decision sees it, and
is durable in ``access.db`` when the service returns.

Controllers that decide alone are kept in step through :meth:`listen` (which credential
keys may have changed), :meth:`whitelists` and :meth:`record_offline` (``offline.py``,
``whitelist.py``).
"""
from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.bus import Context
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.rowstore import Change
from xiaoqu.integrations.residents.cardnumber import CardNumberError, parse_card, wiegand26
from xiaoqu.integrations.residents.personal import clear

from . import offline
from . import whitelist as whitelists
from .const import (
    ALWAYS,
    CARD,
    DEFAULT_KEEP_DAYS,
    DOOR_KINDS,
    EVENT_ACCESS_DENIED,
    EVENT_ACCESS_GRANTED,
    LOG_KIND,
    PEDESTRIAN,
    PIN,
    PLATE,
    QR,
    REMOTE,
    RULE_PIN_LOCKED,
    SOURCE_API,
    TABLE_CREDENTIALS,
    TABLE_GROUPS,
    TABLE_RESTRICTIONS,
    VEHICLE,
)
from .credentials import Credential, CredentialIndex, SiteKey, mask
from .decide import decide
from .groups import Group, GroupIndex
from .lockout import PinLockout
from .models import Decision, Door, PlateStanding
from .resolve import Refusal, Resolved, Resolver, normalise_plate
from .restrictions import Restriction, RestrictionIndex
from .schedules import Schedules
from .schema import epoch
from .traffic import Traffic

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.residents import Residents
    from xiaoqu.integrations.residents.models import ResidentsChange

    from .store import AccessStore

_LOGGER = logging.getLogger(__package__)

#: What a listener of :meth:`Access.listen` gets: the credential keys whose whitelist
#: entries may have changed, or None for "any of them" (a group or schedule changed).
KeysListener = Callable[[set[str] | None], None]


class AccessInputError(ServiceValidationError):
    """Input that names nothing (a household that does not exist, a malformed card): the
    sentence says what; it is logged once a minute per kind and counted."""


class Access:
    """The decision and everything it reads; one per hub (``get_access(hub)``)."""

    def __init__(self, hub: Hub, residents: Residents, store: AccessStore, config: Mapping[str, Any],
                 calendar_schedules: Schedules, site_key: SiteKey) -> None:
        self.hub = hub
        self.tz = hub.clock.tz
        self.residents = residents
        self.store = store
        self.schedules = calendar_schedules
        self.groups = GroupIndex()
        self.restrictions = RestrictionIndex()
        self.credentials = CredentialIndex()
        self.site_key = site_key
        self.resolver = Resolver(residents, self.credentials, site_key)
        self.pin_lockout = PinLockout()
        self.doors: dict[str, Door] = {}
        #: Decisions and refused input, by outcome: granted, denied, and each problem.
        self.counts: Counter[str] = Counter()
        #: Today's decisions per hour, for the dashboard's charts (traffic.py says why kept here).
        self.traffic = Traffic(self.tz)
        self._config_groups = frozenset(g["id"] for g in config.get("groups", ()))
        self._config = config
        self._listeners: list[KeysListener] = []
        self._presence: dict[tuple[str, str], tuple[bool, str, float]] = {}
        self._problems = RateLimitedLog(_LOGGER, hub.clock.time)

    # --- start-up ---------------------------------------------------------------------------

    def load(self, tables: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        """Fill the indexes from config and from what ``access.db`` holds."""
        groups = [self.group_from(g) for g in self._config.get("groups", ())]
        groups += [self.group_from(doc, stored=True) for doc in tables.get(TABLE_GROUPS, ())
                   if doc["id"] not in self._config_groups]
        self.groups.replace_all(groups)
        for doc in tables.get(TABLE_CREDENTIALS, ()):
            self.credentials.add(Credential.from_doc(doc))
        for doc in tables.get(TABLE_RESTRICTIONS, ()):
            self._add_restriction(Restriction.from_doc(doc))

    def group_from(self, config: Mapping[str, Any], *, stored: bool = False) -> Group:
        """A group from its validated config (times as datetimes) or its stored document (epochs)."""
        values = dict(config)
        for key in ("valid_from", "valid_until"):
            if isinstance(values.get(key), datetime):
                values[key] = epoch(values[key], self.tz)
        return Group.from_config(values, stored=stored)

    # --- doors -----------------------------------------------------------------------------

    def register_door(self, door_id: str, kind: str = PEDESTRIAN, area: str | None = None, *,
                      anti_passback: bool = False, name: str | None = None) -> Door:
        """Make ``door_id`` a door decisions may be asked for (the ``door`` integration calls this
        for each configured door); registering it again replaces it."""
        if kind not in DOOR_KINDS:
            raise ValueError(f"door {door_id}: kind {kind!r} is not one of {', '.join(DOOR_KINDS)}")
        if anti_passback and not area:
            raise ValueError(f"door {door_id}: anti-passback counts presence in an area; name the area")
        before = self.doors.get(door_id)
        door = self.doors[door_id] = Door(door_id, kind, area, anti_passback, name)
        self.groups.add_door(door_id)
        if before is not None and before.kind != kind:
            self._notify(None)  # restrictions and plates reach it differently now
        return door

    def open_until(self, group_id: str, at: float) -> float | None:
        """When the window of group ``group_id``'s schedule that holds ``at`` ends (or the group's
        validity, if sooner): how long a door stays open for the day on that group's first card.
        None when the group does not open then, or there is no such group."""
        group = self.groups.by_id.get(group_id)
        schedule = self.schedules.by_id.get(group.schedule) if group is not None else None
        if group is None or schedule is None or not group.valid_at(at):
            return None
        ends = self.schedules.window_end(schedule, at)
        return ends if ends is None or group.valid_until is None else min(ends, group.valid_until)

    # --- THE decision ------------------------------------------------------------------------

    def check(self, type: str, value: str, door: str, at: float | datetime | None = None, *,
              source: str = SOURCE_API, direction: str | None = None, context: Context | None = None) -> Decision:
        """Decide whether ``value`` (a credential of ``type``) opens ``door`` now: fire the event,
        write the log, and return the decision with its reason. With ``at``, a what-if for that
        moment: the answer only — no event, no log record, no presence or wrong PIN counted —
        so asking about another time never reads as an entry that happened."""
        if at is not None:
            return self._decide(type, value, door, at.timestamp() if isinstance(at, datetime) else float(at),
                                source, direction, live=False)
        decision = self._decide(type, value, door, self.hub.clock.time(), source, direction, live=True)
        self._publish(decision, context)
        return decision

    def record_remote(self, door: str, by: str, reason: str | None, context: Context | None = None) -> Decision:
        """A member of staff opened ``door`` from the guard room (``door.unlock``): a granted
        decision of type and rule ``remote`` whose credential names them (``staff:<name>``), so
        the door's history in the access log shows who opened it, as every other entry does."""
        why = f"granted: opened remotely by {by}" + (f" ({reason})" if reason else "")
        decision = Decision(True, why, REMOTE, None, None, f"staff:{by}", REMOTE, door, self.hub.clock.time(),
                            source=REMOTE)
        self._publish(decision, context)
        return decision

    def _publish(self, decision: Decision, context: Context | None) -> None:
        """Count the decision, fire ``access_granted`` / ``access_denied`` and queue its log record."""
        self.counts["granted" if decision.granted else "denied"] += 1
        self.hub.bus.fire(EVENT_ACCESS_GRANTED if decision.granted else EVENT_ACCESS_DENIED,
                          decision.event_data(), context=context)
        try:
            self.hub.recorder.record(LOG_KIND, decision.log_data(), subject=decision.subject, time=decision.at)
        except Exception as err:  # the decision stands; losing its record must not undo it
            self._problems.log(logging.ERROR, "log", "access log: could not record a decision: %s", err)
        else:
            self.traffic.add(decision.at, decision.granted)  # as the log has it

    def _decide(self, kind: str, value: str, door_id: str, at: float, source: str, direction: str | None, *,
                live: bool) -> Decision:
        if kind == PIN and (until := self.pin_lockout.locked_until(door_id, at)) is not None:
            reason = (f"denied: too many wrong PINs at door {door_id}; its PINs are refused until "
                      f"{datetime.fromtimestamp(until, self.tz):%H:%M:%S}")
            return Decision(False, reason, RULE_PIN_LOCKED, None, None, mask(PIN, value), kind, door_id, at,
                            source=source, direction=direction)
        door = self.doors.get(door_id)
        resolved = self.resolver.resolve(kind, value)
        if isinstance(resolved, Refusal):
            self._problem(resolved.problem, f"access: {resolved.reason.removeprefix('denied: ')} (at door {door_id})")
            if live and kind == PIN and resolved.problem == "unknown_credential":
                self.pin_lockout.wrong(door_id, at)
            return Decision(False, resolved.reason, resolved.rule, None, None, resolved.masked, kind, door_id, at,
                            self.card_digest(resolved.card), source, direction)
        holder = resolved.holder
        card = self.card_digest(resolved.card)
        if door is None:
            self._problem("unknown_door", f"access: a decision was asked for door {door_id}, which is not configured")
            return Decision(False, f"denied: door {door_id} is not configured", "door:unknown", holder.person,
                            holder.household, resolved.masked, kind, door_id, at, card, source, direction)
        granted, reason, rule = decide(kind, resolved, door, at, self.groups, self.schedules, self.restrictions)
        if granted and door.anti_passback and direction is not None:
            granted, reason, rule = self._anti_passback(resolved, door, direction, at, (granted, reason, rule), live)
        return Decision(granted, reason, rule, holder.person, holder.household, resolved.masked, kind, door_id, at,
                        card, source, direction)

    def card_digest(self, card: str | None) -> str | None:
        """What a decision's log record keeps of its card (the canonical UID): the site key's digest."""
        return None if card is None else self.site_key.card(card)

    def _anti_passback(self, resolved: Resolved, door: Door, direction: str,
                       at: float, verdict: tuple[bool, str, str], live: bool) -> tuple[bool, str, str]:
        """Inside an area, one cannot enter again before leaving, nor leave without having entered."""
        assert door.area is not None
        who = resolved.holder.person or resolved.masked
        key = (door.area, who)
        entering = direction == "in"
        last = self._presence.get(key)
        if last is not None and last[0] == entering:
            inside, through, when = last
            did = "entered" if inside else "left"
            return (False, f"denied: anti-passback: {resolved.who} {did} area {door.area} through door {through} at "
                    f"{datetime.fromtimestamp(when, self.tz):%H:%M} and has not {'left' if inside else 'entered'} since",
                    f"anti_passback:{door.area}")
        if live:
            self._presence[key] = (entering, door.id, at)
        return verdict

    def _problem(self, problem: str, message: str) -> None:
        self.counts[problem] += 1
        self._problems.warning(problem, "%s", message)

    def refuse(self, problem: str, message: str) -> AccessInputError:
        """Count and log (once a minute per kind) input that names nothing; the error to raise."""
        self._problem(problem, f"access: {message}")
        return AccessInputError(message)

    # --- what a car park asks before a gate decides ------------------------------------------

    def plate_standing(self, plate: str, at: float) -> PlateStanding:
        """Whether ``plate`` is anyone's credential, its plate permission, and, for a plate
        nobody holds, the vehicle restriction on it in force at ``at`` (:class:`PlateStanding`).
        Reads memory only; nothing is fired or logged, so a car park may ask for every car and
        leave the decision (:meth:`check`) to the cars someone holds."""
        kept = normalise_plate(plate)
        permission = self.credentials.get(f"{PLATE}:{kept}")
        if isinstance(self.resolver.resolve(PLATE, plate), Resolved):
            return PlateStanding(True, permission)
        return PlateStanding(False, permission, self.restrictions.first(((PLATE, kept),), VEHICLE, at))

    def restriction_behind(self, rule: str) -> Restriction | None:
        """The restriction a decision's ``rule`` names (``restriction:<id>``), while it is kept;
        None for any other rule, or a restriction lifted since (a gate's display then says
        only that the car is stopped)."""
        prefix, _, restriction_id = rule.partition(":")
        return self.restrictions.by_id.get(restriction_id) if prefix == "restriction" else None

    # --- the change feed for controllers -----------------------------------------------------

    def listen(self, callback: KeysListener) -> Callable[[], None]:
        """Call ``callback(keys)`` after each change that may change whitelists; returns the unsubscribe."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def _notify(self, keys: set[str] | None) -> None:
        if keys is not None and not keys:
            return
        for listener in list(self._listeners):
            try:
                listener(None if keys is None else set(keys))
            except Exception:
                _LOGGER.exception("access: a change listener failed on %s", "every key" if keys is None else sorted(keys))

    def on_residents_change(self, change: ResidentsChange) -> None:
        """Residents changed a person, vehicle or household: drop stale holders, tell controllers."""
        keys: set[str] = set()
        if change.kind == "person":
            self.resolver.forget(change.id)
            if change.new is not None and change.new.erased and not (change.old is not None and change.old.erased):
                self.hub.create_task(self._unlink_cards(change.id), name=f"access log: cards of {change.id} unlinked")
            for person in (change.old, change.new):
                if person is not None:
                    keys |= whitelists.person_keys(self, person)
        elif change.kind == "vehicle":
            keys |= {f"plate:{v.plate}" for v in (change.old, change.new) if v is not None}
        else:
            self.resolver.forget()
            keys |= whitelists.household_keys(self, change.id)
        self._notify(keys)

    async def _unlink_cards(self, person: str) -> None:
        """An erased person's log records keep their pseudonymous id only: no card digest by
        which someone who knows the card's number could find their history."""
        await self.hub.recorder.flush()
        await self.hub.recorder.forget_fields(LOG_KIND, person, ("card",))

    def whitelist(self, doors: Collection[str], keys: Iterable[str] | None = None) -> dict[str, Any]:
        """What a controller of ``doors`` needs to decide alone (``whitelist.py`` says the shape)."""
        return self.whitelists({"": doors}, keys)[""]

    def whitelists(self, controllers: Mapping[str, Collection[str]],
                   keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """:meth:`whitelist` for each controller (its id → its doors) from one walk over the
        people and credentials, so keeping an estate's controllers in step costs one pass."""
        return whitelists.build(self, controllers, keys)

    async def record_offline(self, decisions: Iterable[Mapping[str, Any]], sender: offline.Sender) -> offline.Upload:
        """Log decisions a controller made alone, each once by its event id, as far as it could
        have made them (``offline.py``); how many were new, and which were refused."""
        return await offline.record_offline(self, decisions, sender)

    @property
    def keep_seconds(self) -> float:
        """How long the access log keeps a record: no older decision is taken in."""
        return float(self._config.get("keep_days", DEFAULT_KEEP_DAYS)) * 86_400

    # --- restrictions ------------------------------------------------------------------------

    def _add_restriction(self, restriction: Restriction) -> None:
        self.restrictions.add(restriction)
        if restriction.until is not None and restriction.until > self.hub.clock.time():
            keys = self.restriction_keys(restriction)
            self.hub.clock.call_at(restriction.until, lambda: self._notify(keys))

    def restriction_keys(self, restriction: Restriction) -> set[str]:
        if restriction.target == "card" and restriction.low24 is not None:
            return whitelists.card_keys(self, restriction.low24)
        if restriction.target == "plate":
            return {f"plate:{restriction.value}"}
        if restriction.target == "household":
            return whitelists.household_keys(self, restriction.value)
        person = self.residents.person(restriction.value)
        return whitelists.person_keys(self, person) if person is not None else set()

    def restriction_target(self, target: str, value: str) -> tuple[str, int | None]:
        """The restriction's value as kept (a household or person that exists, a card's
        canonical UID or Wiegand pair, a normalised plate) and a card's low 24 bits."""
        value = value.strip()
        if target == "household":
            if self.residents.household(value) is None:
                raise self.refuse("unknown_target", f"household {value} does not exist")
            return value, None
        if target == "person":
            if self.residents.person(value) is None:
                raise self.refuse("unknown_target", f"person {value} does not exist")
            return value, None
        if target == "card":
            try:
                read = parse_card(value)
            except CardNumberError as err:
                raise self.refuse("malformed_credential", str(err)) from None
            return read.canonical or wiegand26(read.low24), read.low24
        return normalise_plate(value), None

    async def restrict(self, target: str, value: str, *, scope: str, reason: str, kind: str, by: str,
                       until: float | None = None) -> Restriction:
        """Restrict ``target`` at once (in memory before this returns) and durably."""
        now = self.hub.clock.time()
        if until is not None and until <= now:
            raise self.refuse("bad_restriction", f"until {datetime.fromtimestamp(until, self.tz):%Y-%m-%d %H:%M} "
                                                 "has passed; a restriction ends in the future, or never")
        kept, low24 = self.restriction_target(target, value)
        restriction_id = self._new_id("R", self.restrictions.by_id)
        restriction = Restriction(restriction_id, target, kept, scope, kind, reason, now, by, until, low24)
        self._add_restriction(restriction)
        self._notify(self.restriction_keys(restriction))
        await self.store.put(TABLE_RESTRICTIONS, restriction.id, restriction.as_doc())
        return restriction

    async def lift(self, restriction_id: str | None = None, target: str | None = None,
                   value: str | None = None, *, kind: str | None = None) -> list[Restriction]:
        """Lift one restriction by id, or every restriction on a target (only those of ``kind``
        if given: arrears paid lifts the arrears, not a blacklist on the same household)."""
        if restriction_id is not None:
            found = self.restrictions.by_id.get(restriction_id)
            if found is None:
                raise self.refuse("unknown_target", f"there is no restriction {restriction_id}")
            chosen = [found]
        else:
            assert target is not None and value is not None
            kept, low24 = self.restriction_target(target, value)
            chosen = [r for r in self.restrictions.on(("card", low24) if low24 is not None else (target, kept))
                      if kind is None or r.kind == kind]
            if not chosen:
                raise self.refuse("unknown_target", f"{target} {kept} has no {kind + ' ' if kind else ''}restriction")
        keys: set[str] = set()
        for restriction in chosen:
            self.restrictions.remove(restriction.id)
            keys |= self.restriction_keys(restriction)
        self._notify(keys)
        await self.store.write([Change(TABLE_RESTRICTIONS, r.id, None) for r in chosen])
        return chosen

    # --- own credentials --------------------------------------------------------------------

    async def add_credential(self, data: Mapping[str, Any], by: str) -> tuple[Credential, str | None]:
        """Issue a QR pass, a PIN, a temporary card or a visitor's plate permission; returns it
        and, for a QR pass, its token (shown this once: only its digest is kept)."""
        kind = data["type"]
        person, household = data.get("person"), data.get("household")
        if person is not None:
            found = self.residents.person(person)
            if found is None:
                raise self.refuse("unknown_target", f"person {person} does not exist")
            household = household or found.household
        if household is not None and self.residents.household(household) is None:
            raise self.refuse("unknown_target", f"household {household} does not exist")
        self._check_groups(data.get("groups", ()))
        token, low24 = None, None
        if kind == QR:
            token = secrets.token_urlsafe(16)
            key, masked = self.site_key.credential(QR, token), mask(QR, token)
        elif kind == PIN:
            pin = clear(data["pin"])
            key, masked = self.site_key.credential(PIN, pin), mask(PIN, pin)
            if key in self.credentials.by_key:
                raise self.refuse("credential_taken", "this PIN is already in use; choose another")
        elif kind == PLATE:
            key, masked = self._new_plate(data["plate"])
        else:
            key, masked, low24 = self._new_card(data["card"])
        credential = Credential(
            key, kind, masked, person, household, tuple(data.get("groups", ())), data.get("label"),
            epoch(data.get("valid_from"), self.tz), epoch(data.get("valid_until"), self.tz), low24,
            self.hub.clock.time(), by)
        self.credentials.add(credential)
        if person is not None:
            self.resolver.forget(person)
        self._notify(whitelists.credential_keys(credential))
        await self.store.put(TABLE_CREDENTIALS, key, credential.as_doc())
        return credential, token

    def _check_groups(self, groups: Iterable[str]) -> None:
        unknown = [g for g in groups if g not in self.groups.by_id]
        if unknown:
            raise self.refuse("unknown_target", f"no access group {', '.join(unknown)}")

    async def replace_credential(self, credential: Credential) -> None:
        """Put ``credential`` in place of the one issued under its key (its groups, validity or
        holder changed), in memory at once and durably when this returns.

        One step, not a removal and an issue: no decision in between finds the card unknown.
        """
        old = self.credentials.get(credential.key)
        if old is None:
            raise self.refuse("unknown_credential", f"no credential {credential.masked} was issued here")
        self._check_groups(credential.groups)
        self.credentials.add(credential)
        for person in {old.person, credential.person} - {None}:
            self.resolver.forget(person)
        self._notify(whitelists.credential_keys(old) | whitelists.credential_keys(credential))
        await self.store.put(TABLE_CREDENTIALS, credential.key, credential.as_doc())

    def _new_card(self, value: str) -> tuple[str, str, int]:
        try:
            read = parse_card(value)
        except CardNumberError as err:
            raise self.refuse("malformed_credential", str(err)) from None
        if read.canonical is None:
            raise self.refuse("malformed_credential", f"card {value.strip()}: a card is issued by its UID "
                                                      "(8 hex or 10 decimal digits), not by a Wiegand-26 pair")
        owner = self.residents.person_by_low24(read.low24)
        clash = next((c for c in owner.cards if int(c, 16) & 0xFFFFFF == read.low24), None) if owner else None
        own = self.credentials.by_low24.get(read.low24)
        if own is not None:
            clash, holder = own.key.split(":", 1)[1], own.person or own.label or "a visitor"
        else:
            holder = owner.id if owner is not None else ""
        if clash is not None:
            same = clash == read.canonical
            raise self.refuse("credential_taken", f"card {read.canonical} is already issued to {holder}" if same else
                              f"card {read.canonical} clashes with card {clash} of {holder} on its Wiegand-26 number "
                              f"({wiegand26(read.low24)})")
        return f"{CARD}:{read.canonical}", mask(CARD, read.canonical), read.low24

    def _new_plate(self, value: str) -> tuple[str, str]:
        """A visitor's plate: one no resident's car has, and no other permission holds."""
        plate = normalise_plate(value)
        masked = mask(PLATE, plate)
        vehicle = self.residents.vehicle(plate)
        if vehicle is not None:
            raise self.refuse("credential_taken", f"plate {masked} is a car of household {vehicle.household}; "
                                                  "it needs no permission")
        own = self.credentials.get(f"{PLATE}:{plate}")
        if own is not None:
            until = "" if own.valid_until is None else \
                f" until {datetime.fromtimestamp(own.valid_until, self.tz):%Y-%m-%d %H:%M}"
            raise self.refuse("credential_taken", f"plate {masked} already has a permission"
                                                  f"{f' ({own.label})' if own.label else ''}{until}")
        return f"{PLATE}:{plate}", masked

    def find_credential(self, credential_id: str | None = None, pin: str | None = None,
                        card: str | None = None) -> Credential:
        if pin is not None:
            credential_id = self.site_key.credential(PIN, pin)
        elif card is not None:
            try:
                read = parse_card(card)
            except CardNumberError as err:
                raise self.refuse("malformed_credential", str(err)) from None
            found = self.credentials.by_low24.get(read.low24)
            credential_id = found.key if found is not None else f"{CARD}:{read.canonical}"
        credential = self.credentials.get(credential_id or "")
        if credential is None:
            raise self.refuse("unknown_credential", "no such credential was issued here "
                                                    "(cards from the office's sheet are changed in residents)")
        return credential

    async def remove_credential(self, credential: Credential) -> None:
        self.credentials.remove(credential.key)
        self._notify(whitelists.credential_keys(credential))
        await self.store.delete(TABLE_CREDENTIALS, credential.key)

    # --- groups ----------------------------------------------------------------------------

    async def put_group(self, config: Mapping[str, Any], *, new: bool) -> Group:
        """Add a group (``new``) or replace a stored one; config.yaml's groups are changed there."""
        group_id = config["id"]
        if group_id in self._config_groups:
            raise self.refuse("bad_group", f"group {group_id} is defined in config.yaml; change it there")
        if new and group_id in self.groups.by_id:
            raise self.refuse("bad_group", f"group {group_id} exists; access.update_group changes it")
        if not new and group_id not in self.groups.by_id:
            raise self.refuse("unknown_target", f"there is no group {group_id}")
        schedule = config.get("schedule") or ALWAYS
        if schedule not in self.schedules.by_id:
            raise self.refuse("bad_group", f"no schedule {schedule!r}; the schedules are "
                                           f"{', '.join(sorted(self.schedules.by_id))}")
        group = self.group_from(config, stored=True)
        self.groups.put(group)
        self._notify(None)
        await self.store.put(TABLE_GROUPS, group_id, group.as_config())
        return group

    async def remove_group(self, group_id: str) -> Group:
        if group_id in self._config_groups:
            raise self.refuse("bad_group", f"group {group_id} is defined in config.yaml; remove it there")
        group = self.groups.remove(group_id)
        if group is None:
            raise self.refuse("unknown_target", f"there is no group {group_id}")
        self._notify(None)
        await self.store.delete(TABLE_GROUPS, group_id)
        return group

    @staticmethod
    def _new_id(prefix: str, taken: Collection[str]) -> str:
        while True:
            candidate = f"{prefix}{secrets.token_hex(4).upper()}"
            if candidate not in taken:
                return candidate
