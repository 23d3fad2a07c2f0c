"""UTM batches (Phonet §A3) and Avtodialer's result webhook (§4), through their handlers."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.models.call import CallStatus, Direction
from hub.models.contact import ContactType
from hub.models.tenant import AvtodialerFields, TenantSettings
from hub.store.calls import CallStore
from tests.conftest import Seeded
from tests.support import ACME_AVTODIALER_TOKEN, event_body, load_event, load_function, with_body

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


def test_utm_spec_example_attributes_call_and_first_touch_contact(seeded, calls, lambda_context) -> None:
    contact = add_contact(seeded, UTM_CUSTOMER)
    utm = load_function("phonet_utm")
    status, answer = send(utm, load_event("phonet_utm/spec_example.json"), lambda_context)
    assert (status, answer) == (200, {"accepted": 1, "rejected": 0, "errors": []})
    expected = {
        "utm_source": "google",
        "utm_medium": "cpc",
        "google_client_id": "1340605716.1544986520",
        "client_ip": "91.243.203.133",
        "referrer": "https://www.google.com/",
        "label": "callcatcher\n firstcall",
        "trunk_source": "380991280042",
    }
    assert calls.get_call("acme", UTM_CALL).utm == expected  # "(not set)" fields are absent
    assert seeded.contact_store.get("acme", contact.id).attribution == expected
    second = [{**event_body("phonet_utm/spec_example.json")[0], "utmSource": "facebook"}]
    send(utm, with_body("phonet_utm/spec_example.json", second), lambda_context)
    assert seeded.contact_store.get("acme", contact.id).attribution["utm_source"] == "google"  # first touch


def test_utm_bad_items_are_reported_and_the_rest_taken(seeded, calls, lambda_context) -> None:
    good = event_body("phonet_utm/spec_example.json")[0]
    items = [
        good,
        "nonsense",
        {**good, "callParentUuid": "../bad"},
        {"utmSource": "x"},
        {**good, "otherLegNum": "not-a-number", "callParentUuid": None},
        {**good, "newField": {"a": 1}},
    ]
    status, answer = send(
        load_function("phonet_utm"), with_body("phonet_utm/spec_example.json", items), lambda_context
    )
    assert status == 200
    assert (answer["accepted"], answer["rejected"]) == (2, 4)
    assert [error["index"] for error in answer["errors"]] == [1, 2, 3, 4]


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
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "0",
            "SenderId": "x",
            "ApproximateFirstReceiveTimestamp": "0",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:leads",
        "awsRegion": "eu-central-1",
    }
    worker = load_function("lead_capture")
    assert worker.handler({"Records": [record]}, lambda_context) == {"batchItemFailures": []}
    (entry,) = seeded.contact_store.phone_entries("globex", "+79222220000")
    lead = seeded.contact_store.get("globex", entry.id)
    assert (lead.type, lead.created_by, lead.source) == (ContactType.LEAD, "avtodialer", "avtodialer")
    assert calls.get_call("globex", answer["call"]).contact_ids == [lead.id]
