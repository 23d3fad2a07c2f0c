"""/employees: the tenant's employees with their PBX presence; add, change and deactivate them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from hub import wiring
from hub.api import paging
from hub.api.common import Cursor, IdempotencyKey, Limit, documented, tenant
from hub.api.schemas import EmployeeCreate, EmployeeList, EmployeeOut, EmployeePatch
from hub.domain.tenants import add_employee, deactivate_employee, update_employee
from hub.errors import BadRequest, NotFound
from hub.models.tenant import Employee

router = Router()


@router.get("/employees", tags=["employees"], responses=documented(200, "A page of employees"))
def list_employees(limit: Limit = 50, cursor: Cursor = None) -> EmployeeList:
    context = tenant(router)
    items, next_cursor = paging.read(
        context,
        paging.scope("employees"),
        cursor,
        lambda start: wiring.tenant_store().employee_page(context.slug, limit, start),
    )
    return EmployeeList(items=with_presence(items), next_cursor=next_cursor)


def with_presence(employees: list[Employee]) -> list[EmployeeOut]:
    """Each employee with the presence the PBX last reported for their extension (one BatchGetItem)."""
    found = wiring.tenant_store().presence_by_ext(tenant(router).slug, [e.ext for e in employees if e.ext])
    return [
        EmployeeOut.of(e, found.get(e.ext or "")) if e.active else EmployeeOut.of(e, None) for e in employees
    ]


@router.post(
    "/employees",
    tags=["employees"],
    status_code=201,
    responses=documented(201, "The new employee", 409, 415),
)
def create_employee(
    employee: Annotated[EmployeeCreate, Body()], idempotency_key: IdempotencyKey = None
) -> Employee:
    return add_employee(wiring.tenant_store(), tenant(router).tenant, **employee.model_dump())


@router.get("/employees/<employee_id>", tags=["employees"], responses=documented(200, "The employee", 404))
def get_employee(employee_id: str) -> EmployeeOut:
    return with_presence([_employee(employee_id)])[0]


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
    return update_employee(wiring.tenant_store(), _employee(employee_id), changes)


@router.delete(
    "/employees/<employee_id>",
    tags=["employees"],
    responses=documented(
        204, "Deactivated: no sign-in, no routing, sessions ended; their history stays", 404, 409
    ),
)
def delete_employee(employee_id: str) -> None:
    deactivate_employee(wiring.tenant_store(), _employee(employee_id))
    return Response(status_code=204)  # type: ignore[return-value]


def _employee(employee_id: str) -> Employee:
    found = wiring.tenant_store().get_employee(tenant(router).slug, employee_id)
    if found is None:
        raise NotFound("no such employee")
    return found
