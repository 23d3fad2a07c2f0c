"""The call record depends on which events arrived, never on their order or repetition."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from hub.domain.calls import add_leg_event, apply_answered, apply_missed
from hub.models.call import Call, Callback, CallState, CallStatus, Direction
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.translate import leg_event

BASE: dict[str, Any] = {
    "accountDomain": "qwerty.phonet.com.ua",
    "uuid": "c1",
    "parentUuid": None,
    "dialAt": 1431686100,
    "bridgeAt": None,
    "serverTime": 1431686100123,
    "lgDirection": 4,
    "leg": {"id": 36, "ext": "001", "displayName": "Иван Иванов"},
    "leg2": None,
    "otherLegs": [{"id": 1, "name": "Анастасия", "num": "0505826633", "priority": 1}],
    "trunkNum": "+380442246595",
    "trunkName": "www.phonet.com.ua",
}
DIAL = {**BASE, "event": "call.dial"}
BRIDGE = {**BASE, "event": "call.bridge", "bridgeAt": 1431686105, "serverTime": 1431686105000}
HANGUP = {**BASE, "event": "call.hangup", "bridgeAt": 1431686105, "serverTime": 1431686160000}


def merged(*bodies: dict[str, Any], split: bool = False, country: str = "UA") -> Call:
    call: Call | None = None
    for body in bodies:
        snapshot = leg_event(CallEvent.model_validate(body), country, split_recording=split)
        call = call or Call(tenant="acme", uuid=snapshot.parent_uuid or snapshot.uuid)
        call = add_leg_event(call, snapshot)
    assert call is not None
    return call


def test_merge_all_six_orders_give_the_same_record() -> None:
    records = {merged(*order).model_dump_json() for order in itertools.permutations([DIAL, BRIDGE, HANGUP])}
    assert len(records) == 1
    call = merged(DIAL, BRIDGE, HANGUP)
    assert (call.state, call.status, call.direction) == (
        CallState.ENDED,
        CallStatus.ANSWERED,
        Direction.INBOUND,
    )
    assert (call.dial_at, call.bridge_at, call.ended_at) == (1431686100000, 1431686105000, 1431686160000)
    assert call.talk_seconds == 55
    assert (call.employee_ext, call.employee_name) == ("001", "Иван Иванов")
    assert (call.other_number, call.other_number_raw, call.other_name) == (
        "+380505826633",
        "0505826633",
        "Анастасия",
    )
    assert call.trunk_num == "+380442246595" and call.account_domain == "qwerty.phonet.com.ua"
    assert call.recordings == ["https://qwerty.phonet.com.ua/rest/public/calls/c1/audio"]


def test_merge_each_event_three_times_in_any_order_changes_nothing() -> None:
    once = merged(DIAL, BRIDGE, HANGUP)
    for order in itertools.permutations(
        [DIAL, DIAL, DIAL, BRIDGE, BRIDGE, BRIDGE, HANGUP, HANGUP, HANGUP], 9
    ):
        assert merged(*order) == once
        break  # the full 9! is slow; one interleaving here, shuffled ones below
    assert merged(HANGUP, DIAL, HANGUP, BRIDGE, DIAL, BRIDGE, HANGUP, BRIDGE, DIAL) == once


def test_merge_state_moves_forward_only() -> None:
    assert merged(DIAL).state == CallState.RINGING
    assert merged(DIAL, BRIDGE).state == CallState.ANSWERED
    assert merged(HANGUP, DIAL).state == CallState.ENDED


def test_merge_hangup_alone_is_an_ended_call() -> None:
    missed = {**HANGUP, "bridgeAt": None}
    call = merged(missed)
    assert (call.state, call.status) == (CallState.ENDED, CallStatus.MISSED)
    assert call.recordings == [] and call.dial_at == 1431686100000
    assert merged(HANGUP).status == CallStatus.ANSWERED  # its bridgeAt says somebody talked


def test_merge_inbound_without_bridge_is_missed_outbound_is_no_answer() -> None:
    assert merged(DIAL, {**HANGUP, "bridgeAt": None}).status == CallStatus.MISSED
    outbound = [{**body, "lgDirection": 2, "bridgeAt": None} for body in (DIAL, HANGUP)]
    assert merged(*outbound).status == CallStatus.NO_ANSWER


def test_merge_timestamps_in_seconds_and_milliseconds_agree() -> None:
    in_ms = [
        {**b, "dialAt": 1431686100000, "bridgeAt": b["bridgeAt"] and b["bridgeAt"] * 1000}
        for b in (DIAL, BRIDGE, HANGUP)
    ]
    as_text = [
        {**b, "dialAt": "1431686100", "serverTime": str(b["serverTime"])} for b in (DIAL, BRIDGE, HANGUP)
    ]
    assert merged(*in_ms) == merged(DIAL, BRIDGE, HANGUP) == merged(*as_text)


def test_merge_split_recording_adds_rx_and_tx() -> None:
    assert merged(DIAL, BRIDGE, HANGUP, split=True).recordings == [
        "https://qwerty.phonet.com.ua/rest/public/calls/c1/audio",
        "https://qwerty.phonet.com.ua/rest/public/calls/c1-rx/audio",
        "https://qwerty.phonet.com.ua/rest/public/calls/c1-tx/audio",
    ]


def test_merge_department_legs_are_one_conversation_answered_by_one_employee() -> None:
    parent = {**BASE, "uuid": "p1", "leg": {"id": 5, "ext": None, "displayName": "Sales", "type": 2}}
    leg_a = {**BASE, "uuid": "a1", "parentUuid": "p1", "leg": {"id": 36, "ext": "001", "displayName": "Ivan"}}
    leg_b = {
        **BASE,
        "uuid": "b1",
        "parentUuid": "p1",
        "leg": {"id": 37, "ext": "002", "displayName": "Olena"},
    }
    events = [
        {**parent, "event": "call.dial"},
        {**leg_a, "event": "call.dial"},
        {**leg_b, "event": "call.dial"},
        {**leg_a, "event": "call.hangup", "serverTime": 1431686110000},
        {**leg_b, "event": "call.bridge", "bridgeAt": 1431686108, "serverTime": 1431686108000},
        {**leg_b, "event": "call.hangup", "bridgeAt": 1431686108, "serverTime": 1431686170000},
        {**parent, "event": "call.hangup", "bridgeAt": 1431686108, "serverTime": 1431686170500},
    ]
    call = merged(*events)
    assert call.uuid == "p1" and set(call.legs) == {"p1", "a1", "b1"}
    assert (call.status, call.employee_ext, call.answered_leg) == (CallStatus.ANSWERED, "002", "b1")
    assert call.recordings == ["https://qwerty.phonet.com.ua/rest/public/calls/b1/audio"]
    assert merged(*reversed(events)) == call


def test_merge_department_call_nobody_answered_is_missed_once_every_leg_hung_up() -> None:
    leg_a = {**BASE, "uuid": "a1", "parentUuid": "p1"}
    leg_b = {**BASE, "uuid": "b1", "parentUuid": "p1", "leg": {"ext": "002"}}
    partial = merged(
        {**leg_a, "event": "call.dial"}, {**leg_b, "event": "call.dial"}, {**leg_a, "event": "call.hangup"}
    )
    assert partial.state == CallState.RINGING
    done = merged({**leg_a, "event": "call.hangup"}, {**leg_b, "event": "call.hangup"})
    assert done.status == CallStatus.MISSED


def test_merge_internal_call_has_no_customer() -> None:
    internal = [
        {**b, "lgDirection": 1, "leg2": {"ext": "002"}, "trunkNum": None} for b in (DIAL, BRIDGE, HANGUP)
    ]
    call = merged(*internal)
    assert call.direction == Direction.INTERNAL and call.other_number is None and call.employee2_ext == "002"


@pytest.mark.parametrize(
    "body",
    [
        {**DIAL, "uuid": ""},
        {**DIAL, "uuid": "../x"},
        {**DIAL, "event": "call.transfer"},
        {**DIAL, "lgDirection": 3},
        {**DIAL, "dialAt": "yesterday"},
        {**DIAL, "serverTime": -5},
        {key: value for key, value in DIAL.items() if key != "uuid"},
    ],
)
def test_call_event_invalid_payloads_are_rejected(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CallEvent.model_validate(body)


def test_callback_missed_counts_and_answered_later_closes() -> None:
    def call(uuid: str, dial: int, bridge: int | None = None) -> Call:
        return Call(tenant="t", uuid=uuid, dial_at=dial, bridge_at=bridge, employee_ext="002")

    empty = Callback(tenant="t", phone="+380505826633")
    first = apply_missed(empty, call("m1", 1000))
    assert first and (first.open, first.count, first.first_missed_at) == (True, 1, 1000)
    second = apply_missed(first, call("m2", 2000))
    assert second and (second.count, second.last_missed_at, second.missed_calls) == (2, 2000, ["m1", "m2"])
    assert apply_missed(second, call("m2", 2000)) is None  # the same miss twice counts once
    still_open, closed = apply_answered(second, call("a0", 500, bridge=1500))  # answered before the last miss
    assert closed is None and still_open.open
    after, closed = apply_answered(second, call("a1", 2500, bridge=2600))
    assert closed and (closed.closed_by_call, closed.closed_by_employee_ext, closed.count) == ("a1", "002", 2)
    assert (after.open, after.count, after.last_answered_at) == (False, 0, 2600)
    assert apply_missed(after, call("late", 2400)) is None  # a late-delivered miss already returned
