"""/calls: the tenant's calls, newest first, and one call with its events."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from hub.api import paging
from hub.api.common import Cursor, Limit, documented, services, tenant
from hub.api.schemas import LATEST_MS, CallDetail, CallList, CallSummary, Moment
from hub.domain.call_log import call_filters
from hub.models.call import CallStatus, Direction

router = Router()


@router.get("/calls", tags=["calls"], responses=documented(200, "A page of calls, newest first"))
def list_calls(
    limit: Limit = 50,
    cursor: Cursor = None,
    since: Annotated[Moment | None, Query(description="Dialed at or after")] = None,
    until: Annotated[Moment | None, Query(description="Dialed at or before")] = None,
    direction: Direction | None = None,
    status: CallStatus | None = None,
    contact_id: Annotated[str | None, Query(max_length=40)] = None,
    employee_id: Annotated[str | None, Query(max_length=40)] = None,
) -> CallList:
    context = tenant(router)
    start_ms, end_ms = since or 0, LATEST_MS if until is None else until
    wanted = call_filters(direction, status, employee_id)
    list_scope = paging.scope("calls", since=start_ms, until=end_ms, contact=contact_id, **wanted)
    calls, next_cursor = paging.read(
        context,
        list_scope,
        cursor,
        lambda start: services(router).call_log.calls(
            context,
            since=start_ms,
            until=end_ms,
            limit=limit,
            start=start,
            direction=direction,
            status=status,
            employee_id=employee_id,
            contact_id=contact_id,
        ),
    )
    return CallList(items=[CallSummary.of(call) for call in calls], next_cursor=next_cursor)


@router.get("/calls/<uuid>", tags=["calls"], responses=documented(200, "The call with its events", 404))
def get_call(uuid: str) -> CallDetail:
    return CallDetail.of(services(router).call_log.call(tenant(router), uuid))
