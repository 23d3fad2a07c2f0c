"""The contact card: what a person sees about one contact while its phone rings or afterwards.

One use case for the page (and, later, other edges): the contact, its latest calls, its open
callbacks, its timeline (notes among its events) and whether the people named on it are at their
phones; and whether it still waits for a name (a lead a call created is named by its number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.domain.call_log import CallLog
from hub.domain.contacts import ContactService
from hub.domain.tenants import TenantContext, TenantService
from hub.models.call import Call, Callback
from hub.models.contact import Contact, ContactType
from hub.models.tenant import Employee

CARD_CALLS = 50
_SHOWN_PRESENCE = ("away", "back")


@dataclass(frozen=True)
class ContactCard:
    contact: Contact
    calls: list[Call]  # newest first, at most CARD_CALLS
    callbacks: list[Callback]  # open ones, of the contact's numbers
    events: list[dict[str, Any]]  # newest first
    responsible: Employee | None
    presence: dict[str, str]  # extension -> away | back, of the active people the card names

    @property
    def needs_name(self) -> bool:
        """A lead, or a contact known only by a number: the card asks for a name first."""
        return self.contact.type == ContactType.LEAD or named_by_number(self.contact)


def named_by_number(contact: Contact) -> bool:
    """No name nor company, or one with no letter in it ("+380675554433", as a call's lead is
    created): nobody has named this contact yet."""
    return not any(char.isalpha() for char in contact.name or contact.company or "")


class ContactCards:
    def __init__(self, contacts: ContactService, calls: CallLog, tenants: TenantService) -> None:
        self.contacts = contacts
        self.calls = calls
        self.tenants = tenants

    def card(self, context: TenantContext, contact_id: str) -> ContactCard:
        """The card of a contact of this tenant; an unknown one is NotFound."""
        contact = self.contacts.get(context, contact_id)
        uuids = self.contacts.call_uuids(context, contact.id)[:CARD_CALLS]
        calls = self.calls.calls_by_uuid(context, uuids)
        responsible = context.employees.get(contact.responsible_employee_id or "")
        shown = [responsible, *(context.employees.get(call.employee_id or "") for call in calls)]
        people = [person for person in shown if person is not None]
        presence = {
            ext: str(record.get("status"))
            for ext, record in self.tenants.presence(context, people).items()
            if record.get("status") in _SHOWN_PRESENCE
        }
        return ContactCard(
            contact=contact,
            calls=calls,
            callbacks=self.calls.open_callbacks_of(context, contact.phone_numbers()),
            events=self.contacts.timeline(context, contact.id),
            responsible=responsible,
            presence=presence,
        )
