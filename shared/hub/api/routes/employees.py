"""/employees: the tenant's employees with their PBX presence; add, change and deactivate them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from hub.api import paging
from hub.api.common import Cursor, IdempotencyKey, Limit, documented, services, tenant
from hub.api.schemas import EmployeeCreate, EmployeeList, EmployeeOut, EmployeePatch
from hub.errors import BadRequest
from hub.models.tenant import Employee

router = Router()


@router.get("/employees", tags=["employees"], responses=documented(200, "A page of employees"))
def list_employees(limit: Limit = 50, cursor: Cursor = None) -> EmployeeList:
    context = tenant(router)
    items, next_cursor = paging.read(
        context,
        paging.scope("employees"),
        cursor,
        lambda start: services(router).tenants.employees(context, limit, start),
    )
    return EmployeeList(items=with_presence(items), next_cursor=next_cursor)


def with_presence(employees: list[Employee]) -> list[EmployeeOut]:
    """Each employee with the presence the PBX last reported for their extension (one BatchGetItem)."""
    found = services(router).tenants.presence(tenant(router), employees)
    return [EmployeeOut.of(e, found.get(e.ext or "") if e.active else None) for e in employees]


@router.post(
    "/employees",
    tags=["employees"],
    status_code=201,
    responses=documented(201, "The new employee", 409, 415),
)
def create_employee(
    employee: Annotated[EmployeeCreate, Body()], idempotency_key: IdempotencyKey = None
) -> Employee:
    return services(router).tenants.add_employee(tenant(router), **employee.model_dump())


@router.get("/employees/<employee_id>", tags=["employees"], responses=documented(200, "The employee", 404))
def get_employee(employee_id: str) -> EmployeeOut:
    return with_presence([services(router).tenants.employee(tenant(router), employee_id)])[0]


@router.patch(
    "/employees/<employee_id>",
    tags=["employees"],
    responses=documented(200, "The changed employee", 404, 409, 415),
)
def patch_employee(employee_id: str, patch: Annotated[EmployeePatch, Body()]) -> Employee:
    changes = patch.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise BadRequest("an employee's name cannot be removed")
    if "active" in changes and changes["active"] is None:
        raise BadRequest("active is true or false")
    return services(router).tenants.update_employee(tenant(router), employee_id, changes)


@router.delete(
    "/employees/<employee_id>",
    tags=["employees"],
    responses=documented(
        204, "Deactivated: no sign-in, no routing, sessions ended; their history stays", 404, 409
    ),
)
def delete_employee(employee_id: str) -> None:
    services(router).tenants.deactivate_employee(tenant(router), employee_id)
    return Response(status_code=204)  # type: ignore[return-value]
