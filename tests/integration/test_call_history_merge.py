"""The history sync's merges on moto: a Phonet history row and an Avtodialer cdr row land in the call
records the webhooks' functions made (and the other way round), kept whole in DynamoDB, and a row
merged again writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub import wiring
from hub.models.call import CallStatus, Disposition, MergeOutcome, TimeSource
from hub.store.calls import CallStore
from hub.vendors.avtodialer.client import CdrRow
from hub.vendors.avtodialer.results import dial_result
from hub.vendors.phonet.history import finished_call
from hub.vendors.phonet.rest import FinishedCall as HistoryRow
from tests.conftest import Seeded
from tests.support import load_event, load_function

CALL = "47a968893984475b8c20e29dec144ce3"  # the events samples' call
VOLATILE = {"version", "updated_at", "created_at"}
ROW = {
    "uuid": CALL,
    "endAt": 1431686160789,
    "lgDirection": 4,
    "otherLegNum": "+380000000000",
    "otherLegName": "Анастасия Березкина",
    "leg": {"id": 36, "type": 1, "displayName": "Иван Иванов", "ext": "001"},
    "billSecs": 55,
    "duration": 60,
    "disposition": 0,
    "transferHistory": "001",
    "audioRecUrl": f"https://qwerty.phonet.com.ua/rest/public/calls/{CALL} ",
    "trunk": "i=380442246595;",
}


@pytest.fixture
def calls(seeded: Seeded, template) -> CallStore:
    return CallStore(*[template.table_name(t) for t in ("CallsTable", "ContactsTable", "TenantsTable")])


def post(function: str, sample: str, lambda_context: Any) -> dict[str, Any]:
    response = load_function(function).handler(load_event(sample), lambda_context)
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])


def merge_row(seeded: Seeded) -> MergeOutcome:
    return wiring.call_service().record_finished_call(
        seeded.acme, finished_call(HistoryRow.model_validate(ROW), "UA")
    )


def test_history_row_after_the_webhooks_completes_the_stored_call(seeded, calls, lambda_context) -> None:
    for name in ("call_dial", "call_bridge", "call_hangup"):
        post("phonet_events", f"phonet_events/{name}.json", lambda_context)
    before = calls.get_call("acme", CALL)
    assert before is not None and before.total_seconds is None
    assert merge_row(seeded) == MergeOutcome.MERGED
    call = calls.get_call("acme", CALL)
    assert call is not None and call.version == before.version + 1
    assert (call.talk_seconds, call.total_seconds, call.disposition) == (55, 60, Disposition.ANSWERED)
    assert (call.ended_at, call.ended_at_source, call.status) == (
        1431686160789,
        TimeSource.PBX,
        CallStatus.ANSWERED,
    )
    assert set(call.history) == {CALL} and set(call.legs[CALL]) == {"dial", "bridge", "hangup"}
    assert merge_row(seeded) == MergeOutcome.UNCHANGED
    assert calls.get_call("acme", CALL).version == call.version  # type: ignore[union-attr]


def test_history_row_before_the_webhooks_gives_the_same_stored_call(seeded, calls, lambda_context) -> None:
    names = ("call_dial", "call_bridge", "call_hangup")
    for name in names:
        post("phonet_events", f"phonet_events/{name}.json", lambda_context)
    merge_row(seeded)
    expected = calls.get_call("acme", CALL).model_dump(exclude=VOLATILE)  # type: ignore[union-attr]
    calls.client.delete_item(
        TableName=calls.table, Key={"pk": {"S": f"acme#CALL#{CALL}"}, "sk": {"S": "CALL"}}
    )
    assert merge_row(seeded) == MergeOutcome.CREATED
    for name in names:
        post("phonet_events", f"phonet_events/{name}.json", lambda_context)
    assert calls.get_call("acme", CALL).model_dump(exclude=VOLATILE) == expected  # type: ignore[union-attr]


def test_cdr_row_merges_into_the_result_webhooks_call(seeded, calls, lambda_context) -> None:
    uuid = post("avtodialer_result", "avtodialer_result/json_result.json", lambda_context)["call"]
    row = CdrRow.model_validate(
        {"QUERY_ID": 40133707428585176, "DST": "89222220000", "TIME": "2026-11-23 20:00:00 +0300", "SEC": 40}
    )
    outcome = wiring.call_service().record_dial_result(seeded.globex, dial_result(row, "RU"))
    assert outcome == MergeOutcome.MERGED
    call = calls.get_call("globex", uuid)
    assert call is not None and (call.talk_seconds, call.ended_at_source) == (40, TimeSource.PBX)
    assert call.recordings == ["https://avtodialer.example/records/40133707428585176-1.wav"]
    assert set(call.robot_reports) == {"cdr", "webhook"}
