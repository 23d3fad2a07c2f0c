"""/calls: the tenant's calls, newest first, and one call with its events; click-to-call and the
calls in progress on the PBX (placed, listed and hung up through the tenant's Phonet account)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from hub.api import paging
from hub.api.common import Cursor, IdempotencyKey, Limit, documented, services, tenant
from hub.api.idempotency import replay_instead
from hub.api.schemas import (
    LATEST_MS,
    ActiveCallList,
    ActiveCallOut,
    CallDetail,
    CallList,
    CallPlaced,
    CallRequest,
    CallSummary,
    Moment,
)
from hub.domain.call_log import call_filters
from hub.domain.dialing import CallTarget
from hub.errors import BadRequest, VendorRejected
from hub.models.call import CallStatus, Direction

logger = Logger()

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


@router.post(
    "/calls",
    tags=["calls"],
    status_code=201,
    responses=documented(201, "The PBX placed the call: the employee's phone rings first", 409, 415, 502),
)
def place_call(call: Annotated[CallRequest, Body()], idempotency_key: IdempotencyKey = None) -> CallPlaced:
    """Requires an Idempotency-Key: a retried request must never ring the customer twice. 409
    `credentials_missing` without Phonet credentials, `employee_inactive` / `employee_without_ext`;
    502 `call_outcome_unknown` when the PBX may have placed it without saying so: that answer is
    kept as the key's, so a retry with the same key gets it again and dials nobody; trying again
    (after a look at /calls/active) is a new request, with a new key."""
    if idempotency_key is None:
        raise BadRequest(
            "placing a call needs an Idempotency-Key header, so a retry cannot dial twice",
            code="idempotency_key_required",
        )
    target = CallTarget(contact_id=call.contact_id, phone=call.phone, number=call.number)
    try:
        placed = services(router).dialing.place_call(tenant(router), call.employee_id, target)
    except VendorRejected as exc:
        if exc.code != "call_outcome_unknown":
            raise
        replay_instead(router, exc)  # kept as the key's answer
        raise
    logger.info("call placed", extra={"call_uuid": placed.uuid, "ext": placed.ext})
    return CallPlaced(uuid=placed.uuid)


@router.get(
    "/calls/active", tags=["calls"], responses=documented(200, "The calls in progress on the PBX", 409, 502)
)
def active_calls() -> ActiveCallList:
    context = tenant(router)
    legs = services(router).dialing.active_calls(context)
    return ActiveCallList(items=[ActiveCallOut.of(leg, context) for leg in legs])


@router.delete(
    "/calls/active/<uuid>",
    tags=["calls"],
    responses=documented(204, "Hung up", 404, 409, 502),
)
def hang_up(uuid: Annotated[str, Path(max_length=100)]) -> None:
    """404 `call_not_active` when the PBX has no such call in progress."""
    services(router).dialing.hang_up(tenant(router), uuid)
    return Response(status_code=204)  # type: ignore[return-value]


@router.get("/calls/<uuid>", tags=["calls"], responses=documented(200, "The call with its events", 404))
def get_call(uuid: str) -> CallDetail:
    return CallDetail.of(services(router).call_log.call(tenant(router), uuid))
