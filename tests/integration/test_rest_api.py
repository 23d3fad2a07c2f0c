"""The REST API through its handler: keys, contacts, paging, concurrency, import, calls, callbacks,
employees, settings, idempotency and tenant isolation."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from hub.domain.tenants import create_api_key
from tests.conftest import Seeded
from tests.support import event_body, load_event, load_function, phonet_record


class Api:
    """Requests to the REST API's handler as API Gateway would deliver them."""

    def __init__(self, module: Any, lambda_context: Any, key: str | None) -> None:
        self.module, self.lambda_context, self.key = module, lambda_context, key

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **query: Any,
    ) -> tuple[int, dict[str, str], Any]:
        event = copy.deepcopy(load_event("rest_api/create_contact.json"))
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/v1{path}"
        event["requestContext"]["http"]["method"] = method
        params = {k: v for k, v in query.items() if v is not None}
        event["rawQueryString"] = urlencode(params)
        event["queryStringParameters"] = {k: str(v) for k, v in params.items()} or None
        event["headers"] = {
            k: v for k, v in event["headers"].items() if k not in ("x-api-key", "idempotency-key")
        }
        if self.key:
            event["headers"]["x-api-key"] = self.key
        event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
        event["body"] = None if body is None else body if isinstance(body, str) else json.dumps(body)
        response = self.module.handler(event, self.lambda_context)
        text = response.get("body") or ""
        return response["statusCode"], response.get("headers", {}), json.loads(text) if text else None

    def get(self, path: str, **query: Any) -> tuple[int, dict[str, str], Any]:
        return self.request("GET", path, **query)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, dict[str, str], Any]:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> tuple[int, dict[str, str], Any]:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> tuple[int, dict[str, str], Any]:
        return self.request("DELETE", path, **kw)


@pytest.fixture
def module() -> Any:
    return load_function("rest_api")


@pytest.fixture
def acme(seeded: Seeded, module: Any, lambda_context: Any) -> Api:
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    return Api(module, lambda_context, secret)


@pytest.fixture
def globex(seeded: Seeded, module: Any, lambda_context: Any) -> Api:
    _, secret = create_api_key(seeded.tenant_store, seeded.globex.tenant, "tests")
    return Api(module, lambda_context, secret)


def new_contact(api: Api, **fields: Any) -> dict[str, Any]:
    status, _, body = api.post(
        "/contacts", {"name": "Олена", "phones": [{"number": "067 123 45 67"}], **fields}
    )
    assert status == 201, body
    return body


# -- keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "wrong", "hub_" + "x" * 43])
def test_requests_without_a_live_key_are_401_in_the_api_error_shape(
    seeded: Seeded, module: Any, lambda_context: Any, key: str | None
) -> None:
    status, _, body = Api(module, lambda_context, key).get("/contacts")
    assert status == 401
    assert body["error"]["code"] == "unauthorized" and set(body["error"]) == {"code", "message", "details"}


def test_the_key_may_come_as_the_api_key_parameter(acme: Api) -> None:
    bare = Api(acme.module, acme.lambda_context, None)
    assert bare.get("/contacts", api_key=acme.key)[0] == 200


def test_a_revoked_key_stops_working_at_once_and_lists_show_only_prefixes(acme: Api) -> None:
    status, _, created = acme.post("/api-keys", {"name": "zapier"})
    assert status == 201 and created["secret"].startswith(created["prefix"])
    other = Api(acme.module, acme.lambda_context, created["secret"])
    assert other.get("/contacts")[0] == 200
    _, _, listed = acme.get("/api-keys")
    assert {k["name"] for k in listed["items"]} == {"tests", "zapier"}
    assert all("secret" not in k and "key_hash" not in k for k in listed["items"])
    assert acme.delete(f"/api-keys/{created['key_id']}")[0] == 204
    assert other.get("/contacts")[0] == 401
    revoked = next(k for k in acme.get("/api-keys")[2]["items"] if k["key_id"] == created["key_id"])
    assert revoked["revoked_at"]


# -- contacts ------------------------------------------------------------------------------------


def test_create_get_patch_delete_a_contact(acme: Api) -> None:
    created = new_contact(acme, external_codes={"crm": " 42 "})
    assert created["phones"][0]["e164"] == "+380671234567" and created["version"] == 1
    assert created["external_codes"] == {"crm": "42"}
    status, headers, got = acme.get(f"/contacts/{created['id']}")
    assert status == 200 and got == created and headers["ETag"] == '"1"'
    status, _, patched = acme.patch(f"/contacts/{created['id']}", {"company": "Коваль", "version": 1})
    assert status == 200 and patched["company"] == "Коваль" and patched["name"] == "Олена"
    assert patched["version"] == 2
    # a stale version: 409 from the body, 412 from If-Match; nothing changes
    status, _, body = acme.patch(f"/contacts/{created['id']}", {"company": "X", "version": 1})
    assert status == 409 and body["error"]["code"] == "version_mismatch"
    status, _, body = acme.patch(f"/contacts/{created['id']}", {"company": "X"}, headers={"If-Match": '"1"'})
    assert status == 412
    assert acme.get(f"/contacts/{created['id']}")[2]["company"] == "Коваль"
    assert acme.get("/contacts/by-external-code/crm/42")[2]["id"] == created["id"]
    assert acme.delete(f"/contacts/{created['id']}", headers={"If-Match": '"1"'})[0] == 412
    assert acme.delete(f"/contacts/{created['id']}")[0] == 204
    assert acme.get(f"/contacts/{created['id']}")[0] == 404
    assert acme.get("/contacts", phone="0671234567")[2]["items"] == []
    assert acme.get("/contacts/by-external-code/crm/42")[0] == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 301}, "name"),
        ({"phones": [{"number": str(380670000000 + i)} for i in range(11)]}, "phones"),
        ({"name": "A", "unknown": 1}, "unknown"),
        ({"phones": [{"number": "12"}]}, None),
        ({"type": "boss"}, "type"),
        ({"external_codes": {"Bad Vendor": "1"}}, "external_codes"),
    ],
)
def test_invalid_contacts_are_clear_400s_and_store_nothing(acme: Api, body: dict, field: str | None) -> None:
    status, _, answer = acme.post("/contacts", body)
    assert status == 400, answer
    if field:
        assert any(field in d["field"] for d in answer["error"]["details"]), answer
    assert acme.get("/contacts")[2]["items"] == []


def test_bodies_over_the_limit_are_a_clear_400(acme: Api) -> None:
    status, _, body = acme.post("/contacts", {"description": "x" * 300_000})
    assert status == 400 and body["error"]["code"] == "body_too_large"


def test_lists_page_by_cursor_and_filter(acme: Api) -> None:
    for index in range(7):
        new_contact(
            acme,
            name=f"Name {index}",
            type="lead" if index % 2 else "contact",
            phones=[{"number": f"067000000{index}"}],
        )
    seen, cursor = [], None
    while True:
        status, _, page = acme.get("/contacts", limit=3, cursor=cursor)
        assert status == 200 and len(page["items"]) <= 3
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Name {i}" for i in range(7)]
    leads = acme.get("/contacts", type="lead", limit=2)[2]
    assert [c["name"] for c in leads["items"]] == ["Name 1", "Name 3"] and leads["next_cursor"]
    more = acme.get("/contacts", type="lead", limit=2, cursor=leads["next_cursor"])[2]
    assert [c["name"] for c in more["items"]] == ["Name 5"]
    assert [c["name"] for c in acme.get("/contacts", name="name 6")[2]["items"]] == ["Name 6"]
    assert [c["name"] for c in acme.get("/contacts", phone="+380670000004")[2]["items"]] == ["Name 4"]
    # a cursor only works for the list it came from
    status, _, body = acme.get("/contacts", type="contact", cursor=leads["next_cursor"])
    assert status == 400 and body["error"]["code"] == "invalid_cursor"
    assert acme.get("/contacts", cursor="garbage")[0] == 400
    assert acme.get("/contacts", limit=101)[0] == 400


def test_contacts_name_filter_matches_any_word_any_case_and_yo(acme: Api, globex: Api) -> None:
    wanted = new_contact(acme, name="Анастасия Берёзкина", company="ТОВ Ромашка")
    new_contact(acme, name="Пётр Иванов", phones=[{"number": "0501112233"}])
    new_contact(globex, name="Анастасия Березкина", phones=[{"number": "89222220000"}])
    for query in ("Березкина", "БЕРЕЗКИНА", "берёз", "Анастасия Бер", "ромашка"):
        status, _, page = acme.get("/contacts", name=query)
        assert status == 200 and [c["id"] for c in page["items"]] == [wanted["id"]], query
    by_phone = acme.get("/contacts", phone="0671234567", name="березкина")[2]["items"]
    assert [c["id"] for c in by_phone] == [wanted["id"]]
    assert acme.get("/contacts", phone="0671234567", name="иванов")[2]["items"] == []
    assert acme.get("/contacts", name="!!!")[2]["items"] == []


def test_updated_since_lists_changes_oldest_first(acme: Api) -> None:
    first = new_contact(acme, name="First", phones=[])
    second = new_contact(acme, name="Second", phones=[])
    acme.patch(f"/contacts/{first['id']}", {"email": "first@example.com"})
    since = second["updated_at"]
    iso = (
        __import__("datetime").datetime.fromtimestamp(since / 1000, tz=__import__("datetime").UTC).isoformat()
    )
    _, _, page = acme.get("/contacts", updated_since=iso)
    assert [c["name"] for c in page["items"]] == ["Second", "First"]


def test_another_tenants_objects_are_404(acme: Api, globex: Api, seeded: Seeded) -> None:
    contact = new_contact(acme, external_codes={"crm": "7"})
    for method, path in [
        ("GET", f"/contacts/{contact['id']}"),
        ("PATCH", f"/contacts/{contact['id']}"),
        ("DELETE", f"/contacts/{contact['id']}"),
        ("GET", "/contacts/by-external-code/crm/7"),
        ("GET", f"/employees/{seeded.manager.id}"),
        ("PATCH", f"/employees/{seeded.manager.id}"),
    ]:
        status, _, _ = globex.request(method, path, {} if method == "PATCH" else None)
        assert status == 404, (method, path)
    assert globex.get("/contacts")[2]["items"] == []
    assert globex.get("/contacts", phone="0671234567")[2]["items"] == []
    keys = acme.get("/api-keys")[2]["items"]
    assert globex.delete(f"/api-keys/{keys[0]['key_id']}")[0] == 404
    assert acme.get(f"/contacts/{contact['id']}")[0] == 200


# -- idempotency ---------------------------------------------------------------------------------


def test_a_retried_create_with_the_same_idempotency_key_makes_one_record(acme: Api) -> None:
    body = {"name": "Retry", "phones": [{"number": "0501112233"}]}
    first = acme.post("/contacts", body, headers={"Idempotency-Key": "k-1"})
    second = acme.post("/contacts", body, headers={"Idempotency-Key": "k-1"})
    assert first[0] == second[0] == 201 and first[2] == second[2]
    assert len(acme.get("/contacts")[2]["items"]) == 1
    status, _, answer = acme.post("/contacts", {**body, "name": "Other"}, headers={"Idempotency-Key": "k-1"})
    assert status == 409 and answer["error"]["code"] == "idempotency_key_reused"
    assert acme.post("/contacts", body, headers={"Idempotency-Key": "k-2"})[0] == 201
    assert len(acme.get("/contacts")[2]["items"]) == 2


def test_a_failed_request_is_not_remembered(acme: Api) -> None:
    bad = {"name": "A", "responsible_employee_id": "nobody"}
    assert acme.post("/contacts", bad, headers={"Idempotency-Key": "k-3"})[0] == 400
    assert acme.post("/contacts", bad, headers={"Idempotency-Key": "k-3"})[0] == 400


def test_idempotency_keys_are_per_tenant(acme: Api, globex: Api) -> None:
    body = {"name": "Same"}
    a = acme.post("/contacts", body, headers={"Idempotency-Key": "shared"})[2]
    g = globex.post("/contacts", body, headers={"Idempotency-Key": "shared"})[2]
    assert a["id"] != g["id"] and globex.get(f"/contacts/{g['id']}")[0] == 200


# -- import --------------------------------------------------------------------------------------


def test_import_answers_per_row_and_merges_by_code_then_phone(acme: Api) -> None:
    existing = new_contact(acme, name="Old", external_codes={"crm": "1"}, phones=[{"number": "0670000001"}])
    rows = [
        {"external_codes": {"crm": "1"}, "email": "old@example.com", "phones": [{"number": "0670000009"}]},
        {"name": "New A", "phones": [{"number": "0501230000"}]},
        {"name": "New A again", "phones": [{"number": "+380501230000"}], "email": "a@example.com"},
        {"name": "Broken", "phones": [{"number": "12"}]},
        {"name": 5, "bogus": True},
    ]
    status, _, result = acme.post("/contacts/import", {"merge": True, "rows": rows})
    assert status == 200, result
    assert [r["status"] for r in result["rows"]] == ["updated", "created", "updated", "failed", "failed"]
    assert (result["created"], result["updated"], result["failed"]) == (1, 2, 2)
    assert result["rows"][3]["error"]["code"] == "invalid_phone"
    assert result["rows"][4]["error"]["code"] == "invalid_row"
    old = acme.get(f"/contacts/{existing['id']}")[2]
    assert old["email"] == "old@example.com" and old["name"] == "Old"
    assert [p["e164"] for p in old["phones"]] == ["+380670000001", "+380670000009"]
    new = acme.get(f"/contacts/{result['rows'][1]['id']}")[2]
    assert new["name"] == "New A again" and new["email"] == "a@example.com"
    assert result["rows"][2]["id"] == new["id"]


def test_import_without_merge_creates_and_refuses_taken_codes(acme: Api) -> None:
    new_contact(acme, external_codes={"crm": "1"})
    rows = [
        {"name": "Dup", "external_codes": {"crm": "1"}},
        {"name": "Fresh", "phones": [{"number": "0671234567"}]},
    ]
    _, _, result = acme.post("/contacts/import", {"rows": rows})
    assert [r["status"] for r in result["rows"]] == ["failed", "created"]
    assert result["rows"][0]["error"]["code"] == "conflict"
    assert len(acme.get("/contacts", phone="0671234567")[2]["items"]) == 2


def test_import_refuses_more_than_10000_rows(acme: Api) -> None:
    status, _, body = acme.post("/contacts/import", {"rows": [{}] * 10_001})
    assert status == 400 and body["error"]["details"][0]["field"].endswith("rows")


# -- calls and callbacks -------------------------------------------------------------------------


def record_call(seeded: Seeded, event_file: str, **overrides: Any) -> None:
    from hub import wiring

    context = seeded.context("acme")
    wiring.call_service().record_pbx_event(
        context, phonet_record(context, {**event_body(event_file), **overrides})
    )


def test_calls_list_by_time_and_filters_and_detail_with_events(
    acme: Api, globex: Api, seeded: Seeded
) -> None:
    record_call(seeded, "phonet_events/call_dial.json")
    record_call(seeded, "phonet_events/call_bridge.json")
    record_call(seeded, "phonet_events/call_hangup.json")
    record_call(seeded, "phonet_events/missed_hangup.json", uuid="5b0c6d1e2f3a4b5c6d7e8f9a0b1c2d3e")
    _, _, page = acme.get("/calls")
    assert len(page["items"]) == 2
    statuses = {c["status"] for c in page["items"]}
    assert statuses == {"answered", "missed"}
    assert [c["status"] for c in acme.get("/calls", status="missed")[2]["items"]] == ["missed"]
    answered = acme.get("/calls", status="answered")[2]["items"][0]
    status, _, detail = acme.get(f"/calls/{answered['uuid']}")
    assert status == 200 and {e["event"] for e in detail["events"]} >= {"dial", "bridge", "hangup"}
    assert detail["recordings"] and "legs" not in detail
    assert acme.get("/calls", until="2000-01-01T00:00:00Z")[2]["items"] == []
    assert globex.get(f"/calls/{answered['uuid']}")[0] == 404
    assert globex.get("/calls")[2]["items"] == []


def test_callbacks_open_then_closed_by_hand(acme: Api, globex: Api, seeded: Seeded) -> None:
    record_call(seeded, "phonet_events/missed_hangup.json")
    _, _, page = acme.get("/callbacks")
    (callback,) = page["items"]
    assert callback["open"] and callback["count"] == 1
    assert globex.post(f"/callbacks/{callback['phone']}/close")[0] == 404
    status, _, closed = acme.post(
        f"/callbacks/{callback['phone'].replace('+', '%2B')}/close", {"employee_id": seeded.manager.id}
    )
    assert status == 200 and closed["closed_by_employee_ext"] == "001" and not closed["open"]
    assert acme.get("/callbacks")[2]["items"] == []
    assert [c["phone"] for c in acme.get("/callbacks", status="closed")[2]["items"]] == [callback["phone"]]
    assert acme.post(f"/callbacks/{callback['phone']}/close")[0] == 404


def test_callbacks_assigned_on_the_version_read_and_listed_by_assignee(
    acme: Api, globex: Api, seeded: Seeded
) -> None:
    record_call(seeded, "phonet_events/missed_hangup.json")
    (callback,) = acme.get("/callbacks")[2]["items"]
    assert (callback["lines"], callback["missed_by"]) == (
        [{"number": "+380442246595", "name": "www.phonet.com.ua"}],
        ["001"],
    )
    path = f"/callbacks/{callback['phone'].replace('+', '%2B')}/assignee"
    mine = {"employee_id": seeded.manager.id, "version": callback["version"]}
    assert globex.request("PUT", path, {**mine, "employee_id": None})[0] == 404  # not theirs
    assert globex.request("PUT", path, mine)[0] == 400  # nor is acme's employee
    status, _, assigned = acme.request("PUT", path, mine)
    assert status == 200 and assigned["assigned_to"] == seeded.manager.id
    assert assigned["version"] == callback["version"] + 1
    status, _, body = acme.request("PUT", path, {"employee_id": None, "version": callback["version"]})
    assert (status, body["error"]["code"]) == (409, "version_mismatch")  # a stale second assignment
    status, _, body = acme.request("PUT", path, {"employee_id": "nobody", "version": assigned["version"]})
    assert (status, body["error"]["code"]) == (400, "unknown_employee")
    assert acme.get("/callbacks", assigned_to=seeded.manager.id)[2]["items"] == [assigned]
    assert acme.get("/callbacks", assigned_to="someone-else")[2]["items"] == []
    assert acme.request("PUT", path, {"employee_id": None})[0] == 400  # the version is required


# -- employees and settings ----------------------------------------------------------------------


def test_employees_create_update_and_login_rules(acme: Api, seeded: Seeded) -> None:
    status, _, anna = acme.post(
        "/employees", {"name": "Anna", "login": "Anna", "password": "long-enough", "ext": "105"}
    )
    assert (
        status == 201 and anna["login"] == "anna" and "password" not in anna and "password_hash" not in anna
    )
    assert acme.post("/employees", {"name": "Other", "login": "anna"})[0] == 409
    status, _, changed = acme.patch(
        f"/employees/{anna['id']}", {"login": "anna.k", "obzvonilka_user_id": "17"}
    )
    assert status == 200 and changed["login"] == "anna.k" and changed["obzvonilka_user_id"] == "17"
    # the old login is free again, the new one is taken
    assert acme.post("/employees", {"name": "New Anna", "login": "anna"})[0] == 201
    assert acme.patch(f"/employees/{anna['id']}", {"login": "anna"})[0] == 409
    from hub import wiring

    assert wiring.authenticator().authenticate("acme", "anna.k", "long-enough").id == anna["id"]
    names = {e["name"] for e in acme.get("/employees")[2]["items"]}
    assert names == {"Иван Менеджер", "Anna", "New Anna"}
    # an employee created a moment ago can be made responsible at once
    assert new_contact(acme, responsible_employee_id=anna["id"])["responsible_employee_id"] == anna["id"]


def test_settings_patch_of_one_nested_field_keeps_its_siblings(acme: Api) -> None:
    """The REST API and hubctl share one settings update: a nested setting changes key by key."""
    status, _, changed = acme.patch("/settings", {"settings": {"avtodialer_fields": {"answer": ["Ответ"]}}})
    fields = changed["settings"]["avtodialer_fields"]
    assert status == 200 and fields["answer"] == ["Ответ"]
    assert fields["phone"] == ["phone", "Номер_абонента"]  # the default, not reset by the patch
    status, _, changed = acme.patch("/settings", {"settings": {"avtodialer_fields": {"phone": ["Тел"]}}})
    assert changed["settings"]["avtodialer_fields"]["answer"] == ["Ответ"]


def test_settings_language_takes_ukrainian_and_refuses_a_country_code(acme: Api) -> None:
    status, _, changed = acme.patch("/settings", {"language": "uk"})
    assert status == 200 and changed["language"] == "uk"
    assert acme.patch("/settings", {"language": "ua"})[0] == 400  # a country, not a language
    assert acme.get("/settings")[2]["language"] == "uk"


def test_settings_read_and_change_and_credentials_are_write_only(acme: Api, globex: Api) -> None:
    status, _, settings = acme.get("/settings")
    assert status == 200 and settings["default_country"] == "UA"
    assert settings["credentials"]["phonet"] == {"configured": False, "updated_at": None}
    status, _, changed = acme.patch(
        "/settings",
        {
            "timezone": "Europe/Warsaw",
            "settings": {
                "leads_from_outbound": True,
                "own_numbers": ["044 123 45 67"],
                "public_base_url": "https://crm.acme.example",
            },
        },
    )
    assert status == 200, changed
    assert changed["timezone"] == "Europe/Warsaw" and changed["settings"]["own_numbers"] == ["+380441234567"]
    assert changed["settings"]["leads_from_inbound"] is True  # untouched
    assert acme.patch("/settings", {"timezone": "Mars/Olympus"})[0] == 400
    assert acme.patch("/settings", {"settings": {"phonet_ip_allowlist": ["not an ip"]}})[0] == 400
    assert acme.get("/settings")[2]["timezone"] == "Europe/Warsaw"
    secret = "phonet-api-key-very-secret"
    status, _, _ = acme.request(
        "PUT", "/settings/credentials/phonet", {"api_key": secret, "domain": "acme.phonet.com.ua"}
    )
    assert status == 204
    text = json.dumps(acme.get("/settings")[2])
    assert secret not in text and json.loads(text)["credentials"]["phonet"]["configured"] is True
    assert globex.get("/settings")[2]["credentials"]["phonet"]["configured"] is False
    assert acme.request("PUT", "/settings/credentials/nobody", {"api_key": "x"})[0] == 400
    assert acme.request("DELETE", "/settings/credentials/phonet")[0] == 204
    assert acme.get("/settings")[2]["credentials"]["phonet"]["configured"] is False


def test_openapi_document_is_public(module: Any, lambda_context: Any, seeded: Seeded) -> None:
    status, _, document = Api(module, lambda_context, None).get("/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.")
    assert "/api/v1/contacts" in document["paths"]


def test_every_object_route_answers_404_to_another_tenants_key(
    acme: Api, globex: Api, seeded: Seeded
) -> None:
    """Each operation of the OpenAPI document that names an object, given acme's object and
    globex's key: 404, and acme's object is unchanged."""
    record_call(seeded, "phonet_events/missed_hangup.json")
    contact = new_contact(acme, external_codes={"crm": "9"})
    callback = acme.get("/callbacks")[2]["items"][0]
    call = acme.get("/calls")[2]["items"][0]
    key = acme.get("/api-keys")[2]["items"][0]
    job = acme.post("/contacts/import", {"rows": [{"name": "Imported"}]})[2]
    listed = acme.request("PUT", f"/do-not-call/{callback['phone']}", {"reason": "acme's"})[2]
    campaign = {
        "provider": "avtodialer",
        "scenario": "1",
        "records": [{"phone": "+380501112233"}],
        "pages": 2,
    }
    batch = acme.post("/dial-batches", campaign, headers={"Idempotency-Key": "acme's"})[2]
    ids = {
        "batch_id": batch["id"],
        "number": "0",
        "page": "2",
        "job_id": job["job_id"],
        "contact_id": contact["id"],
        "system": "crm",
        "code": "9",
        "uuid": call["uuid"],
        "phone": callback["phone"],
        "employee_id": seeded.manager.id,
        "key_id": key["key_id"],
    }
    document = acme.module.openapi_document()
    probed = 0
    for path, operations in document["paths"].items():
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        # a live call is the tenant's PBX's, not a stored object (without credentials a 409 comes
        # first); a vendor, a sync source: no objects either
        if not names or "vendor" in names or "source" in names or path.startswith("/api/v1/calls/active/"):
            continue
        concrete = path.removeprefix("/api/v1")
        for name in names:
            concrete = concrete.replace(f"{{{name}}}", ids[name])
        for method in operations:
            # a page is checked for its records before its batch is looked for
            body = {"records": [{"phone": "+380501112244"}]} if "{page}" in path else {}
            if path.endswith("/assignee"):
                body = {"employee_id": None, "version": 1}
            status, _, _ = globex.request(method.upper(), concrete, body if method != "get" else None)
            if path.startswith("/api/v1/do-not-call/") and method in ("put", "delete"):
                # a number is no object: globex lists (201) and unlists (204) it on its own list
                assert status == {"put": 201, "delete": 204}[method], (method, path)
                continue
            assert status == 404, (method, path)
            probed += 1
    assert probed == 20  # every object operation but the credentials and sync ones
    assert acme.get(f"/dial-batches/{batch['id']}")[2]["pages_received"] == 1
    assert acme.get(f"/do-not-call/{callback['phone']}")[2] == listed
    assert acme.get(f"/contacts/{contact['id']}")[2] == contact
    assert acme.get("/callbacks")[2]["items"] == [callback]
    assert acme.get(f"/employees/{seeded.manager.id}")[0] == 200


def test_call_detail_shows_what_the_call_history_added(acme: Api, seeded: Seeded) -> None:
    from hub import wiring
    from hub.vendors.phonet.history import finished_call
    from hub.vendors.phonet.rest import FinishedCall as HistoryRow

    record_call(seeded, "phonet_events/call_dial.json")
    row = {
        "uuid": event_body("phonet_events/call_dial.json")["uuid"],
        "endAt": 1431686160789,
        "lgDirection": 4,
        "otherLegNum": "+380000000000",
        "leg": {"id": 36, "type": 1, "ext": "001", "displayName": "Иван Иванов"},
        "billSecs": 55,
        "duration": 60,
        "disposition": 0,
        "transferHistory": "003 > 001",
    }
    history = finished_call(HistoryRow.model_validate(row), "UA")
    wiring.call_service().record_finished_call(seeded.context("acme"), history)
    (summary,) = acme.get("/calls")[2]["items"]
    assert (summary["status"], summary["talk_seconds"], summary["total_seconds"]) == ("answered", 55, 60)
    assert (summary["disposition"], summary["transfer_history"]) == ("answered", "003 > 001")
    detail = acme.get(f"/calls/{row['uuid']}")[2]
    assert [(r["uuid"], r["direction_code"], r["disposition"]) for r in detail["history"]] == [
        (row["uuid"], 4, "answered")
    ]


# -- do-not-call ---------------------------------------------------------------------------------


def test_do_not_call_put_get_list_delete_in_any_local_form(acme: Api, globex: Api) -> None:
    # when: listed in a local form, then again in another
    status, _, first = acme.request("PUT", "/do-not-call/%28050%29%20111-22-33", {"reason": "asked"})
    again_status, _, again = acme.request("PUT", "/do-not-call/%2B380501112233", {"reason": "other"})
    # then: one entry, the first one, answered both times
    assert status == 201 and first["phone"] == "+380501112233" and first["reason"] == "asked"
    assert first["source"] == "api" and first["listed_by"].startswith("api:")
    assert (again_status, again) == (200, first)
    assert acme.get("/do-not-call/0501112233")[2] == first
    assert acme.request("PUT", "/do-not-call/0671234567")[0] == 201  # no body
    assert [e["phone"] for e in acme.get("/do-not-call")[2]["items"]] == ["+380501112233", "+380671234567"]
    # and another tenant sees none of it
    assert globex.get("/do-not-call/%2B380501112233")[0] == 404
    assert globex.get("/do-not-call")[2] == {"items": [], "next_cursor": None}
    # when: removed, twice
    assert acme.delete("/do-not-call/0501112233")[0] == 204
    assert acme.delete("/do-not-call/0501112233")[0] == 204
    status, _, body = acme.get("/do-not-call/0501112233")
    assert status == 404 and body["error"]["code"] == "not_listed"


@pytest.mark.parametrize(
    ("method", "body"), [("PUT", None), ("GET", None), ("DELETE", None), ("PUT", {"reason": "x"})]
)
def test_do_not_call_unreadable_number_is_a_400_in_the_error_format(
    acme: Api, method: str, body: dict | None
) -> None:
    status, _, answer = acme.request(method, "/do-not-call/12", body)
    assert status == 400 and answer["error"]["code"] == "invalid_phone"
    assert acme.get("/do-not-call")[2]["items"] == []


@pytest.mark.parametrize(
    "body",
    [{"reason": "x" * 201}, {"reason": "ok", "extra": 1}, {"reason": ["x"]}],
    ids=["reason_too_long", "unknown_field", "reason_not_text"],
)
def test_do_not_call_bad_reason_is_a_400_and_lists_nothing(acme: Api, body: dict) -> None:
    status, _, answer = acme.request("PUT", "/do-not-call/0501112233", body)
    assert status == 400 and "error" in answer
    assert acme.get("/do-not-call/0501112233")[0] == 404


def test_do_not_call_list_pages_by_cursor(acme: Api) -> None:
    phones = [f"050111{n:04d}" for n in range(7)]
    assert acme.post("/do-not-call/imports", {"phones": phones})[2]["added"] == 7
    first = acme.get("/do-not-call", limit=3)[2]
    second = acme.get("/do-not-call", limit=3, cursor=first["next_cursor"])[2]
    third = acme.get("/do-not-call", limit=3, cursor=second["next_cursor"])[2]
    listed = [e["phone"] for page in (first, second, third) for e in page["items"]]
    assert listed == [f"+380501110{n:03d}" for n in range(7)] and third["next_cursor"] is None
    status, _, body = acme.get("/do-not-call", limit=3, cursor=first["next_cursor"][:-2] + "xx")
    assert status == 400 and body["error"]["code"] == "invalid_cursor"
    assert acme.get("/contacts", cursor=first["next_cursor"])[0] == 400  # another list's cursor


def test_do_not_call_import_counts_rows_and_is_idempotent(acme: Api) -> None:
    acme.request("PUT", "/do-not-call/0671234567", {"reason": "first"})
    body = {"phones": ["0501112233", "+380501112233", "", "abc", "067 123 45 67", 380442246595, None]}
    key = {"Idempotency-Key": "dnc-import-1"}
    status, headers, answer = acme.post("/do-not-call/imports", body, headers=key)
    assert status == 200, answer
    assert answer == {
        "added": 2,
        "already_listed": 1,
        "duplicates": 1,
        "invalid": 3,
        "invalid_rows": [
            {"row": 2, "reason": "empty"},
            {"row": 3, "reason": "not_a_phone_number"},
            {"row": 6, "reason": "empty"},
        ],
    }
    # a retry answers the same, listing nothing again; the same key with other numbers is refused
    assert acme.post("/do-not-call/imports", body, headers=key)[2] == answer
    assert acme.post("/do-not-call/imports", {"phones": ["0501112299"]}, headers=key)[0] == 409
    assert acme.get("/do-not-call/0671234567")[2]["reason"] == "first"
    imported = acme.get("/do-not-call/0442246595")[2]
    assert imported["source"] == "import" and imported["listed_by"].startswith("api:")
    # without a key, the same rows again: all listed already
    assert acme.post("/do-not-call/imports", body)[2]["already_listed"] == 3


def test_do_not_call_import_of_the_largest_all_invalid_request_is_answered_and_replayed(acme: Api) -> None:
    body = {"phones": ["not a number!"] * 5000}
    key = {"Idempotency-Key": "dnc-import-large"}
    status, _, answer = acme.post("/do-not-call/imports", body, headers=key)
    assert status == 200 and answer["invalid"] == 5000 and len(answer["invalid_rows"]) == 5000
    assert acme.post("/do-not-call/imports", body, headers=key)[2] == answer  # its record fit


@pytest.mark.parametrize(
    "body",
    [{"phones": []}, {"phones": ["0501112233"] * 5001}, {"phones": [{"n": 1}]}, {"numbers": ["1"]}, [1]],
    ids=["empty", "too_many", "object_row", "wrong_field", "not_an_object"],
)
def test_do_not_call_import_bad_request_is_a_400_and_lists_nothing(acme: Api, body: Any) -> None:
    status, _, answer = acme.post("/do-not-call/imports", body)
    assert status == 400 and "error" in answer
    assert acme.get("/do-not-call")[2]["items"] == []


def test_do_not_call_needs_a_key(module: Any, lambda_context: Any, seeded: Seeded) -> None:
    anonymous = Api(module, lambda_context, None)
    for method, path in [("GET", "/do-not-call"), ("PUT", "/do-not-call/0501112233")]:
        assert anonymous.request(method, path)[0] == 401
    assert anonymous.post("/do-not-call/imports", {"phones": ["0501112233"]})[0] == 401
