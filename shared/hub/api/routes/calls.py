"""/calls: the tenant's calls, newest first, and one call with its events."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from hub import wiring
from hub.api import paging
from hub.api.common import Cursor, Limit, documented, tenant
from hub.api.schemas import LATEST_MS, CallDetail, CallList, CallSummary, Moment
from hub.errors import NotFound
from hub.models.call import Call, CallStatus, Direction
from hub.store.dynamo import Page

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
    filters = {"direction": direction, "status": status, "employee_id": employee_id}
    wanted = {name: str(value) for name, value in filters.items() if value}  # StrEnum: str() is the value
    store = wiring.call_store()

    def load(start: dict[str, str] | None) -> Page[Call]:
        if not contact_id:
            return store.list_calls(
                context.slug, since=start_ms, until=end_ms, limit=limit, start=start, filters=wanted
            )
        page = store.contact_call_page(
            context.slug, contact_id, since=start_ms, until=end_ms, limit=limit, start=start
        )
        return Page([call for call in page.items if _matches(call, wanted)], page.next_start)

    list_scope = paging.scope("calls", since=start_ms, until=end_ms, contact=contact_id, **wanted)
    calls, next_cursor = paging.read(context, list_scope, cursor, load)
    return CallList(items=[CallSummary.of(call) for call in calls], next_cursor=next_cursor)


def _matches(call: Call, wanted: dict[str, str]) -> bool:
    """The call's fields equal the wanted values (the filters the calls index applies otherwise)."""
    return all(
        getattr(call, name) is not None and str(getattr(call, name)) == value
        for name, value in wanted.items()
    )


@router.get("/calls/<uuid>", tags=["calls"], responses=documented(200, "The call with its events", 404))
def get_call(uuid: str) -> CallDetail:
    call = wiring.call_store().get_call(tenant(router).slug, uuid)
    if call is None:
        raise NotFound("no such call")
    return CallDetail.of(call)
