"""Obzvonilka as the hub's call-list service (hub.ports.vendors.CallListClient) over its API client:
bases as CallLists, users as VendorUsers, and the hub's call-list entries pushed into a base keyed by
their external code (a contact's: the hub's contact id), so a push sent again updates instead of
adding a copy."""

from __future__ import annotations

from hub.models.contact import Contact
from hub.ports.vendors import CallList, CallListEntry, Listing, VendorUser
from hub.vendors.obzvonilka.client import (
    PHONE_SLOTS,
    ContactBase,
    ContactForm,
    ObzvonilkaClient,
    ObzvonilkaUser,
)


def call_list(base: ContactBase) -> CallList:
    return CallList(vendor_id=base.id, name=base.name, deleted=base.deleted)


def vendor_user(user: ObzvonilkaUser) -> VendorUser:
    """Its `email` is the login; a blocked account is an inactive user."""
    return VendorUser(vendor_id=user.id, name=user.name, email=user.email, active=user.account_enabled)


def entry_of(contact: Contact) -> CallListEntry:
    """A hub contact as a call-list entry keyed by its id, its numbers in E.164 with their remarks."""
    return CallListEntry(
        external_code=contact.id,
        name=contact.display_name,
        phones=tuple((phone.e164, phone.remark) for phone in contact.phones),
        email=contact.email,
        address=contact.address,
        description=contact.description,
        www=contact.www,
    )


def contact_form(entry: CallListEntry) -> ContactForm:
    """The entry as Obzvonilka's form: its first ten numbers (the service's own slots; the first is
    the one to call, so the rest are the ones left out)."""
    return ContactForm(
        name=entry.name,
        external_code=entry.external_code,
        address_string=entry.address,
        description=entry.description,
        email=entry.email,
        www=entry.www,
        phones=list(entry.phones[:PHONE_SLOTS]),
    )


class ObzvonilkaCallList:
    """One tenant's Obzvonilka organization as a CallListClient. Bases that could not be read are
    left out (the client keeps them in `Rows.invalid`); users' are counted (`Listing.unreadable`)."""

    def __init__(self, client: ObzvonilkaClient) -> None:
        self.client = client

    def bases(self) -> list[CallList]:
        return [call_list(base) for base in self.client.bases().rows]

    def upsert_contact(self, base_id: str, entry: CallListEntry) -> str:
        return self.client.upsert_contact(base_id, contact_form(entry)).id

    def users(self) -> Listing[VendorUser]:
        rows = self.client.users()
        return Listing([vendor_user(user) for user in rows.rows], unreadable=len(rows.invalid))
