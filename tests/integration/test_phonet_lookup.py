"""POST /hooks/phonet/{token}/lookup through the real handler, on moto tables built from template.yaml."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.models.contact import ContactType
from tests.conftest import Seeded
from tests.support import ACME_AVTODIALER_TOKEN, GLOBEX_PHONET_TOKEN, load_event, load_function

API_HOST = "https://abc123.execute-api.eu-central-1.amazonaws.com"


@pytest.fixture
def lookup(seeded: Seeded):
    return load_function("phonet_lookup")


def invoke(module: Any, event: dict[str, Any], lambda_context: Any) -> tuple[int, dict[str, Any]]:
    response = module.handler(event, lambda_context)
    assert response["headers"]["Content-Type"] == "application/json"
    return response["statusCode"], json.loads(response["body"])


def with_body(event_name: str, body: Any, **overrides: Any) -> dict[str, Any]:
    event = load_event(f"phonet_lookup/{event_name}.json")
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    event.update(overrides)
    return event


def add_contact(seeded: Seeded, tenant: str = "acme", **fields: Any) -> Any:
    numbers = fields.pop("numbers", ["+380442246595"])
    data = ContactInput(phones=[PhoneInput(number=n) for n in numbers], **fields)
    return ContactService(seeded.contact_store).create(seeded.context(tenant), data)


def test_lookup_known_contact_gives_spec_shape_with_card_url_and_manager(
    seeded, lookup, lambda_context
) -> None:
    ivan = add_contact(seeded, name="Иван Иванов", responsible_employee_id=seeded.manager.id)
    status, body = invoke(lookup, load_event("phonet_lookup/known_contact.json"), lambda_context)
    assert status == 200
    assert body == {
        "otherLeg": {
            "name": "Иван Иванов",
            "url": f"{API_HOST}/app/acme/contacts/{ivan.id}",
            "urlText": "Иван Иванов",
            "newEntry": False,
            "responsibleEmployeeExt": "001",
            "responsibleEmployeeEmail": "example@email.com",
        }
    }


def test_lookup_unknown_number_gives_variant_a_with_encoded_number(seeded, lookup, lambda_context) -> None:
    status, body = invoke(lookup, load_event("phonet_lookup/unknown_number.json"), lambda_context)
    assert status == 200
    assert body == {
        "otherLeg": {
            "name": None,
            "url": f"{API_HOST}/app/acme/contacts/new?phone=%2B380505826633",
            "urlText": "Добавить контакт",
            "newEntry": True,
            "responsibleEmployeeExt": None,
            "responsibleEmployeeEmail": None,
        }
    }


def test_lookup_local_format_number_finds_the_e164_contact(seeded, lookup, lambda_context) -> None:
    add_contact(seeded, name="Иван Иванов", numbers=["+380 (44) 224-65-95"])
    status, body = invoke(lookup, load_event("phonet_lookup/local_format_number.json"), lambda_context)
    assert status == 200 and body["otherLeg"]["name"] == "Иван Иванов"


def test_lookup_contact_without_manager_has_null_ext_and_email(seeded, lookup, lambda_context) -> None:
    add_contact(seeded, name="Ничей")
    _, body = invoke(lookup, load_event("phonet_lookup/known_contact.json"), lambda_context)
    assert body["otherLeg"]["responsibleEmployeeExt"] is None
    assert body["otherLeg"]["responsibleEmployeeEmail"] is None


def test_lookup_several_contacts_chooses_person_with_manager(seeded, lookup, lambda_context) -> None:
    add_contact(seeded, name="Лид", type=ContactType.LEAD, responsible_employee_id=seeded.manager.id)
    add_contact(seeded, name="Без менеджера")
    add_contact(seeded, name="С менеджером", responsible_employee_id=seeded.manager.id)
    add_contact(seeded, name="ООО Компания", type=ContactType.COMPANY)
    _, body = invoke(lookup, load_event("phonet_lookup/known_contact.json"), lambda_context)
    assert body["otherLeg"]["name"] == "С менеджером"
    assert body["otherLeg"]["responsibleEmployeeExt"] == "001"


def test_lookup_number_sent_as_json_number_and_padded(seeded, lookup, lambda_context) -> None:
    add_contact(seeded, name="Иван Иванов")
    for other in (380442246595, "  0442246595 "):
        status, body = invoke(lookup, with_body("known_contact", {"otherLegNum": other}), lambda_context)
        assert status == 200 and body["otherLeg"]["name"] == "Иван Иванов"


def test_lookup_base64_body_is_decoded(seeded, lookup, lambda_context) -> None:
    add_contact(seeded, name="Иван Иванов")
    raw = json.dumps({"request": "call.settings", "otherLegNum": "+380442246595"}).encode()
    event = with_body("known_contact", base64.b64encode(raw).decode(), isBase64Encoded=True)
    status, body = invoke(lookup, event, lambda_context)
    assert status == 200 and body["otherLeg"]["name"] == "Иван Иванов"


def test_lookup_public_base_url_setting_is_used_for_links(seeded, monkeypatch, lambda_context) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://crm.example.com/")
    module = load_function("phonet_lookup")
    from hub import wiring

    wiring.reset()
    _, body = invoke(module, load_event("phonet_lookup/unknown_number.json"), lambda_context)
    assert body["otherLeg"]["url"] == "https://crm.example.com/app/acme/contacts/new?phone=%2B380505826633"


def test_a_tenants_own_base_url_wins_over_the_deployments(seeded, monkeypatch, lambda_context) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://crm.example.com/")
    settings = seeded.acme.tenant.settings.model_copy(
        update={"public_base_url": "https://calls.acme.example"}
    )
    seeded.tenant_store.put_settings("acme", settings)
    module = load_function("phonet_lookup")
    from hub import wiring

    wiring.reset()
    _, body = invoke(module, load_event("phonet_lookup/unknown_number.json"), lambda_context)
    assert body["otherLeg"]["url"].startswith("https://calls.acme.example/app/acme/contacts/new?phone=")


def test_lookup_malformed_body_is_400_json_error(seeded, lookup, lambda_context) -> None:
    status, body = invoke(lookup, load_event("phonet_lookup/malformed_body.json"), lambda_context)
    assert status == 400
    assert body["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "null",
        "[]",
        '{"otherLegNum": {"num": 1}}',
        '{"otherLegNum": true}',
        '{"request": "call.dial", "otherLegNum": "+380442246595"}',
        "\x00\x01",
        "x" * 200_000,
    ],
)
def test_lookup_bad_bodies_are_400_never_500(seeded, lookup, lambda_context, body: str) -> None:
    status, payload = invoke(lookup, with_body("known_contact", body), lambda_context)
    assert status == 400
    assert set(payload["error"]) == {"code", "message", "details"}


NO_OTHER_LEG = {"otherLeg": None}


@pytest.mark.parametrize(
    "body",
    [
        {"request": "call.settings", "otherLegNum": "anonymous", "trunkNum": "0800218500"},
        {"request": "call.settings", "otherLegNum": "Unknown"},
        {"request": "call.settings", "otherLegNum": ""},
        {"request": "call.settings", "otherLegNum": "   "},
        {"request": "call.settings", "otherLegNum": "101"},
        {"request": "call.settings", "otherLegNum": "+"},
        {"request": "call.settings", "otherLegNum": None, "trunkNum": ""},
        {"request": "call.settings", "trunkNum": "0800218500"},
        {},
        {"otherLegNum": "001"},
        {"otherLegNum": "9" * 5000},
    ],
)
def test_lookup_hidden_or_odd_caller_id_is_200_variant_b(seeded, lookup, lambda_context, body) -> None:
    add_contact(seeded, name="Иван Иванов")
    status, answer = invoke(lookup, with_body("known_contact", body), lambda_context)
    assert (status, answer) == (200, NO_OTHER_LEG)


def test_lookup_unknown_valid_number_is_variant_a(seeded, lookup, lambda_context) -> None:
    status, answer = invoke(lookup, with_body("known_contact", {"otherLegNum": "0671234567"}), lambda_context)
    assert status == 200
    assert answer["otherLeg"]["newEntry"] is True
    assert answer["otherLeg"]["url"] == f"{API_HOST}/app/acme/contacts/new?phone=%2B380671234567"


@pytest.mark.parametrize("number", ["80442236517", "8 (044) 223-65-17", "00380442236517", "+380442236517"])
def test_lookup_ua_old_trunk_and_00_forms_find_the_e164_contact(
    seeded, lookup, lambda_context, number: str
) -> None:
    add_contact(seeded, name="Олена", numbers=["+380442236517"])
    status, answer = invoke(lookup, with_body("known_contact", {"otherLegNum": number}), lambda_context)
    assert (status, answer["otherLeg"]["name"]) == (200, "Олена")


def test_lookup_on_the_events_url_answers_hidden_caller_with_variant_b(seeded, lambda_context) -> None:
    event = load_event("phonet_events/call_dial.json")
    event["body"] = json.dumps({"request": "call.settings", "otherLegNum": "anonymous"})
    status, answer = invoke(load_function("phonet_events"), event, lambda_context)
    assert (status, answer) == (200, NO_OTHER_LEG)


def test_lookup_unknown_token_is_bare_404(seeded, lookup, lambda_context, capsys) -> None:
    status, body = invoke(lookup, load_event("phonet_lookup/wrong_token.json"), lambda_context)
    assert (status, body["error"]["message"]) == (404, "not found")
    assert "not-a-token-of-anyone" not in capsys.readouterr().out


def test_lookup_avtodialer_token_on_phonet_route_is_404(seeded, lookup, lambda_context) -> None:
    event = load_event("phonet_lookup/known_contact.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = (
        f"/hooks/phonet/{ACME_AVTODIALER_TOKEN}/lookup"
    )
    status, _ = invoke(lookup, event, lambda_context)
    assert status == 404


def test_lookup_forged_forwarded_for_does_not_pass_allowlist(seeded, lookup, lambda_context) -> None:
    status, body = invoke(lookup, load_event("phonet_lookup/forged_forwarded_for.json"), lambda_context)
    assert (status, body["error"]["code"]) == (403, "forbidden")


def test_lookup_allowlist_switched_off_accepts_any_source(
    seeded, lookup, lambda_context, tables, template
) -> None:
    tenant = seeded.acme.tenant
    tenant.settings.phonet_ip_allowlist_enabled = False
    item = {"pk": {"S": "TENANT#acme"}, "sk": {"S": "META"}}
    tables.update_item(
        TableName=template.table_name("TenantsTable"),
        Key=item,
        UpdateExpression="SET settings.phonet_ip_allowlist_enabled = :off",
        ExpressionAttributeValues={":off": {"BOOL": False}},
    )
    status, _ = invoke(lookup, load_event("phonet_lookup/forged_forwarded_for.json"), lambda_context)
    assert status == 200


def test_lookup_token_of_one_tenant_never_sees_another_tenants_contacts(
    seeded, lookup, lambda_context
) -> None:
    add_contact(seeded, tenant="acme", name="Acme's customer", numbers=["+79222220000"])
    add_contact(seeded, tenant="globex", name="Globex's customer", numbers=["+79222220000"])
    add_contact(seeded, tenant="acme", name="Only at acme", numbers=["+380442246595"])
    event = with_body("known_contact", {"otherLegNum": "89222220000"})
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/hooks/phonet/{GLOBEX_PHONET_TOKEN}/lookup"
    _, body = invoke(lookup, event, lambda_context)
    assert body["otherLeg"]["name"] == "Globex's customer"
    assert "/app/globex/" in body["otherLeg"]["url"]
    event["body"] = json.dumps({"otherLegNum": "+380442246595"})
    _, body = invoke(lookup, event, lambda_context)
    assert body["otherLeg"]["newEntry"] is True and "/app/globex/contacts/new" in body["otherLeg"]["url"]


def test_lookup_other_methods_and_paths_are_404_json(seeded, lookup, lambda_context) -> None:
    event = load_event("phonet_lookup/known_contact.json")
    event["requestContext"]["http"]["method"] = "GET"
    status, body = invoke(lookup, event, lambda_context)
    assert status in (404, 405) and "error" in body


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(other=json_values, extra=st.dictionaries(st.text(max_size=12), json_values, max_size=3))
def test_lookup_any_json_body_gives_200_or_400_never_500(
    seeded, lookup, lambda_context, other, extra
) -> None:
    status, _ = invoke(lookup, with_body("known_contact", {**extra, "otherLegNum": other}), lambda_context)
    assert status in (200, 400)
