"""Robot calls on in-memory ports: Avtodialer's result webhook and its cdr row are one record per job
and number whichever comes first, each adding what only it says; a cdr row translates as sent."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from hub.domain.calls import RobotCallResult, job_call_uuid
from hub.models.call import Call, CallStatus, Direction, MergeOutcome, TimeSource
from hub.ports.vendors import DialResult
from hub.vendors.avtodialer.client import CdrRow
from hub.vendors.avtodialer.results import dial_result, robot_call_uuid
from tests.unit.test_call_service import Hub, context, fields

JOB = "40133707428585176"
PHONE = "+79222220000"
WEBHOOK = RobotCallResult(
    phone=PHONE,
    phone_raw="89222220000",
    received_at=1700000100000,
    duration_seconds=42,
    recording="https://avtodialer.example/records/1.wav",
    answer="да, интересно",
    code="ANSWERED",
    our_uuid="code0",
    query_id=JOB,
)
CDR_ROW = {
    "QUERY_ID": int(JOB),
    "DST": "89222220000",
    "TIME": "2023-11-14 22:13:20 +0000",
    "CODE": "16",
    "SEC": 41,
}


def cdr(**changes: Any) -> DialResult:
    return dial_result(CdrRow.model_validate({**CDR_ROW, **changes}), "RU")


def feed(hub: Hub, items: tuple[RobotCallResult | DialResult, ...], **settings: Any) -> list[Any]:
    outcomes: list[Any] = []
    for item in items:
        if isinstance(item, RobotCallResult):
            outcomes.append(
                hub.service.record_robot_call(context(**settings), robot_call_uuid(item), item).uuid
            )
        else:
            outcomes.append(hub.service.record_dial_result(context(**settings), item))
    return outcomes


def test_dial_result_reads_the_cdr_row_with_its_zone_and_the_tenants_country() -> None:
    expected = DialResult(
        job_id=JOB, phone=PHONE, at=1700000000000, phone_raw="89222220000", code="16", seconds=41
    )
    assert cdr() == expected
    assert cdr(TIME="2023-11-15 01:13:20 +0300") == expected


def test_dial_result_on_a_ua_tenant_reads_the_russian_number_like_the_webhook() -> None:
    row = CdrRow.model_validate(CDR_ROW)
    assert dial_result(row, "UA", ("RU",)).phone == PHONE
    assert dial_result(row, "UA").phone == "89222220000"  # no reading: kept as given, still a key


def test_dial_result_number_that_reads_nowhere_is_kept_raw() -> None:
    result = cdr(DST="*100#")
    assert (result.phone, result.phone_raw) == ("*100#", "*100#")


def test_robot_call_uuid_with_a_job_is_the_job_and_number() -> None:
    assert robot_call_uuid(WEBHOOK) == job_call_uuid(JOB, PHONE)
    # without a job id nothing ties it to a cdr row: every field names it, as before
    alone = RobotCallResult(phone=PHONE, phone_raw="89222220000", received_at=1, duration_seconds=3)
    other = RobotCallResult(phone=PHONE, phone_raw="89222220000", received_at=2, duration_seconds=4)
    assert robot_call_uuid(alone) != robot_call_uuid(other) != job_call_uuid(JOB, PHONE)


@pytest.mark.parametrize("order", list(itertools.permutations(["webhook", "cdr", "cdr-again"])))
def test_robot_call_webhook_and_cdr_in_any_order_are_one_record(order: tuple[str, ...]) -> None:
    items = {"webhook": WEBHOOK, "cdr": cdr(), "cdr-again": cdr()}
    hub = Hub()
    feed(hub, tuple(items[name] for name in order), leads_from_avtodialer=True)
    uuid = job_call_uuid(JOB, PHONE)
    assert set(hub.calls.calls) == {("acme", uuid)}
    call = hub.calls.get_call("acme", uuid)
    assert call is not None and call.source == "avtodialer"
    assert (call.direction, call.status, call.talk_seconds) == (Direction.OUTBOUND, CallStatus.ANSWERED, 41)
    assert (call.dial_at, call.ended_at, call.ended_at_source) == (
        1700000000000,
        1700000041000,
        TimeSource.PBX,
    )
    assert call.recordings == ["https://avtodialer.example/records/1.wav"]
    assert call.extra["robot"] == {
        "answer": "да, интересно",
        "code": "16",
        "dial_record": "code0",
        "query_id": JOB,
    }
    assert len(hub.leads.sent) == 1
    reference = Hub()
    feed(reference, (WEBHOOK, cdr()), leads_from_avtodialer=True)
    assert fields(call) == fields(reference.calls.get_call("acme", uuid))


def test_robot_call_outcomes_say_created_merged_unchanged_and_write_once() -> None:
    hub = Hub()
    assert feed(hub, (cdr(),)) == [MergeOutcome.CREATED]
    saves = hub.calls.saves
    assert feed(hub, (cdr(),)) == [MergeOutcome.UNCHANGED] and hub.calls.saves == saves
    feed(hub, (WEBHOOK,))
    assert hub.calls.saves == saves + 1
    assert feed(hub, (cdr(),)) == [MergeOutcome.UNCHANGED] and hub.calls.saves == saves + 1


def test_robot_call_webhook_delivered_again_later_writes_nothing() -> None:
    hub = Hub()
    feed(hub, (WEBHOOK,))
    saves = hub.calls.saves
    later = RobotCallResult(**{**WEBHOOK.__dict__, "received_at": WEBHOOK.received_at + 60_000})
    feed(hub, (later,))
    assert hub.calls.saves == saves
    call = hub.calls.get_call("acme", job_call_uuid(JOB, PHONE))
    assert call is not None and (call.ended_at, call.ended_at_source) == (
        WEBHOOK.received_at,
        TimeSource.RECEIVED,
    )
    assert (call.talk_seconds, call.dial_at) == (42, WEBHOOK.received_at - 42_000)


def test_robot_call_cdr_only_is_logged_like_the_webhook() -> None:
    hub = Hub()
    feed(hub, (cdr(SEC=0, CODE="17"),))
    call = hub.calls.get_call("acme", job_call_uuid(JOB, PHONE))
    assert call is not None
    assert (call.status, call.talk_seconds, call.bridge_at, call.recordings) == (
        CallStatus.NO_ANSWER,
        0,
        None,
        [],
    )
    assert (call.other_number, call.other_number_raw, call.extra["robot"]) == (
        PHONE,
        "89222220000",
        {"code": "17", "query_id": JOB},
    )
    assert hub.calls.callbacks == {}  # a robot's call returns nobody's call


def test_robot_call_logged_before_reports_were_kept_is_left_as_it_was() -> None:
    hub = Hub()
    uuid = robot_call_uuid(WEBHOOK)
    old = Call(
        tenant="acme", uuid=uuid, source="avtodialer", extra={"robot": {"code": "ANSWERED"}}, version=1
    )
    hub.calls.calls[("acme", uuid)] = old
    feed(hub, (WEBHOOK,))
    assert hub.calls.saves == 0 and hub.calls.get_call("acme", uuid) == old
