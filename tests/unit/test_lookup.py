"""The caller lookup against in-memory ports: the contact a ringing phone shows, its responsible
employee (never a deactivated one), and the number in E.164 whatever form the PBX sent."""

from __future__ import annotations

import pytest

from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.lookup import lookup_caller
from hub.domain.tenants import TenantContext, TenantDirectory, add_employee, deactivate_employee
from hub.errors import InvalidPhone
from hub.models.contact import ContactType
from hub.models.tenant import Tenant
from tests.unit.memory import MemoryContacts, MemoryTenants

CALLER = "+380501234567"


@pytest.fixture
def tenants() -> MemoryTenants:
    repo = MemoryTenants()
    repo.create_tenant(Tenant(slug="acme", name="Acme", default_country="UA"), {})
    return repo


@pytest.fixture
def contacts() -> MemoryContacts:
    return MemoryContacts()


def context_of(tenants: MemoryTenants) -> TenantContext:
    return TenantDirectory(tenants, ttl_seconds=0).by_slug("acme")


def holder(
    contacts: MemoryContacts,
    context: TenantContext,
    name: str,
    kind: ContactType = ContactType.CONTACT,
    responsible: str | None = None,
    number: str = "0501234567",
) -> str:
    data = ContactInput(
        type=kind, name=name, phones=[PhoneInput(number=number)], responsible_employee_id=responsible
    )
    return ContactService(contacts).create(context, data).id


def test_lookup_caller_known_contact_with_its_responsible_employee(
    tenants: MemoryTenants, contacts: MemoryContacts
) -> None:
    manager = add_employee(tenants, context_of(tenants).tenant, name="Ivan", ext="001", email="i@acme.ua")
    context = context_of(tenants)
    known = holder(contacts, context, "Known", responsible=manager.id)
    match = lookup_caller(contacts, context, "380501234567")  # the PBX sent it without a plus
    assert (match.phone, match.contact.id, match.holders) == (CALLER, known, 1)
    assert match.responsible.id == manager.id


def test_lookup_caller_unknown_number_has_no_contact_but_its_e164(
    tenants: MemoryTenants, contacts: MemoryContacts
) -> None:
    match = lookup_caller(contacts, context_of(tenants), "050 765 43 21")
    assert (match.phone, match.contact, match.responsible, match.holders) == ("+380507654321", None, None, 0)


def test_lookup_caller_several_holders_a_person_with_a_manager_before_a_lead(
    tenants: MemoryTenants, contacts: MemoryContacts
) -> None:
    manager = add_employee(tenants, context_of(tenants).tenant, name="Ivan", ext="001")
    context = context_of(tenants)
    holder(contacts, context, "Lead", ContactType.LEAD, responsible=manager.id)
    holder(contacts, context, "Nobody's")
    chosen = holder(contacts, context, "Managed", responsible=manager.id)
    match = lookup_caller(contacts, context, CALLER)
    assert (match.contact.id, match.holders, match.responsible.id) == (chosen, 3, manager.id)


def test_lookup_caller_deactivated_responsible_is_not_routed_to(
    tenants: MemoryTenants, contacts: MemoryContacts
) -> None:
    manager = add_employee(tenants, context_of(tenants).tenant, name="Gone", ext="002")
    known = holder(contacts, context_of(tenants), "Known", responsible=manager.id)
    deactivate_employee(tenants, manager)
    match = lookup_caller(contacts, context_of(tenants), CALLER)
    assert match.contact.id == known and match.responsible is None


def test_lookup_caller_hidden_number_is_invalid_phone(
    tenants: MemoryTenants, contacts: MemoryContacts
) -> None:
    with pytest.raises(InvalidPhone):
        lookup_caller(contacts, context_of(tenants), "anonymous")
