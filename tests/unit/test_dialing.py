"""Click-to-call and live calls (hub.domain.dialing) against in-memory ports: who may dial, which number
is sent, and what reaches the PBX (nothing, when the request is refused)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from hub.domain.dialing import CallTarget, Dialing
from hub.domain.tenants import TenantContext
from hub.errors import (
    BadRequest,
    Conflict,
    CredentialsMissing,
    InvalidPhone,
    NotFound,
    VendorRejected,
    VendorUnavailable,
)
from hub.models.call import LegEvent
from hub.models.contact import Contact, ContactPhone
from hub.models.tenant import Employee, Tenant
from tests.unit.memory import MemoryContacts


@dataclass
class RecordingPbx:
    """A PbxClient that records what it was asked; `fail` is raised by make_call."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    hung_up: list[str] = field(default_factory=list)
    fail: Exception | None = None

    def make_call(self, ext: str, number: str) -> str:
        if self.fail:
            raise self.fail
        self.calls.append((ext, number))
        return f"call-{len(self.calls)}"

    def hangup(self, uuid: str) -> None:
        self.hung_up.append(uuid)

    def active_calls(self) -> list[LegEvent]:
        return [LegEvent(event="dial", uuid=f"call-{n}") for n in range(1, len(self.calls) + 1)]


class Accounts:
    def __init__(self, pbx: RecordingPbx | None) -> None:
        self._pbx = pbx

    def pbx(self, tenant: str) -> Any:
        if self._pbx is None:
            raise CredentialsMissing("no phonet credentials", details={"vendor": "phonet"})
        return self._pbx


ANNA = Employee(id="e-anna", tenant="acme", name="Anna", ext="007")
GONE = Employee(id="e-gone", tenant="acme", name="Gone", ext="008", active=False)
NOEXT = Employee(id="e-noext", tenant="acme", name="No ext")


@pytest.fixture
def context() -> TenantContext:
    tenant = Tenant(slug="acme", name="Acme", default_country="UA")
    return TenantContext(tenant=tenant, employees={e.id: e for e in (ANNA, GONE, NOEXT)})


@pytest.fixture
def contacts() -> MemoryContacts:
    repo = MemoryContacts()
    phones = [
        ContactPhone(e164="+380442246595", raw="044 224 65 95"),
        ContactPhone(e164="+380505826633", raw="x"),
    ]
    repo.contacts[("acme", "c1")] = Contact(id="c1", tenant="acme", name="Ivan", phones=phones)
    repo.contacts[("acme", "c0")] = Contact(id="c0", tenant="acme", name="No phone")
    return repo


def test_dialing_contact_first_phone_is_sent_as_e164_from_the_employees_ext(context, contacts) -> None:
    pbx = RecordingPbx()
    placed = Dialing(Accounts(pbx), contacts).place_call(context, "e-anna", CallTarget(contact_id="c1"))
    assert (placed.uuid, placed.ext, placed.number) == ("call-1", "007", "+380442246595")
    assert pbx.calls == [("007", "+380442246595")]


def test_dialing_chosen_phone_of_the_contact_in_any_local_form(context, contacts) -> None:
    pbx = RecordingPbx()
    Dialing(Accounts(pbx), contacts).place_call(
        context, "e-anna", CallTarget(contact_id="c1", phone="050 582 66 33")
    )
    assert pbx.calls == [("007", "+380505826633")]


def test_dialing_raw_number_is_read_in_the_tenants_country(context, contacts) -> None:
    pbx = RecordingPbx()
    Dialing(Accounts(pbx), contacts).place_call(context, "e-anna", CallTarget(number="(067) 123-45-67"))
    assert pbx.calls == [("007", "+380671234567")]


@pytest.mark.parametrize(
    ("employee_id", "target", "error", "code"),
    [
        ("nobody", CallTarget(number="0671234567"), NotFound, "employee_not_found"),
        ("e-gone", CallTarget(number="0671234567"), Conflict, "employee_inactive"),
        ("e-noext", CallTarget(number="0671234567"), Conflict, "employee_without_ext"),
        ("e-anna", CallTarget(), BadRequest, "call_target_required"),
        ("e-anna", CallTarget(contact_id="c1", number="0671234567"), BadRequest, "call_target_required"),
        ("e-anna", CallTarget(number="12"), InvalidPhone, "invalid_phone"),
        ("e-anna", CallTarget(contact_id="nope"), NotFound, "contact_not_found"),
        ("e-anna", CallTarget(contact_id="c0"), BadRequest, "contact_without_phone"),
        ("e-anna", CallTarget(contact_id="c1", phone="0671234567"), BadRequest, "phone_not_on_contact"),
    ],
)
def test_dialing_refused_request_never_reaches_the_pbx(
    context, contacts, employee_id, target, error, code
) -> None:
    pbx = RecordingPbx()
    with pytest.raises(error) as raised:
        Dialing(Accounts(pbx), contacts).place_call(context, employee_id, target)
    assert raised.value.code == code
    assert pbx.calls == []


def test_dialing_without_phonet_credentials_is_credentials_missing(context, contacts) -> None:
    with pytest.raises(CredentialsMissing):
        Dialing(Accounts(None), contacts).place_call(context, "e-anna", CallTarget(contact_id="c1"))


def test_dialing_pbx_silent_after_sending_is_not_retryable(context, contacts) -> None:
    """A read timeout on makeCall: the PBX may have placed it, so a retry could ring the customer twice."""
    timeout = VendorUnavailable("phonet makeCall: timed out", details={"maybe_done": True})
    with pytest.raises(VendorRejected) as raised:
        Dialing(Accounts(RecordingPbx(fail=timeout)), contacts).place_call(
            context, "e-anna", CallTarget(contact_id="c1")
        )
    assert raised.value.code == "call_outcome_unknown" and raised.value.retryable is False


def test_dialing_pbx_unreachable_before_sending_stays_retryable(context, contacts) -> None:
    refused = VendorUnavailable("phonet makeCall: did not connect", details={"maybe_done": False})
    with pytest.raises(VendorUnavailable) as raised:
        Dialing(Accounts(RecordingPbx(fail=refused)), contacts).place_call(
            context, "e-anna", CallTarget(number="0671234567")
        )
    assert raised.value.retryable is True


def test_dialing_active_calls_and_hang_up_go_to_the_tenants_pbx(context, contacts) -> None:
    pbx = RecordingPbx()
    dialing = Dialing(Accounts(pbx), contacts)
    uuid = dialing.place_call(context, "e-anna", CallTarget(contact_id="c1")).uuid
    assert [leg.uuid for leg in dialing.active_calls(context)] == [uuid]
    dialing.hang_up(context, uuid)
    assert pbx.hung_up == [uuid]
