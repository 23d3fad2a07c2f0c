"""Phonet's call history merged with its events on in-memory ports: a row and the webhooks make one
record whatever the order (rows first, last, twice or in between), the history adds what only it
knows, and a call the webhooks missed is logged complete, with its callback and lead, once."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from hub.errors import BadRequest
from hub.models.call import Call, CallState, CallStatus, Direction, Disposition, MergeOutcome, TimeSource
from hub.models.contact import ContactType, PhoneEntry
from hub.ports.vendors import FinishedCall
from hub.vendors.phonet.history import finished_call
from hub.vendors.phonet.rest import FinishedCall as HistoryRow
from tests.unit.memory_calls import MemoryPhones
from tests.unit.test_call_service import CALLER, EVENTS, Hub, context, fields

DOMAIN = "qwerty.phonet.com.ua"
LINE = {"trunkNum": "+380442246595", "trunkName": "www.phonet.com.ua", "accountDomain": DOMAIN}
CUSTOMER = [{"id": 1, "name": "Анастасия", "num": "0505826633", "priority": 1}]
IVAN = {"id": 36, "ext": "001", "displayName": "Иван"}
PETRO = {"id": 37, "ext": "002", "displayName": "Петро"}


def event(name: str, uuid: str, direction: int, server_time: int | None, **more: Any) -> dict[str, Any]:
    body = {"event": f"call.{name}", "uuid": uuid, "lgDirection": direction, "leg": IVAN, **LINE}
    body = {**body, "otherLegs": CUSTOMER, "dialAt": 1431686100, **more}
    return body if server_time is None else {**body, "serverTime": server_time}


def row(uuid: str, direction: int, end_at: int, bill: int, duration: int, disposition: int, **more: Any):
    """A history row as the PBX sends it, translated as the sync translates it."""
    body = {
        "uuid": uuid,
        "endAt": end_at,
        "lgDirection": direction,
        "otherLegNum": "+380505826633",
        "otherLegName": "+380505826633",
        "leg": {**IVAN, "type": 1},
        "billSecs": bill,
        "duration": duration,
        "disposition": disposition,
        "trunk": "i=380442246595;",
        **more,
    }
    return finished_call(HistoryRow.model_validate(body), "UA")


# An inbound call answered by 001: its three events and its history row agree on every time.
ANSWERED = [
    event("dial", "c1", 4, 1431686100000),
    event("bridge", "c1", 4, 1431686105000, bridgeAt=1431686105),
    event("hangup", "c1", 4, 1431686160000, bridgeAt=1431686105),
]
ANSWERED_ROW = row(
    "c1",
    4,
    1431686160000,
    55,
    60,
    0,
    transferHistory="001",
    audioRecUrl="https://pbx.example/rest/public/calls/c1/audio ",
)
MISSED = [event("dial", "m1", 4, 1431687000000), event("hangup", "m1", 4, 1431687030000)]
MISSED_ROW = row("m1", 4, 1431687030000, 0, 30, 1)
OUTBOUND = [
    event("dial", "o1", 2, 1431688000000, otherLegNum="+380505826633"),
    event("hangup", "o1", 2, 1431688020000, otherLegNum="+380505826633"),
]
OUTBOUND_ROW = row("o1", 2, 1431688020000, 0, 20, 4, trunk="o=380442246595;")
# The department call of test_call_service: 001's leg rang and gave up, 002's answered.
DEPARTMENT_ROWS = [
    row("legA", 4, 1431686105100, 0, 5, 1, parentUuid="conv1"),
    row("legB", 4, 1431686160000, 55, 60, 0, parentUuid="conv1", leg={**PETRO, "type": 1}),
]


def play(hub: Hub, items: tuple[dict[str, Any] | FinishedCall, ...], **settings: Any) -> list[MergeOutcome]:
    """Feed events and history rows in this order; the history's outcomes."""
    outcomes = []
    for item in items:
        if isinstance(item, FinishedCall):
            outcomes.append(hub.service.record_finished_call(context(**settings), item))
        else:
            hub.deliver(context(**settings), item)
    return outcomes


def orders(items: list[Any]) -> list[tuple[Any, ...]]:
    return list(itertools.permutations(items))


@pytest.mark.parametrize(
    ("items", "uuid", "leads", "missed"),
    [
        # the history row once among the events, and twice (once between them)
        ([*ANSWERED, ANSWERED_ROW], "c1", 1, 0),
        ([*ANSWERED, ANSWERED_ROW, ANSWERED_ROW], "c1", 1, 0),
        ([*MISSED, MISSED_ROW, MISSED_ROW], "m1", 1, 1),
        ([*OUTBOUND, OUTBOUND_ROW, OUTBOUND_ROW], "o1", 0, 0),  # no leads from outbound calls by default
    ],
    ids=["answered", "answered-row-twice", "missed", "outbound"],
)
def test_record_finished_call_any_order_with_the_events_gives_one_record(
    items: list[Any], uuid: str, leads: int, missed: int
) -> None:
    expected = None
    for order in orders(items):
        hub = Hub()
        play(hub, order)
        assert set(hub.calls.calls) == {("acme", uuid)}
        record = fields(hub.calls.get_call("acme", uuid))
        expected = expected or record
        assert record == expected, order
        assert len(hub.leads.sent) == leads
        callback = hub.calls.get_callback("acme", CALLER)
        assert (callback.count if callback else 0, hub.calls.closed_callbacks) == (missed, [])


def test_record_finished_call_gives_a_webhook_logged_call_what_only_the_history_knows() -> None:
    hub = Hub()
    play(hub, (event("dial", "c1", 4, 1431686100000), event("hangup", "c1", 4, None, bridgeAt=1431686105)))
    before = hub.calls.get_call("acme", "c1")
    assert before is not None and before.ended_at_source == TimeSource.RECEIVED  # no serverTime: arrival
    assert play(hub, (ANSWERED_ROW,)) == [MergeOutcome.MERGED]
    call = hub.calls.get_call("acme", "c1")
    assert call is not None and call.version == before.version + 1
    assert (call.ended_at, call.ended_at_source) == (1431686160000, TimeSource.PBX)
    assert (call.talk_seconds, call.total_seconds) == (55, 60)
    assert (call.disposition, call.transfer_history) == (Disposition.ANSWERED, "001")
    # the events' own recording link stays; the history's is the one when the events had none
    assert call.recordings == [f"https://{DOMAIN}/rest/public/calls/c1/audio"]
    assert (call.status, call.employee_id, call.other_number) == (CallStatus.ANSWERED, "emp1", CALLER)


def test_record_finished_call_the_same_row_again_is_unchanged_and_writes_nothing() -> None:
    hub = Hub()
    assert play(hub, (*ANSWERED, ANSWERED_ROW)) == [MergeOutcome.MERGED]
    saves = hub.calls.saves
    assert play(hub, (ANSWERED_ROW, ANSWERED_ROW)) == [MergeOutcome.UNCHANGED] * 2
    assert hub.calls.saves == saves
    # the same leg from the missed list is the same row: nothing to write either
    again = FinishedCall(**{**ANSWERED_ROW.__dict__, "still_missed": True})
    assert play(hub, (again,)) == [MergeOutcome.UNCHANGED] and hub.calls.saves == saves


def test_record_finished_call_the_webhooks_missed_is_created_complete() -> None:
    hub = Hub()
    assert play(hub, (ANSWERED_ROW,), phonet_split_recording=True) == [MergeOutcome.CREATED]
    call = hub.calls.get_call("acme", "c1")
    assert call is not None and call.legs == {} and set(call.history) == {"c1"}
    assert (call.direction, call.state, call.status) == (
        Direction.INBOUND,
        CallState.ENDED,
        CallStatus.ANSWERED,
    )
    assert (call.dial_at, call.bridge_at, call.ended_at) == (1431686100000, 1431686105000, 1431686160000)
    assert (call.bridge_at_source, call.ended_at_source) == (TimeSource.PBX, TimeSource.PBX)
    assert (call.talk_seconds, call.total_seconds, call.disposition) == (55, 60, Disposition.ANSWERED)
    assert (call.employee_ext, call.employee_name, call.employee_id) == ("001", "Иван", "emp1")
    assert (call.other_number, call.other_name, call.trunk_num) == (CALLER, None, "+380442246595")
    assert call.recordings == ["https://pbx.example/rest/public/calls/c1/audio"]
    assert call.callback_effects == ["answered"]


def test_record_finished_call_history_only_call_requests_its_lead_once() -> None:
    hub = Hub()
    play(hub, (ANSWERED_ROW, ANSWERED_ROW))
    assert [(lead.call_uuid, lead.phone, lead.employee_ext) for lead in hub.leads.sent] == [
        ("c1", CALLER, "001")
    ]
    assert hub.calls.get_call("acme", "c1").lead_pending  # type: ignore[union-attr]


def test_record_finished_call_history_only_call_links_the_known_contact() -> None:
    entry = PhoneEntry(id="c1", type=ContactType.CONTACT, name="Анастасія")
    hub = Hub(MemoryPhones({("acme", CALLER): [entry]}))
    play(hub, (ANSWERED_ROW, ANSWERED_ROW))
    call = hub.calls.get_call("acme", "c1")
    assert call is not None and call.contact_ids == ["c1"] and not call.lead_pending
    assert hub.leads.sent == [] and hub.calls.timeline == [("c1", "c1")]


@pytest.mark.parametrize("history_first", [True, False])
def test_record_finished_call_missed_inbound_opens_one_callback_counted_once(history_first: bool) -> None:
    hub = Hub()
    items = (MISSED_ROW, MISSED_ROW, *MISSED) if history_first else (*MISSED, MISSED_ROW, MISSED_ROW)
    play(hub, items)
    call = hub.calls.get_call("acme", "m1")
    assert call is not None and (call.status, call.disposition) == (CallStatus.MISSED, Disposition.NO_ANSWER)
    assert (call.talk_seconds, call.total_seconds, call.recordings) == (None, 30, [])
    callback = hub.calls.get_callback("acme", CALLER)
    assert callback is not None and callback.open and (callback.count, callback.missed_calls) == (1, ["m1"])


def test_record_finished_call_answered_row_closes_the_open_callback() -> None:
    hub = Hub()
    play(hub, (MISSED_ROW,))
    later = row("c2", 4, 1431697160000, 55, 60, 0)
    play(hub, (later,))
    callback = hub.calls.get_callback("acme", CALLER)
    assert callback is not None and not callback.open
    assert [closed.closed_by_call for closed in hub.calls.closed_callbacks] == ["c2"]


def test_record_finished_call_outbound_busy_is_no_answer_on_its_line() -> None:
    hub = Hub()
    play(hub, (OUTBOUND_ROW,))
    call = hub.calls.get_call("acme", "o1")
    assert call is not None
    assert (call.direction, call.status, call.disposition) == (
        Direction.OUTBOUND,
        CallStatus.NO_ANSWER,
        "busy",
    )
    assert (call.trunk_num, call.other_number, call.callback_effects) == ("+380442246595", CALLER, [])


def test_record_finished_call_department_call_in_any_order_is_one_record_answered_by_one() -> None:
    hub = Hub()
    play(hub, (*EVENTS, *DEPARTMENT_ROWS))
    expected = fields(hub.calls.get_call("acme", "conv1"))
    call = Call.model_validate(expected)
    assert (call.status, call.answered_leg, call.employee_ext, call.employee_id) == (
        CallStatus.ANSWERED,
        "legB",
        "002",
        "emp2",
    )
    assert (call.talk_seconds, call.total_seconds, call.disposition) == (55, 60, Disposition.ANSWERED)
    assert (call.ended_at, call.ended_at_source, call.callback_effects) == (
        1431686160000,
        TimeSource.PBX,
        ["answered"],
    )
    assert set(call.history) == {"legA", "legB"}
    # Every seventh of the 5040 orders: also those where 001's leg gave up before 002's was known, so
    # the call looked missed for a while (the miss is taken back once it turns out answered).
    for order in list(itertools.permutations([*EVENTS, *DEPARTMENT_ROWS]))[::7]:
        hub = Hub()
        play(hub, order)
        assert set(hub.calls.calls) == {("acme", "conv1")}
        assert fields(hub.calls.get_call("acme", "conv1")) == expected, order
        assert len(hub.leads.sent) == 1 and hub.calls.closed_callbacks == []
        callback = hub.calls.callbacks[("acme", CALLER)]
        assert (callback.open, callback.count, callback.missed_calls) == (False, 0, [])


def test_record_finished_call_department_rows_by_end_time_open_no_callback_in_the_end() -> None:
    hub = Hub()
    play(hub, (DEPARTMENT_ROWS[0],))  # 001 gave up first: alone, the call looks missed
    assert hub.calls.callbacks[("acme", CALLER)].open
    play(hub, (DEPARTMENT_ROWS[1],))
    callback = hub.calls.callbacks[("acme", CALLER)]
    assert (callback.open, callback.count, hub.calls.closed_callbacks) == (False, 0, [])
    assert hub.calls.get_call("acme", "conv1").callback_effects == ["answered"]  # type: ignore[union-attr]


def test_record_finished_call_answered_late_keeps_the_numbers_other_misses_open() -> None:
    hub = Hub()
    play(hub, (row("m0", 4, 1431686000000, 0, 30, 1),))  # an earlier miss, before this call
    play(hub, (DEPARTMENT_ROWS[0],))
    assert hub.calls.callbacks[("acme", CALLER)].count == 2
    play(hub, (DEPARTMENT_ROWS[1],))  # answered after the earlier miss: it returns that one
    assert [closed.missed_calls for closed in hub.calls.closed_callbacks] == [["m0"]]
    assert not hub.calls.callbacks[("acme", CALLER)].open


def test_record_finished_call_department_rows_alone_give_the_answering_employee() -> None:
    hub = Hub()
    group = row(
        "conv1", 4, 1431686160000, 55, 60, 0, leg={"id": 5, "type": 2, "ext": "500", "displayName": "Sales"}
    )
    play(hub, (group, *DEPARTMENT_ROWS))
    call = hub.calls.get_call("acme", "conv1")
    assert call is not None and set(hub.calls.calls) == {("acme", "conv1")}
    assert (call.answered_leg, call.employee_ext, call.employee_name) == ("legB", "002", "Петро")
    assert (call.status, call.talk_seconds, call.ended_at) == (CallStatus.ANSWERED, 55, 1431686160000)


def test_record_finished_call_group_row_alone_names_no_employee() -> None:
    hub = Hub()
    group = row(
        "g1", 4, 1431686160000, 0, 30, 1, leg={"id": 5, "type": 2, "ext": "500", "displayName": "Sales"}
    )
    play(hub, (group,))
    call = hub.calls.get_call("acme", "g1")
    assert call is not None and (call.employee_ext, call.employee_id, call.status) == (
        None,
        None,
        CallStatus.MISSED,
    )


def test_record_finished_call_unknown_disposition_name_is_refused() -> None:
    bad = FinishedCall(**{**MISSED_ROW.__dict__, "disposition": "lost"})
    with pytest.raises(BadRequest):
        Hub().service.record_finished_call(context(), bad)
