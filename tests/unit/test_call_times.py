"""Call times when the PBX states none: the arrival is the estimate, marked as such, order-tolerant."""

from __future__ import annotations

import itertools

from hub.domain.calls import add_leg_event
from hub.models.call import Call, CallState, TimeSource
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.translate import leg_event

BASE = {
    "accountDomain": "qwerty.phonet.com.ua",
    "uuid": "c1",
    "dialAt": 1431686100,
    "lgDirection": 4,
    "leg": {"id": 36, "ext": "001", "displayName": "Иван Иванов"},
    "otherLegs": [{"id": 1, "name": "Анастасия", "num": "0505826633"}],
}


def snapshot(event: str, received_at: int, **changes: object):
    parsed = CallEvent.model_validate({**BASE, "event": f"call.{event}", **changes})
    return leg_event(parsed, "UA").model_copy(update={"received_at": received_at})


def merged(*snapshots) -> Call:
    call = Call(tenant="acme", uuid="c1")
    for one in snapshots:
        call = add_leg_event(call, one)
    return call


def test_merge_bridge_and_hangup_without_times_use_arrival_and_say_so() -> None:
    dial = snapshot("dial", 1431686100_500)
    bridge = snapshot("bridge", 1431686108_000)  # neither bridgeAt nor serverTime
    hangup = snapshot("hangup", 1431686168_000)
    records = {merged(*order).model_dump_json() for order in itertools.permutations([dial, bridge, hangup])}
    assert len(records) == 1
    call = merged(dial, bridge, hangup)
    assert call.state == CallState.ENDED
    assert (call.bridge_at, call.bridge_at_source) == (1431686108_000, TimeSource.RECEIVED)
    assert (call.ended_at, call.ended_at_source) == (1431686168_000, TimeSource.RECEIVED)
    assert call.talk_seconds == 60


def test_merge_repeated_hangup_keeps_its_first_arrival_in_any_order() -> None:
    first, later = snapshot("hangup", 1431686168_000), snapshot("hangup", 1431686170_000)
    assert merged(first, later).ended_at == merged(later, first).ended_at == 1431686168_000


def test_merge_server_time_wins_over_arrival() -> None:
    hangup = snapshot("hangup", 1431686199_000, serverTime=1431686160_000, bridgeAt=1431686105)
    call = merged(snapshot("dial", 1431686100_500), hangup)
    assert (call.ended_at, call.ended_at_source, call.talk_seconds) == (1431686160_000, TimeSource.PBX, 55)
