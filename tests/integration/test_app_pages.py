"""The hub's pages through their handler: sign-in, CSRF, search, card, new contact, callbacks, isolation."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from hub.domain.calls import CallService
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.models.tenant import Employee
from hub.store.calls import CallStore
from tests.conftest import Seeded
from tests.support import ACME_AVTODIALER_TOKEN, load_event, load_function, phonet_record

PASSWORD = "pages-pass-1"


class Browser:
    """Just enough of a browser: a cookie jar per path prefix, forms posted with their CSRF token."""

    def __init__(self, module: Any, lambda_context: Any, language: str = "ru") -> None:
        self.module, self.lambda_context, self.language = module, lambda_context, language
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, dict, str]:
        event = copy.deepcopy(load_event("telefum/find.json"))
        raw_path, _, query = path.partition("?")
        event["rawPath"] = event["requestContext"]["http"]["path"] = raw_path
        event["rawQueryString"] = query
        event["requestContext"]["http"]["method"] = method
        event["headers"]["accept-language"] = self.language
        event["cookies"] = [f"{k}={v}" for k, v in self.cookies.items()]
        if form is not None:
            event["body"] = urlencode(form)
            event["headers"]["content-type"] = "application/x-www-form-urlencoded"
        response = self.module.handler(event, self.lambda_context)
        for cookie in response.get("cookies", []):
            self.set_cookie_headers.append(cookie)
            name, _, rest = cookie.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response["statusCode"], response.get("headers", {}), response.get("body") or ""

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.request("GET", path)

    def post(self, path: str, **form: str) -> tuple[int, dict, str]:
        return self.request("POST", path, {"csrf": self.cookies.get("hub_csrf", ""), **form})

    def sign_in(
        self, tenant: str = "acme", login: str = "anna", password: str = PASSWORD
    ) -> tuple[int, dict, str]:
        self.get(f"/app/{tenant}/login")
        return self.post(f"/app/{tenant}/login", login=login, password=password, next="")


def call_store(seeded: Seeded) -> CallStore:
    tables = [
        seeded.contact_store.table.replace("contacts", name) for name in ("calls", "contacts", "tenants")
    ]
    return CallStore(*tables)


def call_service(seeded: Seeded) -> CallService:
    return CallService(call_store(seeded), seeded.contact_store, lambda _lead: None)


def employee(seeded: Seeded, login: str, tenant: str = "acme") -> Employee:
    return next(e for e in seeded.context(tenant).employees.values() if e.login == login)


def signed_in(pages: Any, lambda_context: Any, login: str = "anna", language: str = "ru") -> Browser:
    """A Browser signed in at acme (Anna unless told), its pages in `language`."""
    browser = Browser(pages, lambda_context, language=language)
    assert browser.sign_in(login=login)[0] == 303
    return browser


def add(seeded: Seeded, tenant: str = "acme", **fields: Any):
    numbers = fields.pop("numbers", ["0442246595"])
    data = ContactInput(phones=[PhoneInput(number=n) for n in numbers], **fields)
    return ContactService(seeded.contact_store).create(seeded.context(tenant), data)


def test_pages_need_a_session_and_send_you_back_after_sign_in(pages, lambda_context) -> None:
    browser = Browser(pages, lambda_context)
    status, headers, _ = browser.get("/app/acme/search?phone=0442246595")
    assert (
        status == 303
        and headers["Location"] == "/app/acme/login?next=%2Fapp%2Facme%2Fsearch%3Fphone%3D0442246595"
    )
    status, _, body = browser.get("/app/acme/login?next=%2Fapp%2Facme%2Fsearch%3Fphone%3D0442246595")
    assert status == 200 and 'name="csrf"' in body
    status, headers, _ = browser.post(
        "/app/acme/login", login="Anna", password=PASSWORD, next="/app/acme/search?phone=1"
    )
    assert (status, headers["Location"]) == (303, "/app/acme/search?phone=1")
    session = next(c for c in browser.set_cookie_headers if c.startswith("hub_session="))
    for flag in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/app/acme"):
        assert flag in session
    assert browser.get("/app/acme/callbacks")[0] == 200


def test_sign_in_refuses_wrong_password_missing_csrf_and_open_redirects(pages, lambda_context) -> None:
    browser = Browser(pages, lambda_context)
    status, _, body = browser.sign_in(password="wrong")
    assert status == 401 and "Неправильный логин или пароль" in body and "hub_session" not in browser.cookies
    forged = browser.request("POST", "/app/acme/login", {"login": "anna", "password": PASSWORD})
    assert forged[0] == 403
    status, headers, _ = browser.post(
        "/app/acme/login", login="anna", password=PASSWORD, next="https://evil.example/"
    )
    assert headers["Location"] == "/app/acme/callbacks"


def test_search_by_phone_and_by_name_then_card_with_playable_recording(seeded, pages, lambda_context) -> None:
    contact = add(
        seeded,
        name="Иван <script>alert(1)</script>",
        company="ООО Резюме",
        responsible_employee_id=seeded.manager.id,
    )
    calls = CallService(
        CallStore(
            *[seeded.contact_store.table.replace("contacts", t) for t in ("calls", "contacts", "tenants")]
        ),
        seeded.contact_store,
        lambda _lead: None,
    )
    base = {
        "uuid": "pagecall00000000000000000000",
        "lgDirection": 4,
        "accountDomain": "acme.phonet.com.ua",
        "dialAt": 1_700_000_000,
        "leg": {"ext": "001"},
        "otherLegs": [{"num": "0442246595"}],
    }
    for name, extra in [
        ("call.dial", {}),
        ("call.bridge", {"bridgeAt": 1_700_000_004}),
        ("call.hangup", {"bridgeAt": 1_700_000_004, "serverTime": 1_700_000_064_000}),
    ]:
        calls.record_pbx_event(seeded.acme, phonet_record(seeded.acme, {**base, "event": name, **extra}))
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    _, _, by_phone = browser.get("/app/acme/search?phone=%2B380442246595")
    assert f'href="/app/acme/contacts/{contact.id}"' in by_phone
    _, _, by_name = browser.get("/app/acme/search?name=%D0%B8%D0%B2%D0%B0%D0%BD")  # "иван", any case
    assert f"/app/acme/contacts/{contact.id}" in by_name
    status, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
    assert status == 200
    assert "<script>alert(1)</script>" not in card and "&lt;script&gt;" in card  # autoescaped
    assert 'href="telf:+380442246595"' in card and "Иван Менеджер" in card
    assert (
        '<audio controls preload="none" src="https://acme.phonet.com.ua/rest/public/calls/pagecall00000000000000000000/audio">'
        in card
    )
    assert "1:00" in card  # talk time


def test_contact_card_shows_the_robot_calls_recognized_answer(seeded, pages, lambda_context) -> None:
    contact = add(seeded, name="Петров", numbers=["+79222220000"])
    event = load_event("avtodialer_result/json_result.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = (
        f"/hooks/avtodialer/{ACME_AVTODIALER_TOKEN}/result"
    )
    event["pathParameters"] = {"token": ACME_AVTODIALER_TOKEN}
    body = json.loads(event["body"]) | {"answer": "да, <b>интересно</b>"}
    event["body"] = json.dumps(body, ensure_ascii=False)
    assert load_function("avtodialer_result").handler(event, lambda_context)["statusCode"] == 200
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    status, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
    assert status == 200
    assert "Ответ роботу: «да, &lt;b&gt;интересно&lt;/b&gt;»" in card


def test_new_contact_form_prefilled_then_created_by_the_employee(seeded, pages, lambda_context) -> None:
    browser = Browser(pages, lambda_context, language="en-US,en;q=0.8")
    browser.sign_in()
    status, _, form = browser.get("/app/acme/contacts/new?phone=%2B380505826633")
    assert status == 200 and 'value="+380505826633"' in form and "New contact" in form
    status, headers, _ = browser.post(
        "/app/acme/contacts/new",
        name="Олена",
        phone="+380505826633",
        type="lead",
        company="",
        email="",
        description="",
    )
    assert status == 303
    contact_id = headers["Location"].rsplit("/", 1)[1]
    contact = seeded.contact_store.get("acme", contact_id)
    anna = seeded.tenant_store.employee_by_login("acme", "anna")
    assert (contact.name, contact.type, contact.created_by, contact.responsible_employee_id) == (
        "Олена",
        "lead",
        anna.id,
        anna.id,
    )
    status, _, page = browser.post("/app/acme/contacts/new", name="X", phone="not a phone", type="contact")
    assert status == 400 and 'class="error"' in page


def test_search_page_finds_by_any_word_of_the_name_any_case_and_yo(seeded, pages, lambda_context) -> None:
    wanted = add(seeded, name="Анастасия Берёзкина")
    other = add(seeded, name="Пётр Иванов", numbers=["0505826633"])
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    for query in ("Березкина", "БЕРЁЗКИНА", "анастасия бер"):
        status, _, page = browser.get(f"/app/acme/search?{urlencode({'name': query})}")
        assert status == 200 and f"/contacts/{wanted.id}" in page and f"/contacts/{other.id}" not in page
    assert f"/contacts/{other.id}" in browser.get(f"/app/acme/search?{urlencode({'name': 'петр'})}")[2]


def test_new_contact_form_says_whose_the_number_is_and_still_creates(seeded, pages, lambda_context) -> None:
    holder = add(seeded, name="Олена Коваль", numbers=["0505826633"])
    browser = Browser(pages, lambda_context, language="en")
    browser.sign_in()
    _, _, form = browser.get("/app/acme/contacts/new?phone=0505826633")
    assert 'id="number-taken"' in form and "This number already belongs to" in form
    assert f'<a href="/app/acme/contacts/{holder.id}">Олена Коваль</a>' in form
    _, _, fresh = browser.get("/app/acme/contacts/new?phone=0671234567")
    assert 'id="number-taken"' not in fresh
    status, headers, _ = browser.post(
        "/app/acme/contacts/new", name="Second", phone="0505826633", type="contact"
    )
    assert status == 303 and headers["Location"] != f"/app/acme/contacts/{holder.id}"


def test_app_root_with_a_trailing_slash_opens_the_app(pages, lambda_context) -> None:
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    for path in ("/app/acme", "/app/acme/"):
        status, headers, _ = browser.get(path)
        assert (status, headers.get("Location")) == (303, "/app/acme/callbacks"), path


def test_callbacks_listed_newest_first_and_marked_done_by_hand(seeded, pages, lambda_context) -> None:
    calls = CallService(
        CallStore(
            *[seeded.contact_store.table.replace("contacts", t) for t in ("calls", "contacts", "tenants")]
        ),
        seeded.contact_store,
        lambda _lead: None,
    )
    for i, number in enumerate(["0501111111", "0502222222"]):
        base = {
            "uuid": f"missed{i}call000000000000000",
            "lgDirection": 4,
            "dialAt": 1_700_000_000 + i * 100,
            "leg": {"ext": "001"},
            "otherLegs": [{"num": number}],
        }
        calls.record_pbx_event(seeded.acme, phonet_record(seeded.acme, {**base, "event": "call.hangup"}))
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    _, _, page = browser.get("/app/acme/callbacks")
    assert re.findall(r'href="telf:([^"]+)"', page) == ["+380502222222", "+380501111111"]
    status, headers, _ = browser.post("/app/acme/callbacks/close", phone="+380502222222")
    assert status == 303
    _, _, page = browser.get("/app/acme/callbacks")
    assert re.findall(r'href="telf:([^"]+)"', page) == ["+380501111111"]


def test_another_tenants_pages_are_never_shown(seeded, pages, lambda_context) -> None:
    theirs = add(seeded, tenant="globex", name="Globex secret", numbers=["89222220000"])
    browser = Browser(pages, lambda_context)
    browser.sign_in()  # acme's employee
    assert browser.get(f"/app/acme/contacts/{theirs.id}")[0] == 404
    status, headers, _ = browser.get(f"/app/globex/contacts/{theirs.id}")
    assert status == 303 and headers["Location"].startswith("/app/globex/login")
    # even a cookie carried over by hand: acme's session is signed with acme's key
    status, headers, _ = browser.request("GET", "/app/globex/callbacks")
    assert status == 303
    assert browser.sign_in(tenant="globex", login="anna")[0] == 401


def test_logout_ends_the_session(pages, lambda_context) -> None:
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    assert browser.post("/app/acme/logout")[0] == 303
    assert browser.get("/app/acme/callbacks")[0] == 303


@pytest.mark.parametrize(
    ("language", "cookie", "lang", "text"),
    [
        ("uk-UA,uk;q=0.9", None, "uk", "Не знайдено"),
        ("en-GB", None, "en", "Not found"),
        ("de", None, "ru", "Не найдено"),  # a language the pages do not speak: the default tenant's
        ("en", "uk", "uk", "Не знайдено"),  # the person's chosen language first, as on every page
    ],
)
def test_pages_unknown_tenant_or_address_is_a_404_page_in_the_browsers_language(
    pages, lambda_context, language: str, cookie: str | None, lang: str, text: str
) -> None:
    browser = Browser(pages, lambda_context, language=language)
    if cookie:
        browser.cookies["hub_lang"] = cookie
    for path in ("/app/nosuchtenant/login", "/app/acme/no/such/page"):
        status, headers, body = browser.get(path)
        assert status == 404, path
        assert headers["Content-Type"].startswith("text/html")
        assert f'<html lang="{lang}">' in body and f"<h1>{text}</h1>" in body, body
