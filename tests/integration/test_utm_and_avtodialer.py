"""UTM batches (Phonet §A3: the webhook, then its queue's worker) and Avtodialer's result webhook (§4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from hub import wiring
from hub.domain.attribution import MESSAGE_BYTES, attribute_call
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.tenants import create_api_key
from hub.errors import Conflict
from hub.models.call import Call, CallStatus, Direction, PendingAttribution
from hub.models.contact import ContactType
from hub.models.tenant import AvtodialerFields, TenantSettings
from hub.ports import CallChanges
from hub.store.calls import CallStore
from tests.conftest import Seeded
from tests.integration.test_rest_api import Api
from tests.support import ACME_AVTODIALER_TOKEN, event_body, load_event, load_function, sqs_record, with_body

UTM_CALL = "005f1dfae76d4c379e1d4095c07a76a2"
UTM_CUSTOMER = "+380505826633"


@pytest.fixture
def calls(seeded: Seeded, template) -> CallStore:
    names = [template.table_name(t) for t in ("CallsTable", "ContactsTable", "TenantsTable")]
    return CallStore(*names)


def send(module: Any, event: dict[str, Any], lambda_context: Any) -> tuple[int, Any]:
    response = module.handler(event, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def add_contact(seeded: Seeded, number: str, name: str = "Customer") -> Any:
    data = ContactInput(name=name, phones=[PhoneInput(number=number)])
    return ContactService(seeded.contact_store).create(seeded.acme, data)


EXPECTED = {
    "utm_source": "google",
    "utm_medium": "cpc",
    "google_client_id": "1340605716.1544986520",
    "client_ip": "91.243.203.133",
    "referrer": "https://www.google.com/",
    "label": "callcatcher\n firstcall",
    "trunk_source": "380991280042",
}


def queued_utm(template) -> list[dict[str, Any]]:
    """Every message on the UTM queue (each is then invisible, as while a worker holds it)."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=template.queue_name("UtmQueue"))["QueueUrl"]
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        messages.extend(batch)
    return messages


def run_worker(messages: list[dict[str, Any]], lambda_context: Any) -> None:
    """The UTM worker over the messages, five at a time (the event source's batch size)."""
    worker = load_function("utm_worker")
    for start in range(0, len(messages), 5):
        records = [sqs_record(m) for m in messages[start : start + 5]]
        assert worker.handler({"Records": records}, lambda_context) == {"batchItemFailures": []}


def send_utm(items: Any, lambda_context: Any) -> tuple[int, Any]:
    return send(load_function("phonet_utm"), with_body("phonet_utm/spec_example.json", items), lambda_context)


def dial(uuid: str, lambda_context: Any) -> None:
    dial_body = {**event_body("phonet_events/call_dial.json"), "uuid": uuid}
    event = with_body("phonet_events/call_dial.json", dial_body)
    assert send(load_function("phonet_events"), event, lambda_context)[0] == 200


def test_utm_spec_example_attributes_call_and_first_touch_contact(
    seeded, calls, template, lambda_context
) -> None:
    contact = add_contact(seeded, UTM_CUSTOMER)
    dial(UTM_CALL, lambda_context)
    utm = load_function("phonet_utm")
    status, answer = send(utm, load_event("phonet_utm/spec_example.json"), lambda_context)
    assert (status, answer) == (200, {"accepted": 1, "rejected": 0, "errors": []})
    run_worker(queued_utm(template), lambda_context)
    assert calls.get_call("acme", UTM_CALL).utm == EXPECTED  # "(not set)" fields are absent
    assert seeded.contact_store.get("acme", contact.id).attribution == EXPECTED
    second = [{**event_body("phonet_utm/spec_example.json")[0], "utmSource": "facebook"}]
    send(utm, with_body("phonet_utm/spec_example.json", second), lambda_context)
    run_worker(queued_utm(template), lambda_context)
    assert seeded.contact_store.get("acme", contact.id).attribution["utm_source"] == "google"  # first touch
    assert calls.get_call("acme", UTM_CALL).utm["utm_source"] == "facebook"  # merged field by field


def test_utm_batch_of_1000_is_acknowledged_then_applied_by_the_worker(
    seeded, calls, template, lambda_context
) -> None:
    # given: 20 calls the hub has logged; the other 980 labels are for calls it has not seen
    known = [f"{i:032x}" for i in range(20)]
    for uuid in known:
        calls.save_call(None, Call(tenant="acme", uuid=uuid, version=1), CallChanges())
    # ~100 bytes an item, as the 200 items in 19 KB (the whole body stays under 256 KiB)
    items = [
        {"utmSource": "google", "utmMedium": "cpc", "utmCampaign": f"c{i}", "callParentUuid": f"{i:032x}"}
        for i in range(1000)
    ]
    # when
    status, answer = send_utm(items, lambda_context)
    # then: acknowledged, queued in a few bounded messages, applied only by the worker
    assert (status, answer["accepted"], answer["rejected"]) == (200, 1000, 0)
    assert calls.get_call("acme", known[0]).utm is None
    messages = queued_utm(template)
    assert len(messages) == 10 and max(len(m["Body"].encode()) for m in messages) <= MESSAGE_BYTES
    run_worker(messages, lambda_context)
    for i, uuid in enumerate(known):
        assert calls.get_call("acme", uuid).utm["utm_campaign"] == f"c{i}"
    for i in range(20, 1000):
        assert calls.pending_attribution("acme", f"{i:032x}").labels["utm_campaign"] == f"c{i}"


def test_utm_redelivered_message_changes_nothing(seeded, calls, template, lambda_context) -> None:
    contact = add_contact(seeded, UTM_CUSTOMER)
    dial(UTM_CALL, lambda_context)
    unknown = {**event_body("phonet_utm/spec_example.json")[0], "callParentUuid": "f" * 32}
    send_utm([event_body("phonet_utm/spec_example.json")[0], unknown], lambda_context)
    messages = queued_utm(template)
    run_worker(messages, lambda_context)
    before = (
        calls.get_call("acme", UTM_CALL),
        seeded.contact_store.get("acme", contact.id),
        calls.pending_attribution("acme", "f" * 32),
    )
    run_worker(messages, lambda_context)  # SQS delivers at least once
    send_utm([event_body("phonet_utm/spec_example.json")[0], unknown], lambda_context)  # Phonet resends
    run_worker(queued_utm(template), lambda_context)
    after = (
        calls.get_call("acme", UTM_CALL),
        seeded.contact_store.get("acme", contact.id),
        calls.pending_attribution("acme", "f" * 32),
    )
    assert [record.version for record in after] == [record.version for record in before]
    assert after == before


def test_utm_unknown_call_creates_no_call_until_its_dial_event_carries_it(
    seeded, calls, template, lambda_context
) -> None:
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    api = Api(load_function("rest_api"), lambda_context, secret)
    status, answer = send_utm(event_body("phonet_utm/spec_example.json"), lambda_context)
    assert (status, answer["accepted"]) == (200, 1)
    run_worker(queued_utm(template), lambda_context)
    assert calls.get_call("acme", UTM_CALL) is None
    assert api.get("/calls")[2]["items"] == []
    # the call's first event arrives: it carries the labels, and they are no longer pending
    dial(UTM_CALL, lambda_context)
    call = calls.get_call("acme", UTM_CALL)
    assert (call.utm, call.version) == (EXPECTED, 1)
    assert calls.pending_attribution("acme", UTM_CALL) is None
    assert [c["uuid"] for c in api.get("/calls")[2]["items"]] == [UTM_CALL]


def test_utm_labels_arriving_while_the_call_is_first_saved_are_not_lost(
    seeded, calls, lambda_context
) -> None:
    # a call's first save that read no pending labels fails once some are kept: it re-reads them
    calls.save_pending_attribution(
        None, PendingAttribution(tenant="acme", call_uuid=UTM_CALL, labels={"utm_source": "x"}, version=1)
    )
    with pytest.raises(Conflict):
        calls.save_call(None, Call(tenant="acme", uuid=UTM_CALL, version=1), CallChanges())
    dial(UTM_CALL, lambda_context)
    assert calls.get_call("acme", UTM_CALL).utm == {"utm_source": "x"}
    # the worker looked before the call's first save, which then saw no labels: it looks again after
    dial("late0call", lambda_context)
    attribute_call(seeded.acme, "late0call", {"utm_source": "y"}, LateSight(), calls)  # type: ignore[arg-type]
    assert calls.get_call("acme", "late0call").utm == {"utm_source": "y"}


class LateSight:
    """A call service that misses the call once, as a worker does that looked just before it was saved."""

    def __init__(self) -> None:
        self.looked = False

    def set_utm(self, *args: Any) -> Any:
        if not self.looked:
            self.looked = True
            return None
        return wiring.call_service().set_utm(*args)


def test_utm_first_touch_moves_the_contact_in_updated_since(seeded, template, lambda_context) -> None:
    contact = add_contact(seeded, UTM_CUSTOMER)
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    api = Api(load_function("rest_api"), lambda_context, secret)
    since = datetime.fromtimestamp((contact.updated_at + 1) / 1000, tz=UTC).isoformat()
    assert api.get("/contacts", updated_since=since)[2]["items"] == []
    send_utm(event_body("phonet_utm/spec_example.json"), lambda_context)
    run_worker(queued_utm(template), lambda_context)
    touched = seeded.contact_store.get("acme", contact.id)
    assert touched.version == contact.version + 1 and touched.updated_at > contact.updated_at
    items = api.get("/contacts", updated_since=since)[2]["items"]
    assert [(c["id"], c["attribution"]) for c in items] == [(contact.id, EXPECTED)]


def test_utm_bad_items_are_reported_and_the_rest_taken(seeded, calls, template, lambda_context) -> None:
    good = event_body("phonet_utm/spec_example.json")[0]
    items = [
        good,
        "nonsense",
        {**good, "callParentUuid": "../bad"},
        {"utmSource": "x"},
        {**good, "otherLegNum": "not-a-number", "callParentUuid": None},
        {**good, "newField": {"a": 1}},
    ]
    status, answer = send_utm(items, lambda_context)
    assert status == 200
    assert (answer["accepted"], answer["rejected"]) == (2, 4)
    assert [error["index"] for error in answer["errors"]] == [1, 2, 3, 4]
    (message,) = queued_utm(template)
    assert [item["index"] for item in json.loads(message["Body"])["items"]] == [0, 5]


@pytest.mark.parametrize("payload", ["", "nope", "42", '"text"'])
def test_utm_body_that_is_not_a_list_is_400(seeded, lambda_context, payload: str) -> None:
    status, _ = send(
        load_function("phonet_utm"), with_body("phonet_utm/spec_example.json", payload), lambda_context
    )
    assert status == 400


@pytest.mark.parametrize("sample", ["json_result", "form_result"])
def test_avtodialer_result_logs_the_robot_call_on_the_contact(
    seeded, calls, lambda_context, sample: str
) -> None:
    petrov = ContactInput(name="Петров", phones=[PhoneInput(number="89222220000")])
    contact = ContactService(seeded.contact_store).create(seeded.globex, petrov)
    status, answer = send(
        load_function("avtodialer_result"), load_event(f"avtodialer_result/{sample}.json"), lambda_context
    )
    assert status == 200
    call = calls.get_call("globex", answer["call"])
    assert (call.source, call.direction, call.status) == (
        "avtodialer",
        Direction.OUTBOUND,
        CallStatus.ANSWERED,
    )
    assert (call.other_number, call.talk_seconds, call.contact_ids) == ("+79222220000", 42, [contact.id])
    assert call.recordings == ["https://avtodialer.example/records/40133707428585176-1.wav"]
    assert call.extra["robot"] == {
        "answer": "да, интересно",
        "code": "ANSWERED",
        "dial_record": "code0",
        "query_id": "40133707428585176",
    }


def test_avtodialer_result_delivered_twice_is_one_call(seeded, calls, lambda_context) -> None:
    module = load_function("avtodialer_result")
    first = send(module, load_event("avtodialer_result/json_result.json"), lambda_context)[1]["call"]
    again = send(module, load_event("avtodialer_result/form_result.json"), lambda_context)[1]["call"]
    assert first == again and calls.get_call("globex", first).version == 1


def test_avtodialer_result_tenant_field_mapping(seeded, calls, lambda_context) -> None:
    settings = TenantSettings(avtodialer_fields=AvtodialerFields(phone="DST", duration=["SEC", "sec"]))
    seeded.tenant_store.put_settings("globex", settings)
    event = with_body("avtodialer_result/form_result.json", urlencode({"DST": "89001110000", "sec": "0"}))
    status, answer = send(load_function("avtodialer_result"), event, lambda_context)
    assert status == 200
    call = calls.get_call("globex", answer["call"])
    assert (call.other_number, call.status) == ("+79001110000", CallStatus.NO_ANSWER)


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_avtodialer_result_spec_field_names_are_mapped_by_default(
    seeded, calls, lambda_context, content_type: str
) -> None:
    fields = {
        "Номер_абонента": "89222220000",
        "Продолжительность_вызова": "17",
        "Запись(wav)": "https://avtodialer.example/r/1.wav",
        "распознанный_ответ_человека": "нет, спасибо",
    }
    body = json.dumps(fields, ensure_ascii=False) if "json" in content_type else urlencode(fields)
    event = with_body("avtodialer_result/json_result.json", body)
    event["headers"]["content-type"] = content_type
    status, answer = send(load_function("avtodialer_result"), event, lambda_context)
    assert status == 200, answer
    call = calls.get_call("globex", answer["call"])
    assert (call.other_number, call.talk_seconds, call.recordings) == (
        "+79222220000",
        17,
        ["https://avtodialer.example/r/1.wav"],
    )
    assert call.extra["robot"]["answer"] == "нет, спасибо"


def on_tenant(sample: str, token: str) -> dict[str, Any]:
    event = load_event(f"avtodialer_result/{sample}.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/hooks/avtodialer/{token}/result"
    event["pathParameters"] = {"token": token}
    return event


@pytest.mark.parametrize("sample", ["json_result", "form_result"])
def test_avtodialer_result_on_a_ua_tenant_reads_the_russian_number(
    seeded, calls, lambda_context, sample: str
) -> None:
    # given acme (UA): 89222220000 is no UA number, so Avtodialer's home country (RU) reads it
    petrov = ContactService(seeded.contact_store).create(
        seeded.acme, ContactInput(name="Петров", phones=[PhoneInput(number="+79222220000")])
    )
    status, answer = send(
        load_function("avtodialer_result"), on_tenant(sample, ACME_AVTODIALER_TOKEN), lambda_context
    )
    assert status == 200, answer
    call = calls.get_call("acme", answer["call"])
    assert (call.other_number, call.other_number_raw, call.contact_ids) == (
        "+79222220000",
        "89222220000",
        [petrov.id],
    )


@pytest.mark.parametrize("number", ["12", "anonymous", "+", "*100#"])
def test_avtodialer_result_unparseable_number_is_kept_raw(seeded, calls, lambda_context, number) -> None:
    settings = seeded.globex.tenant.settings.model_copy(update={"leads_from_avtodialer": True})
    seeded.tenant_store.put_settings("globex", settings)
    event = with_body("avtodialer_result/json_result.json", {"phone": number, "duration": "3"})
    status, answer = send(load_function("avtodialer_result"), event, lambda_context)
    assert status == 200, answer
    call = calls.get_call("globex", answer["call"])
    assert (call.other_number, call.other_number_raw, call.talk_seconds) == (None, number, 3)
    assert (call.contact_ids, call.lead_pending) == ([], False)


@pytest.mark.parametrize(
    "payload",
    [
        '{"duration": "5"}',
        "duration=5",
        '{"phone": "  "}',
        '{"phone": "89222220000", "duration": "long"}',
        "[1]",
        '{"phone": "89222220000", "duration": "-4"}',
        "{broken",
    ],
)
def test_avtodialer_result_bad_payloads_are_400(
    seeded, tables, template, lambda_context, payload: str
) -> None:
    event = with_body("avtodialer_result/json_result.json", payload)
    status, answer = send(load_function("avtodialer_result"), event, lambda_context)
    assert status == 400, answer
    assert tables.scan(TableName=template.table_name("WebhookLogTable"))["Count"] == 0


def test_avtodialer_result_wrong_token_or_phonet_token_is_404(seeded, lambda_context) -> None:
    event = load_event("avtodialer_result/json_result.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = (
        "/hooks/avtodialer/acme-phonet-token-0123456789abcdef/result"
    )
    assert send(load_function("avtodialer_result"), event, lambda_context)[0] == 404


def test_avtodialer_unknown_number_makes_no_lead_by_default(seeded, calls, lambda_context) -> None:
    status, answer = send(
        load_function("avtodialer_result"), load_event("avtodialer_result/json_result.json"), lambda_context
    )
    call = calls.get_call("globex", answer["call"])
    assert (status, call.contact_ids, call.lead_pending) == (200, [], False)


def lead_messages(template) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=template.queue_name("LeadsQueue"))["QueueUrl"]
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])


@pytest.mark.parametrize(
    ("avtodialer", "outbound", "leads"), [(True, False, 1), (False, True, 0), (False, False, 0)]
)
def test_avtodialer_leads_follow_the_leads_from_avtodialer_setting(
    seeded, calls, template, monkeypatch, lambda_context, avtodialer: bool, outbound: bool, leads: int
) -> None:
    monkeypatch.setenv("LEADS_QUEUE_DELAY_SECONDS", "0")
    settings = seeded.globex.tenant.settings.model_copy(
        update={"leads_from_avtodialer": avtodialer, "leads_from_outbound": outbound}
    )
    seeded.tenant_store.put_settings("globex", settings)
    status, answer = send(
        load_function("avtodialer_result"), load_event("avtodialer_result/json_result.json"), lambda_context
    )
    assert status == 200
    assert calls.get_call("globex", answer["call"]).lead_pending is bool(leads)
    assert len(lead_messages(template)) == leads


def test_avtodialer_lead_says_avtodialer_made_it(
    seeded, calls, template, monkeypatch, lambda_context
) -> None:
    monkeypatch.setenv("LEADS_QUEUE_DELAY_SECONDS", "0")
    settings = seeded.globex.tenant.settings.model_copy(update={"leads_from_avtodialer": True})
    seeded.tenant_store.put_settings("globex", settings)
    _, answer = send(
        load_function("avtodialer_result"), load_event("avtodialer_result/json_result.json"), lambda_context
    )
    (message,) = lead_messages(template)
    record = sqs_record(message, "leads")
    worker = load_function("lead_capture")
    assert worker.handler({"Records": [record]}, lambda_context) == {"batchItemFailures": []}
    (entry,) = seeded.contact_store.phone_entries("globex", "+79222220000")
    lead = seeded.contact_store.get("globex", entry.id)
    assert (lead.type, lead.created_by, lead.source) == (ContactType.LEAD, "avtodialer", "avtodialer")
    assert calls.get_call("globex", answer["call"]).contact_ids == [lead.id]
