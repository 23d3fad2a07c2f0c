"""/callbacks: the missed calls still to return (or returned), closing one, and who is to call back."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from hub.api import paging
from hub.api.common import Cursor, IdempotencyKey, Limit, documented, services, tenant
from hub.api.schemas import AssignCallback, CallbackList, CallbackOut, CloseCallback
from hub.errors import BadRequest
from hub.phones import normalize_phone

router = Router()


@router.get("/callbacks", tags=["callbacks"], responses=documented(200, "A page of callbacks, newest first"))
def list_callbacks(
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[str, Query(pattern="^(open|closed)$")] = "open",
    assigned_to: Annotated[str | None, Query(max_length=40, description="Only this employee's")] = None,
) -> CallbackList:
    context = tenant(router)
    callbacks, next_cursor = paging.read(
        context,
        paging.scope("callbacks", status=status, assigned_to=assigned_to),
        cursor,
        lambda start: services(router).call_log.callbacks(
            context, closed=status == "closed", limit=limit, start=start, assigned_to=assigned_to
        ),
    )
    return CallbackList(items=[CallbackOut.of(callback) for callback in callbacks], next_cursor=next_cursor)


@router.post(
    "/callbacks/<phone>/close",
    tags=["callbacks"],
    responses=documented(200, "The callback as closed", 404, 409, 415),
)
def close_callback(
    phone: str,
    request: Annotated[CloseCallback | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> CallbackOut:
    context = tenant(router)
    employee = None
    if request and request.employee_id:
        employee = context.employees.get(request.employee_id)
        if employee is None:
            raise BadRequest("no such employee", code="unknown_employee")
    e164 = normalize_phone(unquote(phone), context.tenant.default_country)
    closed = services(router).calls.close_callback(context, e164, employee.ext if employee else None)
    return CallbackOut.of(closed)


@router.put(
    "/callbacks/<phone>/assignee",
    tags=["callbacks"],
    responses=documented(200, "The callback with its assignee", 404, 409, 415),
)
def assign_callback(phone: str, request: Annotated[AssignCallback, Body()]) -> CallbackOut:
    """400 `unknown_employee` for an unknown or deactivated employee; 404 when the number has no
    open callback; 409 `version_mismatch` when it changed since `version` was read."""
    context = tenant(router)
    e164 = normalize_phone(unquote(phone), context.tenant.default_country)
    assigned = services(router).calls.assign_callback(
        context, e164, request.employee_id, request.version, by_employee_id=None
    )
    return CallbackOut.of(assigned)
