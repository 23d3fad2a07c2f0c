"""Phonet's payloads in the hub's terms: a call event becomes a leg snapshot or a presence change, a
UTM batch becomes checked attribution items. Phonet's codes and link formats end here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from hub.domain.attribution import UtmItem
from hub.errors import HubError, validation_summary
from hub.models.call import ATTRIBUTION_KEYS, Direction, LegEvent, PresenceChange
from hub.models.tenant import Tenant, Vendor
from hub.phones import e164_or_none, normalize_phone
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.models.utm_labels import UtmLabel

# `lgDirection` (§A2): a call's direction, or an employee's pause (32) and return (64).
DIRECTIONS = {1: Direction.INTERNAL, 2: Direction.OUTBOUND, 4: Direction.INBOUND}
PRESENCE = {32: "away", 64: "back"}
# The code back from the direction: the REST API has always shown each event's `direction_code`.
DIRECTION_CODES = {direction: code for code, direction in DIRECTIONS.items()}


# -- call events (§A2) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadCallEvent:
    """A §A2 event read at the edge: the hub's record of it, the conversation it belongs to (the
    parent call's uuid, else its own: what its raw delivery is kept under) and its name, for the log."""

    record: LegEvent | PresenceChange
    conversation: str
    name: str


def read_call_event(payload: Any, tenant: Tenant) -> ReadCallEvent:
    """A parsed §A2 body in the hub's terms; one that does not read raises pydantic's ValidationError,
    which every edge answers as invalid input."""
    event = CallEvent.model_validate(payload)
    return ReadCallEvent(
        record=call_event_record(event, tenant),
        conversation=event.parent_uuid or event.uuid,
        name=event.event,
    )


def call_event_record(event: CallEvent, tenant: Tenant) -> LegEvent | PresenceChange:
    """What one §A2 event means to the hub: a pause/unpause is a presence change, any other a leg's
    snapshot, its numbers read with the tenant's country and its recording links as set up."""
    if event.lg_direction in PRESENCE:
        ext = event.leg.ext if event.leg else None
        return PresenceChange(ext=ext or None, status=PRESENCE[event.lg_direction], at=event.server_time)
    return leg_event(
        event,
        tenant.default_country,
        tenant.phone_fallbacks(Vendor.PHONET),
        split_recording=tenant.settings.phonet_split_recording,
    )


def leg_event(
    event: CallEvent, default_country: str, fallbacks: Sequence[str] = (), split_recording: bool = False
) -> LegEvent:
    """The snapshot one PBX event gives of one leg: E.164 number (the raw one kept beside it, alone when
    it is hidden or odd), ms timestamps, flat fields, the leg's recording links."""
    listed_num, other_name = other_party(event.other_legs or [])
    other_raw = event.other_leg_num or listed_num
    return LegEvent(
        event=event.event.removeprefix("call."),
        uuid=event.uuid,
        parent_uuid=event.parent_uuid,
        direction=DIRECTIONS.get(event.lg_direction),
        dial_at=event.dial_at,
        bridge_at=event.bridge_at,
        server_time=event.server_time,
        employee_ext=event.leg.ext if event.leg else None,
        employee_name=event.leg.display_name if event.leg else None,
        employee_pbx_id=event.leg.id if event.leg else None,
        employee2_ext=event.leg2.ext if event.leg2 else None,
        other_number=e164_or_none(other_raw, default_country, fallbacks),
        other_number_raw=other_raw,
        other_name=other_name,
        trunk_num=e164_or_none(event.trunk_num, default_country, fallbacks) or event.trunk_num,
        trunk_name=event.trunk_name,
        account_domain=event.account_domain,
        recordings=recording_links(event.account_domain, event.uuid, split_recording),
    )


def other_party(others: Sequence[Any]) -> tuple[str | None, str | None]:
    """The client's number and name from `otherLegs` (events and active calls alike): the first leg
    with a number, by `priority` (a leg without one last)."""
    for other in sorted(others, key=lambda o: (o.priority is None, o.priority or 0)):
        if other.num:
            return other.num, other.name or other.company_name
    return None, None


def recording_links(account_domain: str | None, leg_uuid: str, split: bool) -> list[str]:
    """Phonet's recording links for a leg (§A2): the mixed one and, split, each side's. They are
    served only after the talk ended; without the PBX's domain there is no link to give."""
    if not account_domain:
        return []
    base = f"https://{account_domain}/rest/public/calls/{leg_uuid}"
    return [f"{base}/audio"] + ([f"{base}-rx/audio", f"{base}-tx/audio"] if split else [])


# -- UTM batches (§A3) ----------------------------------------------------------------------------


@dataclass
class BatchResult:
    """The items the hub takes, and Phonet's answer for the others (by index, with a reason)."""

    accepted: list[UtmItem] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def check_utm_batch(tenant: Tenant, items: list[Any]) -> BatchResult:
    """Each item on its own: a bad one is reported by index and the others still count."""
    result = BatchResult()
    fallbacks = tenant.phone_fallbacks(Vendor.PHONET)
    for index, raw in enumerate(items):
        try:
            label = UtmLabel.model_validate(raw)
            number = (
                normalize_phone(label.other_leg_num, tenant.default_country, fallbacks)
                if label.other_leg_num
                else None
            )
            if not (label.call_parent_uuid or number):
                raise ValueError("neither callParentUuid nor otherLegNum")
        except ValidationError as exc:
            result.rejected.append({"index": index, "message": validation_summary(exc, limit=1)})
            continue
        except (HubError, ValueError) as exc:
            result.rejected.append({"index": index, "message": str(exc)})
            continue
        result.accepted.append(UtmItem(index, attribution(label), label.call_parent_uuid, number))
    return result


def attribution(label: UtmLabel) -> dict[str, Any]:
    """The labels worth keeping on a call or contact, without the empty ones."""
    return {name: getattr(label, name) for name in ATTRIBUTION_KEYS if getattr(label, name) is not None}
