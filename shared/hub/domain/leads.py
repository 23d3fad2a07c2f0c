"""Unknown callers become leads, off the webhook's hot path (an SQS worker runs this)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.calls import CallService, LeadRequest
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.tenants import TenantContext
from hub.models.contact import ContactType


@dataclass(frozen=True)
class LeadCapture:
    """What capturing did: the contacts the call is now linked to, and whether one of them is a lead
    made just now (a redelivered message, or a number someone holds, makes none)."""

    linked: list[str]
    made_lead: bool


def capture_lead(
    context: TenantContext,
    request: LeadRequest,
    contacts: ContactService,
    calls: CallService,
) -> LeadCapture:
    """Link the call to whoever holds the number now, else to a new lead named by the number, with
    the employee who took or made the call as responsible, the line (or the robot) as source and the
    system whose call it was as its creator. At most one lead is created per number, however often
    this runs."""
    holders = contacts.holders(context, request.phone)
    made = False
    if not holders:
        employee = context.employee_by_ext_or_email(request.employee_ext) if request.employee_ext else None
        lead, made = contacts.create_once(
            context,
            ContactInput(
                type=ContactType.LEAD,
                name=request.phone,
                phones=[PhoneInput(number=request.phone)],
                responsible_employee_id=employee.id if employee else None,
                source=request.source,
            ),
            unique_key=f"LEAD#{request.phone}",
            created_by=request.created_by,
        )
        holders = [lead.id]
    calls.link_contacts(context, request.call_uuid, holders)
    return LeadCapture(linked=holders, made_lead=made)
