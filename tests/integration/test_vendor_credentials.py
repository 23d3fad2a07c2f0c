"""Vendor credentials on moto: SSM SecureStrings through the store and the REST API, the tenants table
holding no secret, the production rules for base_url, warm clients dropped when credentials change,
Phonet sessions in the tenants table, and click-to-call's refusals before any vendor is asked."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from hub import wiring
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.tenants import add_employee, create_api_key
from hub.models.tenant import Vendor, credentials_for
from hub.store.vendor_secrets import VendorSecretStore
from hub.store.vendor_sessions import DynamoSessionCache
from tests.conftest import Seeded
from tests.integration.test_app_pages import PASSWORD, Browser
from tests.integration.test_rest_api import Api
from tests.support import load_function

SECRET = "phonet-key-that-must-stay-secret"
PHONET = {"domain": "acme.phonet.com.ua", "api_key": SECRET}
PREFIX = "/telephony-hub/test"  # template.yaml's CREDENTIALS_PARAMETER_PREFIX for stack "test"


@pytest.fixture
def acme(seeded: Seeded, lambda_context: Any) -> Api:
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    return Api(load_function("rest_api"), lambda_context, secret)


def test_secret_store_put_get_delete_as_securestrings(seeded: Seeded) -> None:
    store = VendorSecretStore(PREFIX)
    credentials = credentials_for(Vendor.PHONET, PHONET)
    store.put("acme", Vendor.PHONET, credentials)
    parameter = boto3.client("ssm").get_parameter(Name=f"{PREFIX}/acme/phonet")["Parameter"]
    assert parameter["Type"] == "SecureString"
    assert store.get("acme", Vendor.PHONET) == credentials
    assert store.get("acme", Vendor.AVTODIALER) is None and store.get("globex", Vendor.PHONET) is None
    store.delete("acme", Vendor.PHONET)
    assert store.get("acme", Vendor.PHONET) is None
    store.delete("acme", Vendor.PHONET)  # already gone: not an error


def test_secret_store_other_writers_change_is_seen_after_max_age_own_at_once(seeded: Seeded) -> None:
    reader, writer = VendorSecretStore(PREFIX, max_age=300), VendorSecretStore(PREFIX)
    writer.put("acme", Vendor.PHONET, credentials_for(Vendor.PHONET, PHONET))
    first = reader.get("acme", Vendor.PHONET)
    rotated = credentials_for(Vendor.PHONET, {**PHONET, "api_key": "rotated"})
    writer.put("acme", Vendor.PHONET, rotated)
    assert reader.get("acme", Vendor.PHONET) == first  # cached in this process for max_age
    assert writer.get("acme", Vendor.PHONET) == rotated  # its own write is read fresh


def test_rest_credentials_go_to_ssm_and_the_tenants_table_keeps_no_secret(seeded: Seeded, acme: Api) -> None:
    status, _, _ = acme.request("PUT", "/settings/credentials/phonet", PHONET)
    assert status == 204
    table = seeded.tenant_store.table
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert SECRET not in json.dumps(items)
    cred_items = [i for i in items if i["sk"]["S"] == "CRED#phonet" or i["pk"]["S"] == "CREDSET#phonet"]
    assert {k for item in cred_items for k in item} == {"pk", "sk", "updated_at"} and len(cred_items) == 2
    value = boto3.client("ssm").get_parameter(Name=f"{PREFIX}/acme/phonet", WithDecryption=True)
    assert json.loads(value["Parameter"]["Value"])["api_key"] == SECRET
    assert seeded.tenant_store.tenants_with_credentials(Vendor.PHONET) == ["acme"]
    settings = acme.get("/settings")[2]
    assert settings["credentials"]["phonet"]["configured"] is True and SECRET not in json.dumps(settings)
    assert acme.request("DELETE", "/settings/credentials/phonet")[0] == 204
    assert seeded.tenant_store.tenants_with_credentials(Vendor.PHONET) == []
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []


def test_rest_credentials_of_the_wrong_shape_are_a_400_naming_fields_not_values(acme: Api) -> None:
    status, _, body = acme.request("PUT", "/settings/credentials/avtodialer", PHONET)
    assert status == 400 and body["error"]["code"] == "bad_request"
    assert {d["field"] for d in body["error"]["details"]} == {"base_url", "access_token", "domain"}
    assert SECRET not in json.dumps(body)
    status, _, body = acme.request("PUT", "/settings/credentials/telefum", {"api_key": SECRET})
    assert (status, body["error"]["code"]) == (400, "no_vendor_api")


def test_rest_avtodialer_credentials_take_the_accounts_number_format(acme: Api) -> None:
    fields = {"base_url": "https://avtodialer.example", "api_key": SECRET, "access_token": "token"}
    assert (
        acme.request("PUT", "/settings/credentials/avtodialer", {**fields, "number_format": "e164"})[0] == 204
    )
    stored = VendorSecretStore(PREFIX).get("acme", Vendor.AVTODIALER)
    assert stored == credentials_for(Vendor.AVTODIALER, {**fields, "number_format": "e164"})
    status, _, body = acme.request(
        "PUT", "/settings/credentials/avtodialer", {**fields, "number_format": "8"}
    )
    assert status == 400 and {d["field"] for d in body["error"]["details"]} == {"body.number_format"}
    status, _, body = acme.request("PUT", "/settings/credentials/phonet", {**PHONET, "number_format": "e164"})
    assert status == 400 and {d["field"] for d in body["error"]["details"]} == {"number_format"}


@pytest.mark.parametrize(
    ("base_url", "status"),
    [
        ("https://pbx.acme.example", 204),
        ("http://pbx.acme.example", 400),
        ("https://10.0.0.7", 400),
        ("https://127.0.0.1:3001", 400),
        ("https://169.254.169.254", 400),
        ("https://[::1]", 400),
        ("https://localhost", 400),
    ],
)
def test_rest_credentials_in_prod_only_public_https(
    seeded: Seeded, lambda_context: Any, monkeypatch: pytest.MonkeyPatch, base_url: str, status: int
) -> None:
    monkeypatch.setenv("STAGE", "prod")
    wiring.reset()
    _, key = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    api = Api(load_function("rest_api"), lambda_context, key)
    answered, _, body = api.request(
        "PUT", "/settings/credentials/obzvonilka", {"api_key": SECRET, "base_url": base_url}
    )
    assert answered == status, body
    if status == 400:
        assert (
            body["error"]["code"] == "vendor_url_not_allowed"
            and body["error"]["details"][0]["field"] == "base_url"
        )
        assert base_url not in json.dumps(body) and SECRET not in json.dumps(body)


def test_rest_credentials_outside_prod_may_point_at_loopback_fakes(acme: Api) -> None:
    fields = {**PHONET, "base_url": "http://127.0.0.1:3001"}
    assert acme.request("PUT", "/settings/credentials/phonet", fields)[0] == 204


def test_accounts_credential_change_through_the_api_drops_the_warm_client(seeded: Seeded, acme: Api) -> None:
    assert acme.request("PUT", "/settings/credentials/phonet", PHONET)[0] == 204
    accounts = wiring.vendor_accounts()
    first = accounts.pbx("acme")
    assert accounts.pbx("acme") is first
    assert (
        acme.request("PUT", "/settings/credentials/phonet", {**PHONET, "domain": "new.phonet.com.ua"})[0]
        == 204
    )
    second = accounts.pbx("acme")
    assert second is not first and second.client.domain == "new.phonet.com.ua"


def test_phonet_sessions_in_the_tenants_table_expire_and_forget_only_their_own(seeded: Seeded) -> None:
    now = [1_000_000.0]
    cache = DynamoSessionCache(seeded.tenant_store.table, clock=lambda: now[0])
    cache.save("phonet:acme.phonet.com.ua:0123", "SID-1", 60)
    assert cache.load("phonet:acme.phonet.com.ua:0123") == "SID-1"
    cache.forget("phonet:acme.phonet.com.ua:0123", "SID-OLD")  # another invocation's stale id
    assert cache.load("phonet:acme.phonet.com.ua:0123") == "SID-1"
    now[0] += 61
    assert cache.load("phonet:acme.phonet.com.ua:0123") is None
    cache.save("phonet:acme.phonet.com.ua:0123", "SID-2", 60)
    cache.forget("phonet:acme.phonet.com.ua:0123", "SID-2")
    assert cache.load("phonet:acme.phonet.com.ua:0123") is None


def test_rest_click_to_call_refused_before_any_vendor_without_key_or_credentials(
    seeded: Seeded, acme: Api
) -> None:
    body = {"employee_id": seeded.manager.id, "number": "0671234567"}
    status, _, answer = acme.post("/calls", body)
    assert (status, answer["error"]["code"]) == (400, "idempotency_key_required")
    status, _, answer = acme.post("/calls", body, headers={"Idempotency-Key": "call-1"})
    assert (status, answer["error"]["code"]) == (409, "credentials_missing")
    status, _, answer = acme.post(
        "/calls", {"employee_id": "nobody", "number": "0671234567"}, headers={"Idempotency-Key": "call-2"}
    )
    assert (status, answer["error"]["code"]) == (404, "employee_not_found")
    assert acme.get("/calls/active")[0] == 409
    assert acme.delete("/calls/active/abc")[0] == 409


def test_card_call_button_needs_an_ext_and_says_when_telephony_is_not_connected(
    seeded: Seeded, lambda_context: Any
) -> None:
    add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Анна", ext="007", login="anna", password=PASSWORD
    )
    add_employee(seeded.tenant_store, seeded.acme.tenant, name="Без номера", login="noext", password=PASSWORD)
    contact = ContactService(seeded.contact_store).create(
        seeded.context("acme"),
        ContactInput(name="Клиент", phones=[PhoneInput(number="0671234567")]),
        created_by="t",
    )
    module = load_function("app_pages")
    anna = Browser(module, lambda_context)
    anna.sign_in()
    _, _, card = anna.get(f"/app/acme/contacts/{contact.id}")
    assert f'action="/app/acme/contacts/{contact.id}/call"' in card
    status, headers, _ = anna.post(f"/app/acme/contacts/{contact.id}/call", phone="+380671234567")
    assert status == 303 and headers["Location"].endswith("?notice=call_no_credentials")
    _, _, card = anna.get(headers["Location"])
    assert 'data-notice="call_no_credentials"' in card
    forged = Browser(module, lambda_context)
    forged.sign_in()
    forged.cookies["hub_csrf"] = "forged"
    assert forged.request("POST", f"/app/acme/contacts/{contact.id}/call", {"csrf": "other"})[0] == 403
    noext = Browser(module, lambda_context)
    noext.sign_in(login="noext")
    _, _, card = noext.get(f"/app/acme/contacts/{contact.id}")
    assert f'action="/app/acme/contacts/{contact.id}/call"' not in card
    status, headers, _ = noext.post(f"/app/acme/contacts/{contact.id}/call")
    assert status == 303 and headers["Location"].endswith("?notice=call_no_ext")
