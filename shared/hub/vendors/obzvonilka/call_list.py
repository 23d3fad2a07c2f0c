"""Obzvonilka as the hub's call-list service (hub.ports.vendors.CallListClient) over its API client:
bases as CallLists, users as VendorUsers, and the hub's contacts pushed into a base keyed by their
external code (= the hub's contact id), so a push sent again updates instead of adding a copy."""

from __future__ import annotations

from hub.models.contact import Contact
from hub.ports.vendors import CallList, Listing, VendorUser
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


def contact_form(contact: Contact) -> ContactForm:
    """The contact as Obzvonilka's form: its first ten numbers in E.164 (the service's own slots)."""
    return ContactForm(
        name=contact.display_name,
        external_code=contact.id,
        address_string=contact.address,
        description=contact.description,
        email=contact.email,
        www=contact.www,
        phones=[(phone.e164, phone.remark) for phone in contact.phones[:PHONE_SLOTS]],
    )


class ObzvonilkaCallList:
    """One tenant's Obzvonilka organization as a CallListClient. Bases that could not be read are
    left out (the client keeps them in `Rows.invalid`); users' are counted (`Listing.unreadable`)."""

    def __init__(self, client: ObzvonilkaClient) -> None:
        self.client = client

    def bases(self) -> list[CallList]:
        return [call_list(base) for base in self.client.bases().rows]

    def upsert_contact(self, base_id: str, contact: Contact) -> str:
        return self.client.upsert_contact(base_id, contact_form(contact)).id

    def users(self) -> Listing[VendorUser]:
        rows = self.client.users()
        return Listing([vendor_user(user) for user in rows.rows], unreadable=len(rows.invalid))
