"""POST /hooks/phonet/{token}/events: call records, callbacks, presence, leads, raw bodies."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from hub import wiring
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.models.call import Call, CallState, CallStatus, Direction
from hub.models.contact import ContactType
from hub.ports import CallChanges
from hub.store.calls import CallStore, WebhookLog
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.translate import call_event_record
from tests.conftest import Seeded
from tests.support import event_body, load_event, load_function, sqs_record, with_body

CALL = "47a968893984475b8c20e29dec144ce3"
CUSTOMER = "+380000000000"  # the spec example's otherLegs[0].num
VOLATILE = {"version", "updated_at", "created_at"}


@pytest.fixture
def events(seeded: Seeded, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LEADS_QUEUE_DELAY_SECONDS", "0")
    wiring.reset()
    return load_function("phonet_events")


@pytest.fixture
def calls(seeded: Seeded, template) -> CallStore:
    return CallStore(
        template.table_name("CallsTable"),
        template.table_name("ContactsTable"),
        template.table_name("TenantsTable"),
    )


def send(module: Any, event: dict[str, Any], lambda_context: Any) -> tuple[int, Any]:
    response = module.handler(event, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def body(name: str, **changes: Any) -> dict[str, Any]:
    return {**event_body(f"phonet_events/{name}.json"), **changes}


def deliver(module: Any, lambda_context: Any, *bodies: dict[str, Any]) -> None:
    for payload in bodies:
        status, answer = send(module, with_body("phonet_events/call_dial.json", payload), lambda_context)
        assert status == 200, answer


def lead_messages(template) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=template.queue_name("LeadsQueue"))["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
        "Messages", []
    )
    return messages


def test_events_spec_example_logs_an_answered_inbound_call(events, calls, template, lambda_context) -> None:
    for name in ("call_dial", "call_bridge", "call_hangup"):
        status, answer = send(events, load_event(f"phonet_events/{name}.json"), lambda_context)
        assert (status, answer) == (200, {"result": "ok"})
    call = calls.get_call("acme", CALL)
    assert (call.state, call.status, call.direction) == (
        CallState.ENDED,
        CallStatus.ANSWERED,
        Direction.INBOUND,
    )
    assert (call.employee_ext, call.other_number, call.trunk_num) == ("001", CUSTOMER, "+380442246595")
    assert call.recordings == [f"https://qwerty.phonet.com.ua/rest/public/calls/{CALL}/audio"]
    assert len(raw_log(template).bodies("acme", "phonet", CALL)) == 3


def test_events_six_orders_and_triplicates_give_identical_records(events, calls, lambda_context) -> None:
    records = set()
    for number, order in enumerate(itertools.permutations(["call_dial", "call_bridge", "call_hangup"])):
        uuid = f"order{number}call0000000000000000"
        deliver(events, lambda_context, *[body(name, uuid=uuid) for name in order for _ in range(3)])
        record = calls.get_call("acme", uuid).model_dump(
            exclude=VOLATILE | {"uuid", "legs", "recordings", "answered_leg"}
        )
        records.add(json.dumps(record, sort_keys=True))
    assert len(records) == 1


def test_events_duplicate_costs_no_write(events, calls, lambda_context) -> None:
    deliver(events, lambda_context, body("call_dial"), body("call_bridge"))
    version = calls.get_call("acme", CALL).version
    deliver(events, lambda_context, body("call_dial"), body("call_bridge"), body("call_dial"))
    assert calls.get_call("acme", CALL).version == version


@pytest.mark.parametrize("attempt", range(3))
def test_events_concurrent_deliveries_lose_no_update(seeded, calls, attempt: int) -> None:
    """Threads race on DynamoDB through the service (Powertools' resolver keeps the current event at
    class level, so one process cannot host concurrent HTTP invocations: Lambda never does; the e2e
    suite sends concurrent HTTP to separate worker processes). Losers of the version check re-read
    and re-merge; no delivery is lost."""
    service = wiring.call_service()
    uuid = f"race{attempt}call000000000000000"
    names = ("call_dial", "call_bridge", "call_hangup")
    payloads = [CallEvent.model_validate(body(name, uuid=uuid)) for name in names] * 4
    errors: list[BaseException] = []
    start = threading.Barrier(len(payloads))

    def record(event: CallEvent) -> None:
        try:
            start.wait()
            service.record_pbx_event(seeded.acme, call_event_record(event, seeded.acme.tenant))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(event,)) for event in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    call = calls.get_call("acme", uuid)
    assert (call.state, call.status, set(call.legs[uuid])) == (
        CallState.ENDED,
        CallStatus.ANSWERED,
        {"dial", "bridge", "hangup"},
    )
    assert call.version == 3  # one write per distinct event; the repeats wrote nothing


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not json",
        "[]",
        "null",
        '{"event": "call.dial"}',
        json.dumps({"event": "call.dial", "uuid": CALL}),
        json.dumps({"event": "call.dial", "uuid": "x", "lgDirection": 4, "dialAt": "soon"}),
        "{" * 5000,
    ],
)
def test_events_garbage_is_400_and_nothing_is_stored(
    events, calls, tables, template, lambda_context, payload: str
) -> None:
    status, answer = send(events, with_body("phonet_events/call_dial.json", payload), lambda_context)
    assert status == 400 and answer["error"]["code"] == "bad_request"
    assert calls.get_call("acme", CALL) is None
    assert tables.scan(TableName=template.table_name("WebhookLogTable"))["Count"] == 0


def test_events_oversized_body_is_413_and_nothing_is_stored(events, calls, lambda_context) -> None:
    huge = body("call_dial", trunkName="x" * 300_000)
    status, answer = send(events, with_body("phonet_events/call_dial.json", huge), lambda_context)
    assert status == 413 and answer["error"]["code"] == "payload_too_large"
    assert calls.get_call("acme", CALL) is None


def test_events_missed_call_opens_one_callback_counting_repeats_then_answer_closes_it(
    events, calls, lambda_context
) -> None:
    first = {"uuid": "miss1call000000000000000", "dialAt": 1_700_000_000_000, "serverTime": 1_700_000_030_000}
    second = {
        "uuid": "miss2call000000000000000",
        "dialAt": 1_700_000_100_000,
        "serverTime": 1_700_000_130_000,
    }
    for missed in (first, second):
        deliver(events, lambda_context, body("call_dial", **missed), body("missed_hangup", **missed))
        deliver(events, lambda_context, body("missed_hangup", **missed))  # a repeat must not count twice
    callback = calls.get_callback("acme", CUSTOMER)
    assert (callback.open, callback.count, callback.missed_calls) == (
        True,
        2,
        [first["uuid"], second["uuid"]],
    )
    assert [c.phone for c in calls.open_callbacks("acme")] == [CUSTOMER]
    answered = {
        "uuid": "back1call000000000000000",
        "lgDirection": 2,
        "leg": {"ext": "002", "displayName": "O"},
        "dialAt": 1_700_000_200_000,
        "bridgeAt": 1_700_000_205_000,
        "serverTime": 1_700_000_205_000,
    }
    deliver(events, lambda_context, body("call_bridge", **answered))
    callback = calls.get_callback("acme", CUSTOMER)
    assert (callback.open, callback.last_answered_at) == (False, 1_700_000_205_000)
    assert calls.open_callbacks("acme") == []
    (closed,) = calls.closed_callbacks("acme", CUSTOMER)
    assert (closed.count, closed.closed_by_call, closed.closed_by_employee_ext) == (
        2,
        answered["uuid"],
        "002",
    )


def test_events_pause_and_unpause_set_presence_and_log_no_call(events, calls, lambda_context) -> None:
    pause = body("pause")
    deliver(events, lambda_context, pause)
    assert calls.presence("acme", "001")["status"] == "away"
    deliver(events, lambda_context, {**pause, "lgDirection": 64, "serverTime": pause["serverTime"] + 1000})
    deliver(events, lambda_context, pause)  # late: older than the unpause
    assert calls.presence("acme", "001")["status"] == "back"
    assert calls.get_call("acme", pause["uuid"]) is None


def test_events_internal_call_has_no_customer_no_callback_no_lead(
    events, calls, lambda_context, template
) -> None:
    internal = {"lgDirection": 1, "leg2": {"id": 37, "ext": "002"}, "trunkNum": None, "otherLegs": []}
    deliver(events, lambda_context, body("call_dial", **internal), body("missed_hangup", **internal))
    call = calls.get_call("acme", CALL)
    assert (call.direction, call.other_number, call.employee2_ext) == (Direction.INTERNAL, None, "002")
    assert calls.open_callbacks("acme") == [] and lead_messages(template) == []


def test_events_link_known_contact_and_write_its_timeline(seeded, events, calls, lambda_context) -> None:
    contact = ContactService(seeded.contact_store).create(
        seeded.acme, ContactInput(name="Анастасия", phones=[PhoneInput(number=CUSTOMER)])
    )
    deliver(events, lambda_context, body("call_dial"), body("call_hangup"))
    assert calls.get_call("acme", CALL).contact_ids == [contact.id]
    assert seeded.contact_store.timeline_call_uuids("acme", contact.id) == [CALL]


def test_events_unknown_inbound_caller_becomes_a_lead_via_the_queue(
    seeded, events, calls, template, lambda_context
) -> None:
    deliver(events, lambda_context, body("call_dial"), body("call_bridge"), body("call_hangup"))
    messages = lead_messages(template)
    assert len(messages) == 1  # one call, one message, however many events
    assert calls.get_call("acme", CALL).lead_pending is True
    worker = load_function("lead_capture")
    sqs_event = {"Records": [sqs_record(m) for m in messages * 2]}  # delivered twice: one lead all the same
    assert worker.handler(sqs_event, lambda_context) == {"batchItemFailures": []}
    (entry,) = seeded.contact_store.phone_entries("acme", CUSTOMER)
    lead = seeded.contact_store.get("acme", entry.id)
    assert (lead.type, lead.name, lead.responsible_employee_id) == (
        ContactType.LEAD,
        CUSTOMER,
        seeded.manager.id,
    )
    assert lead.source == "www.phonet.com.ua" and lead.created_by == "phonet"
    call = calls.get_call("acme", CALL)
    assert (call.contact_ids, call.lead_pending) == ([lead.id], False)


def test_a_deleted_lead_calling_again_becomes_a_new_lead(seeded, lambda_context) -> None:
    """Deleting a lead frees its number: the next unknown call from it makes a lead again."""
    worker = load_function("lead_capture")
    contacts = ContactService(seeded.contact_store)
    for call_uuid in ("first0call", "second0call"):
        wiring.call_store().save_call(
            None, Call(tenant="acme", uuid=call_uuid, lead_pending=True), CallChanges()
        )
        request = {
            "tenant": "acme",
            "call_uuid": call_uuid,
            "phone": CUSTOMER,
            "employee_ext": None,
            "source": None,
        }
        message = {"MessageId": call_uuid, "ReceiptHandle": "r", "Body": json.dumps(request)}
        assert worker.handler({"Records": [sqs_record(message)]}, lambda_context) == {"batchItemFailures": []}
        (entry,) = seeded.contact_store.phone_entries("acme", CUSTOMER)
        if call_uuid == "first0call":
            first_lead = entry.id
            contacts.delete(seeded.acme, first_lead)
    assert entry.id != first_lead and seeded.contact_store.get("acme", entry.id).type == ContactType.LEAD


def test_events_no_lead_for_outbound_or_own_lines(seeded, events, template, lambda_context) -> None:
    deliver(events, lambda_context, body("call_dial", lgDirection=2), body("call_hangup", lgDirection=2))
    own_line = {"uuid": "own1call0000000000000000", "otherLegs": [{"num": "+380442246595"}]}
    deliver(events, lambda_context, body("call_dial", **own_line))
    assert lead_messages(template) == []


@pytest.mark.parametrize("number", ["anonymous", "Unknown", "", "  ", "101", "+", None])
def test_events_hidden_or_odd_caller_is_logged_raw_unlinked_and_no_lead(
    seeded, events, calls, template, lambda_context, number
) -> None:
    add = ContactService(seeded.contact_store).create
    add(seeded.acme, ContactInput(name="Сто один", phones=[PhoneInput(number="+380101000000")]))
    hidden = {"otherLegs": [], "otherLegNum": number}
    deliver(events, lambda_context, body("call_dial", **hidden), body("call_hangup", **hidden))
    call = calls.get_call("acme", CALL)
    raw = number.strip() or None if number else None
    assert (call.state, call.other_number, call.other_number_raw) == (CallState.ENDED, None, raw)
    assert (call.contact_ids, call.lead_pending, lead_messages(template)) == ([], False, [])


def test_events_ua_old_trunk_form_links_the_e164_contact(seeded, events, calls, lambda_context) -> None:
    contact = ContactService(seeded.contact_store).create(
        seeded.acme, ContactInput(name="Олена", phones=[PhoneInput(number="+380442236517")])
    )
    deliver(events, lambda_context, body("call_dial", otherLegs=[], otherLegNum="80442236517"))
    call = calls.get_call("acme", CALL)
    assert (call.other_number, call.other_number_raw, call.contact_ids) == (
        "+380442236517",
        "80442236517",
        [contact.id],
    )


def test_lead_worker_reports_a_failed_message_and_keeps_the_rest(
    seeded, events, template, lambda_context
) -> None:
    deliver(events, lambda_context, body("call_dial"))
    (message,) = lead_messages(template)
    worker = load_function("lead_capture")
    garbage = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": "not json"}
    failures = worker.handler({"Records": [sqs_record(garbage), sqs_record(message)]}, lambda_context)[
        "batchItemFailures"
    ]
    assert failures == [{"itemIdentifier": "m1"}]
    assert len(seeded.contact_store.phone_entries("acme", CUSTOMER)) == 1


def test_lead_worker_retries_a_call_not_logged_yet(seeded, lambda_context) -> None:
    worker = load_function("lead_capture")
    early = {"tenant": "acme", "call_uuid": "notyet", "phone": CUSTOMER, "employee_ext": None, "source": None}
    message = {"MessageId": "m2", "ReceiptHandle": "r2", "Body": json.dumps(early)}
    # Every record failed: Powertools raises, so Lambda leaves the batch on the queue to retry.
    with pytest.raises(BatchProcessingError):
        worker.handler({"Records": [sqs_record(message)]}, lambda_context)
    assert len(seeded.contact_store.phone_entries("acme", CUSTOMER)) == 1  # the lead exists, created once


def test_events_call_settings_on_the_events_url_is_answered(seeded, events, lambda_context) -> None:
    lookup = {"request": "call.settings", "otherLegNum": "+380442246595"}
    status, answer = send(events, with_body("phonet_events/call_dial.json", lookup), lambda_context)
    assert status == 200 and answer["otherLeg"]["newEntry"] is True


def test_events_wrong_token_and_foreign_ip_are_rejected(events, lambda_context) -> None:
    event = load_event("phonet_events/call_dial.json")
    event["requestContext"]["http"]["sourceIp"] = "203.0.113.9"
    assert send(events, event, lambda_context)[0] == 403
    event = load_event("phonet_events/call_dial.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/hooks/phonet/" + "z" * 30 + "/events"
    assert send(events, event, lambda_context)[0] == 404


def test_wiring_reset_between_tests_keeps_tenants_apart() -> None:
    wiring.reset()  # a guard for the fixtures above: every test starts with cold caches


def raw_log(template) -> WebhookLog:
    return WebhookLog(template.table_name("WebhookLogTable"))


def test_events_blank_optional_fields_count_as_missing_not_a_400(
    seeded, events, calls, lambda_context
) -> None:
    """Real PBXs send "" for what they do not know (a trunk, a leg's ext, an other leg's name)."""
    blank = {
        "trunkNum": "",
        "trunkName": " ",
        "parentUuid": "",
        "accountDomain": "",
        "leg": {"id": "", "ext": "", "displayName": ""},
        "otherLegs": [{"num": "", "name": "", "companyName": "", "id": ""}],
        "otherLegNum": "+380501112233",
    }
    deliver(events, lambda_context, body("call_dial", **blank), body("call_hangup", **blank))
    call = calls.get_call("acme", CALL)
    assert (call.state, call.other_number, call.trunk_num) == (CallState.ENDED, "+380501112233", None)


def test_events_a_warm_store_adds_each_line_to_the_line_set_once(seeded, calls, lambda_context) -> None:
    """The line set only grows: one write per line and container, not one per new call."""
    added: list[str] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        if params["Key"]["pk"]["S"].endswith("#TRUNKS"):
            added.append(params["ExpressionAttributeValues"][":n"]["SS"][0])

    calls.client.meta.events.register("provide-client-params.dynamodb.UpdateItem", count)
    for n, line in enumerate(["+380442246595", "+380442246595", "+380800218500", "+380442246595"]):
        calls.save_call(None, Call(tenant="acme", uuid=f"line{n}", trunk_num=line), CallChanges())
    assert added == ["+380442246595", "+380800218500"]
    another_container = CallStore(calls.table, calls.contacts_table, calls.tenants_table)
    known_line = Call(tenant="acme", uuid="line9", trunk_num="+380442246595")
    another_container.save_call(None, known_line, CallChanges())
    assert another_container.own_numbers("acme") == {"+380442246595", "+380800218500"}
