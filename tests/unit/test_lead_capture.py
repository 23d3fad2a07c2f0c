"""Lead capture against in-memory ports: an unknown caller becomes one lead, however often the
worker's message is delivered, and a number that got a contact meanwhile links that one instead."""

from __future__ import annotations

import pytest

from hub.domain.calls import LeadRequest
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.leads import LeadCapture, capture_lead
from hub.domain.tenants import TenantContext
from hub.models.contact import ContactType
from hub.models.tenant import Employee, Tenant
from tests.unit.memory import MemoryContacts

CALLER = "+380501234567"
MANAGER = Employee(id="e1", tenant="acme", name="Ivan", ext="001")
ACME = TenantContext(tenant=Tenant(slug="acme", name="Acme"), employees={MANAGER.id: MANAGER})
REQUEST = LeadRequest(tenant="acme", call_uuid="call-1", phone=CALLER, employee_ext="001", source="Main line")


class CallLinks:
    """The one call operation lead capture uses: the links it asked for, per call."""

    def __init__(self) -> None:
        self.links: dict[str, list[str]] = {}

    def link_contacts(self, context: TenantContext, call_uuid: str, contact_ids: list[str]) -> None:
        self.links.setdefault(call_uuid, [])
        self.links[call_uuid] = list(dict.fromkeys([*self.links[call_uuid], *contact_ids]))


@pytest.fixture
def repo() -> MemoryContacts:
    return MemoryContacts()


def capture(repo: MemoryContacts, calls: CallLinks, request: LeadRequest = REQUEST) -> LeadCapture:
    return capture_lead(ACME, request, ContactService(repo), calls)  # type: ignore[arg-type]


def test_capture_lead_unknown_caller_becomes_one_lead_linked_to_the_call(repo: MemoryContacts) -> None:
    calls = CallLinks()
    captured = capture(repo, calls)
    [lead_id] = captured.linked
    assert captured.made_lead
    lead = repo.get("acme", lead_id)
    assert (lead.type, lead.name, lead.phone_numbers()) == (ContactType.LEAD, CALLER, [CALLER])
    assert (lead.responsible_employee_id, lead.source, lead.created_by) == ("e1", "Main line", "phonet")
    assert calls.links == {"call-1": [lead_id]}


def test_capture_lead_redelivered_message_makes_no_second_lead(repo: MemoryContacts) -> None:
    calls = CallLinks()
    first = capture(repo, calls)
    again = capture(repo, calls)
    other_call = capture(repo, calls, LeadRequest(**{**REQUEST.__dict__, "call_uuid": "call-2"}))
    assert first.linked == again.linked == other_call.linked
    assert (first.made_lead, again.made_lead, other_call.made_lead) == (True, False, False)
    assert len(repo.contacts) == 1
    assert calls.links == {"call-1": first.linked, "call-2": first.linked}


def test_capture_lead_number_that_meanwhile_got_a_contact_links_it_and_makes_no_lead(
    repo: MemoryContacts,
) -> None:
    # given the caller was added by hand between the call and the worker's turn
    known = ContactService(repo).create(
        ACME, ContactInput(name="Known", phones=[PhoneInput(number="0501234567")])
    )
    calls = CallLinks()
    assert capture(repo, calls) == LeadCapture(linked=[known.id], made_lead=False)
    assert len(repo.contacts) == 1 and calls.links == {"call-1": [known.id]}


def test_capture_lead_deleted_lead_calling_again_becomes_a_new_lead(repo: MemoryContacts) -> None:
    service, calls = ContactService(repo), CallLinks()
    [first] = capture(repo, calls).linked
    service.delete(ACME, first)
    again = capture(repo, calls, LeadRequest(**{**REQUEST.__dict__, "call_uuid": "call-2"}))
    [second] = again.linked
    assert again.made_lead and second != first and repo.get("acme", second).type == ContactType.LEAD
    assert len(repo.contacts) == 1


def test_capture_lead_unknown_extension_leaves_the_lead_without_responsible(repo: MemoryContacts) -> None:
    [lead_id] = capture(repo, CallLinks(), LeadRequest(**{**REQUEST.__dict__, "employee_ext": "999"})).linked
    assert repo.get("acme", lead_id).responsible_employee_id is None
