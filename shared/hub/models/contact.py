"""Contacts: the people and companies whose numbers ring the tenant's phones."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

# A contact's field limits, declared once: the stored record (Contact), the domain's input
# (hub.domain.contacts.ContactInput, which every import and form goes through) and the REST API's
# schemas all take them from here.
MAX_PHONES = 10
MAX_EXTERNAL_CODES = 10
NAME_LENGTH = 300  # name, company, source
DESCRIPTION_LENGTH = 4000
EMAIL_LENGTH = 254
ADDRESS_LENGTH = 500  # address, www
PHONE_LENGTH = 64  # a number as given, in any form
REMARK_LENGTH = 200
EXTERNAL_CODE_LENGTH = 100
EXTERNAL_SYSTEM = r"[a-z0-9_-]{1,40}"  # the system an external code belongs to
ID_LENGTH = 40  # an employee's id, as a contact's responsible
# Fields another system keeps that the hub has no place for (a vendor's own field codes): kept as
# given, bounded so a contact stays a small item.
MAX_EXTRA_FIELDS = 30
MAX_EXTRA_VALUES = 20
EXTRA_NAME_LENGTH = 100
EXTRA_VALUE_LENGTH = 500
# The phone index keeps this much of a name: what a phone's display shows, and a bound on each entry.
MAX_INDEX_NAME = 100


class ContactType(StrEnum):
    LEAD = "lead"
    CONTACT = "contact"
    COMPANY = "company"


class ContactPhone(BaseModel):
    e164: str
    raw: str
    remark: str | None = Field(default=None, max_length=REMARK_LENGTH)


class Contact(BaseModel):
    id: str
    tenant: str
    type: ContactType = ContactType.CONTACT
    name: str | None = Field(default=None, max_length=NAME_LENGTH)
    company: str | None = Field(default=None, max_length=NAME_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_LENGTH)
    email: str | None = Field(default=None, max_length=EMAIL_LENGTH)
    address: str | None = Field(default=None, max_length=ADDRESS_LENGTH)
    www: str | None = Field(default=None, max_length=ADDRESS_LENGTH)
    phones: list[ContactPhone] = Field(default_factory=list, max_length=MAX_PHONES)
    # The contact's id in each vendor's system, e.g. {"obzvonilka": "1203"}.
    external_codes: dict[str, str] = Field(default_factory=dict)
    responsible_employee_id: str | None = None
    source: str | None = Field(default=None, max_length=NAME_LENGTH)
    category: str | None = Field(default=None, max_length=NAME_LENGTH)
    # What the system the contact came from holds beyond the hub's fields, e.g. {"Skype": ["ann.k"]}.
    extra_fields: dict[str, list[str]] = Field(default_factory=dict)
    # When the system the contact came from created and last changed it (UTC ms), as it says.
    origin_created_at: int | None = None
    origin_updated_at: int | None = None
    # First-touch marketing attribution (UTM labels of the first call that carried them).
    attribution: dict[str, Any] | None = None
    created_by: str | None = None
    created_at: int = 0
    updated_at: int = 0
    version: int = 0

    @property
    def display_name(self) -> str:
        """What a phone display shows: the name, else the company, else the first number."""
        return self.name or self.company or (self.phones[0].e164 if self.phones else self.id)

    def phone_numbers(self) -> list[str]:
        """Distinct E.164 numbers, in the contact's order."""
        return list(dict.fromkeys(phone.e164 for phone in self.phones))


class PhoneEntry(BaseModel):
    """What the phone index keeps about one contact holding a number: enough to answer a lookup."""

    id: str
    type: ContactType
    name: str
    responsible_employee_id: str | None = None
    updated_at: int = 0

    @classmethod
    def of(cls, contact: Contact) -> PhoneEntry:
        return cls(
            id=contact.id,
            type=contact.type,
            name=contact.display_name[:MAX_INDEX_NAME],
            responsible_employee_id=contact.responsible_employee_id,
            updated_at=contact.updated_at,
        )
