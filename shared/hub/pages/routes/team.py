"""The team page: the tenant's employees, whether each is at their phone, and who is on a call now.

Presence is shown, not set here: it is the PBX's (an employee pauses on their phone or in the PBX,
and the PBX routes by it); the hub only mirrors its events, and the PBX's API has no call to set it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import phonenumbers
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from hub.ids import now_ms
from hub.models.tenant import Tenant
from hub.pages.web import Page

router = Router()


def display_number(number: str | None, country: str) -> str | None:
    """A number as a person reads it: national within the tenant's country, else international;
    as the PBX gave it when it does not parse (a short or hidden caller id)."""
    if not number or not number.startswith("+"):
        return number
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return number
    region = phonenumbers.region_code_for_number(parsed)
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(parsed, style.NATIONAL if region == country else style.INTERNATIONAL)


def clock(tenant: Tenant, ms: int | None) -> str:
    """A moment of today as the tenant's clock shows it ("14:02")."""
    if not ms:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(tenant.timezone)).strftime("%H:%M")


@router.get("/app/<tenant>/team")
def team(tenant: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    view = page.services.team.view(page.context)
    country = page.tenant.default_country
    return page.html(
        "team.html",
        view=view,
        now=now_ms(),
        clock=lambda ms: clock(page.tenant, ms),
        number=lambda raw: display_number(raw, country),
    )
