"""Names the dashboard and the integrations that add pages to it share: paths, cookies, keys."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .registry import Registry
    from .runtime import Dashboard

DOMAIN: Final = "dashboard"
#: The running dashboard: sessions, catalogues, live streams.
DATA_DASHBOARD: Final[HubKey[Dashboard]] = HubKey(DOMAIN)
#: What the integrations registered (pages, overview panels, live event feeds). Kept apart
#: from the running dashboard so an integration may register before the dashboard is set
#: up, or on a hub that does not serve it.
DATA_REGISTRY: Final[HubKey[Registry]] = HubKey("dashboard_registry")

ROOT: Final = "/dashboard"
STATIC: Final = f"{ROOT}/static"
LOGIN_PATH: Final = f"{ROOT}/login"

#: The ``Context.source`` of what staff do through the dashboard (the audit log's "through").
SOURCE_DASHBOARD: Final = "dashboard"

SESSION_COOKIE: Final = "xiaoqu_session"
#: The sign-in form's own CSRF token, before there is a session to hold one.
LOGIN_COOKIE: Final = "xiaoqu_login"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"

#: The dashboard's languages, as their catalogues are named; the first is the default.
LANGUAGES: Final = ("zh_CN", "en")
#: ``xiaoqu: language`` names the site's language without a region.
SITE_LANGUAGES: Final = {"zh": "zh_CN", "en": "en"}
#: The catalogue domain every integration's dashboard strings are in.
GETTEXT_DOMAIN: Final = "dashboard"

#: The most a dashboard form may send unless its page says otherwise (``Page.max_body``).
FORM_MAX_BODY: Final = 64 * 1024

#: Rows on one page of a list.
PAGE_SIZE: Final = 50
#: Events a slow browser may fall behind by before the oldest are dropped.
STREAM_BACKLOG: Final = 200
#: Seconds between keep-alive comments on an idle event stream (proxies close silent ones).
STREAM_KEEPALIVE: Final = 15.0

#: Audit acts of the dashboard's own (its sign-ins are audited as the API's: login, logout).
AUDIT_CSRF_REFUSED: Final = "dashboard_csrf_refused"
AUDIT_PAGE_DENIED: Final = "dashboard_denied"
AUDIT_LANGUAGE: Final = "dashboard_language"
#: A list downloaded as CSV or .xlsx: which page, filtered how, how many rows.
AUDIT_EXPORT: Final = "dashboard_export"
