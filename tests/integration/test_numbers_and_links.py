"""Numbers no field can hold and links the hub must not build (issue 10, items 3 and 10)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from hub.domain.calls import CallService, RobotCallResult
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.tenants import add_employee
from hub.store.calls import CallStore
from tests.conftest import Seeded
from tests.integration.test_app_pages import Browser
from tests.support import load_event, load_function

OVERFLOWS = [
    "1e400",
    "Infinity",
    "-Infinity",
    "NaN",
    '"inf"',
    '"-inf"',
    '"1e400"',
    '"nan"',
    "1e300",
    "-1e300",
]


def send(module: Any, event: dict[str, Any], lambda_context: Any) -> tuple[int, Any]:
    response = module.handler(event, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def with_raw(event_file: str, field: str, literal: str) -> dict[str, Any]:
    """The sample event with one field set to a JSON literal as written (`1e400`, `Infinity`)."""
    event = load_event(event_file)
    body = json.loads(event["body"])
    target = body[0] if isinstance(body, list) else body
    target[field] = "__VALUE__"
    event["body"] = json.dumps(body, ensure_ascii=False).replace('"__VALUE__"', literal)
    return event


def count(template: Any, table: str) -> int:
    return boto3.client("dynamodb").scan(TableName=template.table_name(table), Select="COUNT")["Count"]


@pytest.mark.parametrize("literal", OVERFLOWS)
@pytest.mark.parametrize("field", ["dialAt", "bridgeAt", "serverTime"])
def test_phonet_event_timestamp_that_overflows_is_400_and_nothing_stored(
    seeded, template, lambda_context, field: str, literal: str
) -> None:
    status, answer = send(
        load_function("phonet_events"),
        with_raw("phonet_events/call_dial.json", field, literal),
        lambda_context,
    )
    assert status == 400 and answer["error"]["code"] == "bad_request"
    assert count(template, "CallsTable") == count(template, "WebhookLogTable") == 0


@pytest.mark.parametrize("literal", OVERFLOWS)
def test_utm_call_date_that_overflows_attributes_nothing(
    seeded, template, lambda_context, literal: str
) -> None:
    status, answer = send(
        load_function("phonet_utm"),
        with_raw("phonet_utm/spec_example.json", "callDate", literal),
        lambda_context,
    )
    assert status < 500
    if status == 200:  # a text value: the item is refused on its own, as any bad item of a batch
        assert answer["accepted"] == 0 and "callDate" in json.dumps(answer["errors"])
    else:  # a number JSON cannot carry: the body is refused
        assert status == 400 and count(template, "WebhookLogTable") == 0
    assert count(template, "CallsTable") == 0


@pytest.mark.parametrize("literal", [*OVERFLOWS, '"-5"', '"86400"', '"12 seconds"'])
def test_avtodialer_duration_that_is_not_seconds_is_400_and_nothing_stored(
    seeded, template, lambda_context, literal: str
) -> None:
    status, answer = send(
        load_function("avtodialer_result"),
        with_raw("avtodialer_result/json_result.json", "duration", literal),
        lambda_context,
    )
    assert status == 400
    if literal.startswith('"'):  # JSON carries it: the field is what is refused
        assert "duration" in answer["error"]["message"]
    assert count(template, "CallsTable") == count(template, "WebhookLogTable") == 0


@pytest.mark.parametrize("value", ["inf", "-Infinity", "1e400", "nan"])
def test_avtodialer_form_duration_that_overflows_is_400(seeded, template, lambda_context, value: str) -> None:
    event = load_event("avtodialer_result/form_result.json")
    event["body"] = event["body"].replace("duration=42", f"duration={value}")
    status, _ = send(load_function("avtodialer_result"), event, lambda_context)
    assert status == 400 and count(template, "CallsTable") == 0


@pytest.mark.parametrize(
    "record",
    [
        "javascript:alert(document.cookie)",
        "JavaScript://avtodialer.example/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://",
        "http:avtodialer.example/r.wav",
        "https://avtodialer.example/a b.wav",
        "//avtodialer.example/r.wav",
    ],
)
def test_avtodialer_recording_that_is_not_an_http_link_is_refused(
    seeded, template, lambda_context, record: str
) -> None:
    event = load_event("avtodialer_result/json_result.json")
    event["body"] = json.dumps({**json.loads(event["body"]), "record": record})
    status, answer = send(load_function("avtodialer_result"), event, lambda_context)
    assert (status, answer["error"]["code"]) == (400, "invalid_url")
    assert count(template, "CallsTable") == count(template, "WebhookLogTable") == 0


@pytest.mark.parametrize(
    "domain",
    ["javascript:alert(1)//", "evil.example/x?", "a b.example", "qwerty.phonet.com.ua/../x", "@evil"],
)
def test_phonet_account_domain_that_is_not_a_host_is_400(
    seeded, template, lambda_context, domain: str
) -> None:
    event = load_event("phonet_events/call_dial.json")
    event["body"] = json.dumps({**json.loads(event["body"]), "accountDomain": domain})
    status, _ = send(load_function("phonet_events"), event, lambda_context)
    assert status == 400 and count(template, "CallsTable") == 0


def test_contact_card_never_renders_a_recording_that_is_not_an_http_link(
    seeded: Seeded, template, lambda_context
) -> None:
    # given: a call stored before links were checked, with a script for a recording
    contact = ContactService(seeded.contact_store).create(
        seeded.acme, ContactInput(name="Клиент", phones=[PhoneInput(number="0442246595")])
    )
    calls = CallService(
        CallStore(*[template.table_name(t) for t in ("CallsTable", "ContactsTable", "TenantsTable")]),
        seeded.contact_store,
        lambda _lead: None,
    )
    for uuid, recording in [
        ("old-1", "javascript:alert(document.cookie)"),
        ("old-2", "https://r.example/a.wav"),
    ]:
        calls.record_robot_call(
            seeded.acme,
            uuid,
            RobotCallResult(
                phone="+380442246595", phone_raw="0442246595", received_at=1, recording=recording
            ),
        )
    add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Анна", ext="007", login="anna", password="pw-1"
    )
    browser = Browser(load_function("app_pages"), lambda_context)
    browser.sign_in(password="pw-1")
    # when
    status, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
    # then
    assert status == 200
    assert "javascript:" not in card and 'src="https://r.example/a.wav"' in card


@pytest.mark.parametrize("proto", ["javascript", "javascript:alert(1)//", "data", "ftp", "https,javascript"])
def test_lookup_link_ignores_a_forwarded_scheme_that_is_not_http(seeded, lambda_context, proto: str) -> None:
    event = load_event("phonet_lookup/unknown_number.json")
    event["headers"]["x-forwarded-proto"] = proto
    status, answer = send(load_function("phonet_lookup"), event, lambda_context)
    assert status == 200
    assert answer["otherLeg"]["url"].startswith(
        "https://abc123.execute-api.eu-central-1.amazonaws.com/app/acme/"
    )


def test_lookup_link_keeps_a_forwarded_http_scheme(seeded, lambda_context) -> None:
    event = load_event("phonet_lookup/unknown_number.json")
    event["headers"]["x-forwarded-proto"] = "http"
    _, answer = send(load_function("phonet_lookup"), event, lambda_context)
    assert answer["otherLeg"]["url"].startswith("http://abc123.")


def test_telefum_post_body_that_is_not_utf8_answers_the_error_xml_with_200(seeded, lambda_context) -> None:
    event = load_event("telefum/find.json")
    event["requestContext"]["http"]["method"] = "POST"
    event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    event["body"], event["isBase64Encoded"] = "dHlwZXJlcT1hZGRjb250Jm5hbWU9/w==", True  # name=\xff
    response = load_function("telefum").handler(event, lambda_context)
    assert response["statusCode"] == 200
    assert "<result>error</result><description>Неверные параметры запроса</description>" in response["body"]


def test_pages_sign_in_body_that_is_not_utf8_is_a_400_page(seeded, lambda_context) -> None:
    event = load_event("telefum/find.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/app/acme/login"
    event["requestContext"]["http"]["method"] = "POST"
    event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    event["body"], event["isBase64Encoded"] = "bG9naW49/w==", True
    response = load_function("app_pages").handler(event, lambda_context)
    assert response["statusCode"] == 400 and response["headers"]["Content-Type"].startswith("text/html")


def test_form_fields_still_decode_percent_escapes_as_utf8(seeded, lambda_context) -> None:
    event = load_event("avtodialer_result/form_result.json")
    event["body"] = urlencode({"phone": "89222220000", "duration": "7.9", "answer": "да"})
    status, _ = send(load_function("avtodialer_result"), event, lambda_context)
    assert status == 200
