"""The team page: the tenant's employees, whether each is at their phone, and who is on a call now.

Presence is shown, not set here: it is the PBX's (an employee pauses on their phone or in the PBX,
and the PBX routes by it); the hub only mirrors its events, and the PBX's API has no call to set it.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from hub.ids import now_ms
from hub.pages.web import Page

router = Router()


@router.get("/app/<tenant>/team")
def team(tenant: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    return page.html("team.html", view=page.services.team.view(page.context), now=now_ms())
