"""Click-to-call and live calls: the hub asks the tenant's PBX to place a call as an employee (their
phone rings first, then the PBX dials the customer), lists the calls in progress, hangs one up.

The call placed is logged by the PBX's webhooks like any other, as one record under the uuid the PBX
answered. Who may dial is checked here, before the vendor is called: an employee of this tenant,
active, with an extension the PBX knows them by.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.tenants import TenantContext
from hub.errors import BadRequest, Conflict, InvalidPhone, NotFound, VendorRejected, VendorUnavailable
from hub.models.call import LegEvent
from hub.models.tenant import Employee, Vendor
from hub.phones import normalize_phone
from hub.ports import ContactRepository
from hub.ports.vendors import VendorAccounts


@dataclass(frozen=True)
class CallTarget:
    """Whom to call: a contact (its first phone, or `phone` among its phones) or a raw `number`."""

    contact_id: str | None = None
    phone: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class PlacedCall:
    uuid: str
    ext: str
    number: str  # E.164, as sent to the PBX


class Dialing:
    def __init__(self, accounts: VendorAccounts, contacts: ContactRepository) -> None:
        self.accounts = accounts
        self.contacts = contacts

    def place_call(self, context: TenantContext, employee_id: str, target: CallTarget) -> PlacedCall:
        """Ring `employee_id`'s extension, then dial the target (E.164). Refused before the PBX is
        asked: an unknown employee (404), a deactivated one or one without an extension (409), no or
        two targets, a number that does not read, a contact without that phone (400)."""
        employee = self.caller(context, employee_id)
        number = self.target_number(context, target)
        ext = (employee.ext or "").strip()
        try:
            uuid = self.accounts.pbx(context.slug).make_call(ext, number)
        except VendorUnavailable as exc:
            if not (isinstance(exc.details, dict) and exc.details.get("maybe_done")):
                raise
            # The PBX may have placed it (a timeout after sending): an automatic retry could ring the
            # customer twice, so this is not retryable; the caller looks at the live calls first.
            raise VendorRejected(
                "the PBX did not confirm the call, it may have been placed: look at the active calls "
                "before trying again",
                code="call_outcome_unknown",
                details=exc.details,
            ) from exc
        return PlacedCall(uuid=uuid, ext=ext, number=number)

    def caller(self, context: TenantContext, employee_id: str) -> Employee:
        employee = context.employees.get(employee_id)
        if employee is None:
            raise NotFound("no such employee", code="employee_not_found")
        if not employee.active:
            raise Conflict("the employee is deactivated and cannot place calls", code="employee_inactive")
        if not (employee.ext or "").strip():
            raise Conflict(
                "the employee has no extension: set one (PATCH /employees/{id}) to place calls",
                code="employee_without_ext",
            )
        return employee

    def target_number(self, context: TenantContext, target: CallTarget) -> str:
        if (target.contact_id is None) == (target.number is None):
            raise BadRequest("give exactly one of contact_id and number", code="call_target_required")
        if target.number is not None:
            if target.phone is not None:
                raise BadRequest("phone chooses among a contact's phones: send it with contact_id")
            return self._e164(context, target.number)
        contact = self.contacts.get(context.slug, target.contact_id or "")
        if contact is None:
            raise NotFound("no such contact", code="contact_not_found")
        if not contact.phones:
            raise BadRequest("the contact has no phone number", code="contact_without_phone")
        if target.phone is None:
            return contact.phones[0].e164
        wanted = self._e164(context, target.phone)
        if wanted not in {phone.e164 for phone in contact.phones}:
            raise BadRequest("the contact has no such phone", code="phone_not_on_contact")
        return wanted

    def active_calls(self, context: TenantContext) -> list[LegEvent]:
        return self.accounts.pbx(context.slug).active_calls()

    def hang_up(self, context: TenantContext, uuid: str) -> None:
        self.accounts.pbx(context.slug).hangup(uuid)

    @staticmethod
    def _e164(context: TenantContext, raw: str) -> str:
        try:
            return normalize_phone(
                raw, context.tenant.default_country, context.tenant.phone_fallbacks(Vendor.PHONET)
            )
        except InvalidPhone as exc:
            raise InvalidPhone(exc.message, details=[{"field": "number", "message": exc.message}]) from exc
