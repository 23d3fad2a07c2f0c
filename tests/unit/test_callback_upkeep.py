"""What a callback keeps for its list (the line, who was rung) and who is to call back, on in-memory
ports: kept when a miss is counted, whatever order the events came in, taken back with the miss,
brought up to date when the call learns more, and assigned only on the version seen."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from hub.errors import BadRequest, Conflict, NotFound
from hub.models.call import Miss
from hub.models.tenant import Employee
from tests.unit.test_call_service import CALLER, EVENTS, LEG, Hub, context

LINE = "+380442246595"
# A department call nobody answered: `dep1` rang Ivan (001) and Petro (002).
DEPARTMENT = {**LEG, "parentUuid": "dep1"}
RUNG = [
    {**DEPARTMENT, "uuid": "depA", "leg": {"ext": "001"}, "event": "call.dial", "serverTime": 1431687000000},
    {**DEPARTMENT, "uuid": "depB", "leg": {"ext": "002"}, "event": "call.dial", "serverTime": 1431687000100},
    {
        **DEPARTMENT,
        "uuid": "depA",
        "leg": {"ext": "001"},
        "event": "call.hangup",
        "serverTime": 1431687030000,
    },
    {
        **DEPARTMENT,
        "uuid": "depB",
        "leg": {"ext": "002"},
        "event": "call.hangup",
        "serverTime": 1431687030100,
    },
]
MISSED_AT = 1431686100000  # LEG's dialAt


def events_of(conversation: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**body, "parentUuid": conversation, "uuid": f"{conversation}-{body['uuid']}"} for body in bodies]


def test_callback_counted_miss_keeps_its_line_and_everyone_it_rang_in_any_event_order() -> None:
    kept = set()
    for order in itertools.permutations(RUNG):
        hub = Hub()
        hub.deliver(context(), *order)
        callback = hub.calls.get_callback("acme", CALLER)
        assert callback is not None and callback.open and callback.count == 1
        kept.add(callback.model_dump_json(exclude={"version"}))
        assert callback.misses == {
            "dep1": Miss(at=MISSED_AT, line=LINE, line_name="www.phonet.com.ua", rung=["001", "002"])
        }
    assert len(kept) == 1
    assert (callback.lines, callback.missed_by) == ([(LINE, "www.phonet.com.ua")], ["001", "002"])


def test_callback_misses_of_two_calls_give_both_lines_the_latest_first() -> None:
    hub = Hub()
    hub.deliver(context(), *RUNG)
    other_line = {"trunkNum": "+380443334455", "trunkName": "Сайт", "dialAt": LEG["dialAt"] + 600}
    hub.deliver(context(), *[body | other_line for body in events_of("dep2", RUNG[1::2])])
    callback = hub.calls.get_callback("acme", CALLER)
    assert callback is not None and callback.count == 2 and set(callback.misses) == {"dep1", "dep2"}
    assert callback.lines == [("+380443334455", "Сайт"), (LINE, "www.phonet.com.ua")]
    assert callback.missed_by == ["001", "002"]


def test_callback_miss_learning_of_another_leg_later_tells_its_callback() -> None:
    hub = Hub()
    hub.deliver(context(), *RUNG)
    late_leg = [{**body, "uuid": "depC", "leg": {"ext": "003"}} for body in RUNG[:1] + RUNG[2:3]]
    hub.deliver(context(), *late_leg)
    callback = hub.calls.get_callback("acme", CALLER)
    assert callback is not None and callback.count == 1
    assert callback.missed_by == ["001", "002", "003"]
    saves = hub.calls.saves
    hub.deliver(context(), *late_leg)  # again: nothing new, nothing written
    assert hub.calls.saves == saves


def test_callback_miss_taken_back_takes_its_details_with_it() -> None:
    hub = Hub()
    hub.deliver(context(), *RUNG)
    hub.deliver(context(), *events_of("dep2", RUNG))
    # dep2 turns out answered after all: its miss goes, dep1's stays
    answered = {
        **RUNG[1],
        "parentUuid": "dep2",
        "uuid": "dep2-depB",
        "event": "call.bridge",
        "bridgeAt": 1431687005,
    }
    hub.deliver(context(), answered)
    callback = hub.calls.get_callback("acme", CALLER)
    assert callback is not None
    # answered after dep1's miss: the callback is returned, nothing missed is left on the number
    assert not callback.open and callback.misses == {} and callback.count == 0
    assert [set(closed.misses) for closed in hub.calls.closed_callbacks] == [{"dep1"}]


def acme_with_olena() -> Any:
    ctx = context()
    olena = Employee(id="emp3", tenant="acme", name="Олена", ext="008")
    gone = Employee(id="emp4", tenant="acme", name="Гість", ext="009", active=False)
    ctx.employees.update({olena.id: olena, gone.id: gone})
    return ctx


def test_assign_callback_lands_only_on_the_version_seen() -> None:
    hub, ctx = Hub(), acme_with_olena()
    hub.deliver(ctx, *RUNG)
    seen = hub.calls.get_callback("acme", CALLER)
    assert seen is not None
    assigned = hub.service.assign_callback(ctx, CALLER, "emp3", seen.version, "emp1")
    assert (assigned.assigned_to, assigned.assigned_by, assigned.version) == (
        "emp3",
        "emp1",
        seen.version + 1,
    )
    with pytest.raises(Conflict):
        hub.service.assign_callback(ctx, CALLER, "emp2", seen.version, "emp2")  # the second of two at once
    assert hub.calls.get_callback("acme", CALLER).assigned_to == "emp3"  # type: ignore[union-attr]
    with pytest.raises(BadRequest):
        hub.service.assign_callback(ctx, CALLER, "emp4", assigned.version, "emp1")  # deactivated
    unassigned = hub.service.assign_callback(ctx, CALLER, None, assigned.version, "emp1")
    assert (unassigned.assigned_to, unassigned.assigned_by, unassigned.assigned_at) == (None, None, None)
    with pytest.raises(NotFound):
        hub.service.assign_callback(ctx, "+380990000000", "emp3", 1, "emp1")


def test_assigned_callback_keeps_its_assignee_through_new_misses_and_loses_it_when_returned() -> None:
    hub, ctx = Hub(), acme_with_olena()
    hub.deliver(ctx, *RUNG)
    seen = hub.calls.get_callback("acme", CALLER)
    assert seen is not None
    hub.service.assign_callback(ctx, CALLER, "emp3", seen.version, "emp1")
    hub.deliver(ctx, *events_of("dep2", RUNG))
    again = hub.calls.get_callback("acme", CALLER)
    assert again is not None and again.count == 2 and again.assigned_to == "emp3"
    later = [
        {**body, "parentUuid": "conv9", "serverTime": body["serverTime"] + 10_000_000} for body in EVENTS
    ]
    hub.deliver(ctx, *later)  # answered: returned
    after = hub.calls.get_callback("acme", CALLER)
    assert after is not None and not after.open and after.assigned_to is None
    assert [closed.assigned_to for closed in hub.calls.closed_callbacks] == ["emp3"]
    hub.deliver(ctx, *events_of("dep3", [{**body, "dialAt": LEG["dialAt"] + 20_000} for body in RUNG]))
    fresh = hub.calls.get_callback("acme", CALLER)
    assert fresh is not None and fresh.open and fresh.count == 1 and fresh.assigned_to is None
