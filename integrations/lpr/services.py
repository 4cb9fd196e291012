"""The plate cameras' services: how a plate reads (``lpr.normalize_plate``), and staff's
correction of a misread (``lpr.correct``), audited with the snapshot."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import HubError
from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from .const import SERVICE_CORRECT, SERVICE_NORMALIZE
from .lpr import CorrectionError
from .normalize import normalize_plate
from .runtime import get_lpr
from .schema import CORRECT_SCHEMA, NORMALIZE_SCHEMA


def normalize(call: ServiceCall) -> dict[str, Any]:
    """``{"plate", "valid": true, ...}`` or ``{"valid": false, "reason", ...}``."""
    return normalize_plate(call.data["plate"], colour=call.data.get("colour")).as_dict()


def _author(call: ServiceCall) -> str:
    """Who acted: the user's name, else where the call came from."""
    user = get_auth(call.hub).manager.user(call.context.user_id) if call.context.user_id else None
    return user.name if user is not None else call.context.source or "the hub"


async def correct(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    try:
        return await get_lpr(call.hub).correct(data["read_id"], data["plate"], by=_author(call), reason=data["reason"],
                                         context=call.context)
    except CorrectionError as err:
        raise HubError(str(err)) from None


SERVICES: Final = [
    ServiceSpec(SERVICE_NORMALIZE, normalize, NORMALIZE_SCHEMA,
                "How a camera's plate text reads: the one spelling, its kind and colour, or why it is no plate",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_CORRECT, correct, CORRECT_SCHEMA,
                "Correct a misread plate from its snapshot: a plate_read of the right plate, audited with the reason",
                SupportsResponse.OPTIONAL),
]
