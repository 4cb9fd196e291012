"""Names of the residents integration: its store, tables, services, audit acts and hub.data key."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .invites import Invites
    from .registry import Residents

DOMAIN: Final = "residents"
#: The registry while the hub runs; :func:`xiaoqu.integrations.residents.get_residents` reads it.
DATA_RESIDENTS: Final[HubKey[Residents]] = HubKey(DOMAIN)
#: The pending invitations to the residents' portal, while the hub runs.
DATA_INVITES: Final[HubKey[Invites]] = HubKey("residents_invites")

#: ``<data dir>/residents.db``: one row per household, person, vehicle and consent (a RowStore).
STORE_FILE: Final = "residents.db"
#: ``<data dir>/residents.key``: the key made when config.yaml names none (it belongs in secrets.yaml).
KEY_FILE: Final = "residents.key"
TABLE_HOUSEHOLDS: Final = "households"
TABLE_PERSONS: Final = "persons"
TABLE_VEHICLES: Final = "vehicles"
TABLE_CONSENTS: Final = "consents"
TABLES: Final = (TABLE_HOUSEHOLDS, TABLE_PERSONS, TABLE_VEHICLES, TABLE_CONSENTS)

KIND_RESIDENT: Final = "resident"
KIND_STAFF: Final = "staff"
KINDS: Final = (KIND_RESIDENT, KIND_STAFF)
ROLES: Final = ("owner", "tenant", "family")
#: The personal data kept encrypted and shown masked; ``residents.reveal`` names one of them.
PERSONAL_FIELDS: Final = ("phone", "id_number", "face_id")
#: What a consent record may say was collected.
CONSENT_WHAT: Final = ("face", "plate", "phone", "id_number", "name", "card", "photo")

# Services (services.py); "reveal" is also the permission a user needs to read personal data.
SERVICE_ADD_HOUSEHOLD: Final = "add_household"
SERVICE_UPDATE_HOUSEHOLD: Final = "update_household"
SERVICE_REMOVE_HOUSEHOLD: Final = "remove_household"
SERVICE_ADD_PERSON: Final = "add_person"
SERVICE_UPDATE_PERSON: Final = "update_person"
SERVICE_ERASE_PERSON: Final = "erase_person"
SERVICE_ADD_VEHICLE: Final = "add_vehicle"
SERVICE_REMOVE_VEHICLE: Final = "remove_vehicle"
SERVICE_RECORD_CONSENT: Final = "record_consent"
SERVICE_RECORD_TRAINING: Final = "record_training"
SERVICE_RECORD_ASSESSMENT: Final = "record_assessment"
SERVICE_LINK_USER: Final = "link_user"
SERVICE_GET_PERSON: Final = "get_person"
SERVICE_FIND: Final = "find"
SERVICE_REVEAL: Final = "reveal"
SERVICE_ROTATE_KEY: Final = "rotate_key"
#: A one-time code for a resident to make their own portal account (invites.py).
SERVICE_INVITE: Final = "invite"
PERMISSION_REVEAL: Final = f"{DOMAIN}.{SERVICE_REVEAL}"
#: What each role may call (``xiaoqu_role_permissions``): managers everything, guards look people up.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "guard": [f"{DOMAIN}.{SERVICE_GET_PERSON}", f"{DOMAIN}.{SERVICE_FIND}"],
}

# Audit acts (the audit log's ``act``): every write a person made, and every unmasked read.
AUDIT_REVEALED: Final = "personal_data_read"
AUDIT_CHANGED: Final = "residents_changed"
AUDIT_ERASED: Final = "person_erased"
AUDIT_IMPORTED: Final = "residents_imported"
AUDIT_EXPORTED: Final = "residents_exported"
#: A resident invited to make their portal account (who, whom, until when; never the code).
AUDIT_INVITED: Final = "resident_invited"
