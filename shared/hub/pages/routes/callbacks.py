"""The callbacks page: missed calls still to return, and closing one."""

from __future__ import annotations

import contextlib

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from hub.errors import NotFound
from hub.pages.web import Page

router = Router()


@router.get("/app/<tenant>/callbacks")
def callbacks(tenant: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    return page.html("callbacks.html", callbacks=page.services.call_log.open_callbacks(page.context))


@router.post("/app/<tenant>/callbacks/close")
def close_callback(tenant: str) -> Response:
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    employee = page.signed_in
    # NotFound: closed meanwhile, by a call or a colleague; the list shows the truth either way.
    with contextlib.suppress(NotFound):
        page.services.calls.close_callback(page.context, page.form.get("phone", ""), employee.ext)
    return page.redirect(f"{page.base}/callbacks")
