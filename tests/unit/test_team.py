"""The team view (hub.domain.team) against in-memory ports: whose call a live leg is (by extension,
an active employee before a deactivated one, both sides of an internal call), whom it is with, and
what the view says when the PBX is not connected or does not answer."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain.team import PbxState, Team, name_key
from hub.domain.tenants import TenantContext, TenantDirectory, TenantService
from hub.errors import CredentialsMissing, VendorAuthExpired, VendorRejected, VendorUnavailable
from hub.models.call import Direction, LegEvent
from hub.models.contact import Contact, ContactPhone
from hub.models.tenant import Employee, Tenant
from tests.unit.memory import MemoryContacts, MemorySecrets, MemoryTenants

TENANT = Tenant(slug="acme", name="Acme", default_country="UA", session_key="k" * 43)
IVAN = Employee(id="e-ivan", tenant="acme", name="Иван", ext="001")
ANNA = Employee(id="e-anna", tenant="acme", name="Анна", ext="007")
GONE = Employee(id="e-gone", tenant="acme", name="Бывший", ext="007", active=False)
CONTEXT = TenantContext(tenant=TENANT, employees={e.id: e for e in (IVAN, ANNA, GONE)})


class Pbx:
    def __init__(self, legs: list[LegEvent] | None = None, fail: Exception | None = None) -> None:
        self.legs, self.fail = legs or [], fail

    def active_calls(self) -> list[LegEvent]:
        if self.fail:
            raise self.fail
        return self.legs


class Accounts:
    def __init__(self, pbx: Pbx | None) -> None:
        self._pbx = pbx

    def pbx(self, tenant: str) -> Any:
        if self._pbx is None:
            raise CredentialsMissing("no phonet credentials", details={"vendor": "phonet"})
        return self._pbx


def team(pbx: Pbx | None) -> Team:
    repo = MemoryTenants()
    repo.presence[("acme", "001")] = {"ext": "001", "status": "away", "at": 1}
    contacts = MemoryContacts()
    contacts.create(
        Contact(
            id="c-olga", tenant="acme", name="Ольга", phones=[ContactPhone(e164="+380931234567", raw="x")]
        )
    )
    tenants = TenantService(repo, TenantDirectory(repo), MemorySecrets())
    return Team(tenants, Accounts(pbx), contacts)


def leg(uuid: str, ext: str | None, **fields: Any) -> LegEvent:
    return LegEvent(event=fields.pop("event", "dial"), uuid=uuid, employee_ext=ext, dial_at=1_000, **fields)


def test_team_view_matches_live_calls_by_extension_with_the_contact_and_the_colleague() -> None:
    legs = [
        leg(
            "talk",
            "007",
            event="bridge",
            bridge_at=5_000,
            direction=Direction.INBOUND,
            other_number="+380931234567",
            other_name="+380931234567",
        ),
        leg("internal", "001", employee2_ext="007", direction=Direction.INTERNAL),
        leg("night", "050", other_number="+380441112233", other_name="+380441112233"),
        leg("ivr", None, other_number_raw="anonymous"),
    ]
    view = team(Pbx(legs)).view(CONTEXT)

    assert view.pbx is PbxState.CONNECTED and view.on_call == 2
    assert [m.employee.id for m in view.members] == ["e-anna", "e-ivan", "e-gone"]  # active first
    anna, ivan, gone = view.members
    talk, internal = anna.calls
    assert (talk.answered, talk.since, talk.name, talk.contact_id) == (True, 5_000, "Ольга", "c-olga")
    assert internal.colleague == IVAN and internal.number is None and not internal.answered
    assert [c.uuid for c in ivan.calls] == ["internal"] and ivan.calls[0].colleague == ANNA
    assert gone.calls == () and gone.presence is None  # the line is Anna's now
    assert ivan.presence == "away" and anna.presence is None
    night, ivr = view.other_calls
    assert (night.ext, night.number, night.name) == ("050", "+380441112233", None)  # a number is no name
    assert (ivr.ext, ivr.number) == (None, "anonymous")


@pytest.mark.parametrize(
    ("pbx", "state"),
    [
        (None, PbxState.NOT_CONNECTED),
        (Pbx(fail=VendorUnavailable("timed out")), PbxState.UNAVAILABLE),
        (Pbx(fail=VendorRejected("400")), PbxState.UNAVAILABLE),
        (Pbx(fail=VendorAuthExpired("403 twice")), PbxState.UNAVAILABLE),
    ],
)
def test_team_view_without_the_pbx_keeps_the_team_and_its_presence(pbx: Pbx | None, state: PbxState) -> None:
    view = team(pbx).view(CONTEXT)
    assert view.pbx is state and view.on_call == 0 and view.other_calls == []
    assert len(view.members) == 3 and view.members[1].presence == "away"


def test_team_name_key_sorts_ukrainian_and_russian_letters_in_their_alphabets() -> None:
    names = ["Олена", "Іван", "Ярема", "Їжак", "Ґанна", "Гліб", "Ёлкин", "Єва", "Евгений", "Йосип", "Игорь"]
    expected = [
        "Гліб",
        "Ґанна",
        "Евгений",
        "Ёлкин",
        "Єва",
        "Игорь",
        "Іван",
        "Їжак",
        "Йосип",
        "Олена",
        "Ярема",
    ]
    assert sorted(names, key=name_key) == expected
