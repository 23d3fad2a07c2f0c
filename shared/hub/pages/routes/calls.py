"""The call log page: the tenant's calls, newest first, narrowed by what the query string says (so a
filtered list can be bookmarked and shared), a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from hub.api import paging
from hub.domain.tenants import TenantContext
from hub.errors import InvalidPhone
from hub.models.call import Call, CallStatus, Direction
from hub.models.contact import Contact
from hub.pages.web import Page
from hub.phones import normalize_phone

router = Router()
CALLS_PAGE = 25
LATEST_MS = 10**13 - 1  # the calls index's time keys have 13 digits
FILTER_FIELDS = ("direction", "status", "employee", "from", "to", "number")


@dataclass
class CallFilters:
    """The call log's filters as the query string gives them (echoed back into the form) and as the
    call log reads them; `problems` names the labels of the fields that made no sense."""

    given: dict[str, str]
    direction: Direction | None = None
    status: CallStatus | None = None
    employee_id: str | None = None
    since: int = 0
    until: int = LATEST_MS
    number: str | None = None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, context: TenantContext, query: dict[str, str]) -> CallFilters:
        given = {name: query.get(name, "").strip() for name in FILTER_FIELDS}
        found = cls(given={name: value for name, value in given.items() if value})
        if given["direction"] in Direction:
            found.direction = Direction(given["direction"])
        if given["status"] in CallStatus:
            found.status = CallStatus(given["status"])
        if given["employee"] in context.employees:
            found.employee_id = given["employee"]
        if given["number"]:
            try:
                found.number = normalize_phone(given["number"], context.tenant.default_country)
            except InvalidPhone:
                found.problems.append("calls_bad_number")
        try:
            first = date.fromisoformat(given["from"]) if given["from"] else None
            last = date.fromisoformat(given["to"]) if given["to"] else first
        except ValueError:
            found.problems.append("calls_bad_date")
        else:
            found.since, found.until = day_span(ZoneInfo(context.tenant.timezone), first, last)
        return found

    def scope(self) -> str:
        """The list a cursor belongs to: these filters exactly (another filter, another list)."""
        return paging.scope(
            "call-pages",
            direction=self.direction,
            status=self.status,
            employee=self.employee_id,
            since=self.since,
            until=self.until,
            number=self.number,
        )

    def link(self, after: str) -> str:
        """The query string of the next page: the same filters, from `after`."""
        return urlencode({**self.given, "after": after})


def day_span(zone: ZoneInfo, first: date | None, last: date | None) -> tuple[int, int]:
    """[since, until] ms of whole days in the tenant's time zone: from the start of `first` to the
    end of `last` (a day alone: that day); None leaves that side open."""
    since = int(datetime.combine(first, time(), zone).timestamp() * 1000) if first else 0
    if last is None:
        return since, LATEST_MS
    next_day = datetime.combine(last + timedelta(days=1), time(), zone)
    return since, int(next_day.timestamp() * 1000) - 1


def call_rows(page: Page, calls: list[Call]) -> list[dict[str, Any]]:
    """What each row shows: the call, its contact (the first one linked that still exists, all of the
    page's read at once), the other side's number and the employee's name."""
    wanted = list(dict.fromkeys(cid for call in calls for cid in call.contact_ids))
    contacts = page.services.contacts.many(page.context, wanted) if wanted else {}
    employees = page.context.employees
    rows = []
    for call in calls:
        contact: Contact | None = next((contacts[cid] for cid in call.contact_ids if cid in contacts), None)
        employee = employees.get(call.employee_id or "")
        rows.append(
            {
                "call": call,
                "contact": contact,
                "number": call.other_number or call.other_number_raw or call.employee2_ext or "",
                "employee": employee.name if employee else call.employee_name or call.employee_ext or "",
            }
        )
    return rows


@router.get("/app/<tenant>/calls")
def calls(tenant: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    filters = CallFilters.read(page.context, page.query)
    found: list[Call] = []
    after = None
    if not filters.problems:
        found, after = paging.read(
            page.context,
            filters.scope(),
            page.query.get("after") or None,
            lambda start: page.services.call_log.calls(
                page.context,
                since=filters.since,
                until=filters.until,
                limit=CALLS_PAGE,
                start=start,
                direction=filters.direction,
                status=filters.status,
                employee_id=filters.employee_id,
                number=filters.number,
            ),
        )
    employees = sorted(page.context.employees.values(), key=lambda e: (not e.active, e.name.casefold()))
    return page.html(
        "calls.html",
        rows=call_rows(page, found),
        filters=filters,
        employees=employees,
        directions=list(Direction),
        statuses=list(CallStatus),
        next_query=filters.link(after) if after else None,
    )
