"""Bank collection (托收) on the dashboard: a period's collection file made and downloaded, the
bank's result file uploaded and applied, the rows that moved no money, and the mandates (masked).

The collection file is the one ``xiaoqu billing bank export`` writes (xiaoqu 托收 CSV v1,
docs/billing.md), accounts in clear because the bank needs them: the rows are made by
``billing.bank_export`` called as the signed-in user, and the download is audited as
``billing_bank_exported`` naming the fields sent unmasked. The result file goes to
``billing.bank_import`` as the user; the page lists what it did, row by row.
"""
from __future__ import annotations

import csv
import io
import os
from http import HTTPStatus
from typing import IO, TYPE_CHECKING, Any, Final

from aiohttp import web

from xiaoqu.core.money import yuan
from xiaoqu.core.spreadsheet import write_csv
from xiaoqu.integrations.dashboard import N_, Form, Page, PageRequest
from xiaoqu.integrations.dashboard.export import FORMATS
from xiaoqu.integrations.dashboard.request import NO_STORE

from .bank import FAILED_ROW, PAID
from .const import AUDIT_BANK_EXPORTED, DOMAIN, SERVICE_BANK_EXPORT, SERVICE_BANK_IMPORT, SERVICE_BANK_UNMATCHED
from .dashboard_view import BANK_EXPORT, BANK_IMPORT
from .runtime import get_billing

if TYPE_CHECKING:
    from multidict import MultiMapping

#: The largest result file the form takes: ``billing.bank_import`` reads up to 20 MB of text.
MAX_UPLOAD: Final = 20 * 1024 * 1024
#: The upload's request: the file and the form's few fields.
MAX_BODY: Final = MAX_UPLOAD + 64 * 1024


async def _call(page: PageRequest, service: str, data: dict[str, Any]) -> dict[str, Any]:
    answer = await page.call(DOMAIN, service, data, return_response=True)
    assert isinstance(answer, dict)
    return answer


def _page(page: PageRequest, status: int = HTTPStatus.OK, **values: Any) -> web.Response:
    bank = get_billing(page.hub).bank
    mandates = sorted((m.shown() for m in bank.mandates.values()), key=lambda m: m["household"])
    return page.render("billing/bank.html", status=status, mandates=mandates, yuan=yuan,
                       period=f"{page.hub.clock.now().date():%Y-%m}", may_import=page.allows(BANK_IMPORT),
                       most=MAX_UPLOAD // 2**20, **values)


async def bank_page(page: PageRequest) -> web.Response:
    unmatched = await _call(page, SERVICE_BANK_UNMATCHED, {})
    return _page(page, unmatched=unmatched["rows"], result=None)


async def export_file(page: PageRequest) -> web.Response:
    """The period's collection rows made now, as the bank's CSV (UTF-8 with BOM), a download."""
    form = await Form.of(page)
    period = form.required("period", N_("Period"))
    made = await _call(page, SERVICE_BANK_EXPORT, {"period": period})
    headers, lines = get_billing(page.hub).bank.file_lines(made["period"])
    text = io.StringIO()
    text.write("\ufeff")
    count = write_csv(text, headers, lines)
    page.dashboard.access.record(AUDIT_BANK_EXPORTED, page.context, page=page.request.path, period=made["period"],
                                 rows=count, total_fen=made["total_fen"], unmasked=["account", "holder"])
    name = f"collection-{made['period']}.csv"
    return web.Response(body=text.getvalue().encode(), content_type=FORMATS["csv"], charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE})


def _upload(page: PageRequest, fields: MultiMapping[Any]) -> tuple[str, IO[bytes]] | web.Response:
    """The uploaded result file's name and file, or the page refusing it."""
    upload = fields.get("file")
    if not isinstance(upload, web.FileField) or not upload.filename:
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("Choose the bank's result file (.csv)."))
    size = upload.file.seek(0, os.SEEK_END)
    upload.file.seek(0)
    name = os.path.basename(upload.filename.replace("\\", "/"))[:100]
    if size == 0:
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("%(file)s is empty.") % {"file": name})
    if size > MAX_UPLOAD:
        return page.message(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, page.gettext(
            "%(file)s is larger than %(most)d MB; import it with xiaoqu billing bank import.")
            % {"file": name, "most": MAX_UPLOAD // 2**20})
    return name, upload.file


async def import_file(page: PageRequest) -> web.Response:
    """Apply the bank's result file; the page lists the rows paid, failed and unmatched."""
    fields = await page.form()
    try:
        found = _upload(page, fields)
        if isinstance(found, web.Response):
            return found
        name, file = found
        try:
            text = (await page.hub.run_in_executor(file.read)).decode("utf-8-sig")
        except UnicodeDecodeError:
            return page.message(HTTPStatus.BAD_REQUEST, page.gettext("%(file)s is not UTF-8 text.") % {"file": name})
    finally:
        for value in fields.values():
            if isinstance(value, web.FileField):
                value.file.close()
    since = page.hub.clock.time()
    try:
        result = await _call(page, SERVICE_BANK_IMPORT, {"text": text, "source": name})
    except csv.Error as err:  # a line the CSV reader cannot take at all (a field of megabytes)
        return page.message(HTTPStatus.BAD_REQUEST, f"{name}: {err}")
    rows = [row for row in get_billing(page.hub).bank.rows.values()
            if row["source"] == name and row["time"] >= since]
    unmatched = await _call(page, SERVICE_BANK_UNMATCHED, {})
    return _page(page, unmatched=unmatched["rows"], file=name, result=result,
                 paid=[row for row in rows if row["outcome"] == PAID],
                 failed=[row for row in rows if row["outcome"] == FAILED_ROW])


PAGES: Final = (
    Page("billing/bank/export", export_file, permission=BANK_EXPORT, method="POST"),
    Page("billing/bank/import", import_file, permission=BANK_IMPORT, method="POST", max_body=MAX_BODY),
)
