"""The team as the people on the phones look at it: each employee, whether they are at their phone
(away/back, as the PBX's presence events last said) and who is on a call now (the PBX's live calls).

The live calls come through the PBX port (hub.ports.vendors.VendorAccounts -> PbxClient), as
click-to-call's do: this module knows no vendor. They are a view of the moment, so a PBX that is
not connected, or does not answer now, is a state of the team, not an error: the employees and
their presence are the hub's own and are shown whatever the PBX says.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aws_lambda_powertools import Logger

from hub.domain.tenants import TenantContext, TenantService
from hub.errors import CredentialsMissing, HubError
from hub.models.call import Direction, LegEvent
from hub.models.tenant import Employee
from hub.ports import PhoneIndex
from hub.ports.vendors import VendorAccounts

logger = Logger()
SHOWN_PRESENCE = ("away", "back")
MAX_NAME_LOOKUPS = 50  # one key read per number: a team's live calls, never a tenant's book
# The Ukrainian and Russian letters Unicode puts after я, where their alphabets have them (ґ after г,
# є and ё after е, і and ї after и): a team sorted by name reads as a person expects.
_ALPHABET = str.maketrans({"ґ": "г\uffff", "є": "е\uffff", "ё": "е\ufffe", "і": "и\ufffe", "ї": "и\uffff"})


class PbxState(StrEnum):
    """What the team view knows of the live calls: read now, no PBX credentials stored, or the PBX
    did not answer (failed, timed out, refused the hub's key) this time."""

    CONNECTED = "connected"
    NOT_CONNECTED = "not_connected"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class LiveCall:
    """One call in progress as one of its employees sees it. `number`: the other party's, E.164 when
    it parsed, else as the PBX gave it (None: hidden); `name`: our contact's holding that number,
    else the name the PBX had; `colleague`: the other employee of an internal call."""

    uuid: str
    direction: Direction | None
    answered: bool
    since: int | None  # ms: talking since, else ringing since
    number: str | None = None
    name: str | None = None
    contact_id: str | None = None
    colleague: Employee | None = None
    ext: str | None = None  # the extension the PBX named for this side of the call


@dataclass(frozen=True)
class TeamMember:
    employee: Employee
    presence: str | None  # away | back; None: the PBX never said (or the employee is inactive)
    calls: tuple[LiveCall, ...] = ()


@dataclass(frozen=True)
class TeamView:
    members: list[TeamMember]  # active first, then by name
    pbx: PbxState
    other_calls: list[LiveCall]  # live calls on no extension of an employee of the hub

    @property
    def on_call(self) -> int:
        return sum(1 for member in self.members if member.calls)


class Team:
    """`tenants` gives the presence the hub stored, `accounts` the tenant's PBX, `phones` whose a
    number is (the lookup's own index: one key read)."""

    def __init__(self, tenants: TenantService, accounts: VendorAccounts, phones: PhoneIndex) -> None:
        self.tenants = tenants
        self.accounts = accounts
        self.phones = phones

    def view(self, context: TenantContext) -> TeamView:
        employees = sorted(
            context.employees.values(), key=lambda e: (not e.active, name_key(e.name), e.ext or "")
        )
        presence = {
            ext: str(record.get("status"))
            for ext, record in self.tenants.presence(context, employees).items()
            if record.get("status") in SHOWN_PRESENCE
        }
        legs, state = self.live_legs(context)
        by_ext: dict[str, Employee] = {}
        for employee in employees:  # active first: an extension reused by a deactivated one is theirs
            ext = (employee.ext or "").strip()
            if ext:
                by_ext.setdefault(ext, employee)
        names = self.contact_names(context, legs)
        calls: dict[str, list[LiveCall]] = {}
        other: list[LiveCall] = []
        for leg in legs:
            first, second = by_ext.get(_ext(leg.employee_ext)), by_ext.get(_ext(leg.employee2_ext))
            if first is None and second is None:
                other.append(live_call(leg, names, None, _ext(leg.employee_ext) or None))
            for me, colleague, ext in ((first, second, leg.employee_ext), (second, first, leg.employee2_ext)):
                if me is not None:
                    calls.setdefault(me.id, []).append(live_call(leg, names, colleague, _ext(ext)))
        members = [
            TeamMember(
                employee=employee,
                presence=presence.get(employee.ext or "") if employee.active else None,
                calls=tuple(calls.get(employee.id, ())),
            )
            for employee in employees
        ]
        return TeamView(members=members, pbx=state, other_calls=other)

    def live_legs(self, context: TenantContext) -> tuple[list[LegEvent], PbxState]:
        """The PBX's calls in progress, or why there are none to show."""
        try:
            return self.accounts.pbx(context.slug).active_calls(), PbxState.CONNECTED
        except CredentialsMissing:
            return [], PbxState.NOT_CONNECTED
        except HubError as exc:  # unavailable, timed out, refused our key, an answer that did not read
            logger.warning("live calls not read for the team page", extra={"code": exc.code})
            return [], PbxState.UNAVAILABLE

    def contact_names(self, context: TenantContext, legs: list[LegEvent]) -> dict[str, tuple[str, str]]:
        """Our contacts' (id, name) by the numbers on the line: one key read per number."""
        numbers = list(dict.fromkeys(leg.other_number for leg in legs if _is_e164(leg.other_number)))
        found: dict[str, tuple[str, str]] = {}
        for number in numbers[:MAX_NAME_LOOKUPS]:
            entries = self.phones.phone_entries(context.slug, number)
            if entries:
                found[number] = (entries[0].id, entries[0].name)
        return found


def live_call(
    leg: LegEvent, names: dict[str, tuple[str, str]], colleague: Employee | None, ext: str | None
) -> LiveCall:
    number = leg.other_number or leg.other_number_raw or None
    contact_id, name = names.get(leg.other_number or "", (None, leg.other_name))
    answered = leg.event == "bridge" or leg.bridge_at is not None
    return LiveCall(
        uuid=leg.uuid,
        direction=leg.direction,
        answered=answered,
        since=(leg.bridge_at or leg.dial_at) if answered else leg.dial_at,
        number=None if colleague else number,
        # the PBX names an unknown party by its number: that is no name
        name=None if colleague or name in (None, "", number, leg.other_number_raw) else name,
        contact_id=None if colleague else contact_id,
        colleague=colleague,
        ext=ext,
    )


def name_key(name: str) -> str:
    """A name as the alphabet sorts it (Ukrainian and Russian letters in their places)."""
    return name.casefold().translate(_ALPHABET)


def _ext(raw: str | None) -> str:
    return (raw or "").strip()


def _is_e164(number: str | None) -> bool:
    return bool(number) and (number or "").startswith("+")
