"""The call log's use cases on in-memory ports: Phonet's events, translated into the hub's records,
merge into one call whatever their order or repetition, and each consequence (a callback, a lead, a
presence change) happens once."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hub.domain.calls import CallService
from hub.domain.deliveries import RawDelivery
from hub.domain.tenants import TenantContext
from hub.models.call import Call, CallState, CallStatus, Direction
from hub.models.contact import ContactType, PhoneEntry
from hub.models.tenant import Employee, Tenant, TenantSettings
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.translate import call_event_record
from tests.unit.memory_calls import LeadRequests, MemoryCalls, MemoryDeliveries, MemoryPhones

CALLER = "+380505826633"
# A department call: the conversation `conv1` rings two employees' legs; the second one answers.
LEG: dict[str, Any] = {
    "accountDomain": "qwerty.phonet.com.ua",
    "parentUuid": "conv1",
    "dialAt": 1431686100,
    "lgDirection": 4,
    "otherLegs": [{"id": 1, "name": "Анастасия", "num": "0505826633", "priority": 1}],
    "trunkNum": "+380442246595",
    "trunkName": "www.phonet.com.ua",
}
FIRST = {**LEG, "uuid": "legA", "leg": {"id": 36, "ext": "001", "displayName": "Иван"}}
SECOND = {**LEG, "uuid": "legB", "leg": {"id": 37, "ext": "002", "displayName": "Петро"}}
EVENTS = [
    {**FIRST, "event": "call.dial", "serverTime": 1431686100100},
    {**SECOND, "event": "call.dial", "serverTime": 1431686100200},
    {**SECOND, "event": "call.bridge", "bridgeAt": 1431686105, "serverTime": 1431686105000},
    {**FIRST, "event": "call.hangup", "serverTime": 1431686105100},
    {**SECOND, "event": "call.hangup", "bridgeAt": 1431686105, "serverTime": 1431686160000},
]
MISSED = [
    {**FIRST, "parentUuid": None, "uuid": "miss1", "event": "call.dial", "serverTime": 1431687000000},
    {**FIRST, "parentUuid": None, "uuid": "miss1", "event": "call.hangup", "serverTime": 1431687030000},
]


def context(**settings: Any) -> TenantContext:
    tenant = Tenant(slug="acme", name="Acme", settings=TenantSettings(**settings))
    employees = [
        Employee(id="emp1", tenant="acme", name="Іван", ext="001"),
        Employee(id="emp2", tenant="acme", name="Петро", ext="002"),
    ]
    return TenantContext(tenant=tenant, employees={e.id: e for e in employees})


class Hub:
    """A CallService on in-memory ports, fed as the events handler feeds it."""

    def __init__(self, phones: MemoryPhones | None = None) -> None:
        self.calls = MemoryCalls()
        self.leads = LeadRequests()
        self.deliveries = MemoryDeliveries()
        self.service = CallService(self.calls, phones or MemoryPhones(), self.leads, self.deliveries)

    def deliver(self, context: TenantContext, *bodies: dict[str, Any]) -> Call | None:
        call = None
        for body in bodies:
            event = CallEvent.model_validate(body)
            delivery = RawDelivery("phonet", event.parent_uuid or event.uuid, json.dumps(body))
            call = self.service.record_pbx_event(context, call_event_record(event, context.tenant), delivery)
        return call


def fields(call: Call | None) -> dict[str, Any]:
    """What a call says, without the bookkeeping of when and how often it was written."""
    assert call is not None
    return call.model_dump(exclude={"version", "created_at", "updated_at"})


def test_call_service_dial_bridge_hangup_gives_the_answered_call_record() -> None:
    hub = Hub()
    call = hub.deliver(context(phonet_split_recording=True), *EVENTS)
    assert call is not None and hub.calls.get_call("acme", "conv1") == call
    assert (call.direction, call.state, call.status) == (
        Direction.INBOUND,
        CallState.ENDED,
        CallStatus.ANSWERED,
    )
    assert (call.dial_at, call.bridge_at, call.ended_at, call.talk_seconds) == (
        1431686100000,
        1431686105000,
        1431686160000,
        55,
    )
    assert (call.answered_leg, call.employee_ext, call.employee_id) == ("legB", "002", "emp2")
    assert (call.other_number, call.other_name, call.trunk_num) == (CALLER, "Анастасия", "+380442246595")
    base = "https://qwerty.phonet.com.ua/rest/public/calls/legB"
    assert call.recordings == [f"{base}/audio", f"{base}-rx/audio", f"{base}-tx/audio"]
    assert set(call.legs) == {"legA", "legB"} and set(call.legs["legB"]) == {"dial", "bridge", "hangup"}
    assert [(kind, ref) for _, kind, ref, _ in hub.deliveries.bodies] == [("phonet", "conv1")] * 5


def test_call_service_recordings_only_once_the_call_ended() -> None:
    hub = Hub()
    call = hub.deliver(context(), *EVENTS[:3])
    assert call is not None and call.state == CallState.ANSWERED and call.recordings == []


def test_call_service_events_repeated_and_reordered_give_the_same_record() -> None:
    expected = fields(Hub().deliver(context(), *EVENTS))
    # Every order in which the answering leg is known before the other leg hangs up: a conversation
    # known only by its legs ends when each leg it knows hung up, so before that it looks missed.
    orders = [o for o in itertools.permutations(EVENTS) if o.index(EVENTS[1]) < o.index(EVENTS[3])]
    assert len(orders) == 60
    for order in orders:
        hub = Hub()
        hub.deliver(context(), *order, *reversed(order))
        assert fields(hub.calls.get_call("acme", "conv1")) == expected


def test_call_service_repeated_events_write_nothing_more() -> None:
    hub = Hub()
    hub.deliver(context(), *EVENTS)
    saves = hub.calls.saves
    hub.deliver(context(), *EVENTS)
    assert hub.calls.saves == saves


def test_call_service_missed_inbound_call_opens_one_callback_counted_once() -> None:
    hub = Hub()
    call = hub.deliver(context(), *MISSED, *MISSED)
    assert call is not None and call.status == CallStatus.MISSED
    callback = hub.calls.get_callback("acme", CALLER)
    assert callback is not None and callback.open and callback.count == 1
    assert callback.missed_calls == ["miss1"]
    hub.deliver(context(), *[{**body, "uuid": "miss2"} for body in MISSED])
    assert hub.calls.get_callback("acme", CALLER).count == 2  # type: ignore[union-attr]


def test_call_service_answered_call_after_a_miss_closes_its_callback() -> None:
    hub = Hub()
    hub.deliver(context(), *MISSED)
    later = [
        {**body, "parentUuid": "conv2", "serverTime": body["serverTime"] + 10_000_000} for body in EVENTS
    ]
    hub.deliver(context(), *later)
    callback = hub.calls.get_callback("acme", CALLER)
    assert callback is not None and not callback.open
    assert [closed.closed_by_call for closed in hub.calls.closed_callbacks] == ["conv2"]


def test_call_service_unknown_caller_requests_a_lead_once() -> None:
    hub = Hub()
    hub.deliver(context(), *EVENTS, *EVENTS)
    assert [(lead.call_uuid, lead.phone, lead.source) for lead in hub.leads.sent] == [
        ("conv1", CALLER, "www.phonet.com.ua")
    ]
    assert hub.calls.get_call("acme", "conv1").lead_pending  # type: ignore[union-attr]


def test_call_service_known_caller_is_linked_and_makes_no_lead() -> None:
    entry = PhoneEntry(id="c1", type=ContactType.CONTACT, name="Анастасія")
    hub = Hub(MemoryPhones({("acme", CALLER): [entry]}))
    call = hub.deliver(context(), *EVENTS)
    assert call is not None and call.contact_ids == ["c1"] and not call.lead_pending
    assert hub.leads.sent == [] and hub.calls.timeline == [("c1", "conv1")]


def test_call_service_lead_not_wanted_for_inbound_makes_none() -> None:
    hub = Hub()
    hub.deliver(context(leads_from_inbound=False), *EVENTS)
    assert hub.leads.sent == []


def test_call_service_pause_and_return_set_presence_and_log_the_delivery() -> None:
    hub = Hub()
    pause = {
        "event": "call.dial",
        "uuid": "p1",
        "lgDirection": 32,
        "leg": {"ext": "001"},
        "serverTime": 1431686100000,
    }
    back = {**pause, "uuid": "p2", "lgDirection": 64, "serverTime": 1431686200000}
    assert hub.deliver(context(), back, pause) is None
    assert hub.calls.presence == {("acme", "001"): ("back", 1431686200000)}  # the older pause came late
    assert hub.calls.calls == {} and [ref for _, _, ref, _ in hub.deliveries.bodies] == ["p2", "p1"]
