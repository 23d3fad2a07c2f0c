"""The callbacks page: missed calls still to return, who they are from, who is to call back, and
closing one (from this page or from the contact card)."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from hub import pages
from hub.api import paging
from hub.errors import BadRequest, Conflict, NotFound
from hub.models.call import Callback
from hub.pages.web import Page

router = Router()
CALLBACKS_PAGE = 50
# What the list may say after a button (`?notice=`): a key of LABELS, never free text.
CALLBACK_NOTICES = frozenset(
    {"callback_assigned", "callback_unassigned", "callback_changed", "callback_gone", "callback_no_employee"}
)
CALLBACK_GOOD_NOTICES = frozenset({"callback_assigned", "callback_unassigned"})


def callback_rows(page: Page, callbacks: list[Callback]) -> list[dict[str, Any]]:
    """What each callback shows: the contacts holding its number (one batched read of the phone index
    for the whole page), the lines its misses came in on, who they rang and who is to call back."""
    holders = page.services.contacts.holders_of(page.context, [cb.phone for cb in callbacks])
    employees = page.context.employees

    def name_of(ext: str) -> str:
        found = next((e for e in employees.values() if e.ext == ext), None)
        return found.name if found else ext

    assigned = {cb.phone: employees.get(cb.assigned_to or "") for cb in callbacks}
    return [
        {
            "cb": cb,
            "holders": holders.get(cb.phone, []),
            "lines": cb.lines,
            "missed_by": [name_of(ext) for ext in cb.missed_by],
            "assigned": assigned[cb.phone],
        }
        for cb in callbacks
    ]


@router.get("/app/<tenant>/callbacks")
def callbacks(tenant: str) -> Response:
    """Open callbacks, the most recently missed first, a page at a time; `mine=1`: the signed-in
    employee's only."""
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    mine = page.query.get("mine") == "1"
    assigned_to = page.signed_in.id if mine else None
    found, after = paging.read(
        page.context,
        paging.scope("callback-pages", assigned_to=assigned_to),
        page.query.get("after") or None,
        lambda start: page.services.call_log.callbacks(
            page.context, closed=False, limit=CALLBACKS_PAGE, start=start, assigned_to=assigned_to
        ),
    )
    notice = page.query.get("notice", "")
    employees = sorted(
        (e for e in page.context.employees.values() if e.active), key=lambda e: e.name.casefold()
    )
    return page.html(
        "callbacks.html",
        rows=callback_rows(page, found),
        employees=employees,
        mine=mine,
        next_query=urlencode({**({"mine": "1"} if mine else {}), "after": after}) if after else None,
        notice=notice if notice in CALLBACK_NOTICES else None,
        notice_good=notice in CALLBACK_GOOD_NOTICES,
    )


@router.post("/app/<tenant>/callbacks/close")
def close_callback(tenant: str) -> Response:
    """Done: 303 back to `next` when it is a page of this tenant (the contact card sends its own
    path), else to the callbacks list."""
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    employee = page.signed_in
    # NotFound: closed meanwhile, by a call or a colleague; the list shows the truth either way.
    with contextlib.suppress(NotFound):
        page.services.calls.close_callback(page.context, page.form.get("phone", ""), employee.ext)
    return page.redirect(pages.safe_next(page.base, page.form.get("next", "")) or f"{page.base}/callbacks")


@router.post("/app/<tenant>/callbacks/assign")
def assign_callback(tenant: str) -> Response:
    """Give a callback to an employee (an empty choice: to nobody), if it is still as the page showed
    it (its version): otherwise the list says it changed and shows it anew."""
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    form = page.form
    employee_id = form.get("employee") or None
    try:
        version = int(form.get("version", ""))
    except ValueError:
        version = -1  # no version seen: never matches, the page shows the callback anew
    try:
        page.services.calls.assign_callback(
            page.context, form.get("phone", ""), employee_id, version, page.signed_in.id
        )
        notice = "callback_assigned" if employee_id else "callback_unassigned"
    except Conflict:
        notice = "callback_changed"
    except NotFound:
        notice = "callback_gone"
    except BadRequest:
        notice = "callback_no_employee"
    mine = {"mine": "1"} if form.get("mine") == "1" else {}
    return page.redirect(f"{page.base}/callbacks?{urlencode({**mine, 'notice': notice})}")
