"""Credentials and sessions end when they are revoked, lockout holds under parallel attempts, logins
are bounded, API-key secrets exist once, employees are PBX-shaped (unique extension, deactivation,
presence)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from hub import wiring
from hub.domain import auth
from hub.domain import tenants as tenant_domain
from hub.domain.auth import Authenticator
from hub.domain.tenants import add_employee, create_api_key, update_employee
from hub.errors import TooManyAttempts, Unauthorized
from hub.store.calls import CallStore
from tests.conftest import Seeded
from tests.integration.test_app_pages import PASSWORD as PAGES_PASSWORD
from tests.integration.test_app_pages import Browser
from tests.integration.test_rest_api import Api
from tests.integration.test_telefum import PASSWORD, creds
from tests.integration.test_telefum import request as telefum_request
from tests.support import load_function


@pytest.fixture
def operator(seeded: Seeded):
    return add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Оператор", ext="005", login="op", password=PASSWORD
    )


@pytest.fixture
def anna(seeded: Seeded):
    return add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Анна", ext="007", login="anna", password=PAGES_PASSWORD
    )


@pytest.fixture
def telefum(operator):
    return load_function("telefum")


@pytest.fixture
def pages(anna):
    return load_function("app_pages")


@pytest.fixture
def api(seeded: Seeded, lambda_context: Any) -> Api:
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    return Api(load_function("rest_api"), lambda_context, secret)


def find(telefum: Any, lambda_context: Any, **params: str) -> str:
    """ "answered" or "refused": TelefUM hears its errors as the spec's XML with status 200."""
    status, root, _ = telefum_request(
        telefum, lambda_context, creds(typereq="find", phone="0123456789", **params)
    )
    assert status == 200
    return "refused" if root.findtext("result") == "error" else "answered"


def items(client: Any, table: str) -> list[dict[str, Any]]:
    return client.scan(TableName=table)["Items"]


# -- revoked credentials stop at once ----------------------------------------------------------------


def test_telefum_revoked_api_key_is_refused_on_the_next_request(seeded, telefum, lambda_context) -> None:
    key, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant)
    assert find(telefum, lambda_context, password=secret) == "answered"
    seeded.tenant_store.revoke_api_key("acme", key.key_id, 1)
    assert find(telefum, lambda_context, password=secret) == "refused"


def test_telefum_changed_password_is_refused_on_the_next_request(
    seeded, telefum, operator, lambda_context
) -> None:
    assert find(telefum, lambda_context) == "answered"  # remembered by this warm function
    update_employee(seeded.tenant_store, operator, {"password": "a-new-password"})
    assert find(telefum, lambda_context) == "refused"
    assert find(telefum, lambda_context, password="a-new-password") == "answered"


def test_telefum_removed_login_is_refused_on_the_next_request(
    seeded, telefum, operator, lambda_context
) -> None:
    assert find(telefum, lambda_context) == "answered"
    update_employee(seeded.tenant_store, operator, {"login": None})
    assert find(telefum, lambda_context) == "refused"


def test_telefum_deactivated_employee_is_refused_on_the_next_request(
    seeded, telefum, operator, lambda_context
) -> None:
    assert find(telefum, lambda_context) == "answered"
    tenant_domain.deactivate_employee(seeded.tenant_store, operator)
    assert find(telefum, lambda_context) == "refused"


def test_pages_sign_in_changed_password_or_removed_login_is_refused_at_once(
    seeded, pages, anna, lambda_context
) -> None:
    assert Browser(pages, lambda_context).sign_in()[0] == 303
    anna = update_employee(seeded.tenant_store, anna, {"password": "changed-password"})
    assert Browser(pages, lambda_context).sign_in()[0] == 401
    assert Browser(pages, lambda_context).sign_in(password="changed-password")[0] == 303
    update_employee(seeded.tenant_store, anna, {"login": None})
    assert Browser(pages, lambda_context).sign_in(password="changed-password")[0] == 401


def test_pages_sign_in_refuses_an_api_key_as_the_password(seeded, pages, anna, lambda_context) -> None:
    """A page session is a person's: a key (TelefUM's machine credential) opens none, so revoking
    a key can leave no session behind."""
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant)
    status, _, body = Browser(pages, lambda_context).sign_in(password=secret)
    assert status == 401 and "hub_session" not in body


def test_pages_deactivated_employee_cannot_sign_in(seeded, pages, anna, lambda_context) -> None:
    tenant_domain.deactivate_employee(seeded.tenant_store, anna)
    status, _, body = Browser(pages, lambda_context).sign_in()
    assert status == 401 and "hub_session" not in body


# -- sessions end on the server ----------------------------------------------------------------------


def test_pages_signed_out_session_cookie_gets_the_sign_in_page(pages, lambda_context) -> None:
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    kept = dict(browser.cookies)  # what a copied cookie (or a browser ignoring Max-Age=0) still sends
    assert browser.post("/app/acme/logout")[0] == 303
    browser.cookies = kept
    status, headers, _ = browser.get("/app/acme/callbacks")
    assert status == 303 and headers["Location"].startswith("/app/acme/login")


def test_pages_password_change_ends_every_session_of_the_employee(
    seeded, pages, anna, lambda_context
) -> None:
    phone, desk = Browser(pages, lambda_context), Browser(pages, lambda_context)
    phone.sign_in()
    desk.sign_in()
    assert phone.get("/app/acme/callbacks")[0] == 200 and desk.get("/app/acme/callbacks")[0] == 200
    update_employee(seeded.tenant_store, anna, {"password": "changed-password"})
    assert phone.get("/app/acme/callbacks")[0] == 303 and desk.get("/app/acme/callbacks")[0] == 303


def test_pages_signing_out_on_one_device_keeps_the_other(pages, lambda_context) -> None:
    phone, desk = Browser(pages, lambda_context), Browser(pages, lambda_context)
    phone.sign_in()
    desk.sign_in()
    phone.post("/app/acme/logout")
    assert desk.get("/app/acme/callbacks")[0] == 200


def test_pages_name_change_keeps_sessions_and_deactivation_ends_them(
    seeded, pages, anna, lambda_context
) -> None:
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    anna = update_employee(seeded.tenant_store, anna, {"name": "Анна Петровна"})
    status, _, body = browser.get("/app/acme/callbacks")
    assert status == 200 and "Анна Петровна" in body  # the page shows the current record
    tenant_domain.deactivate_employee(seeded.tenant_store, anna)
    assert browser.get("/app/acme/callbacks")[0] == 303


def test_pages_deactivation_through_the_api_ends_sessions(api, pages, anna, lambda_context) -> None:
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    assert api.delete(f"/employees/{anna.id}")[0] == 204
    assert browser.get("/app/acme/callbacks")[0] == 303
    status, _, body = api.get(f"/employees/{anna.id}")
    assert status == 200 and body["active"] is False and body["name"] == "Анна"


# -- bounded logins, a CR/LF return address ------------------------------------------------------------


def test_telefum_overlong_login_is_refused_in_xml_and_stores_nothing(seeded, telefum, lambda_context) -> None:
    before = items(seeded.tenant_store.client, seeded.tenant_store.table)
    status, root, _ = telefum_request(
        telefum, lambda_context, creds(typereq="find", phone="1", login="a" * 1100)
    )
    assert status == 200 and root.findtext("result") == "error"
    assert root.findtext("description") == "Неверные параметры запроса"
    assert items(seeded.tenant_store.client, seeded.tenant_store.table) == before


def test_pages_overlong_login_is_a_400_page_and_stores_nothing(seeded, pages, lambda_context) -> None:
    before = items(seeded.tenant_store.client, seeded.tenant_store.table)
    status, headers, body = Browser(pages, lambda_context).sign_in(login="a" * 1100)
    assert status == 400 and "<form" in body and "hub_session" not in body
    assert items(seeded.tenant_store.client, seeded.tenant_store.table) == before


def test_pages_crlf_in_next_is_a_400_page_and_mints_no_session(seeded, pages, lambda_context) -> None:
    browser = Browser(pages, lambda_context)
    browser.get("/app/acme/login")
    before = items(seeded.tenant_store.client, seeded.tenant_store.table)
    status, headers, body = browser.post(
        "/app/acme/login", login="anna", password=PAGES_PASSWORD, next="/app/acme/search\r\nSet-Cookie: x=1"
    )
    assert status == 400 and "Location" not in headers and "hub_session" not in browser.cookies
    assert items(seeded.tenant_store.client, seeded.tenant_store.table) == before


def test_rest_employee_overlong_login_is_a_400_on_create_and_patch(api, anna) -> None:
    assert api.post("/employees", {"name": "X", "login": "a" * 1100})[0] == 400
    assert api.patch(f"/employees/{anna.id}", {"login": "a" * 1100})[0] == 400
    assert api.patch(f"/employees/{anna.id}", {"login": " " * 60 + "b" * 60})[0] == 400


def test_rest_employee_password_shaped_like_an_api_key_is_a_400(api, anna) -> None:
    # A password starting "hub_" is read as an API key at every sign-in: it could never be used.
    assert api.post("/employees", {"name": "X", "login": "x1", "password": "hub_secret-123"})[0] == 400
    assert api.patch(f"/employees/{anna.id}", {"password": "hub_secret-123"})[0] == 400


# -- lockout and timing ------------------------------------------------------------------------------


def test_authenticator_48_parallel_wrong_passwords_check_exactly_5(seeded, operator, monkeypatch) -> None:
    checked: list[str] = []
    real = auth.verify_password

    def counting(stored: str, password: str) -> bool:
        checked.append(password)
        return real(stored, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    authenticator = Authenticator(seeded.tenant_store)

    def attempt(n: int) -> str:
        try:
            authenticator.authenticate("acme", "op", f"wrong-{n}")
        except TooManyAttempts:
            return "locked"
        except Unauthorized:
            return "wrong"
        return "in"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attempt, range(48)))
    assert len(checked) == 5
    assert outcomes.count("wrong") == 5 and outcomes.count("locked") == 43
    with pytest.raises(TooManyAttempts):
        authenticator.authenticate("acme", "op", PASSWORD)


def _failures(seeded: Seeded, failures: int, expires_at: int, **more: int) -> None:
    item = {"pk": "TENANT#acme", "sk": "LOGINFAIL#op", "failures": failures, "expires_at": expires_at}
    seeded.tenant_store.client.put_item(
        TableName=seeded.tenant_store.table,
        Item={k: ({"S": v} if isinstance(v, str) else {"N": str(v)}) for k, v in {**item, **more}.items()},
    )


def test_authenticator_stale_count_the_ttl_has_not_removed_yet_starts_afresh(seeded, operator) -> None:
    """DynamoDB's TTL may keep an expired item for days: five old failures must not lock today."""
    clock = [1_800_000_000.0]
    authenticator = Authenticator(seeded.tenant_store, clock=lambda: clock[0])
    _failures(seeded, 5, int(clock[0]) - 60)
    assert authenticator.authenticate("acme", "op", PASSWORD).login == "op"
    _failures(seeded, 4, int(clock[0]) - 60)
    with pytest.raises(Unauthorized):  # counted as the first of a new row, not the fifth
        authenticator.authenticate("acme", "op", "wrong")
    assert authenticator.authenticate("acme", "op", PASSWORD).login == "op"


def test_authenticator_limit_reached_but_lock_write_lost_stays_locked_until_it_expires(
    seeded, operator
) -> None:
    clock = [1_800_000_000.0]
    authenticator = Authenticator(seeded.tenant_store, clock=lambda: clock[0])
    _failures(seeded, 5, int(clock[0]) + 600)  # the fifth failure counted, its lock_login failed
    with pytest.raises(TooManyAttempts):
        authenticator.authenticate("acme", "op", PASSWORD)
    clock[0] += 601
    assert authenticator.authenticate("acme", "op", PASSWORD).login == "op"


def test_authenticator_unknown_login_also_runs_scrypt(seeded, operator, monkeypatch) -> None:
    checked: list[str] = []
    real = auth.verify_password
    monkeypatch.setattr(
        auth, "verify_password", lambda stored, pw: checked.append(stored) or real(stored, pw)
    )
    authenticator = Authenticator(seeded.tenant_store)
    for login in ("op", "nobody"):
        with pytest.raises(Unauthorized):
            authenticator.authenticate("acme", login, "wrong-password")
    assert len(checked) == 2 and all(stored.startswith("scrypt$16384$8$1$") for stored in checked)


def test_authenticator_right_password_after_wrong_ones_clears_the_count(seeded, operator) -> None:
    authenticator = Authenticator(seeded.tenant_store)
    for _ in range(4):
        with pytest.raises(Unauthorized):
            authenticator.authenticate("acme", "op", "wrong")
    assert authenticator.authenticate("acme", "op", PASSWORD).id == operator.id
    for _ in range(4):
        with pytest.raises(Unauthorized):
            authenticator.authenticate("acme", "op", "wrong")
    assert authenticator.authenticate("acme", "op", PASSWORD).id == operator.id


# -- an API key's secret exists once -------------------------------------------------------------------


def test_rest_idempotent_api_key_replay_never_shows_the_secret(seeded, api) -> None:
    headers = {"Idempotency-Key": "new-key-1"}
    status, _, first = api.post("/api-keys", {"name": "ci"}, headers=headers)
    assert status == 201 and first["secret"].startswith("hub_")
    status, _, replay = api.post("/api-keys", {"name": "ci"}, headers=headers)
    assert status == 409 and replay["error"]["code"] == "secret_shown_once"
    assert replay["error"]["details"] == {"key_id": first["key_id"], "prefix": first["prefix"]}
    assert first["secret"] not in json.dumps(replay)
    table = wiring.get_settings().idempotency_table
    records = items(seeded.tenant_store.client, table)
    assert len(records) == 1 and first["secret"] not in json.dumps(records)
    everywhere = json.dumps(items(seeded.tenant_store.client, seeded.tenant_store.table))
    assert first["secret"] not in everywhere
    keys = api.get("/api-keys")[2]["items"]
    assert [k["key_id"] for k in keys].count(first["key_id"]) == 1 and len(keys) == 2  # one key made


# -- employees as a PBX needs them ---------------------------------------------------------------------


def test_rest_employee_extension_taken_in_the_tenant_is_a_409(api, anna, seeded) -> None:
    status, _, body = api.post("/employees", {"name": "Dup", "ext": "007"})
    assert status == 409
    status, _, other = api.post("/employees", {"name": "Other", "ext": "008"})
    assert status == 201
    assert api.patch(f"/employees/{other['id']}", {"ext": "007"})[0] == 409
    # another tenant may use the same extension
    add_employee(seeded.tenant_store, seeded.globex.tenant, name="G", ext="007")
    # a deactivated employee frees the line for the next one; reactivating them then conflicts
    assert api.delete(f"/employees/{anna.id}")[0] == 204
    assert api.patch(f"/employees/{other['id']}", {"ext": "007"})[0] == 200
    assert api.patch(f"/employees/{anna.id}", {"active": True})[0] == 409
    assert api.patch(f"/employees/{anna.id}", {"active": True, "ext": "070"})[0] == 200
    assert api.patch(f"/employees/{anna.id}", {"active": 0})[0] == 400  # a boolean, not a number


def test_rest_employees_show_presence_from_the_pbx(seeded, api, anna) -> None:
    tables = [
        seeded.contact_store.table.replace("contacts", name) for name in ("calls", "contacts", "tenants")
    ]
    CallStore(*tables).set_presence("acme", "007", "away", 1_700_000_000_000)
    listed = {e["id"]: e for e in api.get("/employees")[2]["items"]}
    assert (listed[anna.id]["presence"], listed[anna.id]["presence_at"]) == ("away", 1_700_000_000_000)
    assert listed[seeded.manager.id]["presence"] is None
    assert api.get(f"/employees/{anna.id}")[2]["presence"] == "away"
    assert "password_hash" not in json.dumps(listed) and "sessions" not in json.dumps(listed)


def test_phonet_lookup_gives_no_ext_or_email_for_an_inactive_responsible(seeded) -> None:
    from hub.domain.contacts import ContactInput, ContactService, PhoneInput
    from hub.domain.lookup import lookup_caller

    service = ContactService(seeded.contact_store)
    data = ContactInput(
        name="Client", phones=[PhoneInput(number="0442246595")], responsible_employee_id=seeded.manager.id
    )
    service.create(seeded.context("acme"), data)
    assert lookup_caller(seeded.contact_store, seeded.context("acme"), "0442246595").responsible is not None
    tenant_domain.deactivate_employee(seeded.tenant_store, seeded.manager)
    context = seeded.context("acme")
    assert lookup_caller(seeded.contact_store, context, "0442246595").responsible is None
    assert context.employee_by_ext_or_email(seeded.manager.ext or "") is None


def test_pages_contact_card_marks_the_responsibles_presence(seeded, pages, anna, lambda_context) -> None:
    from hub.domain.contacts import ContactInput, ContactService, PhoneInput

    data = ContactInput(
        name="Client", phones=[PhoneInput(number="0442246595")], responsible_employee_id=anna.id
    )
    contact = ContactService(seeded.contact_store).create(seeded.context("acme"), data)
    tables = [
        seeded.contact_store.table.replace("contacts", name) for name in ("calls", "contacts", "tenants")
    ]
    CallStore(*tables).set_presence("acme", "007", "away", 1_700_000_000_000)
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    status, _, body = browser.get(f"/app/acme/contacts/{contact.id}")
    assert status == 200 and 'data-presence="away"' in body and "Отошёл" in body
