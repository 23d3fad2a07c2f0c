"""Who is calling: the answer a PBX needs while the phone rings (Phonet §A1, TelefUM find)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.domain.tenants import TenantContext
from hub.errors import InvalidPhone
from hub.models.contact import ContactType, PhoneEntry
from hub.models.tenant import Employee
from hub.phones import normalize_phone
from hub.ports import PhoneIndex

# A lead is an unqualified caller the hub created itself, often a duplicate of a real contact, so a
# person or a company holding the same number is the better answer.
_TYPE_RANK = {ContactType.CONTACT: 0, ContactType.COMPANY: 1, ContactType.LEAD: 2}


@dataclass(frozen=True)
class CallerMatch:
    phone: str
    contact: PhoneEntry | None
    responsible: Employee | None
    holders: int


def choose_contact(entries: list[PhoneEntry]) -> PhoneEntry | None:
    """The one contact a ringing phone shows when several hold the number.

    In order: a person or company before a lead; one with a responsible manager (so the call is
    routed to the person who knows the customer); the most recently updated (the likeliest to be
    current); and finally the lowest id, so the same data always gives the same answer.
    """
    if not entries:
        return None
    return min(
        entries,
        key=lambda e: (_TYPE_RANK[e.type], e.responsible_employee_id is None, -e.updated_at, e.id),
    )


def lookup_caller(
    index: PhoneIndex, context: TenantContext, number: str, fallbacks: Sequence[str] = ()
) -> CallerMatch:
    """Normalize the number (InvalidPhone when it is none) and read the phone index once; the
    employee comes from the context."""
    e164 = normalize_phone(number, context.tenant.default_country, fallbacks)
    entries = index.phone_entries(context.slug, e164)
    chosen = choose_contact(entries)
    responsible = None
    if chosen is not None and chosen.responsible_employee_id:
        responsible = context.employees.get(chosen.responsible_employee_id)
        if responsible is not None and not responsible.active:
            responsible = None  # a deactivated employee is not routed to
    return CallerMatch(phone=e164, contact=chosen, responsible=responsible, holders=len(entries))


class CallerLookup:
    """The ringing phone's use case: who holds the number calling, from the phone index alone."""

    def __init__(self, phones: PhoneIndex) -> None:
        self.phones = phones

    def who_is_calling(
        self, context: TenantContext, number: str | None, fallbacks: Sequence[str] = ()
    ) -> CallerMatch | None:
        """None when the caller id is no number (hidden, `anonymous`, an extension like `101`)."""
        try:
            return lookup_caller(self.phones, context, number or "", fallbacks)
        except InvalidPhone:
            return None
